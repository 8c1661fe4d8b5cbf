"""The explorer: one self-contained, interactive page per graph.

:func:`explore` lays the graph out once with Graphviz and writes a page around that drawing in
which a learner steps through backprop (slider, ◀ ▶, ←/→, play), clicks a node to see the chain
rule at it with the numbers, changes a leaf's value and watches every gradient update, or, in
exercise mode, gives each gradient before it is shown. No server and no network: the page holds
the drawing (SVG), the graph (JSON), the op table's rules written as JavaScript
(:mod:`autograd.draw.javascript`) and the script that runs them (``explorer.js``), so what the
page computes is what ``backward()`` computes. It also defines ``window.chainrule`` for scripts:
``nodes()``, ``steps``, ``step(k)``, ``current()``, ``set(label, value)``, ``explain(id)`` and
``answer(value)`` (exercise mode).

Where scripts do not run (an untrusted notebook, a viewer that strips them), the page is the
finished drawing, every gradient complete.
"""

from __future__ import annotations

import hashlib
import html
import inspect
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd.atomic import write_atomically
from autograd.backprop import gradients, topological_order
from autograd.draw import style as drawstyle
from autograd.draw.frames import SET_PER_STEP
from autograd.draw.graph import cards, draw_graph, render
from autograd.draw.javascript import NotWritable, rule_function, runtime
from autograd.draw.style import number_of, shown
from autograd.draw.svg import Drawing
from autograd.value import Value

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Explorer:
    """The explorer page of one graph: ``html`` is the whole page, ``save(path)`` writes it
    (atomically), and in Jupyter it shows inline."""

    title: str
    _body: str
    _data: dict[str, Any]

    @property
    def html(self) -> str:
        """The page as a complete HTML document, to open in a browser."""
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(shown(self.title, drawstyle.TITLE_LENGTH))}</title>\n"
            "</head>\n<body>\n"
            f"{self._fragment(standalone=True)}\n</body>\n</html>\n"
        )

    def save(self, path: str | Path) -> None:
        """Write the page to ``path``: all of it, or (on any failure) nothing."""
        write_atomically(path, self.html.encode())

    def _repr_html_(self) -> str:
        return self._fragment(standalone=False)

    def _fragment(self, *, standalone: bool) -> str:
        data = json.dumps({**self._data, "standalone": standalone})
        # Inside <script>, "</script>" or "<!--" in a label would end or bend the script.
        data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        ident = "chainrule-" + hashlib.sha256((data + self._body).encode()).hexdigest()[:12]
        rules = ",\n".join(self._data["code"])
        script = (
            "(function () {\n"
            "  var script = document.currentScript;\n"
            "  var root = script && script.parentNode && script.parentNode.classList"
            ' && script.parentNode.classList.contains("chainrule-explorer")'
            f' ? script.parentNode : document.getElementById("{ident}");\n'
            '  var data = JSON.parse(root.querySelector("script.cr-graph").textContent);\n'
            f"  var m = {runtime()};\n"
            f"  var rules = [\n{rules}\n];\n"
            f"  var explore = {_asset('explorer.js').strip()}\n"
            "  explore(root, data, rules, m);\n"
            "})();"
        )
        return (
            f'<div class="chainrule-explorer" id="{ident}" tabindex="0">\n'
            f"<style>{_asset('explorer.css')}</style>\n"
            f"{self._body}\n"
            f'<script type="application/json" class="cr-graph">{data}</script>\n'
            f"<script>{script}</script>\n"
            "</div>"
        )


def explore(root: Value, *, exercise: bool = False, **draw_options: Any) -> Explorer:
    """The explorer page of ``root``'s graph (see the module's docstring).

    ``draw_options`` are :func:`autograd.draw_graph`'s (``rankdir``, ``show_local``,
    ``collapse_scopes``, ``clusters``, ``precision``, ``title``, ``legend``, ``max_nodes``); the
    page sets the gradients, the highlight and the fading itself. ``exercise=True`` hides the
    gradients: at each step the learner gives the gradient of the node, and the page says
    whether it is right (to the shown precision) and shows the chain-rule sum.

    The gradients are ∂root/∂node, computed afresh: the nodes' ``.grad`` are left as they are.
    A gradient made with ``backward(create_graph=True)`` is explored like any graph.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explore takes one Value, not {type(root).__name__}")
    if not isinstance(exercise, bool):
        raise TypeError(f"exercise must be True or False, not {exercise!r}")
    fixed = set(SET_PER_STEP) & draw_options.keys()
    if fixed:
        raise TypeError(f"explore sets {', '.join(sorted(fixed))} itself, at every step")
    order = topological_order(root)
    finals = [number_of(g) for g in gradients(root, order)]
    graph = draw_graph(root, grads=dict(zip(order, finals, strict=True)), **draw_options)
    layout = {k: v for k, v in draw_options.items() if k in ("collapse_scopes", "clusters")}
    drawn, ops = cards(root, **layout)
    drawing = Drawing(render(graph, "svg"), drawn, ops)

    index = {node: i for i, node in enumerate(order)}
    code: list[str] = []
    rule_of: dict[tuple[int, int], int] = {}
    unwritable: dict[str, str] = {}
    for node in order:
        rule = node.rule
        if rule is None or (id(rule), len(node.inputs)) in rule_of:
            continue
        try:
            function = rule_function(rule, len(node.inputs))
        except NotWritable as reason:
            rule_of[id(rule), len(node.inputs)] = -1
            unwritable.setdefault(_op_text(node), f"{_op_text(node)} ({reason})")
            continue
        if function not in code:
            code.append(function)
        rule_of[id(rule), len(node.inputs)] = code.index(function)

    users: list[list[tuple[int, int]]] = [[] for _ in order]
    shown_on: list[list[str]] = [[] for _ in order]
    clicks: dict[str, int] = dict(ops)
    members: dict[str, list[int]] = {}
    for card in drawn:
        members[card.name] = list(card.members)
        clicks[card.name] = card.nodes[0]
        for member in card.members:
            shown_on[member].append(card.name)
    for u in reversed(range(len(order))):
        for k, child in enumerate(order[u].inputs):
            users[index[child]].append((u, k))
    nodes = [
        {
            "label": node.label,
            "shown": shown(node.label, drawstyle.LABEL_LENGTH),
            "op": _op_text(node) if node.rule is not None else "",
            "rule": -1 if node.rule is None else rule_of[id(node.rule), len(node.inputs)],
            "notation": _notation(node),
            "inputs": [index[child] for child in node.inputs],
            "data": _number(node.data),
            "local": [_number(d) for d in node.local_derivatives],
            "grad": _number(g),
            "users": users[i],
            "cards": shown_on[i],
        }
        for i, (node, g) in enumerate(zip(order, finals, strict=True))
    ]
    title = draw_options.get("title") or root.label or "chainrule"
    data = {
        "nodes": nodes,
        "code": code,
        "unwritable": list(unwritable.values()),
        "cards": members,
        "clicks": clicks,
        "precision": draw_options.get("precision", 4),
        "exercise": exercise,
        "colours": {
            "positive": drawstyle.POSITIVE,
            "negative": drawstyle.NEGATIVE,
            "nan": drawstyle.NAN_FILL,
            "ink": drawstyle.INK,
            "border": drawstyle.BORDER,
            "muted": drawstyle.MUTED,
            "highlight": drawstyle.HIGHLIGHT,
            "faintest": drawstyle.FAINTEST,
            "whiteText": drawstyle.WHITE_TEXT,
        },
    }
    return Explorer(str(title), _body(drawing, len(order), exercise), data)


def _body(drawing: Drawing, steps: int, exercise: bool) -> str:
    """The page's controls, the drawing and the (empty) panel."""
    question = (
        '<div class="cr-question" hidden><form><span class="cr-ask"></span> '
        '<input type="text" inputmode="decimal" aria-label="your answer" autocomplete="off"> '
        '<button type="submit">check</button> '
        '<button type="button" class="cr-reveal">show me</button></form>'
        '<p class="cr-verdict"></p></div>\n'
        if exercise
        else ""
    )
    return (
        '<div class="cr-controls" hidden>'
        '<button type="button" class="cr-previous" title="previous step (←)">◀</button>'
        f'<input type="range" class="cr-slider" min="0" max="{steps}" value="{steps}" step="1" '
        'aria-label="backprop step">'
        '<button type="button" class="cr-next" title="next step (→)">▶</button>'
        '<button type="button" class="cr-play">▶ play</button>'
        '<span class="cr-counter"></span></div>\n'
        '<div class="cr-leaves"></div>\n'
        f"{question}"
        '<div class="cr-notice" hidden></div>\n'
        f'<div class="cr-drawing">{drawing.markup()}</div>\n'
        '<div class="cr-panel" hidden></div>'
    )


def _op_text(node: Value) -> str:
    return shown(drawstyle.symbol(node.op), drawstyle.SYMBOL_LENGTH)


def _notation(node: Value) -> str:
    """The op's rule as its docstring states it (its first paragraph), '' for a leaf."""
    if node.rule is None:
        return ""
    # The class's own docstring: a user's op without one does not inherit Op's.
    doc = inspect.cleandoc(type(node.rule).__doc__ or "")
    return " ".join(doc.split("\n\n")[0].split())


def _number(x: float) -> float | str:
    """A float for JSON, which has no inf or NaN: those become the strings "inf", "-inf", "nan"."""
    return x if math.isfinite(x) else str(x)


def _asset(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")

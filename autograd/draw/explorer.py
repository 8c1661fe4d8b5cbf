"""The explorer: one self-contained, interactive page per graph.

:func:`explore` lays the graph out once with Graphviz and writes a page around that drawing in
which a learner steps through backprop (slider, ◀ ▶, ←/→, play), clicks a node to see the chain
rule at it with the numbers, changes a leaf's value and watches every gradient update, or, in
exercise mode, gives each gradient before it is shown. No server and no network: the page holds
the drawing (SVG), the graph (JSON), the op table's rules written as JavaScript
(:mod:`autograd.draw.javascript`) and the script that runs them (``explorer.js``), so what the
page computes is what ``backward()`` computes.

On a model, the leaf fields are grouped by scope, as the drawing boxes them (MLP › Layer 1 ›
Neuron 2 › w1); the drawing pans and zooms (``zoom.js``) and opens fitted to the window. A page
that stands alone keeps its state in the URL's fragment (``#step=7&w1=0.5&exercise=1``), so that
a link opens it as it was. It also defines ``window.chainrule`` for scripts: ``nodes()``,
``steps``, ``step(k)``, ``current()``, ``set(name, value)`` (a leaf named by its scope path,
``"MLP/Layer 1/Neuron 2/w1"``, or by any end of it that no other leaf shares), ``explain(id)``,
``answer(value)`` (exercise mode), ``exercise(on)`` and ``view()`` (the part of the drawing in
view).

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
from autograd.draw.frames import SET_PER_STEP, layout_options
from autograd.draw.graph import box_id, cards, draw_graph, render, scopes
from autograd.draw.javascript import rule_function, runtime
from autograd.draw.style import number_of, shown
from autograd.draw.svg import Drawing
from autograd.symbols import NotWritable
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

    def __repr__(self) -> str:
        """What a notebook prints as the page's plain text: its title and size, not its HTML."""
        return f"Explorer(title={self.title!r}, nodes={len(self._data['nodes'])})"

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
            f"  var zoomable = {_asset('zoom.js').strip()}\n"
            f"  var explore = {_asset('explorer.js').strip()}\n"
            "  explore(root, data, rules, m, zoomable);\n"
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
    page sets the gradients, the highlight and the fading itself. ``exercise=True`` opens the
    page in exercise mode, the gradients hidden: at each step the learner gives the gradient of
    the node, and the page says whether it is right (to the shown precision) and shows the
    chain-rule sum. (A checkbox on the page turns exercise mode on and off.)

    The gradients are ∂root/∂node, computed afresh: the nodes' ``.grad`` are left as they are.
    A gradient made with ``backward(create_graph=True)`` is explored like any graph.
    """
    _check_arguments(root, exercise, draw_options)
    order = topological_order(root)
    finals = [number_of(g) for g in gradients(root, order)]
    drawing = _draw(root, dict(zip(order, finals, strict=True)), draw_options)
    rules = _Rules(order)
    # Leaf fields are grouped by scope; a scope drawn as one summary card starts closed.
    places, collapsed = scopes(root, collapse_scopes=draw_options.get("collapse_scopes", False))
    data = {
        "nodes": _nodes(order, finals, drawing, rules, places),
        "code": rules.code,
        "unwritable": list(rules.unwritable.values()),
        "cards": {card.name: list(card.members) for card in drawing.cards},
        "clicks": {**drawing.ops, **{card.name: card.nodes[0] for card in drawing.cards}},
        "collapsed": sorted("/".join(path) for path in collapsed),
        "boxes": {box_id(path): "/".join(path) for path in _boxes(places)},
        "precision": draw_options.get("precision", 4),
        "exercise": exercise,
        "colours": _COLOURS,
    }
    title = draw_options.get("title") or root.label or "chainrule"
    return Explorer(str(title), _body(drawing, len(order), exercise), data)


#: The drawing's colours (autograd/draw/style.py), as the page restyles it.
_COLOURS = {
    "positive": drawstyle.POSITIVE,
    "negative": drawstyle.NEGATIVE,
    "nan": drawstyle.NAN_FILL,
    "ink": drawstyle.INK,
    "border": drawstyle.BORDER,
    "muted": drawstyle.MUTED,
    "highlight": drawstyle.HIGHLIGHT,
    "faintest": drawstyle.FAINTEST,
    "whiteText": drawstyle.WHITE_TEXT,
}


def _check_arguments(root: object, exercise: object, draw_options: dict[str, Any]) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"explore takes one Value, not {type(root).__name__}")
    if not isinstance(exercise, bool):
        raise TypeError(f"exercise must be True or False, not {exercise!r}")
    fixed = set(SET_PER_STEP) & draw_options.keys()
    if fixed:
        raise TypeError(f"explore sets {', '.join(sorted(fixed))} itself, at every step")


def _draw(root: Value, grads: dict[Value, float], draw_options: dict[str, Any]) -> Drawing:
    """Graphviz's one drawing of the graph, every gradient complete, its changing parts marked."""
    graph = draw_graph(root, grads=grads, **draw_options)
    drawn, ops = cards(root, **layout_options(draw_options))
    return Drawing(render(graph, "svg"), drawn, ops)


class _Rules:
    """The op table's rules that the graph uses, written once each as JavaScript: ``code``
    lists the functions, ``index(node)`` gives the one a node runs (-1 for a leaf, or for an op
    the page cannot compute, named with the reason in ``unwritable``)."""

    def __init__(self, order: list[Value]):
        self.code: list[str] = []
        self.unwritable: dict[str, str] = {}
        self._written: dict[tuple[int, int], int] = {}
        for node in order:
            if node.rule is not None and self._key(node) not in self._written:
                self._written[self._key(node)] = self._write(node)

    @staticmethod
    def _key(node: Value) -> tuple[int, int]:
        return id(node.rule), len(node.inputs)

    def _write(self, node: Value) -> int:
        assert node.rule is not None
        try:
            function = rule_function(node.rule, len(node.inputs))
        except NotWritable as reason:
            self.unwritable.setdefault(_op_text(node), f"{_op_text(node)} ({reason})")
            return -1
        if function not in self.code:
            self.code.append(function)
        return self.code.index(function)

    def index(self, node: Value) -> int:
        return -1 if node.rule is None else self._written[self._key(node)]


def _nodes(
    order: list[Value],
    finals: list[float],
    drawing: Drawing,
    rules: _Rules,
    places: list[tuple[str, ...]],
) -> list[dict[str, Any]]:
    """Each node as the page reads it, in topological order: its numbers, its rule, its inputs
    and users (the nodes it passes its gradient to, with the input it is there), its cards and
    its scope."""
    index = {node: i for i, node in enumerate(order)}
    users: list[list[tuple[int, int]]] = [[] for _ in order]
    for u in reversed(range(len(order))):
        for k, child in enumerate(order[u].inputs):
            users[index[child]].append((u, k))
    shown_on: list[list[str]] = [[] for _ in order]
    for card in drawing.cards:
        for member in card.members:
            shown_on[member].append(card.name)
    return [
        {
            "label": node.label,
            "shown": shown(node.label, drawstyle.LABEL_LENGTH),
            "op": _op_text(node) if node.rule is not None else "",
            "rule": rules.index(node),
            "notation": _notation(node),
            "inputs": [index[child] for child in node.inputs],
            "data": _number(node.data),
            "local": [_number(d) for d in node.local_derivatives],
            "grad": _number(g),
            "users": users[i],
            "cards": shown_on[i],
            "scope": list(places[i]),
        }
        for i, (node, g) in enumerate(zip(order, finals, strict=True))
    ]


def _boxes(places: list[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Every scope and every scope around it: the boxes the drawing may show."""
    return {place[:depth] for place in places for depth in range(1, len(place) + 1)}


def _body(drawing: Drawing, steps: int, exercise: bool) -> str:
    """The page's controls, the drawing and the (empty) panel."""
    checked = " checked" if exercise else ""
    return (
        '<div class="cr-controls" hidden>'
        '<button type="button" class="cr-previous" title="previous step (←)">◀</button>'
        f'<input type="range" class="cr-slider" min="0" max="{steps}" value="{steps}" step="1" '
        'aria-label="backprop step">'
        '<button type="button" class="cr-next" title="next step (→)">▶</button>'
        '<button type="button" class="cr-play">▶ play</button>'
        '<span class="cr-counter"></span>'
        f'<label class="cr-exercise"><input type="checkbox"{checked}> exercise</label>'
        '<span class="cr-zoom">'
        '<button type="button" class="cr-zoom-in" title="zoom in (or the mouse wheel)">+</button>'
        '<button type="button" class="cr-zoom-out" title="zoom out">−</button>'
        '<button type="button" class="cr-fit" title="the whole graph in view">fit</button>'
        "</span></div>\n"
        '<div class="cr-leaves"></div>\n'
        '<div class="cr-question" hidden><form><span class="cr-ask"></span> '
        '<input type="text" inputmode="decimal" aria-label="your answer" autocomplete="off"> '
        '<button type="submit">check</button> '
        '<button type="button" class="cr-reveal">show me</button></form>'
        '<p class="cr-verdict"></p></div>\n'
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

"""How a drawing of a graph looks: cards, colours, numbers and the escaping of labels.

Everything here makes text for Graphviz's HTML-like labels; :mod:`autograd.draw` decides what
goes where. A ``Value`` is a card: its label in bold, then ``data`` and ``grad`` rows with the
numbers right-aligned. The grad row is a pill whose colour says the sign of the gradient (red
positive, blue negative, after ColorBrewer's RdBu, which colour-blind readers can tell apart)
and whose depth says its size relative to the largest gradient drawn.
"""

from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.numbers import number_of as number_of  # explorer.py reads it from here
from autograd.value import Value

FONT = "Helvetica,Arial,sans-serif"
INK = "#1e293b"
MUTED = "#64748b"
BORDER = "#94a3b8"
HIGHLIGHT = "#f59e0b"
OP_FILL = "#e2e8f0"
POSITIVE = (178, 24, 43)
NEGATIVE = (33, 102, 172)
NAN_FILL = "#fde68a"
#: The depth of the faintest gradient colour (0 white, 1 the full colour), and the depth above
#: which a gradient's number is written in white.
FAINTEST = 0.15
WHITE_TEXT = 0.55
#: Fills of nested scope boxes, lightest outside.
SCOPE_FILLS = ("#f8fafc", "#eef2f7", "#e2e8f0")
#: The longest text drawn on one line: a label or a scope's name on a card, an op's symbol, a
#: title (longer text is shortened with …; a title of thousands of characters would make a
#: picture wider than Graphviz can render).
LABEL_LENGTH = 40
SYMBOL_LENGTH = 20
TITLE_LENGTH = 200
#: How many of its outputs a scope's summary card lists.
SUMMARY_OUTPUTS = 3
#: What stands for a character that cannot be drawn.
REPLACEMENT = "\ufffd"

GRAPH = {
    "bgcolor": "white",
    "fontname": FONT,
    "nodesep": "0.25",
    "ranksep": "0.35",
    "pad": "0.25",
    "labelloc": "t",
    # A second crossing minimisation around clusters would undo the reading order of the rows
    # (w1 before w2, Neuron 1 before Neuron 2) that draw.py asks for.
    "remincross": "false",
    # Bounds on dot's network simplex passes (ranking, then positions): at most 2 × the number
    # of nodes iterations each. On a random 500-node graph they halve dot's time (2.7 s → 1.5 s);
    # small graphs converge well within them and draw as before.
    "nslimit": "2",
    "nslimit1": "2",
}
NODE = {"fontname": FONT, "fontsize": "12", "fontcolor": INK}
EDGE = {"fontname": FONT, "color": MUTED, "arrowsize": "0.7", "penwidth": "1.2"}
#: Edges along which a highlighted node's gradient flows.
HIGHLIGHTED_EDGE = {"color": HIGHLIGHT, "penwidth": "2.5"}

#: How operations read on a drawing (``Value.op`` keeps the ASCII symbol).
_SYMBOLS = {"*": "×", "/": "÷", "-": "−", "**": "xʸ", "linear": "Σ wᵢxᵢ + b"}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@dataclass(frozen=True)
class Style:
    """What one drawing shows, and the colour scale of its gradients.

    ``grads`` holds the gradient drawn on each card; ``pending`` nodes have no complete gradient
    yet (backprop has not reached them): their grad is drawn faded. ``scale`` is the |grad|
    drawn in the deepest colour.
    """

    show_grad: bool
    precision: int
    grads: Mapping[Value, float]
    pending: frozenset[Value]
    scale: float

    def number(self, x: float) -> str:
        return format_number(x, self.precision)

    def value_card(self, node: Value, lit: bool, *, copy: bool = False) -> str:
        """A ``Value`` as a card: label, data, grad. A ``copy`` (the same value drawn again
        beside a distant use) has a dashed border."""
        return _table(_header(node.label) + self._rows(node), lit, dashed=copy)

    def summary_card(self, name: str, members: Sequence[Value], outputs: Sequence[Value]) -> str:
        """A scope drawn as one card: its name, its size, and the values it hands on."""
        operations = sum(1 for node in members if node.inputs)
        size = f"{_count(len(members), 'value')}, {_count(operations, 'operation')}"
        rows = _header(name) + _note(size)
        listed = outputs[:SUMMARY_OUTPUTS]
        for number, output in enumerate(listed, 1):
            label = shown(output.label, LABEL_LENGTH) or (
                "output" if len(outputs) == 1 else f"output {number}"
            )
            rows += _note(label, align="LEFT") + self._rows(output)
        if len(outputs) > len(listed):
            rows += _note(f"and {_count(len(outputs) - len(listed), 'more output')}")
        return _table(rows, lit=False)

    def edge_label(self, local_derivative: Any) -> str:
        """The local derivative ∂out/∂in written on an edge."""
        derivative = f"∂ = {self.number(number_of(local_derivative))}"
        return f'<<FONT POINT-SIZE="10" COLOR="{MUTED}">{derivative}</FONT>>'

    def _rows(self, node: Value) -> str:
        rows = _row("data", self.number(node.data), fill=None, ink=INK)
        if self.show_grad:
            grad = self.grads[node]
            fill, ink = (None, BORDER) if node in self.pending else grad_colours(grad, self.scale)
            # The grad row is always filled (white for no colour), so that every card has the
            # same parts in the same order, for the explorer to restyle.
            rows += _row("grad", self.number(grad), fill=fill or "white", ink=ink)
        return rows


def op_attributes(op: str, lit: bool) -> dict[str, str]:
    """An operation: a small grey oval with its symbol."""
    text = shown(symbol(op), SYMBOL_LENGTH) or REPLACEMENT
    return {
        "label": f"<{escape(text)}>",
        "shape": "ellipse",
        "style": "filled",
        "fillcolor": OP_FILL,
        "color": HIGHLIGHT if lit else BORDER,
        "penwidth": "2.5" if lit else "1",
        # A one-character symbol (× + −) is drawn larger than a name (tanh) to read as well.
        "fontsize": "14" if len(text) == 1 else "11",
        "height": "0.3",
        "width": "0.4",
        "margin": "0.04,0.02",
    }


def scope_attributes(path: Sequence[str]) -> dict[str, str]:
    """A scope's box: its last name as the title, deeper boxes a little darker."""
    name = shown(path[-1], LABEL_LENGTH)
    return {
        "label": f"<<B>{escape(name)}</B>>" if name else "",
        "style": "rounded,filled",
        "fillcolor": SCOPE_FILLS[min(len(path), len(SCOPE_FILLS)) - 1],
        "color": BORDER,
        "fontcolor": MUTED,
        "fontsize": "12",
        "labeljust": "l",
        "margin": "10",
    }


def caption(title: str | None, grads: bool, local: bool) -> str:
    """The title above a drawing, and a one-line legend of what colours and edges mean."""
    text = shown(title or "", TITLE_LENGTH)
    lines = [f'<FONT POINT-SIZE="14">{escape(text)}</FONT>'] if text else []
    legend = []
    if grads:
        legend.append(
            f'<FONT COLOR="{_hex(NEGATIVE)}">■</FONT> grad &lt; 0   '
            f'<FONT COLOR="{_hex(POSITIVE)}">■</FONT> grad &gt; 0   (deeper: larger |grad|)'
        )
    if local:
        legend.append("edge: local derivative ∂out/∂in")
    if legend:
        lines.append(f'<FONT POINT-SIZE="10" COLOR="{MUTED}">{"   ·   ".join(legend)}</FONT>')
    return f"<{'<BR/>'.join(lines)}>" if lines else ""


def grad_colours(grad: float, scale: float) -> tuple[str | None, str]:
    """(fill, text colour) for a gradient: red positive, blue negative, deeper when larger.

    The depth goes with √(|grad| / scale), so that small gradients still show.
    """
    if grad != grad:
        return NAN_FILL, INK  # NaN: a warning yellow
    if grad == 0 or not scale > 0:
        return None, INK
    strength = FAINTEST + (1 - FAINTEST) * math.sqrt(min(1.0, abs(grad) / scale))
    end = POSITIVE if grad > 0 else NEGATIVE
    fill = _hex(tuple(round(255 + (c - 255) * strength) for c in end))
    return fill, "white" if strength > WHITE_TEXT else INK


def symbol(op: str) -> str:
    """The op as it reads on a drawing: × for *, x² for **2, …"""
    if op.startswith("**") and op != "**":
        exponent = op[2:]
        if exponent.lstrip("-").isdigit():
            return "x" + exponent.translate(_SUPERSCRIPT)
        return f"x^{exponent}"
    return _SYMBOLS.get(op, op)


def format_number(x: float, precision: int) -> str:
    """Fixed-point with ``precision`` decimals; scientific when that would hide the number."""
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return f"{0.0:.{precision}f}"
    if 10.0 ** -min(precision, 3) <= abs(x) < 1e6:
        return f"{x:.{precision}f}"
    return f"{x:.{max(precision - 1, 1)}e}"


def shown(text: str, limit: int) -> str:
    """``text`` as a drawing (and the explorer page) shows it: on one line, at most ``limit``
    characters, each character that cannot be drawn replaced by � (U+FFFD).

    Runs of white space (tabs, line breaks, …) become one space. Control characters (NUL, ESC
    and its escape sequences, DEL, …), lone surrogates and the non-characters U+FFFE and U+FFFF
    cannot be drawn: Graphviz's XML parser refuses them, and a surrogate cannot even be
    encoded. Longer text ends in … at the limit.
    """
    line = "".join(_drawable(c) for c in " ".join(text.split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _drawable(character: str) -> str:
    if unicodedata.category(character) in ("Cc", "Cs") or character in "\ufffe\uffff":
        return REPLACEMENT
    return character


def escape(text: str) -> str:
    r"""``text`` inside an HTML-like label: ``& < > "`` become entities, and so does ``]``
    (Graphviz's label parser fails on a ``]`` straight after a tag); ``\`` is doubled because
    Graphviz reads escapes such as ``\N`` even there; ``{ } |`` are plain characters in
    HTML-like labels. Give it text made drawable by :func:`shown`.
    """
    return html.escape(text.replace("\\", "\\\\"), quote=True).replace("]", "&#93;")


def _header(label: str) -> str:
    """The card's label in bold ('' for no label, or a label with nothing to show)."""
    text = shown(label, LABEL_LENGTH)
    return f"<TR><TD><B>{escape(text)}</B></TD></TR>" if text else ""


def _note(text: str, align: str = "CENTER") -> str:
    """A row of small grey text."""
    return (
        f'<TR><TD ALIGN="{align}"><FONT POINT-SIZE="10" COLOR="{MUTED}">{escape(text)}'
        "</FONT></TD></TR>"
    )


def _row(name: str, number: str, *, fill: str | None, ink: str) -> str:
    """One ``name  number`` row, the number right-aligned; a filled row is a rounded pill."""
    background = f' STYLE="rounded" BGCOLOR="{fill}"' if fill else ""
    return (
        f"<TR><TD{background}>"
        '<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1"><TR>'
        f'<TD ALIGN="LEFT" WIDTH="28"><FONT POINT-SIZE="10" COLOR="{ink}">{name}</FONT></TD>'
        f'<TD ALIGN="RIGHT" WIDTH="58"><FONT COLOR="{ink}">{number}</FONT></TD>'
        "</TR></TABLE></TD></TR>"
    )


def _table(rows: str, lit: bool, *, dashed: bool = False) -> str:
    border, colour = ("3", HIGHLIGHT) if lit else ("1", BORDER)
    outline = "rounded,dashed" if dashed else "rounded"
    return (
        f'<<TABLE BORDER="{border}" COLOR="{colour}" STYLE="{outline}" BGCOLOR="white" '
        f'CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">{rows}</TABLE>>'
    )


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _hex(rgb: Sequence[int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)

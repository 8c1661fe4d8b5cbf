"""One rendered drawing, restyled for every step of backprop instead of drawn again.

Graphviz lays a graph out once (:func:`autograd.draw.graph.draw_graph`, then
:func:`autograd.draw.render`); :class:`Drawing` reads that SVG and marks the parts that change from
step to step: on each card the data and grad numbers, the grad's pill and the border; each
operation's oval; each edge and its local-derivative label. :meth:`Drawing.frame` then restyles a
copy for one step, in Python, for the static frames of :func:`autograd.draw.backprop_frames`; the
explorer page does the same in the browser (``explorer.js``), on the same marks:

* ``data-node="i"`` on every marked part of node ``i`` (its index in topological order), and on
  each edge along which node ``i`` passes its gradient on (``data-input`` says to which input);
* ``class`` ``cr-data``, ``cr-grad``, ``cr-grad-name`` (texts) and ``cr-pill`` on a card's
  rows; ``cr-border`` with ``data-card`` (the card's id) on its border; ``cr-op`` on an
  operation's oval; ``cr-local`` on an edge's label.

Numbers are right-aligned on a card, so their text is anchored at its right end: a longer or
shorter number then stays in place.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from autograd.draw import style as drawstyle

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NAMESPACE)
ET.register_namespace("xlink", XLINK_NAMESPACE)
_S = f"{{{SVG_NAMESPACE}}}"

#: The space between a number's right end and the edge of its pill, as Graphviz draws a card.
_NUMBER_INSET = 3.0

#: The parts of one node's rows on a card, from the last drawn to the first.
_ROW_PARTS = (
    ("text", "cr-grad"),
    ("text", "cr-grad-name"),
    ("path", "cr-pill"),
    ("text", "cr-data"),
    ("text", "cr-data-name"),
)


@dataclass(frozen=True)
class Card:
    """A card of the drawing: its SVG id, the nodes whose rows it shows, in order (one for a
    value or its copy, the listed outputs for a scope's summary), whether a small note comes
    before each row (a summary's output labels) and after the last ("and n more outputs"), and
    every node it stands for (a summary's members: it is highlighted when any of them is)."""

    name: str
    nodes: tuple[int, ...]
    members: tuple[int, ...]
    labelled_rows: bool = False
    closing_note: bool = False


class Drawing:
    """A rendered SVG with the changing parts of every card, op and edge marked."""

    def __init__(self, svg: bytes, cards: Sequence[Card], ops: Mapping[str, int]):
        """``cards`` lists every card; ``ops`` maps each operation's SVG id to its node."""
        self.root = ET.fromstring(svg)
        self.cards = tuple(cards)
        self.ops = dict(ops)
        groups = {g.get("id", ""): g for g in self.root.iter(f"{_S}g")}
        for group in groups.values():
            title = group.find(f"{_S}title")
            if title is not None:  # Graphviz's own names (v3, op3->v3) are no help on hover
                group.remove(title)
        for card in cards:
            _mark_card(groups[card.name], card)
        for name, node in ops.items():
            oval = groups[name].find(f"{_S}ellipse")
            if oval is not None:
                oval.set("class", "cr-op")
                oval.set("data-node", str(node))
        for name, group in groups.items():
            match = re.fullmatch(r"e(\d+)_(\d+)", name)
            if match and group.get("class") == "edge":
                group.set("data-node", match.group(1))
                group.set("data-input", match.group(2))
                label = group.find(f"{_S}text")
                if label is not None:
                    label.set("class", "cr-local")
            elif name.startswith("o") and name[1:].isdigit():
                group.set("data-node", name[1:])
        self.members = {card.name: frozenset(card.members) for card in cards}

    def markup(self, root: ET.Element | None = None) -> str:
        """The SVG as text to put inside HTML (no XML declaration)."""
        return ET.tostring(self.root if root is None else root, encoding="unicode")

    def frame(
        self,
        grads: Sequence[float],
        *,
        pending: Collection[int],
        highlight: int | None,
        scale: float,
        precision: int,
    ) -> str:
        """A copy of the drawing showing ``grads`` (by node), faded where ``pending``, with
        node ``highlight`` and the edges its gradient flows along in amber."""
        root = copy.deepcopy(self.root)
        waiting_nodes = frozenset(pending)
        for element in root.iter():
            part = element.get("class")
            if part == "cr-border":
                lit = highlight in self.members[element.get("data-card", "")]
                element.set("stroke", drawstyle.HIGHLIGHT if lit else drawstyle.BORDER)
                _set_width(element, "3" if lit else None)
                continue
            node = element.get("data-node")
            if node is None:
                continue
            i = int(node)
            lit = i == highlight
            waiting = i in waiting_nodes
            fill, ink = (
                (None, drawstyle.BORDER) if waiting else drawstyle.grad_colours(grads[i], scale)
            )
            if part == "cr-grad":
                element.text = drawstyle.format_number(grads[i], precision)
                element.set("fill", ink)
            elif part == "cr-grad-name":
                element.set("fill", ink)
            elif part == "cr-pill":
                element.set("fill", fill or "white")
            elif part == "cr-op":
                element.set("stroke", drawstyle.HIGHLIGHT if lit else drawstyle.BORDER)
                _set_width(element, "2.5" if lit else None)
            elif element.tag == f"{_S}g":  # an edge along which node i passes its gradient on
                for line in element:
                    if line.tag in (f"{_S}path", f"{_S}polygon"):
                        colour = drawstyle.HIGHLIGHT if lit else drawstyle.MUTED
                        line.set("stroke", colour)
                        if line.tag == f"{_S}polygon":
                            line.set("fill", colour)
                        _set_width(line, "2.5" if lit else "1.2")
        return self.markup(root)


def _mark_card(group: ET.Element, card: Card) -> None:
    """Mark the rows of a card, read from its last part back (its header may be missing)."""
    parts = [child for child in group if child.tag in (f"{_S}text", f"{_S}path")]
    border = parts.pop()
    border.set("class", "cr-border")
    border.set("data-card", card.name)
    if card.closing_note:
        parts.pop()
    for node in reversed(card.nodes):
        row_parts: list[ET.Element] = []
        for tag, name in _ROW_PARTS:
            element = parts.pop()
            if element.tag != f"{_S}{tag}":
                raise ValueError(f"card {card.name} is not drawn as expected: {name} is a {tag}")
            element.set("class", name)
            element.set("data-node", str(node))
            row_parts.append(element)
        if card.labelled_rows:
            parts.pop()
        right = _right_edge(row_parts[2]) - _NUMBER_INSET
        for number in (row_parts[0], row_parts[3]):
            number.set("text-anchor", "end")
            number.set("x", f"{right:.2f}")


def _right_edge(path: ET.Element) -> float:
    xs = [float(x) for x, _ in re.findall(r"(-?[\d.]+),(-?[\d.]+)", path.get("d", ""))]
    return max(xs)


def _set_width(element: ET.Element, width: str | None) -> None:
    if width is None:
        element.attrib.pop("stroke-width", None)
    else:
        element.set("stroke-width", width)

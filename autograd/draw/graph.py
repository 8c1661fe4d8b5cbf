"""Drawing computation graphs with Graphviz.

:func:`draw_graph` draws every ``Value`` a root depends on as a card (its label, data and grad)
and every operation as a small oval between its inputs and its output; the edges keep argument
order, so ``x - y`` and ``y - x`` look different. The picture is meant to teach the chain rule:

* a gradient is red when positive and blue when negative, deeper the larger it is (relative to
  the largest in the picture), so where the loss is sensitive can be seen at a glance;
* with ``show_local=True`` each edge into an operation carries the local derivative ∂out/∂in, so
  that a node's grad can be checked by hand: the sum, over its outgoing edges, of the local
  derivative times the grad of the node the edge leads to;
* nodes made inside :func:`autograd.scope` (every neuron and layer of ``nn``) are grouped in a
  box named after it, and ``collapse_scopes`` draws each such group as a single summary card;
* a value used far from where it is made (a weight shared by every step of a recurrent chain)
  is drawn again, with a dashed border, beside each distant use: the long edges it would need
  make Graphviz's layout time grow with the square of the graph, and the picture a tangle.

Every card, operation and edge has a stable name (``v3``, ``op3``, ``e3_0``), which the SVG keeps
as its element ids: the explorer page restyles them.

Only :mod:`autograd.draw` imports Graphviz, so ``import autograd`` does not need it.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import graphviz

from autograd.backprop import topological_order
from autograd.draw import style as drawstyle
from autograd.draw.style import Style
from autograd.draw.svg import Card
from autograd.numbers import number_of
from autograd.value import Value

#: Above this many cards Graphviz gets slow and the picture unreadable: draw_graph refuses.
MAX_NODES = 500

RANKDIRS = ("LR", "TB", "RL", "BT")

#: A value used more than this many operations after it is made (or, for a leaf, after its
#: first use) is drawn again beside that use, as a copy.
LONG_EDGE = 4


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``; the message says how to draw less."""


class RenderError(OSError):
    """Graphviz's ``dot`` program is missing or failed."""


def draw_graph(
    root: Value | Sequence[Value],
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local: bool = False,
    highlight: Value | Iterable[Value] | None = None,
    pending: Collection[Value] = (),
    clusters: bool = True,
    collapse_scopes: bool | int = False,
    max_nodes: int = MAX_NODES,
    precision: int = 4,
    grad_scale: float | None = None,
    title: str | None = None,
    legend: bool = True,
    grads: Mapping[Value, float] | None = None,
) -> graphviz.Digraph:
    """Draw ``root`` (or several roots) and everything it depends on.

    Args:
        root: the output to draw; an inner node draws only the sub-graph below it, and a
            gradient made by ``backward(create_graph=True)`` draws the gradient's own graph.
        rankdir: "LR" (inputs on the left), "TB", "RL" or "BT".
        show_grad: show ``.grad`` on each card, coloured by sign and size.
        show_local: label each edge into an operation with the local derivative ∂out/∂in.
        highlight: nodes drawn with a thick amber border, with the edges their gradient
            flows along.
        pending: nodes whose gradient is not complete yet (their grad is drawn faded).
        clusters: group the nodes made inside :func:`autograd.scope` in named boxes.
        collapse_scopes: draw each scope as one summary card: ``True`` for the innermost scope
            (each neuron), an int n for the first n levels (1: the whole model, 2: each layer).
        max_nodes: refuse (:class:`autograd.draw.GraphTooLargeError`) to draw more cards than this.
        precision: digits after the decimal point.
        grad_scale: the |grad| drawn in the deepest colour (default: the largest drawn).
        title: a caption above the drawing.
        legend: explain the colours (and edge labels) under the title.
        grads: the gradient to draw on each card (default: each node's ``.grad``).

    Returns a ``graphviz.Digraph``: it shows as SVG in Jupyter, ``.source`` is the DOT text (the
    same for the same graph, run after run) and :func:`autograd.draw.render` turns it into SVG,
    PNG or PDF.
    """
    roots = _roots(root)
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 12:
        raise ValueError(f"precision must be an int from 0 to 12, got {precision!r}")
    layout = _layout(roots, collapse_scopes, clusters)
    order = layout.order
    if layout.card_count > max_nodes:
        raise GraphTooLargeError(_too_large_message(layout, max_nodes, collapse_scopes))

    waiting = frozenset(pending)
    drawn = {node: number_of(node.grad) for node in order} if grads is None else grads
    style = Style(
        show_grad=show_grad,
        precision=precision,
        grads=drawn,
        pending=waiting,
        scale=_largest_grad(order, drawn, waiting) if grad_scale is None else grad_scale,
    )
    graph = graphviz.Digraph(
        "chainrule",
        graph_attr={"rankdir": rankdir, **drawstyle.GRAPH},
        node_attr=drawstyle.NODE,
        edge_attr=drawstyle.EDGE,
    )
    caption = drawstyle.caption(title, show_grad and legend, show_local and legend)
    if caption:
        graph.attr(label=caption)
    highlighted = set(_roots(highlight)) if highlight is not None else set()
    _add_nodes(graph, layout, style, highlighted, rankdir)
    _add_edges(graph, layout, style, highlighted, show_local)
    return graph


def render(graph: graphviz.Digraph, format: str = "svg") -> bytes:
    """The drawing as ``format`` (svg, png, pdf, …), or its DOT source for "dot" or "gv".

    A PNG is made at 192 dpi, twice the screen default, so that it stays sharp on a slide.
    """
    if format in ("dot", "gv"):
        return str(graph.source).encode()
    if format == "png":
        graph = graph.copy()
        graph.attr(dpi="192")
    try:
        # quiet: Graphviz's own warnings are not the user's business.
        data = bytes(graph.pipe(format=format, quiet=True))
    except graphviz.ExecutableNotFound:
        raise RenderError(
            "Graphviz's dot program is not installed (Debian/Ubuntu: sudo apt-get install "
            "graphviz; macOS: brew install graphviz)"
        ) from None
    except (graphviz.CalledProcessError, BrokenPipeError) as error:
        # Graphviz's message speaks of its own input (line numbers of the DOT text), which the
        # user never wrote: the error says what failed instead.
        code = getattr(error, "returncode", None)
        raise RenderError(
            f"Graphviz's dot could not draw this graph as {format}"
            + (f" (exit code {code})" if code is not None else "")
        ) from None
    return data


def cards(
    root: Value | Sequence[Value], *, collapse_scopes: bool | int = False, clusters: bool = True
) -> tuple[list[Card], dict[str, int]]:
    """What :func:`draw_graph` draws with these options: every card, and each operation's SVG
    id with the index of its node in topological order (for :class:`autograd.draw.svg.Drawing`).
    """
    layout = _layout(_roots(root), collapse_scopes, clusters)
    index = layout.index
    drawn: list[Card] = []
    ops: dict[str, int] = {}
    for node in layout.order:
        i = index[node]
        key = layout.summary.get(node)
        if key is None:
            drawn.append(Card(f"v{i}", (i,), (i,)))
            if node.inputs:
                ops[f"op{i}"] = i
        elif node is layout.summaries[key][0]:
            outputs = layout.outputs[key]
            members = tuple(index[n] for n in layout.summaries[key])
            listed = tuple(index[n] for n in outputs[: drawstyle.SUMMARY_OUTPUTS])
            more = len(outputs) > drawstyle.SUMMARY_OUTPUTS
            drawn.append(Card(layout.card(node), listed, members, True, more))
    for (child, _), name in layout.copies.items():
        drawn.append(Card(name, (index[child],), (index[child],)))
    return drawn, ops


def scopes(
    root: Value | Sequence[Value], *, collapse_scopes: bool | int = False
) -> tuple[list[tuple[str, ...]], set[tuple[str, ...]]]:
    """The scope each node is drawn in, in topological order (``()`` for none: a leaf made
    outside any scope takes the one scope of the nodes that use it), and the scopes
    ``collapse_scopes`` draws as one summary card each."""
    layout = _layout(_roots(root), collapse_scopes, True)
    return [layout.place[node] for node in layout.order], set(layout.summaries)


# -- what goes where -----------------------------------------------------------------------------

ScopePath = tuple[str, ...]


class _Layout:
    """Which card each node is drawn as, and in which scope box.

    A node is drawn in the box of its scope. A leaf made outside any scope (a parameter created
    in a module's ``__init__``) is drawn in the scope of the nodes that use it when they all
    share one, so that a neuron's weights sit inside the neuron. With collapsing, every node
    whose scope is cut to a non-empty prefix becomes part of that prefix's summary card.
    """

    def __init__(self, order: list[Value], roots: list[Value], depth: int | None, boxes: bool):
        self.order = order
        self.index = {node: i for i, node in enumerate(order)}
        users: dict[Value, set[str]] = {}
        for node in order:
            for child in node.inputs:
                users.setdefault(child, set()).add(node.scope)
        self.place: dict[Value, ScopePath] = {}
        for node in order:
            scope = node.scope
            if not scope and not node.inputs and len(users.get(node, ())) == 1:
                (scope,) = users[node]
            self.place[node] = tuple(scope.split("/")) if scope else ()

        #: The summary each collapsed node belongs to.
        self.summary: dict[Value, ScopePath] = {}
        if depth is not None:
            for node in order:
                cut = self.place[node][: depth or None]
                if cut:
                    self.summary[node] = cut
        self.summaries: dict[ScopePath, list[Value]] = {}
        for node, key in self.summary.items():
            self.summaries.setdefault(key, []).append(node)
        self.card_count = len(order) - len(self.summary) + len(self.summaries)
        self.scope_count = len({path for path in self.place.values() if path})

        consumed_outside = {
            child
            for node in order
            for child in node.inputs
            if self.summary.get(child) != self.summary.get(node)
        }
        #: The members of each summary that something outside it uses: its outputs.
        self.outputs = {
            key: [n for n in members if n in consumed_outside or n in roots]
            for key, members in self.summaries.items()
        }
        self.boxes = boxes
        self.has_boxes = any(self.box_of(node) for node in order)
        self.copies = self._distant_uses()

    def _distant_uses(self) -> dict[tuple[Value, Value], str]:
        """The card name of each copy: (value, the node that uses it far away) -> name.

        A node's depth is the length of the longest chain of operations that leads to it; a
        leaf belongs just before its first use. An input more than ``LONG_EDGE`` deeper than
        that is drawn again beside its use (not inside or into a summary card).
        """
        depth: dict[Value, int] = {}
        home: dict[Value, int] = {}
        for node in self.order:
            made = [depth[child] for child in node.inputs if child.inputs]
            depth[node] = 1 + max(made, default=0) if node.inputs else 0
            for child in node.inputs:
                if not child.inputs:
                    home[child] = min(home.get(child, depth[node]), depth[node] - 1)
        copies: dict[tuple[Value, Value], str] = {}
        for node in self.order:
            if node in self.summary:
                continue
            for child in node.inputs:
                start = home[child] if not child.inputs else depth[child]
                far = depth[node] - start > LONG_EDGE
                if far and child not in self.summary and (child, node) not in copies:
                    copies[child, node] = f"a{self.index[child]}_{self.index[node]}"
        return copies

    def card(self, node: Value) -> str:
        """The Graphviz name of the card ``node`` is drawn as."""
        key = self.summary.get(node)
        if key is None:
            return f"v{self.index[node]}"
        return f"s{self.index[self.summaries[key][0]]}"

    def box_of(self, node: Value) -> ScopePath:
        """The scope box the card of ``node`` is drawn in (``()`` for none)."""
        if not self.boxes:
            return ()
        key = self.summary.get(node)
        return self.place[node] if key is None else key[:-1]


def _layout(roots: list[Value], collapse: bool | int, clusters: bool) -> _Layout:
    return _Layout(topological_order(roots), roots, _collapse_depth(collapse), clusters)


def _collapse_depth(collapse: bool | int) -> int | None:
    """None for no collapsing, 0 for the innermost scope, n for the first n levels."""
    if collapse is True:
        return 0
    if collapse is False:
        return None
    if not isinstance(collapse, int) or collapse < 1:
        raise ValueError(f"collapse_scopes must be True, False or a level ≥ 1, got {collapse!r}")
    return collapse


def _too_large_message(layout: _Layout, max_nodes: int, collapse: bool | int) -> str:
    ways = ["draw_graph(node) draws only what one inner node depends on"]
    if layout.scope_count and collapse is False:
        ways.append("collapse_scopes=True draws each scope as one summary card")
    elif layout.scope_count and (collapse is True or collapse > 1):
        ways.append("collapse_scopes=1 draws each outermost scope as one summary card")
    ways.append(f"max_nodes={layout.card_count} draws everything, slowly")
    return (
        f"the graph has {layout.card_count} nodes to draw, more than max_nodes={max_nodes}: "
        f"Graphviz would be slow and the picture unreadable. Draw less: {'; '.join(ways)}"
    )


# -- drawing ---------------------------------------------------------------------------------

Entries = dict[ScopePath, list[tuple[str, dict[str, str]]]]


@dataclass
class _Box:
    """What one scope box holds (the box ``()`` is the graph itself)."""

    cards: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    #: Runs of cards kept side by side in this order (a neuron's weights, a layer's neurons).
    rows: list[list[str]] = field(default_factory=list)


def _add_nodes(
    graph: graphviz.Digraph, layout: _Layout, style: Style, lit: set[Value], rankdir: str
) -> None:
    """Every card and operation, each inside its (nested) scope box."""
    boxes: dict[ScopePath, _Box] = {(): _Box()}
    for node in layout.order:
        path = layout.box_of(node)
        for depth in range(1, len(path) + 1):
            boxes.setdefault(path[:depth], _Box())  # outer boxes first: they number first
        cards = boxes[path].cards
        key = layout.summary.get(node)
        if key is None:
            cards.append((layout.card(node), _card(style.value_card(node, node in lit))))
            for child in dict.fromkeys(node.inputs):
                copy = layout.copies.get((child, node))
                if copy is not None:
                    card = style.value_card(child, child in lit, copy=True)
                    cards.append((copy, _card(card)))
            if node.inputs:
                attributes = drawstyle.op_attributes(node.op, node in lit)
                if not layout.has_boxes:
                    # Inputs in argument order along the op's side: x − y reads top to bottom.
                    # (Graphviz mixes this ordering up around clusters, so only without them.)
                    attributes["ordering"] = "in"
                cards.append((f"op{layout.index[node]}", attributes))
        elif node is layout.summaries[key][0]:
            card = style.summary_card(key[-1], layout.summaries[key], layout.outputs[key])
            cards.append((layout.card(node), _card(card)))
    for path, row in _rows(layout):
        boxes[path].rows.append(row)
    # Left to right in Graphviz's own top-to-bottom layout comes out bottom to top once it is
    # turned for LR or RL, so there the rows are given in reverse. Sibling boxes are too: the
    # order of clusters is Graphviz's own choice, and declared in reverse it most often comes out
    # as Neuron 1, 2, 3 from the top for nn's networks.
    _add_box(graph, (), boxes, reverse=rankdir in ("LR", "RL"))


def _rows(layout: _Layout) -> Iterator[tuple[ScopePath, list[str]]]:
    """Runs of cards that Graphviz should keep side by side in reading order, with their box.

    Left alone, Graphviz may put a neuron's w2 before its w1, or Neuron 3 before Neuron 1. The
    runs: the leaves only one operation uses (its weights and bias), in argument order, and the
    summary cards in one box fed by the same cards (the neurons of a layer).
    """
    uses = Counter(child for node in layout.order for child in set(node.inputs))
    for node in layout.order:
        # Without boxes, the operations' ordering="in" keeps all their inputs in order.
        if node in layout.summary or not node.inputs or not layout.has_boxes:
            continue
        run: list[str] = []
        for child in node.inputs:
            card = layout.card(child)
            private = not child.inputs and uses[child] == 1 and child not in layout.summary
            if private and layout.box_of(child) == layout.box_of(node) and card not in run:
                run.append(card)
        if len(run) > 1:
            yield layout.box_of(node), run
    siblings: dict[tuple[ScopePath, frozenset[str]], list[str]] = {}
    for members in layout.summaries.values():
        card = layout.card(members[0])
        sources = frozenset(layout.card(c) for n in members for c in n.inputs) - {card}
        siblings.setdefault((layout.box_of(members[0]), sources), []).append(card)
    for (path, _), run in siblings.items():
        if len(run) > 1:
            yield path, run


def _card(label: str) -> dict[str, str]:
    return {"label": label, "shape": "plain"}


def _named(name: str, attributes: dict[str, str]) -> dict[str, str]:
    """``attributes`` with the SVG id ``name``: the explorer page finds the element by it."""
    return {"id": name, **attributes}


def _add_box(
    graph: graphviz.Digraph, path: ScopePath, boxes: dict[ScopePath, _Box], reverse: bool
) -> None:
    for name, attributes in boxes[path].cards:
        graph.node(name, **_named(name, attributes))
    for row in boxes[path].rows:
        # Cards on one rank joined by edges are laid out in the edges' direction.
        with graph.subgraph() as rank:
            rank.attr(rank="same")
            for tail, head in itertools.pairwise(reversed(row) if reverse else row):
                rank.edge(tail, head, style="invis")
    inner = [p for p in boxes if len(p) == len(path) + 1 and p[: len(path)] == path]
    for child in reversed(inner) if reverse else inner:
        # Clusters are numbered in order of appearance, so the source is deterministic.
        with graph.subgraph(name=f"cluster_{list(boxes).index(child)}") as box:
            box.attr(id=box_id(child), **drawstyle.scope_attributes(child))
            _add_box(box, child, boxes, reverse)


def box_id(path: Sequence[str]) -> str:
    """The SVG id of a scope's box, made from its path (of any length, in any characters), so
    that the explorer page finds the scope of the box a reader clicks."""
    name = "/".join(path).encode("utf-8", "surrogatepass")
    return "scope-" + hashlib.sha256(name).hexdigest()[:16]


def _add_edges(
    graph: graphviz.Digraph, layout: _Layout, style: Style, lit: set[Value], show_local: bool
) -> None:
    """Inputs → operation → output, in argument order; into a summary card, each edge once."""
    drawn: set[tuple[str, str]] = set()
    for node in layout.order:
        if not node.inputs:
            continue
        into_summary = node in layout.summary
        target = layout.card(node) if into_summary else f"op{layout.index[node]}"
        colour = drawstyle.HIGHLIGHTED_EDGE if node in lit else {}
        index = layout.index[node]
        for k, (child, local) in enumerate(zip(node.inputs, node.local_derivatives, strict=True)):
            name = f"e{index}_{k}"
            source = layout.copies.get((child, node)) or layout.card(child)
            if into_summary:
                if source != target and (source, target) not in drawn:
                    drawn.add((source, target))
                    graph.edge(source, target, id=name)
                continue
            attributes = _named(name, colour)
            if layout.box_of(child) != layout.box_of(node) and source == layout.card(child):
                # Room between boxes: a scope's leaves sit one rank before its first operation,
                # where they would otherwise overlap the box that feeds it.
                attributes["minlen"] = "2"
            if show_local:
                attributes["label"] = style.edge_label(local)
            graph.edge(source, target, **attributes)
        if not into_summary:
            graph.edge(target, layout.card(node), **_named(f"o{index}", colour))


def _largest_grad(
    order: Iterable[Value], grads: Mapping[Value, float], pending: Collection[Value]
) -> float:
    drawn = (abs(grads[node]) for node in order if node not in pending)
    return max((g for g in drawn if math.isfinite(g)), default=0.0)


def _roots(root: object) -> list[Value]:
    if isinstance(root, Value):
        return [root]
    if isinstance(root, Iterable) and not isinstance(root, str | bytes):
        nodes = list(root)
        if nodes and all(isinstance(node, Value) for node in nodes):
            return nodes
    hint = (
        ": a gradient is a Value only after backward(create_graph=True)"
        if isinstance(root, float | int)
        else ""
    )
    raise TypeError(f"draw a Value or a list of Values, not {type(root).__name__}{hint}")

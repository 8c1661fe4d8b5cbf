"""Drawing graphs: rendered to SVG with the real ``dot``, and the SVG read back."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import graphviz
import pytest
from conftest import examples
from hypothesis import given, settings
from support.graphs import neuron

from autograd import Value, linear, scope, strategies, topological_order, total
from autograd.draw import MAX_NODES, GraphTooLargeError, RenderError, draw_graph, render
from autograd.draw.graph import LONG_EDGE
from autograd.draw.style import HIGHLIGHT, grad_colours
from benchmarks.drawing import recurrent_chain

SVG = "{http://www.w3.org/2000/svg}"


# -- reading the SVG -----------------------------------------------------------------------------
def svg_of(graph: graphviz.Digraph) -> ET.Element:
    return ET.fromstring(render(graph, "svg"))


def groups(svg: ET.Element, kind: str) -> dict[str, ET.Element]:
    """The SVG groups of one kind ("node", "edge", "cluster"), by their <title>."""
    found = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") == kind:
            title = group.find(f"{SVG}title")
            assert title is not None and title.text is not None
            found[title.text] = group
    return found


def edges(svg: ET.Element) -> list[tuple[str, ET.Element]]:
    """Every edge as ("tail->head", group), in the order drawn (an edge drawn twice is twice)."""
    found = []
    for group in svg.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if group.get("class") == "edge" and title is not None:
            found.append((title.text or "", group))
    return found


def edge_titles(svg: ET.Element) -> list[str]:
    return [title for title, _ in edges(svg)]


def texts(element: ET.Element) -> list[str]:
    return [(t.text or "").replace("\xa0", " ").strip() for t in element.iter(f"{SVG}text")]


def fills(element: ET.Element) -> set[str]:
    """The colours shapes are filled with (not white, not none)."""
    shapes = (s for s in element if s.tag in (f"{SVG}path", f"{SVG}polygon"))
    return {shape.get("fill", "") for shape in shapes} - {"none", "white", "transparent"}


def strokes(element: ET.Element) -> set[str]:
    return {
        shape.get("stroke", "") for shape in element if shape.tag in (f"{SVG}path", f"{SVG}polygon")
    }


def card(svg: ET.Element, label: str) -> ET.Element:
    """The node group whose first text is ``label``."""
    matches = [g for g in groups(svg, "node").values() if texts(g)[:1] == [label]]
    assert len(matches) == 1, f"{len(matches)} cards labelled {label!r}"
    return matches[0]


def box(element: ET.Element) -> tuple[float, float, float, float]:
    """The bounding box (x0, y0, x1, y1) of the first shape of a group."""
    shape = next(s for s in element if s.tag in (f"{SVG}path", f"{SVG}polygon"))
    outline = shape.get("d") or shape.get("points") or ""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", outline)]
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def inside(inner: ET.Element, outer: ET.Element) -> bool:
    a, b = box(inner), box(outer)
    return b[0] <= a[0] and b[1] <= a[1] and a[2] <= b[2] and a[3] <= b[3]


# -- graphs to draw ------------------------------------------------------------------------------
def scoped_network() -> Value:
    """A layer of three neurons as ``nn`` builds it: each neuron's z = Σ wᵢxᵢ + b (one
    ``linear`` node) and tanh inside its own scope, its parameters made outside any scope."""
    x = [Value(1.0, label="x1"), Value(-2.0, label="x2")]
    weights = [(0.5, -0.25, 0.1), (1.5, 0.75, -0.2), (-1.0, 0.5, 0.3)]
    params = [
        ([Value(w1, label="w1"), Value(w2, label="w2")], Value(b, label="b"))
        for w1, w2, b in weights
    ]
    outputs = []
    with scope("Net"), scope("Layer 1"):
        for i, (ws, b) in enumerate(params, 1):
            with scope(f"Neuron {i}"):
                outputs.append(linear(ws, x, b).tanh())
    loss = total(outputs)
    loss.label = "loss"
    loss.backward()
    return loss


# -- what is drawn -------------------------------------------------------------------------------
def test_each_value_is_a_card_with_its_label_data_and_grad() -> None:
    svg = svg_of(draw_graph(neuron()))
    assert texts(card(svg, "x1")) == ["x1", "data", "2.0000", "grad", "-1.5000"]
    assert texts(card(svg, "w1")) == ["w1", "data", "-3.0000", "grad", "1.0000"]
    assert texts(card(svg, "o")) == ["o", "data", "0.7071", "grad", "1.0000"]


def test_there_is_a_card_per_value_and_an_oval_per_operation() -> None:
    svg = svg_of(draw_graph(neuron()))
    nodes = groups(svg, "node")
    values, operations = 10, 5  # x1 x2 w1 w2 b, x1w1 x2w2 their sum, n, o
    assert len(nodes) == values + operations
    symbols = sorted(texts(g)[0] for name, g in nodes.items() if name.startswith("op"))
    assert symbols == ["+", "+", "tanh", "×", "×"]


def test_an_operation_has_an_edge_from_each_input_and_one_to_its_output() -> None:
    o = neuron()
    edges = groups(svg_of(draw_graph(o)), "edge")
    assert len(edges) == 3 * 4 + 2  # four binary operations, one tanh


def test_edges_into_an_operation_follow_argument_order() -> None:
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    svg = svg_of(draw_graph(y - x))
    label = {name: texts(g)[0] for name, g in groups(svg, "node").items()}
    into_minus = [title.split("->")[0] for title in edge_titles(svg) if title.endswith("->op2")]
    assert [label[name] for name in into_minus] == ["y", "x"]
    # …and the first argument is drawn above the second.
    assert box(card(svg, "y"))[1] < box(card(svg, "x"))[1]


def test_the_same_input_twice_gets_two_edges() -> None:
    x = Value(3.0, label="x")
    assert edge_titles(svg_of(draw_graph(x * x))) == ["v0->op1", "v0->op1", "op1->v1"]


def test_edges_can_show_the_local_derivative_of_their_operation() -> None:
    svg = svg_of(draw_graph(neuron(), show_local=True))
    labels = [text for edge in groups(svg, "edge").values() for text in texts(edge)]
    assert "∂ = -3.0000" in labels  # ∂(x1·w1)/∂x1 = w1
    assert "∂ = 2.0000" in labels  # ∂(x1·w1)/∂w1 = x1
    assert "∂ = 0.5000" in labels  # ∂tanh(n)/∂n = 1 − tanh² n
    assert any("local derivative" in text for text in texts(svg))


def test_edges_carry_no_labels_by_default() -> None:
    svg = svg_of(draw_graph(neuron()))
    assert all(texts(edge) == [] for edge in groups(svg, "edge").values())


def test_the_picture_shows_the_chain_rule_at_every_node() -> None:
    # grad(v) = Σ over v's outgoing edges of (the edge's local derivative × the grad of the
    # value its operation makes): read off the picture alone.
    svg = svg_of(draw_graph(neuron(), show_local=True))
    grads = {name: float(texts(g)[-1]) for name, g in groups(svg, "node").items() if name[0] == "v"}
    chain_rule: dict[str, float] = {}
    for title, edge in edges(svg):
        tail, head = title.split("->")
        if head.startswith("op"):
            local = float(texts(edge)[0].removeprefix("∂ = "))
            chain_rule[tail] = chain_rule.get(tail, 0.0) + local * grads["v" + head[2:]]
    assert len(chain_rule) == len(grads) - 1  # every value but the output
    for name, total_ in chain_rule.items():
        assert total_ == pytest.approx(grads[name], abs=1e-3)


def test_without_grads_the_cards_show_data_only() -> None:
    svg = svg_of(draw_graph(neuron(), show_grad=False))
    assert texts(card(svg, "x1")) == ["x1", "data", "2.0000"]
    assert "grad" not in " ".join(texts(svg))


def test_a_title_is_drawn_above_the_graph() -> None:
    svg = svg_of(draw_graph(neuron(), title="one neuron"))
    assert "one neuron" in texts(svg)


# -- colour --------------------------------------------------------------------------------------
def test_a_positive_grad_is_red_and_a_negative_grad_blue() -> None:
    positive, _ = grad_colours(1.0, 1.0)
    negative, _ = grad_colours(-1.0, 1.0)
    assert positive == "#b2182b" and negative == "#2166ac"


def test_the_largest_grad_gets_the_deepest_colour_and_zero_none() -> None:
    svg = svg_of(draw_graph(neuron()))
    assert "#2166ac" in fills(card(svg, "x1"))  # grad -1.5, the largest |grad|
    assert fills(card(svg, "w2")) == set()  # grad 0: no colour
    assert grad_colours(1.0, 1.5)[0] in fills(card(svg, "o"))


def test_colours_deepen_with_the_size_of_the_grad() -> None:
    def lightness(grad: float) -> int:
        fill = grad_colours(grad, 1.0)[0] or "#ffffff"
        return sum(int(fill[i : i + 2], 16) for i in (1, 3, 5))

    for sign in (1, -1):
        shades = [lightness(sign * g) for g in (0.0, 0.01, 0.1, 0.5, 1.0, 2.0)]
        assert shades == sorted(shades, reverse=True)
        assert shades[-1] == shades[-2]  # beyond the scale: as deep as it gets


def test_a_grad_scale_fixes_the_colour_of_a_number() -> None:
    svg = svg_of(draw_graph(neuron(), grad_scale=10.0))
    assert grad_colours(-1.5, 10.0)[0] in fills(card(svg, "x1"))


def test_a_nan_grad_is_drawn_in_warning_yellow() -> None:
    x = Value(1.0, label="x")
    x.grad = math.nan
    svg = svg_of(draw_graph(x))
    assert "#fde68a" in fills(card(svg, "x"))
    assert texts(card(svg, "x"))[-1] == "nan"


def test_a_highlighted_node_and_its_gradient_edges_are_amber() -> None:
    o = neuron()
    n = o.inputs[0]
    svg = svg_of(draw_graph(o, highlight=n))
    assert HIGHLIGHT in strokes(card(svg, "n"))
    assert HIGHLIGHT not in strokes(card(svg, "o"))
    amber = [name for name, edge in groups(svg, "edge").items() if HIGHLIGHT in strokes(edge)]
    assert len(amber) == 3  # the two inputs of n's + and the edge into n


def test_pending_grads_are_faded() -> None:
    o = neuron()
    svg = svg_of(draw_graph(o, pending=[o.inputs[0]]))
    faded = card(svg, "n")
    assert fills(faded) == set()
    assert {t.get("fill") for t in faded.iter(f"{SVG}text")} >= {"#94a3b8"}


# -- scopes --------------------------------------------------------------------------------------
def test_scopes_are_drawn_as_nested_named_boxes() -> None:
    svg = svg_of(draw_graph(scoped_network()))
    clusters = {texts(g)[0]: g for g in groups(svg, "cluster").values()}
    assert set(clusters) == {"Net", "Layer 1", "Neuron 1", "Neuron 2", "Neuron 3"}
    assert inside(clusters["Layer 1"], clusters["Net"])
    assert inside(clusters["Neuron 1"], clusters["Layer 1"])
    assert not inside(card(svg, "loss"), clusters["Net"])


def test_a_parameter_made_outside_any_scope_is_drawn_in_the_scope_that_uses_it() -> None:
    svg = svg_of(draw_graph(scoped_network()))
    clusters = {texts(g)[0]: g for g in groups(svg, "cluster").values()}
    weights = [g for g in groups(svg, "node").values() if texts(g)[:1] == ["w1"]]
    for name in ("Neuron 1", "Neuron 2", "Neuron 3"):
        assert sum(inside(w, clusters[name]) for w in weights) == 1
    inputs = card(svg, "x1")  # used by both neurons: stays outside
    assert not inside(inputs, clusters["Net"])


@pytest.mark.parametrize("rankdir", ["LR", "TB", "RL", "BT"])
def test_a_neurons_parameters_keep_reading_order(rankdir: str) -> None:
    across = 1 if rankdir in ("LR", "RL") else 0  # the axis siblings are laid out along
    svg = svg_of(draw_graph(scoped_network(), rankdir=rankdir))
    clusters = {texts(g)[0]: g for g in groups(svg, "cluster").values()}
    cards = list(groups(svg, "node").values())
    for i in (1, 2, 3):
        neuron = clusters[f"Neuron {i}"]
        where = [
            box(next(g for g in cards if texts(g)[0] == p and inside(g, neuron)))
            for p in ("w1", "w2", "b")
        ]
        assert [w[across] for w in where] == sorted(w[across] for w in where)


@pytest.mark.parametrize("rankdir", ["TB", "BT"])
def test_sibling_boxes_keep_reading_order(rankdir: str) -> None:
    # (Left to right; top to bottom for LR is Graphviz's call, usually but not always right.)
    svg = svg_of(draw_graph(scoped_network(), rankdir=rankdir))
    clusters = {texts(g)[0]: g for g in groups(svg, "cluster").values()}
    neurons = [box(clusters[f"Neuron {i}"])[0] for i in (1, 2, 3)]
    assert neurons == sorted(neurons)


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_summary_cards_of_parallel_scopes_keep_reading_order(rankdir: str) -> None:
    across = 1 if rankdir == "LR" else 0
    svg = svg_of(draw_graph(scoped_network(), rankdir=rankdir, collapse_scopes=True))
    neurons = [box(card(svg, f"Neuron {i}"))[across] for i in (1, 2, 3)]
    assert neurons == sorted(neurons)


def test_clusters_can_be_turned_off() -> None:
    svg = svg_of(draw_graph(scoped_network(), clusters=False))
    assert groups(svg, "cluster") == {}


def test_collapsed_scopes_are_one_summary_card_each() -> None:
    svg = svg_of(draw_graph(scoped_network(), collapse_scopes=True))
    summaries = [g for g in groups(svg, "node").values() if texts(g)[0].startswith("Neuron")]
    assert len(summaries) == 3
    first = texts(card(svg, "Neuron 1"))
    assert first[1] == "5 values, 2 operations"  # w1 w2 b, z = Σ wᵢxᵢ + b, tanh z
    assert first[2:] == [
        "output",
        "data",
        f"{math.tanh(0.5 - 0.25 * -2 + 0.1):.4f}",
        "grad",
        "1.0000",
    ]
    clusters = {texts(g)[0] for g in groups(svg, "cluster").values()}
    assert clusters == {"Net", "Layer 1"}


def test_collapsing_to_a_level_summarises_bigger_scopes() -> None:
    svg = svg_of(draw_graph(scoped_network(), collapse_scopes=2))
    summary = card(svg, "Layer 1")
    assert texts(summary)[1] == "15 values, 6 operations"
    assert texts(summary).count("data") == 3  # all three neurons' outputs leave the layer
    assert len(groups(svg, "node")) == 2 + 1 + 2  # x1 x2, the layer, loss and its Σ


def test_edges_into_a_summary_are_drawn_once() -> None:
    svg = svg_of(draw_graph(scoped_network(), collapse_scopes=2))
    edges = list(groups(svg, "edge"))
    assert len(edges) == len(set(edges))


def test_collapse_scopes_must_be_a_level() -> None:
    with pytest.raises(ValueError, match="collapse_scopes"):
        draw_graph(Value(1.0), collapse_scopes=0)


# -- determinism and escaping --------------------------------------------------------------------
def test_the_same_graph_gives_the_same_source_every_time() -> None:
    assert (
        draw_graph(neuron(), show_local=True).source == draw_graph(neuron(), show_local=True).source
    )
    assert draw_graph(scoped_network()).source == draw_graph(scoped_network()).source


def test_the_same_graph_gives_the_same_svg() -> None:
    o = neuron()
    assert render(draw_graph(o), "svg") == render(draw_graph(o), "svg")


@pytest.mark.parametrize(
    "label",
    [
        "{a|b}",
        "<x>",
        "a\\b",
        "\\N",
        'say "hi"',
        "x & y",
        "}|{<>",
        "\\",
        "<<B>x</B>>",
        "a\nb",
        "]",
        "[x]",
        "]]>",
    ],
)
def test_labels_with_graphviz_special_characters_render_as_written(label: str) -> None:
    x = Value(1.0, label=label)
    y = x * 2
    y.label = label + "!"
    svg = svg_of(draw_graph(y, title=label))
    one_line = " ".join(label.split())
    assert texts(card(svg, one_line))[0] == one_line
    assert texts(card(svg, one_line + "!"))[0] == one_line + "!"
    assert one_line in texts(svg)


def test_a_scope_name_with_special_characters_renders() -> None:
    with scope("<Layer|{1}>"):
        y = Value(1.0) * 2
    svg = svg_of(draw_graph(y))
    assert [texts(g)[0] for g in groups(svg, "cluster").values()] == ["<Layer|{1}>"]


def test_a_long_label_is_shortened_on_the_card() -> None:
    svg = svg_of(draw_graph(Value(1.0, label="x" * 100)))
    assert texts(svg)[-5] == "x" * 39 + "…"


def test_numbers_far_from_one_switch_to_scientific_notation() -> None:
    svg = svg_of(draw_graph(Value(1.5e-7, label="tiny") + Value(2.5e9, label="huge")))
    assert "1.500e-07" in texts(card(svg, "tiny"))
    assert "2.500e+09" in texts(card(svg, "huge"))


def test_precision_sets_the_digits() -> None:
    svg = svg_of(draw_graph(Value(math.pi, label="pi"), precision=2))
    assert "3.14" in texts(card(svg, "pi"))


# -- special graphs ------------------------------------------------------------------------------
def test_a_gradient_of_a_gradient_draws_like_any_graph() -> None:
    x = Value(2.0, label="x")
    y = x**3
    y.backward(create_graph=True)
    dydx = x.grad
    assert isinstance(dydx, Value)
    dydx.label = "dy/dx"
    dydx.backward()  # d²y/dx² = 6x = 12 lands in x.grad, on top of dy/dx = 12
    svg = svg_of(draw_graph(dydx))
    assert texts(card(svg, "dy/dx"))[:3] == ["dy/dx", "data", "12.0000"]
    assert texts(card(svg, "x"))[-1] == "24.0000"


def test_a_plain_number_is_refused_with_a_hint_about_create_graph() -> None:
    x = Value(2.0)
    (x * x).backward()
    with pytest.raises(TypeError, match="create_graph=True"):
        draw_graph(x.grad)


def test_several_roots_are_drawn_together_sharing_nodes() -> None:
    x = Value(2.0, label="x")
    a, b = x * 3, x + 1
    a.label, b.label = "a", "b"
    svg = svg_of(draw_graph([a, b]))
    assert len(groups(svg, "node")) == 1 + 2 * 3  # x once; for a and b: a constant, an op, a card
    assert [texts(g)[0] for g in groups(svg, "node").values()].count("x") == 1
    assert {"a", "b"} <= {texts(g)[0] for g in groups(svg, "node").values()}


def test_an_inner_node_draws_only_its_sub_graph() -> None:
    o = neuron()
    svg = svg_of(draw_graph(o.inputs[0].inputs[0]))  # x1·w1 + x2·w2
    labels = {texts(g)[0] for g in groups(svg, "node").values()}
    assert "o" not in labels and "b" not in labels and "x1" in labels


@pytest.mark.parametrize("rankdir", ["LR", "TB", "RL", "BT"])
def test_every_rankdir_renders(rankdir: str) -> None:
    assert f"rankdir={rankdir}" in draw_graph(neuron(), rankdir=rankdir).source
    svg_of(draw_graph(scoped_network(), rankdir=rankdir))


def test_an_unknown_rankdir_is_refused() -> None:
    with pytest.raises(ValueError, match="rankdir must be one of LR, TB, RL, BT"):
        draw_graph(Value(1.0), rankdir="up")


def test_precision_must_be_a_small_int() -> None:
    with pytest.raises(ValueError, match="precision"):
        draw_graph(Value(1.0), precision=40)


# -- size ----------------------------------------------------------------------------------------
def chain(length: int) -> Value:
    x = Value(0.5, label="x")
    for _ in range(length - 1):
        x = x * 1.0
    return x


def test_a_graph_above_max_nodes_is_refused_with_ways_to_draw_less() -> None:
    with pytest.raises(GraphTooLargeError) as refused:
        draw_graph(chain(400))  # 400 products and 399 constants
    message = str(refused.value)
    assert "799 nodes to draw, more than max_nodes=500" in message
    assert "draw_graph(node)" in message and "max_nodes=799" in message
    assert isinstance(refused.value, ValueError)


def test_max_nodes_can_be_raised_or_lowered() -> None:
    assert draw_graph(chain(300), max_nodes=700).source
    with pytest.raises(GraphTooLargeError):
        draw_graph(chain(5), max_nodes=3)


def test_a_big_scoped_graph_is_told_to_collapse_and_then_draws() -> None:
    outputs = []
    x = Value(1.0, label="x")
    for i in range(60):
        with scope(f"Neuron {i}"):
            outputs.append(chain_from(x, 5))
    root = total(outputs)
    with pytest.raises(GraphTooLargeError, match="collapse_scopes=True"):
        draw_graph(root)
    svg = svg_of(draw_graph(root, collapse_scopes=True))
    assert len(groups(svg, "node")) == 60 + 1 + 2  # the neurons, x, Σ and its card


def test_a_collapsed_graph_still_too_large_is_told_to_collapse_further() -> None:
    with pytest.raises(GraphTooLargeError, match="collapse_scopes=1 draws each outermost scope"):
        draw_graph(scoped_network(), collapse_scopes=True, max_nodes=4)
    assert draw_graph(scoped_network(), collapse_scopes=1, max_nodes=4).source


def chain_from(x: Value, length: int) -> Value:
    for _ in range(length):
        x = (x * 1.0).tanh()
    return x


# -- rendering -----------------------------------------------------------------------------------
def test_jupyter_shows_the_drawing_inline_as_svg() -> None:
    bundle = draw_graph(neuron())._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")


@pytest.mark.parametrize(
    ("format", "magic"), [("png", b"\x89PNG"), ("pdf", b"%PDF"), ("dot", b"digraph")]
)
def test_render_makes_each_format(format: str, magic: bytes) -> None:
    assert render(draw_graph(neuron()), format).startswith(magic)


def test_a_missing_dot_program_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RenderError, match="Graphviz's dot program is not installed"):
        render(draw_graph(neuron()), "svg")


def test_importing_autograd_does_not_import_graphviz() -> None:
    import subprocess
    import sys

    code = "import sys, autograd; print('graphviz' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# -- layout time stays bounded ---------------------------------------------------------------------
def virtual_nodes(graph: graphviz.Digraph) -> tuple[int, int]:
    """How many ranks dot's edges cross in the layout (each one a virtual node dot must place,
    the cost that explodes on long edges), and how many edges there are."""
    positions = {}
    edge_ends = []
    for line in render(graph, "plain").decode().splitlines():
        parts = line.split()
        if parts[0] == "node":
            positions[parts[1]] = float(parts[2])
        elif parts[0] == "edge":
            edge_ends.append((parts[1], parts[2]))
    rank = {x: i for i, x in enumerate(sorted(set(positions.values())))}
    crossed = sum(abs(rank[positions[h]] - rank[positions[t]]) - 1 for t, h in edge_ends)
    return crossed, len(edge_ends)


def test_a_value_used_all_along_a_long_chain_costs_dot_no_long_edges() -> None:
    root = recurrent_chain(MAX_NODES)
    assert len(topological_order(root)) == MAX_NODES
    crossed, edge_count = virtual_nodes(draw_graph(root))
    # Drawn once, w would need an edge across every rank up to each use: about n²/8 crossings.
    assert crossed <= edge_count


@settings(max_examples=examples(0.1), deadline=None)
@given(strategies.expressions(n_inputs=3, max_steps=60))
def test_on_any_graph_dots_edges_cross_a_bounded_number_of_ranks_each(
    expression: strategies.Expression,
) -> None:
    root = expression(*[Value(0.1 * i, label=f"x{i}") for i in range(3)])
    crossed, edge_count = virtual_nodes(draw_graph(root))
    assert crossed <= 2 * LONG_EDGE * edge_count


def test_a_value_used_far_away_is_drawn_again_beside_the_use_with_a_dashed_border() -> None:
    root = recurrent_chain(40)
    svg = svg_of(draw_graph(root))
    copies = [g for name, g in groups(svg, "node").items() if name.startswith("a1_")]
    assert len(copies) >= 5
    for copy in copies:
        assert texts(copy)[:3] == ["w", "data", "0.9000"]
        assert any(s.get("stroke-dasharray") for s in copy.iter(f"{SVG}path"))


def test_a_value_used_nearby_is_drawn_once() -> None:
    svg = svg_of(draw_graph(neuron()))
    assert not [name for name in groups(svg, "node") if name.startswith("a")]


def test_dots_network_simplex_passes_are_bounded() -> None:
    source = draw_graph(neuron()).source
    assert "nslimit=2" in source and "nslimit1=2" in source

"""Backprop one step at a time: ``backward_steps`` and the frames drawn from it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from autograd import Value, backward_steps, topological_order
from autograd.draw import GraphTooLargeError, backprop_frames
from autograd.draw.pager import html_pager
from autograd.draw.style import BORDER, HIGHLIGHT

SVG = "{http://www.w3.org/2000/svg}"


def expression() -> tuple[Value, list[Value]]:
    """f = x·y + sin(x)·x, with x used three times; returns f and its leaves x, y."""
    x, y = Value(0.5, label="x"), Value(-2.0, label="y")
    f = x * y + x.sin() * x
    f.label = "f"
    return f, [x, y]


def test_exhausting_backward_steps_leaves_the_grads_backward_leaves() -> None:
    stepped, stepped_leaves = expression()
    for _ in backward_steps(stepped):
        pass
    whole, whole_leaves = expression()
    whole.backward()
    assert [v.grad for v in stepped_leaves] == [v.grad for v in whole_leaves]
    assert [v.grad for v in topological_order(stepped)] == [
        v.grad for v in topological_order(whole)
    ]


def test_backward_steps_visits_every_node_once_output_first() -> None:
    f, _ = expression()
    visited = list(backward_steps(f))
    assert visited == list(reversed(topological_order(f)))


def test_there_is_one_frame_per_node() -> None:
    f, _ = expression()
    frames = backprop_frames(f)
    assert len(frames) == len(topological_order(f)) == len(frames.captions)
    assert len(list(frames)) == len(frames)


def test_the_frames_leave_the_grads_backward_leaves() -> None:
    drawn, drawn_leaves = expression()
    backprop_frames(drawn)
    whole, whole_leaves = expression()
    whole.backward()
    assert [v.grad for v in drawn_leaves] == [v.grad for v in whole_leaves]


def borders(svg: ET.Element) -> dict[str, str]:
    """Each card's border colour, by the card's id."""
    return {
        path.get("data-card", ""): path.get("stroke", "")
        for path in svg.iter(f"{SVG}path")
        if path.get("class") == "cr-border"
    }


def test_each_frame_highlights_the_node_of_its_step() -> None:
    f, _ = expression()
    order = topological_order(f)
    frames = backprop_frames(f)
    for step, node in enumerate(reversed(order)):
        lit = {
            card
            for card, colour in borders(ET.fromstring(frames[step].svg)).items()
            if colour == HIGHLIGHT
        }
        assert lit == {f"v{order.index(node)}"}


def test_the_frames_come_from_one_layout() -> None:
    f, _ = expression()
    geometry = {
        tuple(
            (e.tag, e.get("d"), e.get("points"), e.get("cx"), e.get("cy"), e.get("y"))
            for e in ET.fromstring(svg).iter()
        )
        for svg in backprop_frames(f).svgs()
    }
    assert len(geometry) == 1  # the same shapes in the same places: only colours and text change


def test_a_frame_shows_the_grads_completed_so_far_and_fades_the_rest() -> None:
    f, _ = expression()
    frames = backprop_frames(f)
    first = ET.fromstring(frames.svgs()[0])
    texts = [t for t in first.iter(f"{SVG}text")]
    faded = [t for t in texts if t.get("fill") == BORDER and t.text == "grad"]
    assert len(faded) == len(frames) - 1  # everything but f itself
    last = ET.fromstring(frames.svgs()[-1])
    assert not [t for t in last.iter(f"{SVG}text") if t.get("fill") == BORDER]


def test_captions_say_what_each_step_did() -> None:
    f, _ = expression()
    captions = backprop_frames(f).captions
    assert captions[0] == "step 1 of 6: f starts with grad 1.0000"
    assert "has its complete grad" in captions[1]
    assert captions[-1].startswith("step 6 of 6: x is a leaf: its grad ∂f/∂x = ")
    assert [c for c in captions if "y is a leaf" in c] == [
        "step 5 of 6: y is a leaf: its grad ∂f/∂y = 0.5000 is complete"
    ]


def pill(svg: str, node: int) -> str:
    """The fill of node ``node``'s grad pill."""
    found = [
        p.get("fill", "")
        for p in ET.fromstring(svg).iter(f"{SVG}path")
        if p.get("class") == "cr-pill" and p.get("data-node") == str(node)
    ]
    assert len(found) == 1
    return found[0]


def test_every_frame_uses_the_colour_scale_of_the_final_grads() -> None:
    f, _ = expression()
    frames = backprop_frames(f)
    assert pill(frames[0].svg, 5) == pill(frames[-1].svg, 5) not in ("white", "")


def test_a_title_is_drawn_once_above_every_frame() -> None:
    f, _ = expression()
    frames = backprop_frames(f, title="lesson 1")
    assert all("lesson 1" in svg for svg in frames.svgs())


def test_draw_options_pass_through() -> None:
    f, _ = expression()
    frames = backprop_frames(f, show_local=True, rankdir="TB")
    assert "∂ = " in frames[0].svg
    assert frames[0].svg != backprop_frames(expression()[0], show_local=True).__getitem__(0).svg


def test_options_set_per_frame_are_refused() -> None:
    f, _ = expression()
    with pytest.raises(TypeError, match="sets highlight itself"):
        backprop_frames(f, highlight=f)


def test_a_graph_too_large_is_refused_before_any_grad_changes() -> None:
    f, _ = expression()
    with pytest.raises(GraphTooLargeError):
        backprop_frames(f, max_nodes=3)
    assert [v.grad for v in topological_order(f)] == [0.0] * len(topological_order(f))


def test_frames_with_create_graph_make_gradients_with_graphs() -> None:
    f, (x, _) = expression()
    backprop_frames(f, create_graph=True)
    assert isinstance(x.grad, Value)


def test_the_pager_holds_every_frame_and_a_slider() -> None:
    f, _ = expression()
    frames = backprop_frames(f)
    page = frames.to_html()
    assert page.count("<svg") == len(frames) == 6
    assert 'type="range" min="0" max="5"' in page
    assert "step 6 of 6" in page
    assert frames._repr_html_() == page


def test_a_frame_shows_inline_as_svg() -> None:
    f, _ = expression()
    assert backprop_frames(f)[1]._repr_svg_().startswith("<svg")


def test_the_pager_is_the_same_for_the_same_frames() -> None:
    assert html_pager(["<svg/>"], ["one"]) == html_pager(["<svg/>"], ["one"])
    assert html_pager(["<svg/>"], ["one"]) != html_pager(["<svg/>"], ["two"])


def test_the_pager_escapes_captions() -> None:
    assert "&lt;script&gt;" in html_pager(["<svg/>"], ["<script>"])


def test_the_pager_needs_a_caption_per_picture() -> None:
    with pytest.raises(ValueError, match="2 pictures but 1 captions"):
        html_pager(["<svg/>", "<svg/>"], ["one"])


def test_graphviz_lays_the_graph_out_once_for_all_frames(graphviz_runs: list[str]) -> None:
    f, _ = expression()
    frames = backprop_frames(f)
    frames.svgs()
    frames.to_html()
    assert len(frames) == 6 and len(graphviz_runs) == 1

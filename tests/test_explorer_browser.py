"""The explorer page in a real headless Chromium: stepping, keys, clicks, typed values, the
script interface, exercise mode, and the page's arithmetic against the engine's."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from explorer_browser import Pages, browser  # noqa: F401 (a fixture)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, Page
from test_draw import neuron

from autograd import Value, explore, linear, scope, strategies, topological_order, total
from autograd.draw import style as drawstyle
from autograd.ops import Math, Op, Operand

#: The browser is slow: property tests here draw few examples, and do not shrink a failure
#: (each try would reload a page; the failing example is reported as drawn).
BROWSER_EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def pages(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pages]:  # noqa: F811
    opened = Pages(browser, tmp_path_factory.mktemp("pages"))
    yield opened
    opened.close()


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))


def shown_nodes(page: Page) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = page.evaluate("window.chainrule.nodes()")
    return nodes


def finish(page: Page) -> list[dict[str, Any]]:
    page.evaluate("window.chainrule.step(window.chainrule.steps)")
    return shown_nodes(page)


def engine_grads(root: Value) -> list[float]:
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.backward()
    return [node.grad for node in order]


def grad_texts(page: Page, node: int) -> list[str]:
    texts: list[str] = page.eval_on_selector_all(
        f'text.cr-grad[data-node="{node}"]', "els => els.map(e => e.textContent)"
    )
    return texts


# -- the page and the engine agree ---------------------------------------------------------------
def test_the_page_runs_its_script_and_starts_with_the_forward_pass_done(pages: Pages) -> None:
    page = pages.open(explore(neuron()))
    assert page.is_visible(".cr-controls")
    assert page.evaluate("window.chainrule.current()") == 0
    nodes = shown_nodes(page)
    assert [n["grad"] for n in nodes] == [None] * 10
    assert [n["label"] for n in nodes][-1] == "o" and nodes[-1]["op"] == "tanh"
    assert nodes[-1]["data"] == pytest.approx(math.sqrt(0.5))


def test_after_every_step_the_grads_are_backwards(pages: Pages) -> None:
    root = neuron()
    page = pages.open(explore(root))
    expected = engine_grads(root)
    assert [n["grad"] for n in finish(page)] == expected


@BROWSER_EXAMPLES
@given(case=strategies.expressions_with_points(max_steps=10))
def test_on_random_graphs_the_page_gives_backwards_grads(
    pages: Pages, case: tuple[strategies.Expression, tuple[float, ...]]
) -> None:
    expression, point = case
    root = expression(*[Value(x, label=f"x{i}") for i, x in enumerate(point)])
    page = pages.open(explore(root))
    expected = engine_grads(root)
    got = [n["grad"] for n in finish(page)]
    assert all(close(g, e) for g, e in zip(got, expected, strict=True)), (got, expected)
    pages.close()


@BROWSER_EXAMPLES
@given(
    case=strategies.expressions(max_steps=10).flatmap(
        lambda e: st.tuples(st.just(e), strategies.points(e), strategies.points(e))
    )
)
def test_after_set_the_page_gives_a_fresh_backward_at_the_new_values(
    pages: Pages, case: tuple[strategies.Expression, Sequence[float], Sequence[float]]
) -> None:
    expression, before, after = case
    root = expression(*[Value(x, label=f"x{i}") for i, x in enumerate(before)])
    page = pages.open(explore(root))
    used = {node.label for node in topological_order(root)}
    for i, x in enumerate(after):
        if f"x{i}" in used:
            page.evaluate("([label, x]) => window.chainrule.set(label, x)", [f"x{i}", x])
    fresh = expression(*[Value(x, label=f"x{i}") for i, x in enumerate(after)])
    nodes = finish(page)
    order = topological_order(fresh)
    assert all(close(n["data"], v.data) for n, v in zip(nodes, order, strict=True))
    expected = engine_grads(fresh)
    got = [n["grad"] for n in nodes]
    assert all(close(g, e) for g, e in zip(got, expected, strict=True)), (got, expected)
    pages.close()


def test_a_gradient_of_a_gradient_is_explored_like_any_graph(pages: Pages) -> None:
    x = Value(0.7, label="x")
    y = (x * x).sin() * x
    y.backward(create_graph=True)
    dydx = x.grad
    dydx.label = "dy/dx"
    page = pages.open(explore(dydx))
    expected = engine_grads(dydx)
    assert [n["grad"] for n in finish(page)] == pytest.approx(expected, rel=1e-12)
    page.evaluate("window.chainrule.set('x', 1.3)")
    x2 = Value(1.3, label="x")
    y2 = (x2 * x2).sin() * x2
    y2.backward(create_graph=True)
    assert [n["grad"] for n in finish(page)] == pytest.approx(engine_grads(x2.grad), rel=1e-12)


def scoped(x1: float = 1.0) -> Value:
    """Two tanh neurons of a layer, each in its scope, summed."""
    x = [Value(x1, label="x1"), Value(-2.0, label="x2")]
    outputs = []
    with scope("Net"), scope("Layer 1"):
        for i, (w1, w2, b) in enumerate([(0.5, -0.25, 0.1), (1.5, 0.75, -0.2)], 1):
            with scope(f"Neuron {i}"):
                ws = [Value(w1, label="w1"), Value(w2, label="w2")]
                outputs.append(linear(ws, x, Value(b, label="b")).tanh())
    loss = total(outputs)
    loss.label = "loss"
    return loss


@pytest.mark.parametrize("collapse", [False, True, 1])
def test_scope_boxes_and_collapsed_scopes_step_like_the_engine(
    pages: Pages, collapse: bool | int
) -> None:
    root = scoped()
    page = pages.open(explore(root, collapse_scopes=collapse))
    assert [n["grad"] for n in finish(page)] == engine_grads(root)
    page.evaluate("window.chainrule.set('x1', 0.25)")
    fresh = scoped(0.25)
    nodes = finish(page)
    assert nodes[-1]["data"] == fresh.data
    assert [n["grad"] for n in nodes] == engine_grads(fresh)


def test_a_collapsed_scope_is_clicked_as_its_output(pages: Pages) -> None:
    page = pages.open(explore(scoped(), collapse_scopes=True))
    page.click("g.node >> text=Neuron 1")
    assert "tanh" in page.inner_text(".cr-panel")


# -- stepping ------------------------------------------------------------------------------------
def test_arrow_keys_step_without_clicking_first(pages: Pages) -> None:
    page = pages.open(explore(neuron()))
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("window.chainrule.current()") == 2


def test_buttons_and_slider_step(pages: Pages) -> None:
    page = pages.open(explore(neuron()))
    page.click(".cr-next")
    page.click(".cr-next")
    page.click(".cr-previous")
    assert page.evaluate("window.chainrule.current()") == 1
    page.fill(".cr-slider", "7")
    assert page.evaluate("window.chainrule.current()") == 7
    assert page.input_value(".cr-slider") == "7"


def test_play_steps_to_the_end_and_pause_stops(pages: Pages) -> None:
    page = pages.open(explore(neuron()))
    page.clock.install()
    page.reload()
    page.click(".cr-play")
    page.clock.run_for(700 * 3 + 10)
    assert page.evaluate("window.chainrule.current()") == 3
    page.click(".cr-play")
    page.clock.run_for(700 * 5)
    assert page.evaluate("window.chainrule.current()") == 3
    page.click(".cr-play")
    page.clock.run_for(700 * 20)
    assert page.evaluate("window.chainrule.current()") == 10
    assert page.inner_text(".cr-play") == "▶ play"


def test_the_completed_node_is_highlighted_and_incomplete_grads_are_faded(pages: Pages) -> None:
    page = pages.open(explore(neuron()))
    page.evaluate("window.chainrule.step(2)")  # o, then n
    borders = page.eval_on_selector_all(
        "path.cr-border", "els => els.map(e => [e.dataset.card, e.getAttribute('stroke')])"
    )
    assert [card for card, colour in borders if colour == drawstyle.HIGHLIGHT] == ["v8"]
    inks = page.eval_on_selector_all(
        "text.cr-grad", "els => els.map(e => [+e.dataset.node, e.getAttribute('fill')])"
    )
    faded = sorted(node for node, ink in inks if ink == drawstyle.BORDER)
    assert faded == list(range(8))
    assert grad_texts(page, 8) == ["0.5000"]


def test_step_zero_has_no_gradient(pages: Pages) -> None:
    page = pages.open(explore(neuron()))
    page.evaluate("window.chainrule.step(5)")
    page.evaluate("window.chainrule.step(0)")
    assert all(n["grad"] is None for n in shown_nodes(page))
    assert "step 0 of 10" in page.inner_text(".cr-counter")


# -- clicking a node -----------------------------------------------------------------------------
def test_clicking_a_node_shows_its_rule_and_the_chain_rule_with_numbers(pages: Pages) -> None:
    page = pages.open(explore(neuron()))
    page.evaluate("window.chainrule.step(10)")
    page.click("#v9")  # o = tanh(n)
    panel = page.inner_text(".cr-panel")
    assert "o = tanh(n)" in panel
    assert "d/dx = 1 − tanh² x" in panel
    assert "∂o/∂n = 0.5000" in panel
    page.click("#v1")  # w1, used once, by x1·w1
    panel = page.inner_text(".cr-panel")
    assert "w1 (a leaf)" in panel and "value -3.0000" in panel and "gradient 1.0000" in panel
    assert "∂o/∂w1 = Σ over the nodes u that use w1" in panel
    assert "= 0.5000 × 2.0000 = 1.0000" in panel


def test_explain_sums_one_term_per_use(pages: Pages) -> None:
    a = Value(3.0, label="a")
    y = a * a + a
    y.label = "y"
    page = pages.open(explore(y))
    page.evaluate("window.chainrule.step(window.chainrule.steps)")
    text = page.evaluate("window.chainrule.explain(0)")
    assert text.splitlines()[-1].endswith(
        "= 1.0000 × 1.0000 + 1.0000 × 3.0000 + 1.0000 × 3.0000 = 7.0000"
    )


def test_an_incomplete_gradient_is_explained_as_incomplete(pages: Pages) -> None:
    a = Value(3.0, label="a")
    y = a * a + a
    page = pages.open(explore(y))
    page.evaluate("window.chainrule.step(1)")
    assert "not complete yet" in page.evaluate("window.chainrule.explain(0)")


# -- changing a leaf -----------------------------------------------------------------------------
def test_typing_a_leaf_value_recomputes_every_gradient(pages: Pages) -> None:
    page = pages.open(explore(neuron()))
    page.evaluate("window.chainrule.step(10)")
    page.fill('.cr-leaves input[data-node="0"]', "1")  # x1 = 1
    page.press('.cr-leaves input[data-node="0"]', "Enter")
    z = 1 * -3.0 + 0 * 1 + 6.8813735870195432
    assert grad_texts(page, 1) == [drawstyle.format_number(1 * (1 - math.tanh(z) ** 2), 4)]
    assert shown_nodes(page)[-1]["data"] == pytest.approx(math.tanh(z), rel=1e-15)


def test_set_refuses_what_is_not_a_leaf_value(pages: Pages) -> None:
    page = pages.open(explore(neuron()))
    for call, message in [
        ("window.chainrule.set('nobody', 1)", 'no leaf is named "nobody": the leaves are "x1"'),
        ("window.chainrule.set('n', 1)", "no leaf is named"),
        ("window.chainrule.set('x1', Infinity)", "must be a finite number"),
        ("window.chainrule.set('x1', 'one')", "must be a finite number"),
    ]:
        with pytest.raises(Exception, match=message):
            page.evaluate(call)


def test_a_value_outside_an_ops_domain_is_named_in_the_notice(pages: Pages) -> None:
    x = Value(2.0, label="x")
    y = x.log()
    page = pages.open(explore(y))
    page.evaluate("window.chainrule.set('x', -1)")
    assert "log(-1.0000) is nan" in page.inner_text(".cr-notice")


class Cube(Op):
    """x³ written by a user;  d/dx = 3x²."""

    name = symbol = "cube"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.power(x, 3.0)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (3.0 * x * x,)


class Ramp(Op):
    """A user's op whose rule branches in Python: it cannot be written as JavaScript."""

    name = symbol = "ramp"

    def forward(self, m: Math, x: Operand) -> Operand:
        return x if x > 0 else 0.0 * x

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (1.0 if x > 0 else 0.0,)


def unchecked(op: Op, x: Value) -> Value:
    """``op`` applied without the check that refuses a rule branching in Python: a node the
    page cannot compute, as a rule from before that check could make."""
    from autograd.value import _apply

    return _apply(op, x)


def test_a_users_own_op_is_computed_on_the_page_from_its_rule(pages: Pages) -> None:
    x = Value(1.5, label="x")
    y = Cube()(x).sin()
    page = pages.open(explore(y))
    page.evaluate("window.chainrule.set('x', -0.5)")
    nodes = finish(page)
    assert nodes[-1]["data"] == pytest.approx(math.sin(-0.125), rel=1e-15)
    assert nodes[0]["grad"] == pytest.approx(math.cos(-0.125) * 0.75, rel=1e-15)
    page.click("#v1")
    assert "rule: x³ written by a user; d/dx = 3x²." in page.inner_text(".cr-panel")


def test_an_op_the_page_cannot_compute_is_named_and_the_page_still_steps(pages: Pages) -> None:
    x, z = Value(1.5, label="x"), Value(2.0, label="z")
    y = unchecked(Ramp(), x) * z
    page = pages.open(explore(y))
    assert "The page cannot compute ramp" in page.inner_text(".cr-notice")
    assert [n["grad"] for n in finish(page)] == engine_grads(y)
    with pytest.raises(Exception, match="feeds an op the page cannot compute"):
        page.evaluate("window.chainrule.set('x', 2)")
    page.evaluate("window.chainrule.set('z', 3)")  # z does not feed ramp: it can change
    assert finish(page)[0]["grad"] == 3.0
    assert page.is_disabled('.cr-leaves input[data-node="0"]')


# -- exercise mode -------------------------------------------------------------------------------
def test_exercise_mode_hides_the_gradients_and_checks_each_answer(pages: Pages) -> None:
    page = pages.open(explore(neuron(), exercise=True))
    assert set(grad_texts(page, 9)) == {"?"}
    assert "what is ∂o/∂o?" in page.inner_text(".cr-question")
    page.fill(".cr-question input", "1")
    page.press(".cr-question input", "Enter")
    assert page.inner_text(".cr-verdict").startswith("✓ right")
    assert grad_texts(page, 9) == ["1.0000"]
    assert "what is ∂o/∂n?" in page.inner_text(".cr-question")
    page.fill(".cr-question input", "0.4")
    page.press(".cr-question input", "Enter")
    verdict = page.inner_text(".cr-verdict")
    assert verdict.startswith("✗ not quite") and "= 0.5000" in verdict
    assert page.evaluate("window.chainrule.current()") == 2


def test_exercise_mode_does_not_step_past_an_unanswered_gradient(pages: Pages) -> None:
    page = pages.open(explore(neuron(), exercise=True))
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.chainrule.current()") == 0
    assert page.evaluate("window.chainrule.answer(1).right") is True
    page.click(".cr-reveal")
    assert page.evaluate("window.chainrule.current()") == 2


# -- hostile text --------------------------------------------------------------------------------
HOSTILE_LABELS = [
    '<img src=x onerror="window.pwned=1">',
    "</script><script>window.pwned=1</script>",
    "\" onmouseover='window.pwned=1' x=\"",
    "a & b &amp; <b>c</b>",
    "∂L/∂w ≈ 0.5 · σ(z) 😀 — ünïcödé",
    "<!-- x --> ]]> {{x}}",
]


@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_labels_show_as_text_and_never_run(pages: Pages, label: str) -> None:
    x = Value(1.0, label=label)
    y = x * 2
    y.label = label + "!"
    page = pages.open(explore(y, title=label))
    assert page.evaluate("window.pwned") is None
    nodes = shown_nodes(page)
    assert nodes[0]["label"] == label
    header = page.text_content("#v0 text >> nth=0")
    assert header == drawstyle.shown(label, drawstyle.LABEL_LENGTH)
    page.click("#v0")
    assert drawstyle.shown(label, drawstyle.LABEL_LENGTH) in page.inner_text(".cr-panel")
    assert page.evaluate("window.pwned") is None
    assert page.title() == drawstyle.shown(label, drawstyle.TITLE_LENGTH)


@BROWSER_EXAMPLES
@given(label=st.text(max_size=60))
def test_any_label_is_shown_as_the_drawing_shows_it(pages: Pages, label: str) -> None:
    x = Value(1.0, label=label)
    page = pages.open(explore(x * 3))
    assert shown_nodes(page)[0]["label"] == label
    page.click("#v0")
    heading = page.inner_text(".cr-panel h3")
    assert heading.startswith(drawstyle.shown(label, drawstyle.LABEL_LENGTH) or "n0")
    assert page.evaluate("window.pwned") is None
    pages.close()


# -- where scripts do not run, and inside another page -------------------------------------------
def test_without_scripts_the_page_is_the_finished_drawing(pages: Pages) -> None:
    root = neuron()
    page = pages.open(explore(root), java_script_enabled=False)
    assert not page.is_visible(".cr-controls")
    expected = [drawstyle.format_number(g, 4) for g in engine_grads(root)]
    assert [grad_texts(page, i)[0] for i in range(10)] == expected


def test_two_explorers_in_one_notebook_page_work_on_their_own(pages: Pages, tmp_path: Path) -> None:
    first, second = explore(neuron()), explore(scoped())
    document = (
        '<!DOCTYPE html><html><body><textarea id="cell"></textarea>'
        f"{first._repr_html_()}{second._repr_html_()}</body></html>"
    )
    page = pages.open(document)
    roots = page.query_selector_all(".chainrule-explorer")
    assert page.evaluate("el => el.chainrule.steps", roots[0]) == 10
    assert page.evaluate("el => el.chainrule.steps", roots[1]) == len(topological_order(scoped()))
    page.focus("#cell")
    page.keyboard.press("ArrowRight")  # typing elsewhere in the notebook does not step
    assert page.evaluate("el => el.chainrule.current()", roots[0]) == 0
    roots[0].focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("el => el.chainrule.current()", roots[0]) == 1
    assert page.evaluate("el => el.chainrule.current()", roots[1]) == 0

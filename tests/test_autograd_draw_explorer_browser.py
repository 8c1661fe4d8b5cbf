"""The explorer page in a real headless Chromium: stepping, keys, clicks, typed values, the
script interface, exercise mode, and the page's arithmetic against the engine's."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import examples
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, Page
from support.browser import Pages, browser  # noqa: F401 (a fixture)
from support.graphs import neuron

import nn
from autograd import Value, explore, linear, scope, strategies, topological_order, total
from autograd.draw import style as drawstyle
from autograd.draw.graph import box_id
from autograd.ops import Math, Op, Operand

#: The browser is slow: property tests here draw few examples, and do not shrink a failure
#: (each try would reload a page; the failing example is reported as drawn).
BROWSER_EXAMPLES = settings(
    max_examples=examples(0.06, at_least=4),
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


# -- the page's math functions, one by one -------------------------------------------------------
#: Edge points: zeros of both signs, subnormals, large inputs that overflow or saturate, ±inf,
#: NaN, and a few ordinary numbers.
MATH_EDGES = (0.0, -0.0, 5e-324, -5e-324, 1.0, -1.0, 0.5, 1e3, -1e3, 710.0, -746.0, 1e308)
MATH_EDGES += (math.inf, -math.inf, math.nan)


def as_js(x: float) -> str:
    """x as JavaScript's Number() reads it ("NaN", "-Infinity", "-0", "5e-324")."""
    return repr(x).replace("nan", "NaN").replace("inf", "Infinity")


def from_js(text: str) -> float:
    return float(text.replace("Infinity", "inf"))


def exactly(a: float, b: float) -> bool:
    """Equal, zeros by their sign, NaN to NaN; finite numbers to the last bit but one (the
    browser's exp and tanh are not the C library's)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == 0 and b == 0:
        return math.copysign(1, a) == math.copysign(1, b)
    return a == b or math.isclose(a, b, rel_tol=4e-16, abs_tol=0.0)


def test_each_math_function_of_the_page_gives_the_float_namespace_s_answer_at_the_edges(
    browser: Browser,  # noqa: F811
) -> None:
    """The page's runtime (``m``, autograd.draw.javascript.runtime, which every explorer page
    embeds) against autograd.floatmath.FloatMath, function by function, at edge points."""
    from autograd.draw.javascript import runtime
    from autograd.floatmath import FLOATS
    from autograd.ops import MATH_FUNCTIONS

    pairs = [(x, y) for x in MATH_EDGES for y in (-1.0, 0.5, 2.0, 3.0, -0.5, math.inf, math.nan)]
    calls = {
        name: [(x,) for x in MATH_EDGES] if name != "power" else pairs for name in MATH_FUNCTIONS
    }
    script = (
        f"(calls) => {{ const m = {runtime()};\n"
        "const show = (r) => (Object.is(r, -0) ? '-0' : String(r));\n"
        "const out = {};\n"
        "for (const n in calls) { out[n] = calls[n].map((c) => show(m[n](...c.map(Number)))); }\n"
        "return out; }"
    )
    arguments = {name: [[as_js(x) for x in c] for c in calls[name]] for name in calls}
    page = browser.new_page()
    try:
        shown = page.evaluate(script, arguments)
    finally:
        page.close()
    assert sorted(shown) == sorted(MATH_FUNCTIONS)
    wrong = [
        (name, args, from_js(text), getattr(FLOATS, name)(*args))
        for name in MATH_FUNCTIONS
        for args, text in zip(calls[name], shown[name], strict=True)
        if not exactly(from_js(text), getattr(FLOATS, name)(*args))
    ]
    assert wrong == []


# -- a model: leaf fields by scope, names, pan and zoom, the state in the link -------------------
def model_loss(**changes: float) -> Value:
    """The squared error of ``nn.MLP(2, [3, 1])`` (seeded) at one point, with the parameters
    named in ``changes`` (``layer1_neuron2_w1=0.5``) set first."""
    random.seed(1)
    model = nn.MLP(2, [3, 1])
    parameters = dict(model.named_parameters())
    for name, value in changes.items():
        parameters[name.replace("_", ".")].data = value
    loss = nn.mse_loss(model([Value(0.5, label="x1"), Value(-1.0, label="x2")]), 1.0)
    loss.label = "loss"
    return loss


MODEL_LEAVES = [
    ["x1"],
    ["x2"],
    *(["MLP", "Layer 1", f"Neuron {j}", name] for j in (1, 2, 3) for name in ("w1", "w2", "b")),
    *(["MLP", "Layer 2", "Neuron 1", name] for name in ("w1", "w2", "w3", "b")),
]


def field_paths(page: Page) -> list[list[str]]:
    """Each leaf field as the page shows it: the names of the groups around it, then its label."""
    paths: list[list[str]] = page.eval_on_selector_all(
        ".cr-leaves input.cr-leaf",
        """fields => fields.map(field => {
            const names = [];
            for (let g = field.closest("details"); g; g = g.parentElement.closest("details")) {
                names.unshift(g.querySelector(":scope > summary").textContent);
            }
            return names.concat([field.parentElement.firstChild.textContent.replace(" = ", "")]);
        })""",
    )
    return paths


def test_a_models_leaf_fields_are_grouped_by_layer_and_neuron(pages: Pages) -> None:
    loss = model_loss()
    page = pages.open(explore(loss))
    assert field_paths(page) == MODEL_LEAVES
    order = topological_order(loss)
    shown_values = page.eval_on_selector_all(
        ".cr-leaves input.cr-leaf", "fields => fields.map(f => [+f.dataset.node, +f.value])"
    )
    assert all(order[i].data == x for i, x in shown_values)


def test_a_scope_group_closes_and_opens(pages: Pages) -> None:
    page = pages.open(explore(model_loss()))
    neuron2 = '.cr-scope[data-scope="MLP/Layer 1/Neuron 2"]'
    page.click(f"{neuron2} > summary")
    assert not page.is_visible(f"{neuron2} input")
    assert page.is_visible('.cr-scope[data-scope="MLP/Layer 1/Neuron 1"] input >> nth=0')
    page.click(f"{neuron2} > summary")
    assert page.is_visible(f"{neuron2} input >> nth=0")


def test_a_click_on_a_scope_box_closes_and_opens_its_fields(pages: Pages) -> None:
    page = pages.open(explore(model_loss()))
    group = '.cr-scope[data-scope="MLP/Layer 1/Neuron 2"]'
    box = page.locator(f"#{box_id(['MLP', 'Layer 1', 'Neuron 2'])} > text")
    box.click()
    assert page.eval_on_selector(group, "g => g.open") is False
    assert page.eval_on_selector('.cr-scope[data-scope="MLP/Layer 1"]', "g => g.open") is True
    assert not page.is_visible(".cr-panel")  # a box is no node
    box.click()
    assert page.eval_on_selector(group, "g => g.open") is True


@pytest.mark.parametrize(
    ("collapse", "closed"),
    [
        (False, []),
        (True, ["MLP/Layer 1/Neuron 1", "MLP/Layer 1/Neuron 2", "MLP/Layer 1/Neuron 3",
                "MLP/Layer 2/Neuron 1"]),
        (1, ["MLP", "MLP/Layer 1", "MLP/Layer 1/Neuron 1", "MLP/Layer 1/Neuron 2",
             "MLP/Layer 1/Neuron 3", "MLP/Layer 2", "MLP/Layer 2/Neuron 1"]),
    ],
)  # fmt: skip
def test_a_scope_the_drawing_collapses_starts_closed(
    pages: Pages, collapse: bool | int, closed: list[str]
) -> None:
    page = pages.open(explore(model_loss(), collapse_scopes=collapse))
    shut = page.eval_on_selector_all(
        ".cr-scope", "groups => groups.filter(g => !g.open).map(g => g.dataset.scope)"
    )
    assert sorted(shut) == closed
    neuron2 = '.cr-scope[data-scope="MLP/Layer 1/Neuron 2"] input >> nth=0'
    assert page.is_visible(neuron2) == (collapse is False)


@pytest.mark.parametrize("name", ["MLP/Layer 1/Neuron 2/w1", "Layer 1/Neuron 2/w1", "Neuron 2/w1"])
def test_set_takes_a_scope_path_or_any_end_of_it_that_names_one_leaf(
    pages: Pages, name: str
) -> None:
    page = pages.open(explore(model_loss()))
    page.evaluate("([name, x]) => window.chainrule.set(name, x)", [name, 0.5])
    fresh = model_loss(layer1_neuron2_w1=0.5)
    nodes = finish(page)
    assert [n["data"] for n in nodes] == [v.data for v in topological_order(fresh)]
    assert [n["grad"] for n in nodes] == engine_grads(fresh)


def test_set_takes_a_bare_label_when_one_leaf_has_it(pages: Pages) -> None:
    page = pages.open(explore(model_loss()))
    page.evaluate("window.chainrule.set('w3', -2)")
    assert finish(page)[-1]["data"] == model_loss(layer2_neuron1_w3=-2.0).data


def test_an_ambiguous_or_unknown_name_is_an_error_that_lists_the_candidates(
    pages: Pages,
) -> None:
    page = pages.open(explore(model_loss()))
    with pytest.raises(Exception, match="4 leaves are named") as ambiguous:
        page.evaluate("window.chainrule.set('w1', 1)")
    for layer, unit in [(1, 1), (1, 2), (1, 3), (2, 1)]:
        assert f'"MLP/Layer {layer}/Neuron {unit}/w1"' in str(ambiguous.value)
    with pytest.raises(Exception, match="2 leaves are named") as two:
        page.evaluate("window.chainrule.set('Neuron 1/b', 1)")
    assert '"MLP/Layer 1/Neuron 1/b", "MLP/Layer 2/Neuron 1/b"' in str(two.value)
    with pytest.raises(Exception, match='no leaf is named "Neuron 4/w1": the leaves are "x1"'):
        page.evaluate("window.chainrule.set('Neuron 4/w1', 1)")
    assert shown_nodes(page)[-1]["data"] == model_loss().data


# Pan and zoom: the drawing's cards as the screen shows them.
def card_box(page: Page, card: str) -> dict[str, float]:
    box = page.locator(f"#{card}").bounding_box()
    assert box is not None
    return box


def centre(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


WINDOW = {"width": 1000, "height": 700}


def test_a_model_opens_with_the_whole_graph_in_the_window(pages: Pages) -> None:
    page = pages.open(explore(model_loss()), viewport=WINDOW)
    frame = page.locator(".cr-drawing").bounding_box()
    assert frame is not None and frame["y"] + frame["height"] <= WINDOW["height"]
    inside = page.eval_on_selector_all(
        "g.node",
        """(cards, frame) => cards.every(card => {
            const box = card.getBoundingClientRect();
            return box.left >= frame.x - 0.5 && box.right <= frame.x + frame.width + 0.5
                && box.top >= frame.y - 0.5 && box.bottom <= frame.y + frame.height + 0.5;
        })""",
        frame,
    )
    assert inside
    assert page.evaluate("window.chainrule.view().scale") < 4 / 3  # shrunk to fit


def test_a_small_graph_opens_at_the_size_graphviz_drew_it(pages: Pages) -> None:
    x = Value(2.0, label="x")
    page = pages.open(explore(x * 3), viewport=WINDOW)
    assert page.evaluate("window.chainrule.view().scale") == pytest.approx(4 / 3)


def test_plus_minus_and_fit_zoom_the_drawing(pages: Pages) -> None:
    page = pages.open(explore(model_loss()), viewport=WINDOW)
    fitted = card_box(page, "v0")
    page.click(".cr-zoom-in")
    assert card_box(page, "v0")["width"] == pytest.approx(fitted["width"] * 1.25, rel=1e-3)
    page.click(".cr-zoom-out")
    assert card_box(page, "v0")["width"] == pytest.approx(fitted["width"], rel=1e-3)
    page.click(".cr-zoom-in")
    page.click(".cr-zoom-in")
    page.click(".cr-fit")
    assert card_box(page, "v0") == pytest.approx(fitted, abs=0.01)


def test_the_wheel_zooms_about_the_pointer(pages: Pages) -> None:
    page = pages.open(explore(model_loss()), viewport=WINDOW)
    before = card_box(page, "v0")
    scale = page.evaluate("window.chainrule.view().scale")
    page.mouse.move(*centre(before))
    page.mouse.wheel(0, -200)
    page.wait_for_function("scale => window.chainrule.view().scale > scale", arg=scale)
    after = card_box(page, "v0")
    assert after["width"] > 1.3 * before["width"]
    assert centre(after) == pytest.approx(centre(before), abs=1)


def test_inside_a_notebook_the_wheel_scrolls_and_ctrl_wheel_zooms(pages: Pages) -> None:
    document = f"<!DOCTYPE html><html><body>{explore(model_loss())._repr_html_()}</body></html>"
    page = pages.open(document, viewport=WINDOW)
    scale = page.evaluate("window.chainrule.view().scale")
    page.mouse.move(*centre(card_box(page, "v0")))
    page.mouse.wheel(0, -200)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -200)
    page.keyboard.up("Control")
    page.wait_for_function("scale => window.chainrule.view().scale !== scale", arg=scale)
    # One zoom of e^(200 · 0.002), the Ctrl one's: the plain wheel zoomed nothing.
    assert page.evaluate("window.chainrule.view().scale") == pytest.approx(scale * math.exp(0.4))


def test_a_drag_pans_the_drawing_and_selects_nothing(pages: Pages) -> None:
    page = pages.open(explore(model_loss()), viewport=WINDOW)
    before = card_box(page, "v0")
    x, y = centre(before)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y + 20, steps=3)
    page.mouse.move(x + 60, y + 40, steps=3)
    page.mouse.up()
    after = card_box(page, "v0")
    assert (after["x"], after["y"]) == pytest.approx((before["x"] + 60, before["y"] + 40), abs=1)
    assert not page.is_visible(".cr-panel")
    page.click("#v0")  # a click without a drag still selects
    assert page.is_visible(".cr-panel")


# The state in the URL's fragment.
def fragment_of(page: Page) -> dict[str, str]:
    parts: dict[str, str] = page.evaluate(
        """() => Object.fromEntries(location.hash.slice(1).split("&")
            .map(part => part.split("=").map(decodeURIComponent)))"""
    )
    return parts


def test_the_step_changed_leaves_and_exercise_mode_are_written_to_the_link(
    pages: Pages,
) -> None:
    page = pages.open(explore(model_loss()))
    assert fragment_of(page) == {"step": "0"}
    page.evaluate("window.chainrule.step(7)")
    page.evaluate("window.chainrule.set('MLP/Layer 1/Neuron 2/w1', 0.5)")
    page.evaluate("window.chainrule.set('x1', -1.25)")
    page.check(".cr-exercise input")
    assert fragment_of(page) == {"step": "7", "Neuron 2/w1": "0.5", "x1": "-1.25", "exercise": "1"}
    page.evaluate("window.chainrule.set('x1', 0.5)")  # back to its own value: not in the link
    assert "x1" not in fragment_of(page)


def test_a_link_opens_the_page_at_its_step_with_its_leaf_values(pages: Pages) -> None:
    page = pages.open(explore(model_loss()), fragment="#step=7&Neuron%202/w1=0.5")
    assert page.evaluate("window.chainrule.current()") == 7
    assert page.input_value(".cr-slider") == "7"
    fresh = model_loss(layer1_neuron2_w1=0.5)
    field = page.input_value('.cr-scope[data-scope="MLP/Layer 1/Neuron 2"] input >> nth=0')
    assert float(field) == 0.5
    assert [n["grad"] for n in finish(page)] == engine_grads(fresh)


def test_a_link_opens_exercise_mode_with_the_earlier_steps_answered(pages: Pages) -> None:
    page = pages.open(explore(neuron()), fragment="#exercise=1&step=3")
    assert page.evaluate("window.chainrule.exercise()") is True
    assert page.evaluate("window.chainrule.current()") == 3
    assert page.is_checked(".cr-exercise input")
    assert grad_texts(page, 9) == ["1.0000"]  # o, n and b: answered
    assert set(grad_texts(page, 6)) == {"?"}  # x1·w1 + x2·w2, next: asked for
    assert "what is ∂o/∂" in page.inner_text(".cr-question")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.chainrule.current()") == 3


def test_a_link_turns_exercise_mode_off_on_a_page_made_with_it(pages: Pages) -> None:
    page = pages.open(explore(neuron(), exercise=True), fragment="#exercise=0&step=10")
    assert page.evaluate("window.chainrule.exercise()") is False
    assert grad_texts(page, 0) == ["-1.5000"]


def test_a_bad_link_is_left_out_with_a_notice_and_the_rest_applies(pages: Pages) -> None:
    page = pages.open(
        explore(neuron()), fragment="#step=99&nobody=1&x1=abc&exercise=yes&x2=3&%E0%A4%A=1&w1"
    )
    notice = page.inner_text(".cr-notice")
    assert notice.startswith("Left out of the link: ")
    for part in ["step=99", "nobody=1", "x1=abc", "exercise=yes", '"%E0%A4%A=1"', "w1="]:
        assert part in notice, part
    assert page.evaluate("window.chainrule.current()") == 0
    assert page.evaluate("window.chainrule.exercise()") is False
    assert shown_nodes(page)[3]["data"] == 3.0  # x2: applied
    assert fragment_of(page) == {"step": "0", "x2": "3"}


def test_a_new_fragment_in_the_same_tab_is_applied(pages: Pages) -> None:
    page = pages.open(explore(neuron()))
    page.evaluate("window.chainrule.set('w2', 7)")
    page.evaluate("location.hash = 'step=4'")
    page.wait_for_function("window.chainrule.current() === 4")
    assert shown_nodes(page)[4]["data"] == 1.0  # w2 back to its own value


def test_an_explorer_in_a_notebook_leaves_the_url_alone(pages: Pages) -> None:
    document = f"<!DOCTYPE html><html><body>{explore(neuron())._repr_html_()}</body></html>"
    page = pages.open(document, fragment="#step=5")
    root = page.query_selector(".chainrule-explorer")
    assert page.evaluate("el => el.chainrule.current()", root) == 0
    page.evaluate("el => el.chainrule.step(3)", root)
    assert page.evaluate("location.hash") == "#step=5"

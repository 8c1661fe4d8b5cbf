"""The replays at the edges: NaN, inf, domain errors, guards and very large graphs come out as
they do in the eager engine, for one example and for a batch alike."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import (
    DomainError,
    StructureError,
    Value,
    compile,
    linear,
    strategies,
    total,
)
from autograd.replay.writer import TERMS_PER_LINE

SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e308, -1e308, 1e-320]


def eager(fn, params, example):
    """fn's value and gradients by the eager engine, or the DomainError it raises."""
    for p in params:
        p.grad = 0.0
    try:
        root = fn(*example)
    except DomainError as error:
        return error
    root.backward()
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return root.data, grads


def same(a, b):
    """Equal to 1e-9, NaN equal to NaN, infinities equal by sign."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def called(compiled, params, *arguments):
    """compiled(*arguments) and the gradients it added, or the DomainError it raised."""
    try:
        value = compiled(*arguments)
    except DomainError as error:
        return error
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return value, grads


def one_example(compiled, params, example):
    return called(compiled, params, *example)


def batch_of(compiled, params, rows):
    return called(compiled, params, *[np.array(c) for c in zip(*rows, strict=True)])


def assert_same_result(got, expected):
    if isinstance(expected, DomainError):
        assert isinstance(got, DomainError), got
        assert str(expected) in str(got)
        return
    assert not isinstance(got, DomainError), got
    value, grads = got
    assert same(value, expected[0]), (value, expected[0])
    assert all(same(a, b) for a, b in zip(grads, expected[1], strict=True)), (grads, expected[1])


# -- NaN and inf: property tests on random graphs at special points --------------------------
@st.composite
def graphs_at_special_points(draw):
    expression = draw(strategies.expressions(n_inputs=st.integers(2, 3), max_steps=8))
    point = draw(
        st.lists(
            st.one_of(st.sampled_from(SPECIAL), st.floats(-3, 3)),
            min_size=expression.n_inputs,
            max_size=expression.n_inputs,
        )
    )
    other = draw(st.lists(st.floats(-2, 2), min_size=expression.n_inputs - 1, max_size=3))
    return expression, point, other[: expression.n_inputs - 1]


@given(graphs_at_special_points())
def test_the_one_example_replay_gives_eager_results_at_nan_and_inf(case):
    expression, point, _ = case
    params = [Value(point[0])]

    def fn(*inputs):
        return expression(params[0], *inputs)

    compiled = compile(fn, params)
    assert_same_result(one_example(compiled, params, point[1:]), eager(fn, params, point[1:]))


@given(graphs_at_special_points())
def test_a_batch_replay_gives_the_eager_mean_at_nan_and_inf(case):
    expression, point, other = case
    params = [Value(0.7)]

    def fn(*inputs):
        return expression(params[0], *inputs)

    rows = [point[1:], other]
    compiled = compile(fn, params)
    compiled(*other)  # traced on an ordinary example, as a training loop would
    for p in params:
        p.grad = 0.0

    def mean(*flat):
        width = len(rows[0])
        return total([fn(*flat[i : i + width]) for i in range(0, len(flat), width)]) / len(rows)

    expected = eager(mean, params, [x for row in rows for x in row])
    assert_same_result(batch_of(compiled, params, rows), expected)


def test_relu_and_its_step_of_nan_are_what_the_eager_engine_gives_in_both_replays():
    w = Value(1.0)

    def fn(x):
        return (w * x).relu() + abs(w * x).leaky_relu(0.1) + (w * x).softplus()

    compiled = compile(fn, [w])
    expected = eager(fn, [w], [math.nan])
    assert_same_result(one_example(compiled, [w], [math.nan]), expected)
    assert_same_result(batch_of(compiled, [w], [[math.nan]]), expected)


# -- domain errors: the eager engine's error, naming the example of a batch ----------------------
DOMAIN_CASES = {
    "log": (lambda w, x: (w * x).log(), -1.0),
    "sqrt": (lambda w, x: (w * x).sqrt(), -4.0),
    "division": (lambda w, x: w / x, 0.0),
    "negative power of 0": (lambda w, x: (w * x) ** -1.0, 0.0),
    "fractional power of a negative": (lambda w, x: (w * x) ** 0.5, -2.0),
    "Value exponent of a negative base": (lambda w, x: (w * x) ** w, -2.0),
    "masked by relu": (lambda w, x: (w * x).log().relu(), -1.0),
    "masked by a step": (lambda w, x: (w * x).sqrt().relu() * 0.0, -1.0),
}


@pytest.mark.parametrize("case", sorted(DOMAIN_CASES))
def test_an_example_outside_an_ops_domain_raises_the_eager_error(case):
    form, outside = DOMAIN_CASES[case]
    w = Value(2.0)

    def fn(x):
        return form(w, x)

    compiled = compile(fn, [w])
    compiled(1.0)
    expected = eager(fn, [w], [outside])
    assert isinstance(expected, DomainError)
    with pytest.raises(DomainError) as one:
        compiled(outside)
    assert str(one.value) == str(expected)
    with pytest.raises(DomainError, match="example 2 of the batch") as batch:
        compiled([1.0, 3.0, outside, 0.5])
    assert str(expected) in str(batch.value)


@pytest.mark.parametrize("case", sorted(DOMAIN_CASES))
def test_a_failed_one_example_call_adds_no_gradient(case):
    form, outside = DOMAIN_CASES[case]
    w = Value(2.0)
    compiled = compile(lambda x: form(w, x), [w])
    compiled(1.0)  # traced, and its gradient added
    before = w.grad
    with pytest.raises(DomainError):
        compiled(outside)
    assert w.grad == before


@pytest.mark.parametrize("case", sorted(DOMAIN_CASES))
def test_a_failed_batch_leaves_the_gradients_as_they_were(case):
    form, outside = DOMAIN_CASES[case]
    w = Value(2.0)
    compiled = compile(lambda x: form(w, x), [w])
    with pytest.raises(DomainError):
        compiled([1.0, outside, outside])
    assert w.grad == 0.0


def test_the_first_example_outside_the_domain_is_the_one_named():
    w = Value(1.0)
    compiled = compile(lambda x: (w * x).log(), [w])
    with pytest.raises(DomainError, match=r"example 1 of the batch: log: log\(-2\.0\)"):
        compiled([1.0, -2.0, -3.0])


def test_a_domain_error_on_the_first_example_of_a_batch_traced_there_names_it():
    w = Value(1.0)
    compiled = compile(lambda x: (w * x).sqrt(), [w])
    with pytest.raises(DomainError, match="example 0 of the batch: sqrt"):
        compiled([-1.0, 4.0])


def test_examples_computed_by_eager_and_by_the_replay_make_one_mean():
    w = Value(2.0)

    def fn(x):
        return (w * x).sqrt()  # at 0 the derivative is infinite: that example goes to eager

    compiled = compile(fn, [w])
    rows = [[4.0], [0.0], [1.0]]
    expected = eager(lambda *xs: total([fn(x) for x in xs]) / 3, [w], [4.0, 0.0, 1.0])
    assert_same_result(batch_of(compiled, [w], rows), expected)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_sin_of_an_infinite_input_is_nan_as_in_eager(value):
    w = Value(1.0)
    compiled = compile(lambda x: (w * x).sin(), [w])
    expected = eager(lambda x: (w * x).sin(), [w], [value])
    assert_same_result(one_example(compiled, [w], [value]), expected)
    assert_same_result(batch_of(compiled, [w], [[value]]), expected)


# -- guards ------------------------------------------------------------------------------------
def branching(w):
    def fn(x):
        z = w * x
        return z * z if z > 0 else -z

    return fn


@pytest.mark.parametrize("traced_at", [3.0, -3.0], ids=["taken", "not-taken"])
def test_a_batch_whose_examples_take_different_branches_is_refused(traced_at):
    w = Value(2.0)
    compiled = compile(branching(w), [w])
    compiled(traced_at)
    with pytest.raises(StructureError, match="comes out differently for some examples"):
        compiled([1.0, -2.0, 3.0])
    with pytest.raises(StructureError):
        compiled([-1.0, 2.0])


def test_a_batch_all_on_the_other_branch_is_traced_again():
    w = Value(2.0)
    compiled = compile(branching(w), [w])
    compiled(3.0)
    assert compiled([-1.0, -2.0]) == pytest.approx((2.0 + 4.0) / 2)
    assert compiled.traces == 2


def test_a_function_whose_guards_flip_is_traced_once_per_branch():
    w = Value(2.0)
    compiled = compile(branching(w), [w])
    for x in [1.0, -1.0] * 10:
        compiled(x)
    assert compiled.traces == 2


def test_nan_takes_the_branch_the_eager_engine_takes():
    w = Value(2.0)
    fn = branching(w)
    compiled = compile(fn, [w])
    compiled(1.0)
    expected = eager(fn, [w], [math.nan])
    assert_same_result(one_example(compiled, [w], [math.nan]), expected)


# -- very large graphs ---------------------------------------------------------------------------
TERMS = 10_000


def test_a_sum_of_ten_thousand_terms_compiles_and_replays():
    ws = [Value(1.0 / (i + 1)) for i in range(TERMS)]

    def fn(x):
        return total([w * x for w in ws]) + total(ws)

    compiled = compile(fn, ws)
    expected = eager(fn, ws, [2.0])
    assert_same_result(one_example(compiled, ws, [2.0]), expected)
    rows = [[2.0], [-1.0]]
    mean = eager(lambda a, b: (fn(a) + fn(b)) / 2, ws, [2.0, -1.0])
    assert_same_result(batch_of(compiled, ws, rows), mean)
    assert max(line.count(" + ") for line in compiled.source.splitlines()) <= TERMS_PER_LINE


def test_a_neuron_of_ten_thousand_inputs_compiles_and_replays():
    ws = [Value(math.sin(i)) for i in range(TERMS)]
    bias = Value(0.5)
    xs = [0.001 * i for i in range(TERMS)]

    def fn(*inputs):
        return linear(ws, list(inputs), bias).tanh()

    compiled = compile(fn, [*ws, bias])
    expected = eager(fn, [*ws, bias], xs)
    assert_same_result(one_example(compiled, [*ws, bias], xs), expected)
    assert_same_result(
        batch_of(compiled, [*ws, bias], [xs, xs[::-1]]),
        eager(
            lambda *both: (fn(*both[:TERMS]) + fn(*both[TERMS:])) / 2, [*ws, bias], xs + xs[::-1]
        ),
    )


def test_a_model_with_thousands_of_outputs_evaluates_and_trains():
    classes = 5000
    model = nn.MLP(2, [classes], seed=0)
    compiled = compile(lambda x0, x1: model([x0, x1]), model.parameters())
    outputs = compiled.evaluate(0.5, -0.25)
    assert outputs == pytest.approx([v.data for v in model([0.5, -0.25])], rel=1e-12)
    assert len(compiled.evaluate([0.5, 1.0], [-0.25, 0.0])[1]) == classes
    loss = nn.replay.CompiledLoss(model, nn.LOSSES["cross_entropy"])
    x, y = [[0.5, -0.25], [1.0, 0.0]], [3, classes - 1]
    expected = nn.LOSSES["cross_entropy"]([model(p) for p in x], y).data
    assert loss(x, y) == pytest.approx(expected, rel=1e-9)


def test_a_function_of_no_input_replays():
    w = Value(3.0)
    compiled = compile(lambda: w * w, [w])
    assert compiled() == 9.0
    assert w.grad == 6.0


def test_the_batch_sigmoid_is_floatmath_s_and_log_of_its_underflow_is_eager_s():
    """The batch replay's σ(x) = 1/(1 + e⁻ˣ) is within 4e-16 of FloatMath's relatively; below
    x = −709.78 it is 0 where FloatMath's is subnormal, and log's check hands such an example
    to the eager engine, so log σ(x) comes out as without compile."""
    from autograd.floatmath import FLOATS
    from autograd.replay.runtime import array_namespace

    xs = np.concatenate([np.linspace(-709.0, 709.0, 20_001), [-1e-300, 0.0, 1e-300, 800.0]])
    expected = np.array([FLOATS.sigmoid(x) for x in xs])
    got = array_namespace()["sigmoid"](xs)
    assert np.all(np.abs(got - expected) <= 4e-16 * expected)
    w = Value(1.0)
    compiled = compile(lambda x: (w * x).sigmoid().log(), [w])
    rows = [[-740.0], [-3.0], [-720.0]]
    expected_result = eager(lambda *xs: total([(w * x).sigmoid().log() for x in xs]) / 3, [w],
                            [r[0] for r in rows])  # fmt: skip
    assert_same_result(batch_of(compiled, [w], rows), expected_result)

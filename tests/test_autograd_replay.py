"""compile: a traced graph replayed as generated code agrees with the eager engine."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import (
    DomainError,
    StructureError,
    TracingError,
    Value,
    compile,
    linear,
    strategies,
    total,
)


def make_params(*numbers):
    return [Value(x) for x in numbers]


def neuron_loss(params):
    w1, w2, b, v = params

    def loss(x1, x2, y):
        hidden = linear([w1, w2], [x1, x2], b).tanh()
        score = hidden * v
        return (1 - y * score).relu() + 1e-3 * total(p * p for p in params)

    return loss


def eager(fn, params, *inputs):
    for p in params:
        p.grad = 0.0
    out = fn(*inputs)
    out.backward()
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return out.data, grads


def test_one_example_gives_the_eager_value_and_gradients():
    params = make_params(0.3, -0.8, 0.1, 1.5)
    fn = neuron_loss(params)
    expected_value, expected_grads = eager(fn, params, 0.5, -0.3, 1.0)
    value = compile(fn, params)(0.5, -0.3, 1.0)
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert [p.grad for p in params] == pytest.approx(expected_grads, rel=1e-12, abs=1e-15)


def test_gradients_accumulate_and_parameters_are_read_at_each_call():
    params = make_params(0.3, -0.8, 0.1, 1.5)
    fn = neuron_loss(params)
    compiled = compile(fn, params)
    compiled(0.5, -0.3, 1.0)
    first = [p.grad for p in params]
    compiled(0.5, -0.3, 1.0)
    assert [p.grad for p in params] == pytest.approx([2 * g for g in first])
    params[3].data = -2.0  # as an optimizer step would
    expected_value, expected_grads = eager(fn, params, 0.5, -0.3, 1.0)
    for p in params:
        p.grad = 0.0
    assert compiled(0.5, -0.3, 1.0) == pytest.approx(expected_value, rel=1e-12)
    assert [p.grad for p in params] == pytest.approx(expected_grads, rel=1e-12)
    assert compiled.traces == 1


def test_a_batch_gives_the_mean_loss_and_its_gradient():
    params = make_params(0.3, -0.8, 0.1, 1.5)
    fn = neuron_loss(params)
    xs1, xs2, ys = [0.5, -1.0, 2.0, 0.1], [-0.3, 0.4, 1.0, 0.0], [1.0, -1.0, 1.0, -1.0]

    def mean_loss(*flat):
        rows = [flat[i : i + 3] for i in range(0, len(flat), 3)]
        return total(fn(*row) for row in rows) / len(rows)

    flat = [x for row in zip(xs1, xs2, ys, strict=True) for x in row]
    expected_value, expected_grads = eager(mean_loss, params, *flat)
    value = compile(fn, params)(np.array(xs1), xs2, tuple(ys))
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert [p.grad for p in params] == pytest.approx(expected_grads, rel=1e-12, abs=1e-15)


def test_the_source_is_straight_line_python_that_a_learner_can_read():
    params = make_params(2.0, 3.0)
    compiled = compile(lambda x: (params[0] * x + params[1]).sigmoid(), params)
    compiled(1.5)
    source = compiled.source
    assert source.startswith("def replay(seed, x0, p0, p1):")
    assert "v2 = sigmoid(v1)" in source
    assert "v2 * (1.0 - v2)" in source  # σ' = σ(1 − σ), from the op table
    assert "for " not in source and "while " not in source


def test_constants_are_written_with_repr():
    params = make_params(1.0)
    compiled = compile(lambda x: params[0] * x + 0.1 + 1e-300, params)
    compiled(2.0)
    assert "0.1" in compiled.source and "1e-300" in compiled.source


def test_nothing_traced_yet_has_no_source():
    with pytest.raises(TracingError, match="nothing traced yet"):
        _ = compile(lambda x: x, []).source


# -- property tests: compiled and eager agree on random graphs and random batches --------------
@st.composite
def graphs_with_parameters(draw):
    expression = draw(strategies.expressions(n_inputs=st.integers(2, 4), max_steps=10))
    n_params = draw(st.integers(1, expression.n_inputs - 1))
    point = draw(strategies.points(expression))
    return expression, n_params, point


@given(graphs_with_parameters())
def test_compiled_and_eager_agree_on_random_graphs(case):
    expression, n_params, point = case
    params = [Value(x) for x in point[:n_params]]

    def fn(*inputs):
        return expression(*params, *inputs)

    expected_value, expected_grads = eager(fn, params, *point[n_params:])
    value = compile(fn, params)(*point[n_params:])
    assert value == pytest.approx(expected_value, rel=1e-12, abs=1e-12)
    assert [p.grad for p in params] == pytest.approx(expected_grads, rel=1e-9, abs=1e-12)


@given(graphs_with_parameters(), st.integers(1, 6), st.data())
def test_compiled_batches_agree_with_eager_means(case, size, data):
    expression, n_params, point = case
    params = [Value(x) for x in point[:n_params]]

    def fn(*inputs):
        return expression(*params, *inputs)

    rows = [point[n_params:]]
    for _ in range(size - 1):
        other = data.draw(strategies.points(expression))
        rows.append(other[n_params:])

    def mean(*flat):
        width = len(rows[0])
        return total(fn(*flat[i : i + width]) for i in range(0, len(flat), width)) / len(rows)

    compiled = compile(fn, params)
    compiled(*rows[0])  # trace on the first row, as a training loop would
    for p in params:
        p.grad = 0.0
    columns = [np.array(column) for column in zip(*rows, strict=True)]
    # The drawn expressions compare no Values (relu and abs have their branch inside the op),
    # so one graph holds for every row: a StructureError here is a failure, not a refusal.
    value = compiled(*columns)
    compiled_grads = [p.grad for p in params]
    expected_value, expected_grads = eager(mean, params, *[x for row in rows for x in row])
    assert value == pytest.approx(expected_value, rel=1e-9, abs=1e-12)
    assert compiled_grads == pytest.approx(expected_grads, rel=1e-7, abs=1e-9)


# -- data-dependent structure ----------------------------------------------------------------
def branching(params):
    (w,) = params

    def fn(x):
        z = w * x
        return z * z if z > 0 else -z  # a Python branch on a comparison of Values

    return fn


def test_a_branch_on_a_comparison_is_guarded_and_retraced_for_one_example():
    params = make_params(2.0)
    compiled = compile(branching(params), params)
    assert compiled(3.0) == 36.0 and params[0].grad == 2 * 2.0 * 9.0
    params[0].grad = 0.0
    assert compiled(-1.0) == 2.0 and params[0].grad == 1.0  # −w·x, ∂/∂w = −x
    assert compiled.traces == 2


def test_a_batch_across_a_branch_is_refused():
    params = make_params(2.0)
    compiled = compile(branching(params), params)
    compiled(3.0)
    assert compiled([1.0, 2.0]) == pytest.approx((4 + 16) / 2)
    with pytest.raises(StructureError, match="comes out differently for some examples"):
        compiled([1.0, -2.0])


def test_ops_with_the_branch_inside_need_no_retrace():
    params = make_params(2.0)
    compiled = compile(lambda x: (params[0] * x).relu() + abs(x), params)
    assert compiled(3.0) == 9.0
    assert compiled(-3.0) == 3.0
    assert compiled([1.0, -1.0]) == pytest.approx((3.0 + 1.0) / 2)
    assert compiled.traces == 1


def test_float_of_a_traced_value_is_refused():
    params = make_params(2.0)
    compiled = compile(lambda x: params[0] * math.sqrt(float(x)), params)
    with pytest.raises(TracingError, match=r"float\(\) on a traced Value"):
        compiled(4.0)


def test_fn_must_return_a_value():
    with pytest.raises(
        TracingError, match=r"must return a Value \(or a list of Values\), but it returned float"
    ):
        compile(lambda x: 1.0, [])(2.0)


def test_params_must_be_values():
    with pytest.raises(TypeError, match=r"params\[0\] must be a Value, not float"):
        compile(lambda x: x, [1.0])


def test_the_number_of_inputs_is_fixed_by_the_trace():
    params = make_params(2.0)
    compiled = compile(lambda *xs: params[0] * total(xs), params)
    compiled(1.0, 2.0)
    with pytest.raises(TracingError, match="traced with 2 inputs, called with 3"):
        compiled(1.0, 2.0, 3.0)


def test_batches_must_be_equal_length_one_dimensional():
    params = make_params(2.0)
    compiled = compile(lambda x, y: params[0] * x * y, params)
    with pytest.raises(ValueError, match=r"equal-length.*got shapes \[\(2,\), \(1,\)\]"):
        compiled([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match=r"per input, got shapes \[\(2, 1\), \(2, 1\)\]"):
        compiled([[1.0], [2.0]], np.array([[1.0], [2.0]]))
    with pytest.raises(ValueError, match="empty"):
        compiled([], [])


def test_a_domain_error_is_reported_as_without_compile():
    params = make_params(1.0)
    compiled = compile(lambda x: (params[0] * x).log(), params)
    assert compiled(2.0) == pytest.approx(math.log(2.0))
    with pytest.raises(DomainError, match="log"):
        compiled(-2.0)


@pytest.fixture
def values_made(monkeypatch):
    """How many ``Value``s have been made by their constructor since the test began: the eager
    engine, which the replays fall back on, makes one for each input of the example."""
    made = [0]
    init = Value.__init__

    def counted(self, *args, **kwargs):
        made[0] += 1
        init(self, *args, **kwargs)

    monkeypatch.setattr(Value, "__init__", counted)
    return made


def test_a_finite_batch_is_replayed_without_the_eager_engine(values_made):
    params = make_params(0.5, -1.0, 0.1, 2.0)
    compiled = compile(neuron_loss(params), params)
    compiled(0.5, -0.3, 1.0)  # traced: the eager engine builds the graph once
    traced = values_made[0]
    assert traced > 0
    compiled(np.array([0.5, 1.0, -2.0]), np.array([-0.3, 0.0, 0.7]), np.array([1.0, -1.0, 1.0]))
    assert values_made[0] == traced  # replayed: not one Value made
    # A NaN example goes to the eager engine, which makes Values: the count sees it.
    compiled(np.array([0.5, math.nan]), np.array([-0.3, 0.0]), np.array([1.0, -1.0]))
    assert values_made[0] > traced


def test_a_one_example_call_is_replayed_without_the_eager_engine(values_made):
    params = make_params(0.5, -1.0, 0.1, 2.0)
    compiled = compile(neuron_loss(params), params)
    compiled(0.5, -0.3, 1.0)
    traced = values_made[0]
    compiled(1.0, 0.25, -1.0)
    assert values_made[0] == traced


def test_numpy_is_imported_only_for_a_batch():
    script = (
        "import sys; from autograd import Value, compile; p = Value(2.0); "
        "c = compile(lambda x: p * x, [p]); c(1.0); assert 'numpy' not in sys.modules; "
        "c([1.0, 2.0]); assert 'numpy' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_scale_weighs_the_gradient_but_not_the_loss():
    params = make_params(2.0)
    compiled = compile(lambda x: params[0] * params[0] * x, params)
    assert compiled(3.0, scale=0.5) == 12.0
    assert params[0].grad == 0.5 * 12.0
    params[0].grad = 0.0
    assert compiled([1.0, 3.0], scale=0.25) == 8.0
    assert params[0].grad == pytest.approx(0.25 * 8.0)


def test_evaluate_gives_outputs_without_gradients():
    params = make_params(2.0, -1.0)
    compiled = compile(lambda x: [params[0] * x, (params[1] * x).relu()], params)
    assert compiled.evaluate(3.0) == [6.0, 0.0]
    assert compiled.evaluate([1.0, -2.0]) == [[2.0, 0.0], [-4.0, 2.0]]
    assert all(p.grad == 0.0 for p in params)
    with pytest.raises(TracingError, match="gradients need one"):
        compiled(1.0)


def test_evaluate_of_one_output_gives_numbers():
    params = make_params(2.0)
    compiled = compile(lambda x: params[0] * x, params)
    assert compiled.evaluate(3.0) == 6.0
    assert compiled.evaluate([1.0, 2.0]) == [2.0, 4.0]


def test_a_parameter_listed_twice_gets_its_gradient_once():
    w = Value(2.0)
    compiled = compile(lambda x: w * x, [w, w])
    compiled(3.0)
    assert w.grad == 3.0
    compiled([1.0, 2.0])
    assert w.grad == 3.0 + 1.5

"""Your own op: an ``autograd.Op`` subclass works everywhere a built-in op does, and a broken
rule is named when the op is first applied."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import autograd.value
import nn
from autograd import (
    AnomalyError,
    Op,
    Value,
    compile,
    detect_anomaly,
    draw_graph,
    grad,
    hessian,
    jvp,
    ops,
)


class Softsign(Op):
    """softsign(x) = x/(1 + |x|);  d/dx = 1/(1 + |x|)² = (1 − |out|)²."""

    name = "softsign"
    symbol = "softsign"

    def forward(self, m, x):
        return x / (1.0 + m.abs(x))

    def derivatives(self, m, out, x):
        return ((1.0 - m.abs(out)) * (1.0 - m.abs(out)),)


class Hypot(Op):
    """√(x² + y²);  ∂/∂x = x/out, ∂/∂y = y/out.  Needs (x, y) ≠ (0, 0)."""

    name = symbol = "hypot"

    def forward(self, m, x, y):
        return m.sqrt(x * x + y * y)

    def derivatives(self, m, out, x, y):
        return (x / out, y / out)

    def domain(self, x, y):
        return "hypot(0, 0) has no derivative" if x == 0 and y == 0 else None


SOFTSIGN, HYPOT = Softsign(), Hypot()


def softsign_slope(x: float) -> float:
    return 1.0 / (1.0 + abs(x)) ** 2


def softsign_curvature(x: float) -> float:
    return -2.0 * math.copysign(1.0, x) / (1.0 + abs(x)) ** 3


# -- applying it ---------------------------------------------------------------------------------
def test_an_op_applies_like_a_function_to_values():
    x = Value(3.0)
    y = SOFTSIGN(x)
    assert isinstance(y, Value) and y.data == 0.75
    assert y.inputs == (x,) and y.rule is SOFTSIGN and y.op == "softsign"


def test_an_op_applies_to_numbers_as_constants():
    y = HYPOT(3, Value(4.0))
    assert y.data == 5.0 and y.inputs[0].data == 3.0 and y.inputs[0].rule is None


def test_an_op_without_a_name_is_named_after_its_class():
    class Twice(Op):
        def forward(self, m, x):
            return 2.0 * x

        def derivatives(self, m, out, x):
            return (2.0,)

    assert Twice.name == "Twice" and Twice()(Value(1.5)).op == "Twice"


def test_builtin_ops_are_ops_applied_the_same_way():
    x = Value(0.3)
    assert all(isinstance(op, Op) for op in (ops.EXP, ops.ADD, ops.LINEAR, ops.TOTAL))
    assert ops.EXP(x).data == x.exp().data
    assert ops.ADD(x, 2).data == (x + 2).data
    assert ops.TOTAL(x, x, x).data == 3 * x.data
    assert (x * x).rule is ops.MUL


def test_the_arity_comes_from_forward():
    assert (SOFTSIGN.arity, HYPOT.arity, ops.TOTAL.arity, ops.LINEAR.arity) == (1, 2, None, None)


# -- every use -----------------------------------------------------------------------------------
@pytest.mark.parametrize("x", [-2.0, 0.5, 3.0])
def test_backward_uses_the_ops_derivative(x):
    v = Value(x)
    SOFTSIGN(v * 2.0).backward()
    assert v.grad == pytest.approx(2.0 * softsign_slope(2 * x), rel=1e-15)


def test_create_graph_differentiates_the_derivative_again():
    x = Value(0.5)
    SOFTSIGN(x).backward(create_graph=True)
    slope = x.grad
    assert isinstance(slope, Value) and slope.data == pytest.approx(softsign_slope(0.5))
    x.grad = 0.0
    slope.backward()
    assert x.grad == pytest.approx(softsign_curvature(0.5), rel=1e-14)


def test_grad_of_grad_of_a_user_op():
    assert grad(grad(SOFTSIGN))(-1.5) == pytest.approx(softsign_curvature(-1.5), rel=1e-14)


def test_both_partial_derivatives_of_a_two_input_op():
    assert grad(HYPOT, (0, 1))(3.0, 4.0) == (0.6, 0.8)


def test_forward_mode_and_the_hessian_use_the_ops_rule():
    value, tangent = jvp(HYPOT, [3.0, 4.0], [1.0, 2.0])
    assert value == 5.0 and tangent == pytest.approx(0.6 + 1.6)
    # H = (I − uuᵀ)/r with u = (x, y)/r
    rows = hessian(HYPOT)(3.0, 4.0)
    assert rows[0] == pytest.approx([0.128, -0.096]) and rows[1] == pytest.approx([-0.096, 0.072])


def test_the_compiled_replay_on_floats_writes_the_ops_rule():
    w = Value(0.7)
    loss = compile(lambda x: SOFTSIGN(w * x), [w])
    assert loss(2.0) == pytest.approx(1.4 / 2.4)
    assert w.grad == pytest.approx(2.0 * softsign_slope(1.4), rel=1e-15)
    assert "abs(" in loss.source


def test_the_compiled_replay_on_a_numpy_batch():
    w = Value(0.7)
    loss = compile(lambda x, y: HYPOT(w * x, y), [w])
    xs, ys = [3.0, 1.0], [4.0, 2.0]
    mean = loss(xs, ys)
    eager = [HYPOT(w * x, y) for x, y in zip(xs, ys, strict=True)]
    assert mean == pytest.approx(sum(e.data for e in eager) / 2, rel=1e-15)
    expected = sum(0.7 * x * x / e.data for x, e in zip(xs, eager, strict=True)) / 2
    assert w.grad == pytest.approx(expected, rel=1e-14)


def test_draw_graph_shows_the_ops_symbol():
    source = draw_graph(SOFTSIGN(Value(1.0, label="x"))).source
    assert "softsign" in source


def test_detect_anomaly_names_a_user_op():
    class Reciprocal(Op):
        name = symbol = "reciprocal"

        def forward(self, m, x):
            return m.power(x, -1.0)

        def derivatives(self, m, out, x):
            return (-out * out,)

    with detect_anomaly(), pytest.raises(AnomalyError, match="reciprocal produced inf"):
        Reciprocal()(Value(0.0))


def test_a_domain_of_its_own_is_checked():
    with pytest.raises(ValueError, match=r"hypot: hypot\(0, 0\) has no derivative"):
        HYPOT(0.0, 0.0)


class SoftsignNet(nn.Module):
    """A module that uses the user's op: a layer, softsign on each output, one linear neuron."""

    def __init__(self, nin: int = 2, width: int = 3, seed: int = 0):
        super().__init__()
        self.nin, self.width, self.seed = nin, width, seed
        self.hidden = nn.Layer(nin, width, activation="linear", seed=seed)
        self.out = nn.Neuron(width, activation="linear", seed=seed + 1)

    def forward(self, x):
        return self.out([SOFTSIGN(z) for z in self.hidden(x)])

    def children(self):
        return [("hidden", self.hidden), ("out", self.out)]

    def config(self):
        return {"nin": self.nin, "width": self.width, "seed": self.seed}


def test_a_model_file_of_a_module_using_a_user_op(tmp_path: Path):
    model = SoftsignNet(seed=3)
    for p in model.parameters():
        p.data += 0.1
    path = tmp_path / "model.json"
    nn.save(model, path)
    loaded = nn.load(path)
    assert type(loaded) is SoftsignNet and loaded.state_dict() == model.state_dict()
    assert loaded([0.5, -1.0]).data == model([0.5, -1.0]).data


def test_a_module_using_a_user_op_trains():
    model = SoftsignNet(seed=0)
    x, y = nn.datasets.make_moons(40, noise=0.1, seed=0)
    history = nn.fit(model, x, y, optimizer=nn.SGD(model.parameters(), lr=0.2), steps=30)
    assert history.loss[-1] < history.loss[0]


# -- a broken rule is named when the op is first applied ----------------------------------------
def op_with(value, slopes):
    """An op of one input whose forward is ``value(m, x)`` and derivatives ``slopes(m, out, x)``."""

    class Broken(Op):
        name = "broken"

        def forward(self, m, x):
            return value(m, x)

        def derivatives(self, m, out, x):
            return slopes(m, out, x)

    return Broken()


@pytest.mark.parametrize(
    ("forward", "derivatives", "problem"),
    [
        (lambda m, x: x * x, lambda m, out, x: (2 * x, 1.0), r"returned 2 terms for 1 input"),
        (lambda m, x: x * x, lambda m, out, x: 2 * x, r"must return a tuple"),
        (lambda m, x: m.erf(x), lambda m, out, x: (x,), r"m\.erf, which m does not have"),
        (lambda m, x: x**2, lambda m, out, x: (2 * x,), r"x \*\* y on an operand"),
        (lambda m, x: x * x, lambda m, out, x: (2 * math.cos(x),), r"float\(\) on an operand"),
        (lambda m, x: x if x > 0 else 0.0, lambda m, out, x: (1.0,), r"a comparison"),
        (lambda m, x: x.exp(), lambda m, out, x: (out,), r"x\.exp on an operand"),
        (lambda m, x: m.power(x), lambda m, out, x: (x,), r"m\.power with 1 argument"),
        (lambda m, x: "x", lambda m, out, x: (x,), r"forward returned str"),
        (lambda m, x: x, lambda m, out, x: ("1",), r"derivative 0 is str"),
    ],
)
def test_a_broken_rule_is_named_when_first_applied(forward, derivatives, problem):
    with pytest.raises(TypeError, match=r"op broken \(Broken\)") as caught:
        op_with(forward, derivatives)(Value(1.0))
    assert caught.match(problem)


def test_the_wrong_number_of_inputs_is_named():
    with pytest.raises(TypeError, match=r"op hypot \(Hypot\) takes 2 inputs, got 1"):
        HYPOT(Value(1.0))


def test_an_input_that_is_not_a_number_is_named():
    with pytest.raises(TypeError, match="input 1 of hypot must be a real number"):
        HYPOT(1.0, "2")


def test_the_rule_is_checked_once_per_op_and_number_of_inputs(monkeypatch):
    checked = []
    monkeypatch.setattr(autograd.value, "check_rule", lambda op, n: checked.append((op, n)))

    class Sum(Op):
        def forward(self, m, *xs):
            return sum(xs[1:], xs[0])

        def derivatives(self, m, out, *xs):
            return (1.0,) * len(xs)

    total = Sum()
    for _ in range(3):
        total(Value(1.0), Value(2.0))
    total(1.0, 2.0, 3.0)
    assert checked == [(total, 2), (total, 3)]

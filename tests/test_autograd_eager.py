"""Each op's eager function, written from its rule, computes exactly what the rule computes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd.value
from autograd import AnomalyError, DomainError, Op, Value, detect_anomaly, no_grad, ops, scope
from autograd.floatmath import CUT
from autograd.value import _apply

#: Every built-in op of a fixed number of inputs, with a made-up exponent and slope.
FIXED = [
    op
    for op in (*vars(ops).values(), ops.PowConst(2.0), ops.PowConst(-1.5), ops.PowConst(0.0))
    if isinstance(op, Op) and op.arity is not None
] + [ops.PowConst(0.5), ops.LeakyRelu(0.2)]

anything = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1.0])


def outcome(make, *args):
    """The node's value and local derivatives, NaN compared as a string, or the error raised."""
    try:
        node = make(*args)
    except (DomainError, ZeroDivisionError) as error:
        return type(error), str(error)
    cut = [d is CUT for d in node.local_derivatives]
    return repr(node.data), repr(node.local_derivatives), cut, node.inputs, node.rule


@pytest.mark.parametrize("op", FIXED, ids=repr)
@given(data=st.data())
def test_the_eager_function_computes_what_the_rule_computes(op, data):
    xs = [Value(data.draw(anything)) for _ in range(op.arity)]
    assert outcome(op, *xs) == outcome(_apply, op, *xs)


@pytest.mark.parametrize("x", [3.6493348346502824e16, -1.1e154, -2e154, 1e200, -0.0, 3.0])
def test_a_square_is_the_exactly_rounded_one_in_the_rule_and_in_the_code(x):
    """x ** 2 is x·x in the rule (FloatMath) as in the written code: the C library's pow is one
    unit in the last place off at the first x."""
    from fractions import Fraction

    square = ops.PowConst(2.0)
    try:
        exact = float(Fraction(x) ** 2)
    except OverflowError:  # beyond the largest float: IEEE's inf
        exact = math.inf
    v = Value(x)
    assert outcome(square, v) == outcome(_apply, square, v)
    assert (v**2).data == exact


@pytest.mark.parametrize("op", FIXED, ids=repr)
def test_every_built_in_op_of_fixed_arity_is_written_as_code(op):
    source = op.eager_source
    assert source is not None and source.startswith("def apply(")
    assert "node._a = " in source


@pytest.mark.parametrize(
    ("operation", "op"),
    [
        (lambda x: x * 3, ops.MUL),
        (lambda x: 3 - x, ops.SUB),
        (lambda x: x.exp(), ops.EXP),
        (lambda x: x**2, None),
        (lambda x: 2**x, ops.POW),
        (lambda x: -x, ops.NEG),
    ],
)
def test_the_methods_of_value_are_the_eager_functions(operation, op):
    node = operation(Value(0.5))
    if op is not None:
        assert node.rule is op
    assert node.data == _apply(node.rule, *node.inputs).data


def test_the_eager_source_writes_the_rule_inline():
    assert "node.data = out = x0 * x1" in ops.MUL.eager_source
    assert "node._da = x1\n" in ops.MUL.eager_source and "node._db = x0\n" in ops.MUL.eager_source
    assert "(1.0 if x0 > 0.0 else CUT)" in ops.RELU.eager_source
    assert ops.LINEAR.eager_source is None  # any number of inputs: interpreted


def test_relu_keeps_its_mask():
    (derivative,) = Value(-1.0).relu().local_derivatives
    assert derivative is CUT


def test_outside_any_mode_and_inside_one_the_node_is_the_same():
    x, y = Value(2.0), Value(3.0)
    plain = x * y
    with scope("here"):
        scoped = x * y
    assert (scoped.data, scoped.inputs, scoped.rule) == (plain.data, plain.inputs, plain.rule)
    assert scoped.scope == "here" and plain.scope == ""


def test_under_no_grad_the_eager_function_makes_a_leaf_in_the_scope():
    with scope("s"), no_grad():
        z = Value(2.0) * 3
    assert z.data == 6.0 and z.inputs == () and z.rule is None and z.scope == "s"


def test_anomaly_mode_names_the_op_from_the_eager_function():
    with detect_anomaly(), pytest.raises(AnomalyError, match="exp"):
        Value(1000.0).exp()


def test_a_domain_error_is_raised_before_any_node_is_made():
    with pytest.raises(DomainError, match="log"):
        Value(-1.0).log()
    with pytest.raises(DomainError, match="division by zero"):
        Value(1.0) / 0


class Cube(Op):
    """x³;  d/dx = 3x²."""

    name = symbol = "cube"

    def forward(self, m, x):
        return x * x * x

    def derivatives(self, m, out, x):
        return (3.0 * x * x,)


def test_a_users_op_gets_its_eager_function_at_first_use():
    cube = Cube()
    assert "node.data = out = x0 * x0 * x0" in cube.eager_source
    y = cube(2)
    assert y.data == 8.0 and y.local_derivatives == (12.0,)
    assert cube.__dict__["_eager_functions"][1].__code__.co_filename.startswith("<eager")


class Branching(Op):
    """A rule that branches on its operand's value: it cannot be written, and is interpreted."""

    def forward(self, m, x):
        return x if x > 0 else -x

    def derivatives(self, m, out, x):
        return (1.0 if x > 0 else -1.0,)


def test_a_rule_that_cannot_be_written_is_interpreted(monkeypatch):
    monkeypatch.setattr(autograd.value, "check_rule", lambda op, n: None)
    branching = Branching()
    assert branching.eager_source is None
    assert branching(-2.0).data == 2.0 and branching(-2.0).local_derivatives == (-1.0,)


def test_a_number_that_is_not_one_is_named_by_the_eager_function():
    with pytest.raises(TypeError, match="the other operand must be a real number"):
        Value(1.0) * "2"  # type: ignore[operator]
    with pytest.raises(TypeError, match="input 0 of cube must be a real number"):
        Cube()("2")  # type: ignore[arg-type]


def test_a_powers_exponent_is_found_by_equal_numbers():
    x = Value(3.0)
    assert (x**2).rule is (x**2.0).rule and (x**True).data == 3.0
    with pytest.raises(TypeError, match="the exponent must be a real number"):
        x ** [2]  # type: ignore[operator]


@pytest.mark.parametrize(
    "op", [ops.EXP, ops.LOG, ops.SQRT, ops.TANH, ops.SIN, ops.COS, ops.ABS], ids=repr
)
@pytest.mark.parametrize("x", [1000.0, -1000.0, 0.0, -0.0, -1.0, 1.5, float("inf"), -float("inf")])
def test_where_math_raises_the_eager_function_answers_as_the_rule(op, x):
    # The eager function calls math's function first and, where it raises (exp(1000),
    # log(0), sin(inf)), the rule's own IEEE one.
    assert "math_" in op.eager_source
    node = Value(x)
    assert outcome(op, node) == outcome(_apply, op, node)

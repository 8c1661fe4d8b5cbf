"""Value: what a node holds, what it accepts, and how it compares."""

from __future__ import annotations

import copy
import gc
import math
from fractions import Fraction

import numpy as np
import pytest

from autograd import Value, linear, total


def test_data_is_a_float_and_grad_starts_at_zero():
    v = Value(3)
    assert type(v.data) is float and v.data == 3.0
    assert v.grad == 0.0


@pytest.mark.parametrize("number", [True, 7, 2.5, np.float32(1.5), np.int64(4), Fraction(1, 4)])
def test_real_numbers_of_any_kind_are_converted(number):
    assert Value(number).data == float(number)


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [
        ("abc", "str"),
        (None, "NoneType"),
        (1 + 2j, "complex"),
        ([1.0], "list"),
        ((1,), "tuple"),
        ({"a": 1}, "dict"),
    ],
)
def test_anything_else_is_a_type_error_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=rf"data must be a real number .*not {type_name}"):
        Value(bad)


def test_a_value_is_not_wrapped_in_another():
    with pytest.raises(TypeError, match="not Value"):
        Value(Value(1.0))


def test_label_is_free_text_and_must_be_a_str():
    assert Value(1.0, label="w₁ {weird} | <label>").label == "w₁ {weird} | <label>"
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_leaf_has_no_op_and_no_inputs():
    v = Value(1.0)
    assert v.op == "" and v.inputs == () and v.rule is None


def test_inputs_are_kept_in_argument_order():
    a, b = Value(1.0), Value(2.0)
    assert (a - b).inputs == (a, b)
    assert (b - a).inputs == (b, a)
    assert (a * a).inputs == (a, a)


@pytest.mark.parametrize(
    ("make", "op"),
    [
        (lambda a, b: a + b, "+"),
        (lambda a, b: a - b, "-"),
        (lambda a, b: a * b, "*"),
        (lambda a, b: a / b, "/"),
        (lambda a, b: a**2, "**2"),
        (lambda a, b: a**b, "**"),
        (lambda a, b: -a, "-"),
        (lambda a, b: a.tanh(), "tanh"),
        (lambda a, b: a.relu(), "relu"),
    ],
)
def test_op_names_the_operation(make, op):
    assert make(Value(2.0), Value(3.0)).op == op


def test_numbers_work_on_either_side_of_every_operator():
    v = Value(2.0)
    assert (v + 1).data == (1 + v).data == 3.0
    assert (v - 1).data == 1.0 and (1 - v).data == -1.0
    assert (v * 3).data == (3 * v).data == 6.0
    assert (v / 4).data == 0.5 and (4 / v).data == 2.0
    assert (v**3).data == 8.0 and (3**v).data == 9.0


def test_constants_become_leaf_inputs():
    v = Value(2.0)
    out = 1 - v
    constant, same = out.inputs
    assert same is v and constant.data == 1.0 and constant.op == ""


def test_in_place_addition_builds_a_new_node():
    v = Value(1.0)
    original = v
    v += 2
    assert v is not original and v.data == 3.0 and v.inputs[0] is original


def test_operands_that_are_not_numbers_are_rejected_with_their_type():
    with pytest.raises(TypeError, match="not str"):
        Value(1.0) + "a"  # type: ignore[operator]
    with pytest.raises(TypeError, match="exponent must be a real number"):
        Value(1.0) ** "2"  # type: ignore[operator]


def test_comparisons_compare_data_and_return_bool():
    a, b = Value(1.0), Value(2.0)
    assert (a < b) is True and (a <= 1) is True and (b > a) is True and (b >= 3) is False
    assert sorted([b, a]) == [a, b]


def test_equality_and_hash_are_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2
    assert {a: "first", b: "second"}[a] == "first"


def test_float_and_format_give_data():
    v = Value(0.25)
    assert float(v) == 0.25
    assert f"{v:.3f}" == "0.250"
    assert math.isclose(math.sqrt(Value(4.0)), 2.0)


def test_repr_shows_data_grad_and_label():
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0.0)"
    assert repr(Value(1.5, label="w")) == "Value(data=1.5, grad=0.0, label='w')"


def test_detach_makes_a_leaf_with_the_same_data():
    x = Value(3.0)
    y = (x * x).detach()
    assert y.data == 9.0 and y.inputs == ()


@pytest.mark.parametrize(
    "operation",
    [lambda x, y: x * y, lambda x, y: x + y, lambda x, y: x.exp(), lambda x, y: x**2],
    ids=["*", "+", "exp", "** 2"],
)
def test_an_operation_makes_one_object_for_the_garbage_collector(operation):
    # The collector runs after every 700 new objects it tracks: a node that is one object,
    # not a node and two tuples, makes it run a third as often (see Value).
    x, y = Value(1.5), Value(0.5)
    operation(x, y)  # the op's eager function, made at its first use
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = gc.get_count()[0]
        nodes = [operation(x, y) for _ in range(100)]
        made = gc.get_count()[0] - before
    finally:
        if was_enabled:
            gc.enable()
    assert len(nodes) <= made <= len(nodes) + 2  # the nodes, and the list that holds them


def test_a_deep_copied_graph_keeps_every_nodes_inputs_and_local_derivatives():
    a, b, c = Value(1.5), Value(-2.0), Value(0.25)
    nodes = [a, a.exp(), a * b, total([a, b, c]), linear([a, b], [c, a], b)]
    for node in nodes:
        twin = copy.deepcopy(node)
        assert [x.data for x in twin.inputs] == [x.data for x in node.inputs]
        assert twin.local_derivatives == node.local_derivatives
        assert twin.op == node.op
        twin.backward()
        node.backward()
        assert [x.grad for x in twin.inputs] == [x.grad for x in node.inputs]

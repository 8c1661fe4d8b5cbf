"""backward(): topological order, the chain rule on shared nodes, accumulation, any depth,
and gradients of gradients."""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, backward_steps, linear, topological_order, total
from autograd.value import _order


def test_topological_order_puts_inputs_first_and_root_last():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    order = topological_order(d)
    assert order[-1] is d
    assert order.index(a) < order.index(c) and order.index(b) < order.index(c)
    assert len(order) == len(set(order)) == 4


def test_topological_order_is_deterministic_and_follows_argument_order():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    out = (a + b) * (b - a)
    labels = [n.label or n.op for n in topological_order(out)]
    assert labels == ["a", "b", "+", "-", "*"]
    assert [n.label or n.op for n in topological_order(out)] == labels


def test_the_neuron_of_the_minimal_engines():
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5), rel=1e-12)
    assert n.grad == pytest.approx(0.5, rel=1e-12)  # 1 − tanh²
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))


def test_every_node_on_the_path_gets_its_grad():
    x = Value(3.0)
    y = x * 2
    z = y + 1
    out = z * z
    out.backward()
    assert out.grad == 1.0
    assert z.grad == 2 * z.data == 14.0
    assert y.grad == 14.0
    assert x.grad == 28.0


def test_a_node_used_twice_sums_both_paths():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    b = Value(3.0)
    (b * b).backward()
    assert b.grad == 6.0


def test_diamond_sums_both_branches():
    x = Value(0.5)
    left, right = x.sin(), x.exp()
    (left * right).backward()
    assert x.grad == pytest.approx(math.cos(0.5) * math.exp(0.5) + math.sin(0.5) * math.exp(0.5))


def test_calling_backward_twice_accumulates_like_pytorch():
    x = Value(2.0)
    y = x * x * x
    y.backward()
    y.backward()
    assert x.grad == 2 * 12.0
    assert y.grad == 2.0


def test_accumulation_does_not_double_count_intermediate_nodes():
    x = Value(2.0)
    h = x * 3
    out = h * h
    out.backward()
    out.backward()
    assert h.grad == 2 * (2 * h.data)
    assert x.grad == 2 * (18 * x.data)


def test_seed_gradient_scales_everything():
    x = Value(2.0)
    (x * x).backward(grad=0.5)
    assert x.grad == 2.0


def test_a_million_deep_chain_works_at_the_default_recursion_limit():
    limit = sys.getrecursionlimit()
    x = Value(0.0)
    node = x
    for _ in range(1_000_000):
        node = node + 1.0
    node.backward()
    assert node.data == 1_000_000.0 and x.grad == 1.0
    assert sys.getrecursionlimit() == limit
    del node  # freeing a million-deep chain must not overflow the C stack either


def test_wide_fan_in():
    xs = [Value(float(i)) for i in range(10_000)]
    s = Value(0.0)
    for x in xs:
        s = s + x * x
    s.backward()
    assert all(x.grad == 2 * x.data for x in xs)
    t = total(x * 3 for x in xs)
    t.backward()
    assert xs[7].grad == 14.0 + 3.0


def test_wide_fan_out():
    x = Value(1.5)
    out = total(x * float(k) for k in range(1000))
    out.backward()
    assert x.grad == sum(range(1000))


def test_backward_steps_process_one_node_at_a_time_and_end_where_backward_does():
    def build():
        a, b = Value(0.3, "a"), Value(-1.2, "b")
        return a, b, ((a * b).tanh() + a.exp() * b) * a

    a, b, out = build()
    steps = backward_steps(out)
    first = next(steps)
    # The root passed its gradient on: a holds the share of the direct path out = (...) · a,
    # b nothing yet (its paths go through nodes not visited yet).
    inner = (a * b).tanh() + a.exp() * b
    assert first is out and out.grad == 1.0
    assert a.grad == inner.data and b.grad == 0.0
    rest = list(steps)
    assert len(rest) + 1 == len(topological_order(out))
    assert rest[-1].inputs == () or rest[-1] in (a, b)

    a2, b2, out2 = build()
    out2.backward()
    assert (a.grad, b.grad) == (a2.grad, b2.grad)


# -- gradients of gradients -----------------------------------------------------------------
def test_create_graph_makes_gradients_values_that_can_be_differentiated():
    x = Value(2.0)
    y = x**3
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first.data == 12.0  # 3x²
    x.grad = 0.0
    first.backward()
    assert x.grad == 12.0  # 6x


def test_third_derivative_through_repeated_create_graph():
    x = Value(0.7)
    x.sin().backward(create_graph=True)
    d1 = x.grad
    x.grad = 0.0
    d1.backward(create_graph=True)
    d2 = x.grad
    x.grad = 0.0
    d2.backward()
    assert d1.data == pytest.approx(math.cos(0.7))
    assert d2.data == pytest.approx(-math.sin(0.7))
    assert x.grad == pytest.approx(-math.cos(0.7))


def test_mixed_second_partial_derivative():
    x, y = Value(1.5), Value(-0.5)
    (x * x * y + (x * y).tanh()).backward(create_graph=True)
    dfdx = x.grad
    x.grad = y.grad = 0.0
    dfdx.backward()
    t = math.tanh(1.5 * -0.5)
    # ∂²f/∂y∂x = 2x + (1 − t²) − 2t(1 − t²)xy
    assert y.grad == pytest.approx(3.0 + (1 - t * t) - 2 * t * (1 - t * t) * 1.5 * -0.5)


def test_gradient_graph_does_not_multiply_by_constant_one():
    x = Value(2.0)
    (x + 1.0).backward(create_graph=True)
    assert x.grad == 1.0  # d(x + 1)/dx is the constant 1: no graph needed


@given(st.floats(-2, 2), st.floats(-2, 2))
def test_create_graph_gives_the_same_first_derivatives_as_eager(a, b):
    def f(x, y):
        return (x * y).sigmoid() * (x - y).cos() + (x * x + 1).log()

    x1, y1 = Value(a), Value(b)
    f(x1, y1).backward()
    x2, y2 = Value(a), Value(b)
    f(x2, y2).backward(create_graph=True)
    assert x2.grad.data == pytest.approx(x1.grad, rel=1e-12, abs=1e-12)
    assert y2.grad.data == pytest.approx(y1.grad, rel=1e-12, abs=1e-12)


def test_topological_order_of_several_roots_lists_shared_nodes_once():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    first, second = a * b, a + b
    order = topological_order([first, second])
    assert [n.label or n.op for n in order] == ["a", "b", "*", "+"]
    assert topological_order([first, first]) == topological_order(first)


#: Ways to make a node from two earlier ones: ops of one, two and many inputs, constants,
#: relu's mask, and a node used twice by one op.
MAKERS = {
    "*": lambda x, y: x * y,
    "+": lambda x, y: x + y,
    "-c": lambda x, y: 0.5 - x,
    "tanh": lambda x, y: x.tanh(),
    "relu": lambda x, y: x.relu(),
    "x*x": lambda x, y: x * x,
    "total": lambda x, y: total([x, y, x]),
    "linear": lambda x, y: linear([x, y], [y, 2.0], x),
}


@st.composite
def shared_graphs(draw: st.DrawFn) -> Value:
    """A random graph whose nodes are used several times."""
    nodes = [Value(draw(st.floats(-2.0, 2.0))) for _ in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(1, 25))):
        make = MAKERS[draw(st.sampled_from(sorted(MAKERS)))]
        nodes.append(make(draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))))
    return total(nodes[-3:])


@given(shared_graphs())
def test_backward_unrolled_for_values_gives_the_readable_loops_order_and_sums(root):
    # backward() on Values takes the unrolled passes (an optimisation in autograd.value);
    # backward_steps() runs the readable topological_order and chain_rule one node at a time.
    assert _order(root) == topological_order(root)
    root.backward()
    unrolled = [repr(node.grad) for node in topological_order(root)]
    for node in topological_order(root):
        node.grad = 0.0
    for _ in backward_steps(root):
        pass
    assert [repr(node.grad) for node in topological_order(root)] == unrolled

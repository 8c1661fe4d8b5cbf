"""Code written for micrograd runs here with only the import changed, and gives its numbers.

The tests are written the way micrograd's users write code: a hand-made ``draw_dot`` that walks
``_prev`` and ``_op``, backprop by hand with ``_backward()``, micrograd's ``nn`` signatures and
the training loop of its demonstration.
"""

from __future__ import annotations

import math
import random

import graphviz
import pytest

from autograd import Value
from nn import MLP, Layer, Neuron


def lecture_neuron() -> tuple[dict[str, Value], Value]:
    """The neuron of the lecture that builds micrograd: o = tanh(x1·w1 + x2·w2 + b)."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    nodes = {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}
    nodes.update({"x1w1": x1w1, "x2w2": x2w2, "x1w1x2w2": x1w1x2w2, "n": n, "o": o})
    return nodes, o


def trace(root: Value) -> tuple[set[Value], set[tuple[Value, Value]]]:
    """Every node and edge below ``root``, found through ``_prev`` as a hand-written drawing
    function does."""
    nodes: set[Value] = set()
    edges: set[tuple[Value, Value]] = set()

    def build(v: Value) -> None:
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root: Value) -> graphviz.Digraph:
    """A record per value and an oval per op, from ``_prev``, ``_op``, ``data`` and ``grad``."""
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad)  # noqa: UP031
        dot.node(name=uid, label=label, shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def build_topo(root: Value) -> list[Value]:
    """The topological order, built by hand through ``_prev`` as in the lecture."""
    topo: list[Value] = []
    visited: set[Value] = set()

    def build(v: Value) -> None:
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build(child)
            topo.append(v)

    build(root)
    return topo


# -- the engine's private-looking names --------------------------------------------------------
def test_prev_is_the_set_of_a_nodes_inputs():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert c._prev == {a, b}
    assert isinstance(c._prev, set)
    assert a._prev == set()


def test_op_is_a_short_string_and_empty_for_a_leaf():
    a = Value(2.0)
    assert a._op == ""
    assert (a + a)._op == "+"
    assert (a * a)._op == "*"
    assert (a**2)._op == "**2"
    assert a.tanh()._op == "tanh"
    assert a.relu()._op == "relu"
    assert a.exp()._op == "exp"


def test_a_hand_written_draw_dot_draws_every_value_and_op():
    _, o = lecture_neuron()
    o.backward()
    dot = draw_dot(o)
    nodes, edges = trace(o)
    assert len(nodes) == 10 and len(edges) == 9
    source = dot.source
    assert source.count("shape=record") == 10
    assert "data 0.7071 | grad 1.0000" in source  # o
    assert "w1 | data -3.0000 | grad 1.0000" in source
    assert "x1 | data 2.0000 | grad -1.5000" in source
    svg = dot.pipe(format="svg").decode()
    assert svg.count('class="node"') == 10 + 5  # the values and the five ops


def test_backprop_by_hand_node_by_node_gives_the_lectures_gradients():
    v, o = lecture_neuron()
    o.grad = 1.0
    o._backward()
    assert math.isclose(v["n"].grad, 0.5)  # 1 − tanh² n = 1 − 0.5
    v["n"]._backward()
    assert math.isclose(v["b"].grad, 0.5) and math.isclose(v["x1w1x2w2"].grad, 0.5)
    v["x1w1x2w2"]._backward()
    v["x2w2"]._backward()
    v["x1w1"]._backward()
    grads = {name: node.grad for name, node in v.items()}
    assert grads["x1"] == pytest.approx(-1.5) and grads["w1"] == pytest.approx(1.0)
    assert grads["x2"] == pytest.approx(0.5) and grads["w2"] == 0.0


def test_a_leafs_backward_does_nothing():
    a = Value(2.0)
    a.grad = 3.0
    a._backward()
    assert a.grad == 3.0


def test_backward_by_hand_in_topological_order_equals_backward():
    v, o = lecture_neuron()
    o.grad = 1.0
    for node in reversed(build_topo(o)):
        node._backward()
    by_hand = {name: node.grad for name, node in v.items()}
    w, p = lecture_neuron()
    p.backward()
    assert by_hand == {name: node.grad for name, node in w.items()}


def test_tanh_spelled_out_with_exp_gives_the_same_gradients():
    v, o = lecture_neuron()
    o.backward()
    x1, w1 = Value(2.0), Value(-3.0)
    n = x1 * w1 + Value(0.0) * Value(1.0) + Value(6.8813735870195432)
    e = (2 * n).exp()
    spelled = (e - 1) / (e + 1)
    spelled.backward()
    assert spelled.data == pytest.approx(o.data)
    assert x1.grad == pytest.approx(v["x1"].grad) and w1.grad == pytest.approx(v["w1"].grad)


def test_augmented_assignment_builds_a_new_node():
    a = Value(1.0)
    before = a
    a += 1
    assert a is not before and before.data == 1.0 and a.data == 2.0
    assert before in a._prev and a._op == "+"


def test_micrograds_sanity_check():
    # x = −4: z = 3x + 2 = −10, q = relu(z) + zx = 40, h = relu(z²) = 100, y = h + q + qx = −20;
    # dy/dx = 2z·3 + (3x + z) + zx + x(3x + z) = −60 − 22 + 40 + 88 = 46.
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == -20.0
    assert x.grad == 46.0


# -- micrograd's nn -------------------------------------------------------------------------------
def test_neuron_nonlin_chooses_relu_or_linear(global_random_state):
    assert Neuron(3, nonlin=True).activation == "relu"
    assert Neuron(3, nonlin=False).activation == "linear"
    assert Neuron(3, False).activation == "linear"
    linear, relu = Neuron(2, nonlin=False), Neuron(2, nonlin=True)
    for neuron in (linear, relu):
        neuron.w[0].data, neuron.w[1].data = 1.0, 2.0
    assert linear([-5.0, 1.0]).data == -3.0  # z itself
    assert relu([-5.0, 1.0]).data == 0.0  # max(0, z)


def test_layer_passes_micrograds_keyword_arguments_to_its_neurons(global_random_state):
    layer = Layer(2, 3, nonlin=False)
    assert [neuron.activation for neuron in layer.neurons] == ["linear"] * 3
    assert len(layer([1.0, 2.0])) == 3
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)


def test_a_wrong_nonlin_is_refused():
    with pytest.raises(TypeError, match="nonlin must be True or False"):
        Neuron(2, nonlin="yes")  # type: ignore[arg-type]


def test_after_random_seed_an_mlp_draws_micrograds_weights_in_micrograds_order(
    global_random_state,
):
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    random.seed(1337)
    expected: list[float] = []
    for nin, nout in [(2, 16), (16, 16), (16, 1)]:
        for _ in range(nout):
            expected.extend(random.uniform(-1, 1) for _ in range(nin))
            expected.append(0.0)  # the bias
    assert [p.data for p in model.parameters()] == expected
    assert len(model.parameters()) == 337


def test_a_model_file_keeps_its_parameter_names_when_a_label_changes():
    model = MLP(2, [2, 1], seed=0)
    before = list(model.state_dict())
    model.layers[0].neurons[0].w[0].label = "the first weight"
    assert list(model.state_dict()) == before


def demo_losses(value: type, mlp: type, steps: int) -> list[float]:
    """micrograd's demonstration: an MLP on the moons, hinge loss, L2, SGD with decay."""
    from nn.datasets import make_moons

    X, labels = make_moons(40, noise=0.1, seed=0)
    y = [2 * label - 1 for label in labels]
    random.seed(1337)
    model = mlp(2, [16, 16, 1])
    losses = []
    for k in range(steps):
        inputs = [list(map(value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        hinge = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
        data_loss = sum(hinge) * (1.0 / len(hinge))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(total_loss.data)
    return losses


def test_micrograds_demonstration_loop_trains(global_random_state):
    losses = demo_losses(Value, MLP, steps=12)
    assert losses[-1] < 0.5 * losses[0]


def test_micrograds_demonstration_gives_micrograds_losses_step_for_step(global_random_state):
    from micrograd import engine
    from micrograd import nn as micrograd_nn

    theirs = demo_losses(engine.Value, micrograd_nn.MLP, steps=8)
    ours = demo_losses(Value, MLP, steps=8)
    assert ours == pytest.approx(theirs, rel=1e-9)

"""The batch replay finds the layers of a graph: linear nodes on the same inputs become one
matrix product, an op over a layer one array operation; results are the eager engine's."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value, compile, linear, total
from nn.losses import log_softmax

ACTIVATIONS = {
    "relu": lambda v: v.relu(),
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "softplus": lambda v: v.softplus(),
    "square": lambda v: v * v,
    "leaky_relu": lambda v: v.leaky_relu(0.1),
    "abs": abs,
    "log": lambda v: (v * v + 1.0).log(),
    "identity": lambda v: v,
}


def hinge_of(model):
    def loss(x1, x2, y):
        return (1.0 - y * model([x1, x2])).relu()

    return loss


def moons_rows(n=20):
    x, y = nn.datasets.make_moons(n, noise=0.1, seed=1)
    return [[a, b, 2.0 * label - 1.0] for (a, b), label in zip(x, y, strict=True)]


def matrix_products(source):
    return len(re.findall(r" @ ", source))


# -- what the batch source looks like ------------------------------------------------------------
def test_each_layer_of_an_mlp_is_one_matrix_product_forward_and_backward(replay_agrees):
    model = nn.MLP(2, [16, 16, 1], seed=0)
    compiled = replay_agrees(hinge_of(model), model.parameters(), moons_rows())
    source = compiled.batch_source
    # Three layers forward; backward, ∂L/∂W for each and ∂L/∂X for the two that have a layer
    # before them (that of the one output neuron, a column times a row, is a plain product).
    assert matrix_products(source) == 3 + 3 + 1
    assert re.search(r"da\d+ = \w+ \* w\d+", source)
    assert "z1 = relu(z0)" in source  # the activation of a whole layer in one operation
    assert len(source.splitlines()) < 60  # not one line per node: the graph has 337 parameters


def test_the_one_example_source_stays_one_line_per_op():
    model = nn.MLP(2, [4, 1], seed=0)
    compiled = compile(hinge_of(model), model.parameters())
    compiled(0.5, -0.2, 1.0)
    assert " @ " not in compiled.source
    assert "v0 = p2 + p0 * x0 + p1 * x1" in compiled.source


def test_weights_stored_in_order_are_read_as_a_slice_of_the_parameters(replay_agrees):
    model = nn.MLP(2, [3, 1], seed=0)
    compiled = replay_agrees(hinge_of(model), model.parameters(), moons_rows(5))
    # Neuron j's weights are parameters 3j and 3j + 1, its bias 3j + 2.
    assert "w0 = P[0:9].reshape(3, 3)[:, :2]" in compiled.batch_source
    assert "b0 = P[2:9:3]" in compiled.batch_source


def test_a_batch_replay_frees_each_array_after_its_last_use(replay_agrees):
    model = nn.MLP(2, [4, 4, 1], seed=0)
    source = replay_agrees(hinge_of(model), model.parameters(), moons_rows(5)).batch_source
    body = source.split("def replay(", 1)[1].splitlines()[1:]
    returned = set(re.findall(r"\w+", body[-1]))
    for name in {m.group(1) for line in body if (m := re.match(r" +(\w+) = ", line))}:
        uses = [k for k, line in enumerate(body) if re.search(rf"\b{name}\b", line)]
        if name in returned:
            assert not any(body[k].lstrip().startswith("del ") for k in uses)
        else:  # deleted on the line after its last use, and only there
            assert body[uses[-1]].lstrip().startswith("del ")
            assert uses[-1] - 1 == uses[-2]


# -- any graph of that shape, not only nn's --------------------------------------------------
def test_linear_nodes_on_the_same_inputs_are_a_layer_whatever_built_them(replay_agrees):
    ws = [[Value(0.1 * (i + j) - 0.3) for i in range(3)] for j in range(4)]
    bias = Value(0.2)
    params = [w for row in ws for w in row] + [bias]

    def fn(x0, x1, x2):
        xs = [x0, x1, x2]
        # Written out of order, with a shared bias and a constant one, a sum over the layer.
        zs = [linear(ws[j], xs, bias if j % 2 else 0.5) for j in (2, 0, 3, 1)]
        return total([z.tanh() for z in zs]) * x1

    rows = [[0.5, -1.0, 2.0], [0.1, 0.2, 0.3], [-1.5, 0.7, 0.0]]
    compiled = replay_agrees(fn, params, rows)
    assert matrix_products(compiled.batch_source) == 2  # Z and ∂L/∂W (the inputs need none)
    assert "tanh(z0, out=z0)" in compiled.batch_source  # one tanh over the layer, in place


def gated_layer(*, cell_reads_a_gate: bool):
    """A layer of six rows on three inputs, read as a sigmoid over rows 0-3 and a tanh over
    rows 4-5 (as an LSTM's gates), and what its loss is; the parameters; rows of inputs with
    large pre-activations (|z| up to some 15) too."""
    ws = [[Value(0.4 * (i - j) + 0.1 * j * j - 0.5) for i in range(3)] for j in range(6)]
    bs = [Value(0.3 * j - 0.8) for j in range(6)]

    def fn(x0, x1, x2):
        zs = [linear(w, [x0, x1, x2], b) for w, b in zip(ws, bs, strict=True)]
        gates = [z.sigmoid() for z in zs[:4]] + [z.tanh() for z in zs[4:]]
        out = gates[0] * gates[4] + gates[1] * gates[5] * gates[2] - gates[3]
        return out * out + (zs[1] * 0.5 if cell_reads_a_gate else 0.0)

    params = [*(w for row in ws for w in row), *bs]
    rows = [[0.5, -1.0, 2.0], [3.0, 0.2, -4.0], [-1.5, 0.7, 0.0], [6.0, -5.0, 2.5]]
    return fn, params, rows


def test_a_layer_read_by_sigmoids_and_tanhs_is_one_tanh(replay_agrees):
    """The sigmoid's rows of the weights and biases halved, one tanh over the layer's product
    gives both (σ(z) = (1 + tanh(z/2))/2), and one tanh chain term over it their chain rule,
    the sigmoid's ¼ in the backward weights and in the weights' gradient; the eager engine's
    values and gradients."""
    source = replay_agrees(*gated_layer(cell_reads_a_gate=False)).batch_source
    assert "tanh(z0, out=z0)" in source and "sigmoid_from_tanh(" in source
    assert "tanh_chain(z0, " in source
    assert "sigmoid(" not in source and "sigmoid_chain(" not in source


def test_a_layer_whose_rows_are_read_elsewhere_keeps_its_sigmoid(replay_agrees):
    """A row of the product used by another node too is no tanh's: the layer is written as
    before, a sigmoid by 1/(1 + e⁻ᶻ)."""
    source = replay_agrees(*gated_layer(cell_reads_a_gate=True)).batch_source
    assert "sigmoid_from_tanh(" not in source and "out=z0" not in source
    assert "sigmoid(" in source


def test_weights_computed_from_parameters_or_constant_are_a_layer_too(replay_agrees):
    a, b = Value(0.5), Value(-1.5)

    def fn(x0, x1):
        rows = [[a * 2.0, b], [Value(0.25), a + b], [b * b, a]]  # one weight is a constant leaf
        return total([linear(row, [x0, x1], a).sigmoid() for row in rows])

    compiled = replay_agrees(fn, [a, b], [[0.5, -1.0], [2.0, 0.3]])
    assert "w0 = array([[" in compiled.batch_source


def test_a_parameter_used_in_several_places_gets_every_share_of_its_gradient(replay_agrees):
    w = Value(0.7)
    other = Value(-0.4)

    def fn(x0, x1):
        zs = [linear([w, w], [x0, x1], w), linear([other, w], [x0, x1], other)]
        return total([z.relu() for z in zs]) + w * x0

    replay_agrees(fn, [w, other], [[0.5, 1.0], [-2.0, 0.5], [1.0, 1.0]])


def test_linear_nodes_whose_weights_vary_with_the_example_are_replayed_one_by_one(replay_agrees):
    w = Value(0.3)

    def fn(x0, x1):
        return total([linear([x0, w], [x1, x1], w).tanh(), linear([x1, w], [x1, x1], 0.1).tanh()])

    compiled = replay_agrees(fn, [w], [[0.5, -1.0], [2.0, 0.3]])
    assert " @ " not in compiled.batch_source


def test_a_layer_member_used_alone_is_read_as_a_column(replay_agrees):
    model = nn.MLP(3, [5, 4], seed=2)

    def fn(x0, x1, x2):
        outputs = model([x0, x1, x2])
        return outputs[2] * outputs[0] + outputs[3].exp()

    rows = [[0.5, -1.0, 0.2], [1.0, 0.0, -0.3]]
    compiled = replay_agrees(fn, model.parameters(), rows)
    assert re.search(r"z\d+\[:, 2\]", compiled.batch_source)


def test_elementwise_ops_over_two_layers_and_a_shared_input_are_array_ops(replay_agrees):
    first, second = nn.Layer(2, 3, "linear", seed=1), nn.Layer(2, 3, "tanh", seed=2)
    params = first.parameters() + second.parameters()

    def fn(x0, x1):
        # (Two layers on the very same inputs would be one layer of six linear nodes.)
        pairs = zip(first([x0, x1]), second([x1, x0]), strict=True)
        return total([(a + b * x0).sigmoid() for a, b in pairs])

    compiled = replay_agrees(fn, params, [[0.5, -1.0], [2.0, 0.3], [0.0, 0.0]])
    assert "[:, None]" in compiled.batch_source  # x0, one number per example, along each row


def test_a_uniform_input_of_a_layer_is_broadcast_over_the_batch(replay_agrees):
    scale = Value(1.5)
    model = nn.Layer(3, 2, "relu", seed=3)

    def fn(x0, x1):
        return total(model([x0, x1, scale * scale]))

    replay_agrees(fn, [scale, *model.parameters()], [[0.5, -1.0], [2.0, 0.3]])


def test_an_op_over_a_layer_and_a_number_computed_from_the_whole_layer_is_one_array_op(
    replay_agrees,
):
    model = nn.Layer(2, 4, "linear", seed=4)

    def fn(x0, x1, t):
        log_probs = log_softmax(model([x0, x1]))  # zⱼ − m − log Σ e^(zₖ − m) for each j
        return -(t * log_probs[0] + (1.0 - t) * log_probs[3])

    compiled = replay_agrees(fn, model.parameters(), [[0.5, -1.0, 1.0], [2.0, 0.3, 0.0]])
    # The log of the sum, one number per example, along each row of the layer's matrix.
    assert re.search(r"z\d+ = \w+ - v\d+\[:, None\]", compiled.batch_source)


# -- property tests: random layered graphs and batches ---------------------------------------
@st.composite
def networks(draw):
    """A random network of layers of linear nodes, each with an activation, and a loss; its
    parameters in a random order; the rows of a batch."""
    n_inputs = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    number = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False)
    params: list[Value] = []
    layers = []
    width = n_inputs
    for size in sizes:
        weights = [[Value(draw(number)) for _ in range(width)] for _ in range(size)]
        biases = [Value(draw(number)) if draw(st.booleans()) else 0.0 for _ in range(size)]
        params += [w for row in weights for w in row] + [b for b in biases if isinstance(b, Value)]
        activation = ACTIVATIONS[draw(st.sampled_from(sorted(ACTIVATIONS)))]
        layers.append((weights, biases, activation, draw(st.booleans())))
        width = size
    scale = Value(draw(number))
    params.append(scale)
    order = draw(st.permutations(range(len(params))))
    params = [params[i] for i in order]
    loss = draw(st.sampled_from(["hinge", "square", "logistic", "product"]))

    def fn(*inputs):
        h = list(inputs[:n_inputs])
        target = inputs[n_inputs]
        for weights, biases, activation, residual in layers:
            out = [activation(linear(row, h, b)) for row, b in zip(weights, biases, strict=True)]
            if residual and len(out) == len(h):
                out = [o + scale * x for o, x in zip(out, h, strict=True)]
            h = out
        score = total(h)
        if loss == "hinge":
            return (1.0 - target * score).relu()
        if loss == "square":
            return (score - target) ** 2
        if loss == "logistic":
            return score.softplus() - target * score + 0.01 * total([p * p for p in params])
        return score * h[0] * scale + target

    coordinate = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
    row = st.tuples(*[coordinate] * n_inputs, st.sampled_from([-1.0, 1.0]))
    rows = draw(st.lists(row, min_size=1, max_size=6))
    return fn, params, [list(r) for r in rows]


@given(networks())
def test_batch_replays_of_random_networks_agree_with_eager(replay_agrees, network):
    fn, params, rows = network
    replay_agrees(fn, params, rows)


@given(networks())
def test_one_example_replays_of_random_networks_agree_with_eager(eager_mean, network):
    fn, params, rows = network
    expected_value, expected_grads = eager_mean(fn, params, rows[:1])
    compiled = compile(fn, params)
    assert compiled(*rows[0]) == pytest.approx(expected_value, rel=1e-12, abs=1e-12)
    assert [p.grad for p in params] == pytest.approx(expected_grads, rel=1e-9, abs=1e-12)


@given(networks())
def test_evaluated_outputs_of_random_networks_agree_with_eager(network):
    fn, params, rows = network

    def outputs(*inputs):
        return [fn(*inputs), fn(*inputs) * 2.0]

    compiled = compile(outputs, params)
    columns = [np.array(column) for column in zip(*rows, strict=True)]
    replayed = compiled.evaluate(*columns)
    for row, result in zip(rows, replayed, strict=True):
        assert result == pytest.approx([v.data for v in outputs(*row)], rel=1e-9, abs=1e-12)


def test_a_layer_that_an_op_takes_whole_keeps_its_rows_in_order(replay_agrees):
    """Rows 0 and 3 picked by a sigmoid would be one block with the rows reordered, but the
    relu over the whole layer reads them in order: the layer is left as it is."""
    rows = [[Value(0.1 * (j + 1)), Value(-0.2 * j)] for j in range(4)]
    biases = [Value(0.05 * j) for j in range(4)]

    def fn(x0, x1):
        z = [linear(row, [x0, x1], b) for row, b in zip(rows, biases, strict=True)]
        return (
            total([zj.relu() * (j + 1) for j, zj in enumerate(z)]) + z[3].sigmoid() * z[0].sigmoid()
        )

    params = [w for row in rows for w in row] + biases
    source = replay_agrees(fn, params, [[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]]).batch_source
    assert "relu(z0)" in source


@pytest.mark.parametrize("op", ["tanh", "sigmoid"])
def test_the_in_place_chain_rule_term_is_the_op_table_s_exactly(op):
    """tanh_chain and sigmoid_chain compute the op table's derivative times the gradient with
    the same operations in the same order: the same numbers to the last bit."""
    from autograd import ops
    from autograd.replay.runtime import array_namespace
    from autograd.symbols import Symbol

    runtime = array_namespace()
    rng = np.random.default_rng(0)
    z = runtime[op](rng.normal(size=(5, 3)))
    gradient = rng.normal(size=(5, 3))
    rule = {"tanh": ops.TANH, "sigmoid": ops.SIGMOID}[op]
    (derivative,) = rule.derivatives(None, Symbol("z"), Symbol("a"))
    expected = eval(f"({derivative.code}) * gradient", {"z": z, "gradient": gradient})
    assert runtime[f"{op}_chain"](z, gradient).tolist() == expected.tolist()
    assert (
        runtime[f"{op}_chain"](z[:, :1], gradient).tolist()
        == eval(f"({derivative.code}) * gradient", {"z": z[:, :1], "gradient": gradient}).tolist()
    )  # a gradient of another shape: computed as the expression is

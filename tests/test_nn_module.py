"""Neurons, layers and MLPs: structure, parameters, names, scopes, modes, state, and errors."""

from __future__ import annotations

import statistics

import pytest

import nn
from autograd import Value, gradcheck, topological_order


# -- structure and parameters -----------------------------------------------------------------
def test_mlp_2_16_16_1_has_337_parameters():
    assert len(nn.MLP(2, [16, 16, 1]).parameters()) == 337


def test_a_neuron_has_one_weight_per_input_and_a_bias():
    assert len(nn.Neuron(3).parameters()) == 4


def test_a_layer_has_its_neurons_parameters():
    assert len(nn.Layer(3, 4).parameters()) == 4 * (3 + 1)


def test_parameters_are_named_by_layer_neuron_and_weight():
    names = [name for name, _ in nn.MLP(2, [3, 1]).named_parameters()]
    assert names[:4] == [
        "layer1.neuron1.w1",
        "layer1.neuron1.w2",
        "layer1.neuron1.b",
        "layer1.neuron2.w1",
    ]
    assert names[-1] == "layer2.neuron1.b"
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("model", [nn.MLP(3, [4, 2], dropout=0.5, seed=1), nn.Layer(2, 3)])
def test_parameters_are_the_named_parameters_in_their_order(model):
    assert model.parameters() == [p for _, p in model.named_parameters()]


def test_parameters_see_a_weight_replaced_in_place():
    model = nn.MLP(2, [3, 1], seed=0)
    new = Value(0.5)
    model.layers[0].neurons[1].w[0] = new
    assert new in model.parameters() and new is dict(model.named_parameters())["layer1.neuron2.w1"]
    new.grad = 3.0
    model.zero_grad()
    assert new.grad == 0.0


def test_modules_are_the_model_and_every_module_inside_it_once_depth_first():
    mlp = nn.MLP(2, [3, 1])
    layers = [layer for _, layer in mlp.children()]
    expected = [mlp]
    for layer in layers:
        expected += [layer, *(neuron for _, neuron in layer.children())]
    assert mlp.modules() == expected
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [type(m).__name__ for m in model.modules()] == ["Sequential", "Linear", "ReLU"]


def test_parameters_carry_their_short_name_as_label():
    neuron = nn.Neuron(2)
    assert [p.label for p in neuron.parameters()] == ["w1", "w2", "b"]


def test_biases_start_at_zero():
    model = nn.MLP(2, [4, 1], seed=0)
    assert all(p.data == 0.0 for name, p in model.named_parameters() if name.endswith(".b"))


def test_last_layer_is_linear_by_default_and_hidden_ones_relu():
    model = nn.MLP(2, [4, 1])
    assert [layer.activation for layer in model.layers] == ["relu", "linear"]


def test_repr_shows_the_architecture():
    assert repr(nn.MLP(2, [3, 1])).startswith("MLP(nin=2, nouts=[3, 1], activation='relu'")


# -- forward ----------------------------------------------------------------------------------
def test_a_neuron_computes_activation_of_weighted_sum():
    neuron = nn.Neuron(2, activation="tanh")
    neuron.load_state_dict({"w1": 0.5, "w2": -1.0, "b": 0.25})
    assert neuron([2.0, 1.0]).data == pytest.approx(Value(0.5 * 2 - 1.0 + 0.25).tanh().data)


@pytest.mark.parametrize(
    ("activation", "z", "expected"),
    [
        ("relu", -2.0, 0.0),
        ("leaky_relu", -2.0, -0.02),
        ("sigmoid", 0.0, 0.5),
        ("tanh", 0.0, 0.0),
        ("linear", -2.0, -2.0),
    ],
)
def test_each_activation_applies_its_function(activation, z, expected):
    neuron = nn.Neuron(1, activation=activation)
    neuron.load_state_dict({"w1": 1.0, "b": 0.0})
    assert neuron([z]).data == pytest.approx(expected)


def test_one_output_is_a_value_and_several_a_list():
    assert isinstance(nn.MLP(2, [3, 1])([1.0, 2.0]), Value)
    outputs = nn.MLP(2, [3, 2])([1.0, 2.0])
    assert isinstance(outputs, list)
    assert len(outputs) == 2


def test_a_hidden_layer_of_one_neuron_feeds_the_next_layer():
    assert isinstance(nn.MLP(2, [1, 2])([1.0, 2.0]), list)


def test_inputs_may_be_values_and_receive_gradients():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    assert gradcheck(lambda a, b: model([a, b]), [0.3, -0.7])


def test_the_output_depends_on_every_parameter():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    model([0.3, -0.7]).backward()
    assert all(p.grad != 0.0 for p in model.parameters())


def test_nodes_are_made_in_the_scope_of_their_module():
    model = nn.MLP(2, [4, 1], seed=0)
    out = model([1.0, 2.0])
    scopes = {node.scope for node in topological_order(out) if node.op}
    assert out.scope == "MLP/Layer 2/Neuron 1"
    assert "MLP/Layer 1/Neuron 3" in scopes


def test_a_neuron_makes_two_nodes_its_weighted_sum_and_its_activation():
    out = nn.Neuron(5)([1.0] * 5)
    assert out.op == "relu"
    assert out.inputs[0].op == "linear"


# -- initialisation ---------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_weights():
    assert nn.MLP(2, [4, 1], seed=7).state_dict() == nn.MLP(2, [4, 1], seed=7).state_dict()


def test_different_seeds_give_different_weights():
    assert nn.MLP(2, [4, 1], seed=7).state_dict() != nn.MLP(2, [4, 1], seed=8).state_dict()


def weights(layer: nn.Layer) -> list[float]:
    return [p.data for name, p in layer.named_parameters() if not name.endswith(".b")]


def test_uniform_init_draws_from_minus_one_to_one():
    drawn = weights(nn.Layer(20, 20, seed=0))
    assert all(-1 <= w <= 1 for w in drawn)
    assert min(drawn) < -0.9 and max(drawn) > 0.9


def test_xavier_init_stays_within_its_bound():
    bound = (6 / (30 + 10)) ** 0.5
    drawn = weights(nn.Layer(30, 10, init="xavier", seed=0))
    assert all(-bound <= w <= bound for w in drawn)
    assert max(map(abs, drawn)) > 0.9 * bound


def test_he_init_has_standard_deviation_sqrt_2_over_fan_in():
    drawn = weights(nn.Layer(50, 60, init="he", seed=0))
    assert statistics.stdev(drawn) == pytest.approx((2 / 50) ** 0.5, rel=0.05)


# -- modes and state --------------------------------------------------------------------------
def test_zero_grad_resets_every_parameter():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    model([1.0, 1.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_eval_and_train_reach_every_submodule():
    model = nn.MLP(2, [3, 3, 1], dropout=0.5)
    model.eval()
    assert not any(module.training for _, module in model.stack)
    model.train()
    assert all(module.training for _, module in model.stack)


def test_load_state_dict_sets_every_parameter():
    source, target = nn.MLP(2, [3, 1], seed=1), nn.MLP(2, [3, 1], seed=2)
    target.load_state_dict(source.state_dict())
    assert target([0.5, -0.5]).data == source([0.5, -0.5]).data


def test_load_state_dict_names_missing_and_unexpected_parameters():
    state = nn.MLP(2, [3, 1]).state_dict()
    del state["layer1.neuron2.w1"]
    state["layer9.neuron1.b"] = 0.0
    with pytest.raises(ValueError, match=r"missing layer1.neuron2.w1; unexpected layer9.neuron1.b"):
        nn.MLP(2, [3, 1]).load_state_dict(state)


@pytest.mark.parametrize("bad", ["0.5", None, float("nan"), True, 10**400])
def test_load_state_dict_needs_finite_numbers_and_changes_nothing_otherwise(bad):
    model = nn.Neuron(1)
    before = model.state_dict()
    with pytest.raises((TypeError, ValueError), match=r"parameter b must be a (finite )?number"):
        model.load_state_dict({"w1": 2.0, "b": bad})
    assert model.state_dict() == before


# -- errors -----------------------------------------------------------------------------------
def test_wrong_input_width_names_the_module_and_both_widths():
    with pytest.raises(ValueError, match="MLP expects 2 inputs, got 3"):
        nn.MLP(2, [3, 1])([1.0, 2.0, 3.0])


@pytest.mark.parametrize("nouts", [[16, 0, 1], [-1], []])
def test_impossible_layer_sizes_are_refused(nouts):
    with pytest.raises(ValueError, match=r"layer size|non-empty list"):
        nn.MLP(2, nouts)


def test_a_layer_size_must_be_an_integer():
    with pytest.raises(TypeError, match="each layer size in nouts must be an integer, not float"):
        nn.MLP(2, [2.5])  # type: ignore[list-item]


def test_nin_must_be_positive():
    with pytest.raises(ValueError, match="nin must be an integer from 1 to 250,000, got 0"):
        nn.Neuron(0)


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown activation 'gelu' \\(choose from relu, tanh"):
        nn.MLP(2, [3, 1], activation="gelu")


def test_unknown_initialisation_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown initialisation 'zeros' \\(choose from uniform"):
        nn.Layer(2, 3, init="zeros")


def test_a_seed_must_be_an_int():
    with pytest.raises(TypeError, match="seed must be an int"):
        nn.MLP(2, [3, 1], seed="7")  # type: ignore[arg-type]


def test_inputs_must_be_numbers():
    with pytest.raises(TypeError, match="must be a real number"):
        nn.Neuron(1)(["x"])  # type: ignore[list-item]

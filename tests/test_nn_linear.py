"""Linear, the activation modules, Flatten and Sequential: PyTorch's numbers, names, layouts
and initialisation; saving; shapes refused before any node is made."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import torch

import nn
from autograd import Value

Agrees = Callable[..., None]


# -- against PyTorch (float64, copied weights) --------------------------------------------------
def test_linear_matches_torch(agrees_with_torch: Agrees):
    x = np.random.default_rng(1).normal(size=5)
    agrees_with_torch(nn.Linear(5, 3), torch.nn.Linear(5, 3), x)


def test_linear_without_bias_matches_torch(agrees_with_torch: Agrees):
    x = np.random.default_rng(2).normal(size=4)
    agrees_with_torch(nn.Linear(4, 2, bias=False), torch.nn.Linear(4, 2, bias=False), x)


def test_sequential_with_every_activation_matches_torch(agrees_with_torch: Agrees):
    ours = nn.Sequential(
        nn.Flatten(), nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3),
        nn.Sigmoid(),
    )  # fmt: skip
    theirs = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 4),
        torch.nn.Tanh(), torch.nn.Linear(4, 3), torch.nn.Sigmoid(),
    )  # fmt: skip
    agrees_with_torch(ours, theirs, np.random.default_rng(3).normal(size=(2, 3)))


# -- structure ------------------------------------------------------------------------------------
def test_linear_holds_weight_out_by_in_and_bias_per_output():
    layer = nn.Linear(3, 2)
    assert len(layer.weight) == 2 and all(len(row) == 3 for row in layer.weight)
    assert layer.bias is not None and len(layer.bias) == 2


def test_sequential_names_parameters_by_place_as_torch_does():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "0.weight[0][0]", "0.weight[0][1]", "0.weight[1][0]", "0.weight[1][1]",
        "0.bias[0]", "0.bias[1]", "2.weight[0][0]", "2.weight[0][1]", "2.bias[0]",
    ]  # fmt: skip


def test_sequential_is_indexable():
    first, second = nn.Linear(2, 3), nn.Tanh()
    model = nn.Sequential(first, second)
    assert model[0] is first and model[1] is second and len(model) == 2
    assert list(model) == [first, second]


def test_initialisation_is_uniform_within_one_over_root_fan_in():
    layer = nn.Linear(100, 50, seed=0)
    values = [p.data for p in layer.parameters()]
    bound = 1 / math.sqrt(100)
    assert max(values) <= bound and min(values) >= -bound
    assert max(values) > 0.95 * bound and min(values) < -0.95 * bound


def test_a_seed_gives_the_same_weights():
    assert nn.Linear(3, 4, seed=7).state_dict() == nn.Linear(3, 4, seed=7).state_dict()
    assert nn.Linear(3, 4, seed=7).state_dict() != nn.Linear(3, 4, seed=8).state_dict()


def test_one_output_is_a_single_value():
    assert isinstance(nn.Linear(2, 1)([1.0, 2.0]), Value)


def test_numpy_input_equals_list_input():
    model = nn.Sequential(nn.Linear(3, 2, seed=0), nn.ReLU())
    x = [0.5, -0.25, 2.0]
    assert [v.data for v in model(np.array(x))] == [v.data for v in model(x)]


def test_each_module_draws_in_a_scope_of_its_place_and_class():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    out = model([1.0, 1.0])
    assert out[0].scope == "Sequential/1: ReLU"
    assert out[0].inputs[0].scope == "Sequential/0: Linear"


# -- saving -----------------------------------------------------------------------------------
def test_save_then_load_rebuilds_the_same_network(tmp_path):
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3, seed=1), nn.Sigmoid(), nn.Linear(3, 2))
    nn.save(model, tmp_path / "model.json")
    loaded = nn.load(tmp_path / "model.json")
    assert repr(loaded) == repr(model)
    assert loaded.state_dict() == model.state_dict()
    x = [[0.1, 0.2], [0.3, -0.4]]
    assert [v.data for v in loaded(x)] == [v.data for v in model(x)]


def test_a_sequential_file_with_an_unknown_module_is_refused(tmp_path):
    path = tmp_path / "model.json"
    nn.save(nn.Sequential(nn.ReLU()), path)
    path.write_text(path.read_text().replace('"ReLU"', '"Nope"'))
    with pytest.raises(nn.ModelFileError, match="unknown model type 'Nope'"):
        nn.load(path)


# -- bad shapes -------------------------------------------------------------------------------
def test_a_wrong_width_names_the_module_the_expected_and_the_given_shape():
    expected = r"Linear\(in_features=4.* expects 4 numbers \[4\], got \[3\]"
    with pytest.raises(ValueError, match=expected):
        nn.Linear(4, 2)([1.0, 2.0, 3.0])


def test_a_flatten_feeding_a_linear_of_the_wrong_width_fails_before_any_node(monkeypatch):
    made: list[object] = []
    monkeypatch.setattr(nn.linear, "linear", lambda *args: made.append(args))
    model = nn.Sequential(nn.Linear(2, 2), nn.Flatten(), nn.Linear(3, 1))
    with pytest.raises(ValueError, match=r"Linear\(in_features=3.* got \[2\]"):
        model([1.0, 2.0])
    assert made == []


def test_a_ragged_input_is_refused():
    with pytest.raises(ValueError, match="ragged"):
        nn.Flatten()([[1.0, 2.0], [3.0]])


def test_sequential_takes_only_modules():
    with pytest.raises(TypeError, match="item 1 is a int"):
        nn.Sequential(nn.ReLU(), 3)  # type: ignore[arg-type]


def test_unflatten_matches_torch_and_undoes_flatten():
    x = np.arange(12.0)
    ours = nn.Unflatten(0, [3, 2, 2])(x)
    theirs = torch.nn.Unflatten(1, (3, 2, 2))(torch.tensor(x)[None])[0]
    assert [[[v.data for v in row] for row in c] for c in ours] == theirs.tolist()
    assert [v.data for v in nn.Flatten()(ours)] == x.tolist()


def test_unflatten_of_the_wrong_size_names_the_dimension():
    with pytest.raises(ValueError, match=r"Unflatten\(dim=0.* expects \[64\]… at dimension 0"):
        nn.Unflatten(0, [1, 8, 8])([0.0] * 63)

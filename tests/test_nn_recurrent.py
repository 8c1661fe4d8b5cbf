"""RNN, LSTM and GRU against PyTorch (float64, copied weights), their drawing scopes, their
errors and their model files."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

import nn
from autograd import Value, topological_order, total

T, INPUT, HIDDEN = 4, 3, 2

CASES = [
    ("RNN", {"nonlinearity": "tanh"}),
    ("RNN", {"nonlinearity": "relu"}),
    ("RNN", {"bias": False}),
    ("LSTM", {}),
    ("LSTM", {"bias": False}),
    ("GRU", {}),
    ("GRU", {"bias": False}),
]


def _numbers(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


def _torch_twin(module: nn.Module, kind: str, settings: dict[str, object]) -> torch.nn.Module:
    """PyTorch's module of the same kind, given our weights."""
    twin = getattr(torch.nn, kind)(INPUT, HIDDEN, dtype=torch.float64, **settings)
    with torch.no_grad():
        for name, parameter in twin.named_parameters():
            parameter.copy_(torch.tensor(_ours(module, name, "data"), dtype=torch.float64))
    return twin


def _ours(module: nn.Module, torch_name: str, field: str) -> list:
    """Our parameter of PyTorch's name ``torch_name`` (a matrix or a vector), as numbers."""
    ours = getattr(module, torch_name.removesuffix("_l0"))
    if isinstance(ours[0], list):
        return [[getattr(v, field) for v in row] for row in ours]
    return [getattr(v, field) for v in ours]


@pytest.mark.parametrize("with_state", [False, True], ids=["zero state", "given state"])
@pytest.mark.parametrize(("kind", "settings"), CASES, ids=[f"{k}{s}" for k, s in CASES])
def test_outputs_and_every_gradient_equal_pytorchs(kind, settings, with_state):
    module = getattr(nn, kind)(INPUT, HIDDEN, seed=3, **settings)
    twin = _torch_twin(module, kind, settings)
    x = _numbers((T, INPUT), 1)
    weights = _numbers((T, HIDDEN), 2)  # L = Σ weights ⊙ outputs + Σ h_T (+ Σ c_T)
    h0, c0 = _numbers((HIDDEN,), 4), _numbers((HIDDEN,), 5)

    state = ((h0, c0) if kind == "LSTM" else h0) if with_state else None
    outputs, last = module(x, state) if with_state else module(x)
    finals = [*last[0], *last[1]] if kind == "LSTM" else last
    flat = [o for row in outputs for o in row]
    loss = total([float(w) * o for w, o in zip(weights.flat, flat, strict=True)])
    loss = loss + sum(finals)
    loss.backward()

    tx = torch.tensor(x)
    if with_state:
        th0 = torch.tensor(h0).unsqueeze(0)
        tstate = (th0, torch.tensor(c0).unsqueeze(0)) if kind == "LSTM" else th0
        t_out, t_last = twin(tx, tstate)
    else:
        t_out, t_last = twin(tx)
    t_finals = torch.cat(t_last) if kind == "LSTM" else t_last
    (torch.sum(torch.tensor(weights) * t_out) + t_finals.sum()).backward()

    ours = [[o.data for o in row] for row in outputs]
    assert np.allclose(ours, t_out.detach(), rtol=0, atol=1e-10)
    assert np.allclose([v.data for v in finals], t_finals.detach().flatten(), rtol=0, atol=1e-10)
    for name, parameter in twin.named_parameters():
        assert np.allclose(_ours(module, name, "grad"), parameter.grad, rtol=0, atol=1e-10), name


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_initial_weights_lie_within_one_over_root_hidden_size(kind):
    module = getattr(nn, kind)(5, 16, seed=0)
    values = [p.data for p in module.parameters()]
    assert max(abs(v) for v in values) <= 1 / 4
    assert max(abs(v) for v in values) > 0.24  # spread over the whole interval


def test_a_seed_makes_the_same_weights_and_a_generator_is_drawn_from():
    assert nn.LSTM(2, 3, seed=7).state_dict() == nn.LSTM(2, 3, seed=7).state_dict()
    rng = random.Random(1)
    assert nn.GRU(2, 3, seed=rng).state_dict() != nn.GRU(2, 3, seed=rng).state_dict()


def test_parameters_have_pytorchs_names_and_layout():
    lstm = nn.LSTM(3, 2, seed=0)
    names = [name for name, _ in lstm.named_parameters()]
    assert names[0] == "weight_ih_l0[0][0]" and names[-1] == "bias_hh_l0[7]"
    assert "weight_hh_l0[7][1]" in names
    assert len(lstm.weight_ih) == 8 and len(lstm.weight_ih[0]) == 3
    assert len(names) == 4 * 2 * (3 + 2 + 2)
    assert len(nn.GRU(3, 2, bias=False).parameters()) == 3 * 2 * (3 + 2)


def test_each_step_is_made_in_a_scope_of_its_own_fed_by_the_same_weights():
    rnn = nn.RNN(1, 1, seed=0)
    outputs, h = rnn([[1.0], [2.0], [3.0]])
    nodes = topological_order(h[0])
    scopes = {node.scope for node in nodes if node.op == "linear"}
    assert scopes == {"RNN/t=1", "RNN/t=2", "RNN/t=3"}
    w = rnn.weight_hh[0][0]
    feeds = [node for node in nodes if node.op == "linear" and w in node._prev]
    assert len(feeds) == 3
    assert outputs[-1] == h


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m([[1.0, 2.0]]), r"^LSTM\(.*\) expects a sequence \[T\]\[3\] .* \[1\]\[2\]$"),
        (lambda m: m([]), r"LSTM\(.*\) expects a sequence \[T\]\[3\] of T ≥ 1 steps, got \[0\]"),
        (lambda m: m(np.zeros((2, 4))), r"expects a sequence \[T\]\[3\] .*, got \[2\]\[4\]"),
        (lambda m: m([[1.0], [2.0, 3.0]]), r"the input of LSTM is ragged"),
        (lambda m: m([[0.0] * 3], ([0.0], [0.0, 0.0])), r"initial h of 2 numbers \[2\], got \[1\]"),
        (lambda m: m([[0.0] * 3], ([0.0] * 2, [0.0] * 3)), r"initial c of 2 .*, got \[3\]"),
        (lambda m: m([[0.0] * 3], [0.0, 0.0]), r"initial state as a pair \(h0, c0\)"),
    ],
)
def test_bad_input_gets_one_error_naming_the_module_and_shapes_before_any_node(
    call, message, monkeypatch
):
    lstm = nn.LSTM(3, 2, seed=0)
    made: list[Value] = []
    original = Value.__init__

    def counted(self, *args, **kwargs):
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Value, "__init__", counted)
    with pytest.raises(ValueError, match=message):
        call(lstm)
    assert made == []


def test_a_single_number_is_no_sequence():
    with pytest.raises(ValueError, match=r"RNN\(.*\) expects a sequence \[T\]\[1\] .* a number"):
        nn.RNN(1, 2)(3.0)


def test_pytorchs_state_dict_loads_as_it_is():
    twin = torch.nn.GRU(INPUT, HIDDEN, dtype=torch.float64)
    gru = nn.GRU(INPUT, HIDDEN)
    gru.load_state_dict(twin.state_dict())
    x = _numbers((T, INPUT), 0)
    ours = [[v.data for v in row] for row in gru(x)[0]]
    assert np.allclose(ours, twin(torch.tensor(x))[0].detach(), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.RNN(2, 3, nonlinearity="sigmoid"), "unknown nonlinearity 'sigmoid'"),
        (lambda: nn.LSTM(0, 3), "input_size"),
        (lambda: nn.GRU(2, 10**6), "hidden_size"),
    ],
)
def test_impossible_settings_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_save_then_load_gives_the_same_module(kind, tmp_path):
    settings = {"nonlinearity": "relu"} if kind == "RNN" else {}
    module = getattr(nn, kind)(2, 3, seed=1, **settings)
    nn.save(module, tmp_path / "model.json")
    loaded = nn.load(tmp_path / "model.json")
    assert type(loaded) is type(module) and loaded.config() == module.config()
    assert loaded.state_dict() == module.state_dict()
    x = [[0.5, -1.0], [2.0, 0.1]]
    assert loaded(x)[0][-1][0].data == module(x)[0][-1][0].data


def test_the_last_states_gradient_norm_is_the_readouts_and_the_one_before_follows_the_chain_rule():
    model = nn.RecurrentRegressor("rnn", 1, 1, seed=2)
    x, target = [[0.3], [-0.7], [0.5]], 0.25
    prediction, states = model.run(x)
    norms = nn.gradient_norms_through_time(model, x, target)
    dloss = 2 * (prediction.data - target)
    w_out, w_hh = model.readout.weight[0][0].data, model.rnn.weight_hh[0][0].data
    h_last = states[-1][0].data
    assert len(norms) == 3
    assert norms[2] == pytest.approx(abs(dloss * w_out), abs=1e-14)
    assert norms[1] == pytest.approx(abs(dloss * w_out * (1 - h_last**2) * w_hh), abs=1e-14)


def test_state_gradient_norms_read_every_states_gradient_after_backward():
    lstm = nn.LSTM(2, 2, seed=0)
    outputs, (h, _) = lstm([[1.0, 0.0], [0.0, 1.0]])
    (3 * h[0] - 4 * h[1]).backward()
    assert nn.state_gradient_norms(outputs)[-1] == pytest.approx(5.0)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_a_recurrent_regressor_saves_and_loads(cell, tmp_path):
    model = nn.RecurrentRegressor(cell, 2, 3, seed=0)
    nn.save(model, tmp_path / "model.json")
    loaded = nn.load(tmp_path / "model.json")
    assert loaded.state_dict() == model.state_dict() and loaded.config() == model.config()
    x = [[0.1, 1.0], [0.9, 0.0]]
    assert loaded(x).data == model(x).data

"""Batch, layer and RMS normalisation against PyTorch (float64, copied parameters): outputs,
gradients of the inputs and parameters, running statistics; model files; bad input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import nn
from autograd import Value, total
from nn.shapes import flatten as flat

TOLERANCE = 1e-10


def leaves(array: np.ndarray) -> Any:
    """``array`` as nested lists of ``Value`` leaves."""
    if array.ndim == 0:
        return Value(float(array))
    return [leaves(row) for row in array]


def numbers(nested: Any) -> np.ndarray:
    return np.array([v.data for v in flat(nested)])


def gradients(nested: Any) -> np.ndarray:
    return np.array([v.grad for v in flat(nested)])


def weighted_sum(outputs: Any, r: np.ndarray) -> Value:
    """Σ rᵢ yᵢ: a loss whose gradient is not zero (Σ yᵢ of a batch norm's outputs is constant)."""
    return total([y * float(w) for y, w in zip(flat(outputs), r.ravel(), strict=True)])


def copy_parameters(ours: nn.Module, theirs: torch.nn.Module, rng: np.random.Generator) -> None:
    """Random γ and β, the same in both."""
    for name in ("weight", "bias"):
        tensor = getattr(theirs, name, None)
        if tensor is None:
            continue
        values = rng.normal(size=tensor.shape)
        with torch.no_grad():
            tensor.copy_(torch.tensor(values))
        for p, v in zip(flat(getattr(ours, name)), values.ravel(), strict=True):
            p.data = float(v)


def compare(ours: nn.Module, theirs: torch.nn.Module, x: np.ndarray, r: np.ndarray) -> None:
    """One call of each on ``x``: outputs, ∂(Σ rᵢyᵢ)/∂x, ∂/∂γ and ∂/∂β agree to 1e-10."""
    xs = leaves(x)
    out = ours(xs)
    weighted_sum(out, r).backward()
    tx = torch.tensor(x, requires_grad=True)
    tout = theirs(tx)
    (tout * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(numbers(out), tout.detach().numpy().ravel(), rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(gradients(xs), tx.grad.numpy().ravel(), rtol=0, atol=TOLERANCE)
    for name in ("weight", "bias"):
        tensor = getattr(theirs, name, None)
        if tensor is not None:
            np.testing.assert_allclose(
                gradients(getattr(ours, name)), tensor.grad.numpy().ravel(), rtol=0, atol=TOLERANCE
            )
            tensor.grad = None
    ours.zero_grad()


@pytest.mark.parametrize(
    ("ours", "theirs", "shape"),
    [
        (nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3), (5, 3)),
        (nn.BatchNorm1d(2, momentum=0.3), torch.nn.BatchNorm1d(2, momentum=0.3), (3, 2, 4)),
        (nn.BatchNorm2d(2, eps=1e-3), torch.nn.BatchNorm2d(2, eps=1e-3), (3, 2, 3, 2)),
    ],
    ids=["1d", "1d-with-length", "2d"],
)
def test_batch_norm_agrees_with_pytorch_in_training_and_then_in_evaluation(ours, theirs, shape):
    rng = np.random.default_rng(0)
    theirs.double()
    copy_parameters(ours, theirs, rng)
    for _ in range(3):  # the running statistics after several steps
        x = rng.normal(2.0, 3.0, size=shape)
        compare(ours, theirs, x, rng.normal(size=shape))
        np.testing.assert_allclose(
            ours.running_mean, theirs.running_mean.numpy(), rtol=0, atol=1e-12
        )
        np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=0, atol=1e-12)
    ours.eval()
    theirs.eval()
    compare(ours, theirs, rng.normal(size=shape), rng.normal(size=shape))


def test_a_batch_norm_output_depends_on_every_example_of_the_batch():
    bn = nn.BatchNorm1d(1)
    xs = [[Value(1.0)], [Value(2.0)], [Value(4.0)]]
    bn(xs)[0][0].backward()
    assert all(x[0].grad != 0 for x in xs)


def test_evaluation_mode_leaves_the_running_statistics_alone_and_couples_no_examples():
    bn = nn.BatchNorm1d(2).eval()
    xs = [[Value(1.0), Value(3.0)], [Value(2.0), Value(5.0)]]
    bn(xs)[0][0].backward()
    assert bn.running_mean == [0.0, 0.0] and bn.running_var == [1.0, 1.0]
    assert xs[1][0].grad == 0.0


@pytest.mark.parametrize(
    ("ours", "theirs", "shape"),
    [
        (nn.LayerNorm(4), torch.nn.LayerNorm(4), (4,)),
        (nn.LayerNorm(4), torch.nn.LayerNorm(4), (3, 4)),
        (nn.LayerNorm([2, 3], eps=1e-3), torch.nn.LayerNorm([2, 3], eps=1e-3), (2, 2, 3)),
        (nn.RMSNorm(5), torch.nn.RMSNorm(5), (5,)),
        (nn.RMSNorm(5, eps=1e-5), torch.nn.RMSNorm(5, eps=1e-5), (2, 5)),
        (
            nn.RMSNorm(3, eps=1e-5, elementwise_affine=False),
            torch.nn.RMSNorm(3, eps=1e-5, elementwise_affine=False),
            (3,),
        ),
    ],
    ids=["layer", "layer-batch", "layer-2d", "rms", "rms-batch", "rms-no-affine"],
)
def test_layer_and_rms_norm_agree_with_pytorch(ours, theirs, shape):
    rng = np.random.default_rng(1)
    theirs.double()
    copy_parameters(ours, theirs, rng)
    compare(ours, theirs, rng.normal(1.0, 2.0, size=shape), rng.normal(size=shape))


def test_rms_norm_without_weights_is_microgpts_rmsnorm():
    x = [0.5, -1.0, 2.0]
    ms = sum(v * v for v in x) / len(x)
    expected = [v * (ms + 1e-5) ** -0.5 for v in x]
    out = nn.RMSNorm(3, eps=1e-5, elementwise_affine=False)(x)
    assert [y.data for y in out] == pytest.approx(expected, abs=1e-15)


def test_numpy_arrays_are_accepted_at_the_boundary():
    x = np.array([[1.0, 2.0], [3.0, 5.0]])
    assert numbers(nn.BatchNorm1d(2)(x)) == pytest.approx([-1, -1, 1, 1], abs=1e-4)


@pytest.mark.parametrize(
    "module",
    [nn.BatchNorm1d(3), nn.BatchNorm2d(2), nn.LayerNorm([2, 2]), nn.RMSNorm(3, eps=1e-6)],
    ids=["bn1d", "bn2d", "layer", "rms"],
)
def test_save_then_load_gives_the_same_module_and_running_statistics(module, tmp_path):
    rng = np.random.default_rng(2)
    for p in module.parameters():
        p.data = float(rng.normal())
    if isinstance(module, nn.BatchNorm1d):
        module(rng.normal(size=(4, 3)))
    elif isinstance(module, nn.BatchNorm2d):
        module(rng.normal(size=(2, 2, 2, 2)))
    path = tmp_path / "model.json"
    nn.save(module, path)
    loaded = nn.load(path)
    assert type(loaded) is type(module) and loaded.config() == module.config()
    assert loaded.state_dict() == module.state_dict()
    if isinstance(module, nn.BatchNorm1d):
        assert loaded.running_var == module.running_var != [1.0, 1.0, 1.0]


def test_a_state_without_the_running_statistics_is_refused_by_name():
    bn = nn.BatchNorm1d(2)
    state = {k: v for k, v in bn.state_dict().items() if not k.startswith("running_var")}
    with pytest.raises(ValueError, match=r"missing running_var\[0\], running_var\[1\]"):
        bn.load_state_dict(state)


@pytest.mark.parametrize(
    ("module", "x", "message"),
    [
        (
            nn.BatchNorm1d(3),
            [[1.0, 2.0, 3.0]],
            r"BatchNorm1d\(num_features=3.*\) in training mode needs more than one value per "
            "channel",
        ),
        (
            nn.BatchNorm2d(1),
            [[[[1.0]]]],
            r"BatchNorm2d\(.*\) in training mode needs more than one .* "
            r"got a batch \[1\]\[1\]\[1\]\[1\]",
        ),
        (
            nn.BatchNorm1d(3),
            [[1.0, 2.0], [3.0, 4.0]],
            r"expects a batch \[N\]\[C\] or \[N\]\[C\]\[L\] with C = 3, got \[2\]\[2\]",
        ),
        (
            nn.BatchNorm1d(2),
            [1.0, 2.0],
            r"BatchNorm1d\(.*\) expects a batch \[N\]\[C\] .* got \[2\]$",
        ),
        (
            nn.BatchNorm2d(2),
            [[1.0, 2.0], [3.0, 4.0]],
            r"BatchNorm2d\(.*\) expects a batch \[N\]\[C\]\[H\]\[W\] with C = 2, got \[2\]\[2\]",
        ),
        (nn.BatchNorm1d(2), [[1.0, 2.0], [3.0]], r"the input of BatchNorm1d\(.*\) is ragged"),
        (
            nn.LayerNorm(3),
            [1.0, 2.0],
            r"LayerNorm\(.*\) expects inputs whose last dimensions are \[3\], got \[2\]",
        ),
        (
            nn.RMSNorm(2),
            [[1.0, 2.0, 3.0]],
            r"RMSNorm\(.*\) expects inputs whose last dimensions are \[2\], got \[1\]\[3\]",
        ),
    ],
)
def test_bad_input_gets_one_clear_error(module, x, message):
    with pytest.raises(ValueError, match=message):
        module(x)


def test_an_input_of_text_gets_a_type_error_naming_the_module():
    with pytest.raises(TypeError, match=r"the input of LayerNorm\(.*\) must hold numbers"):
        nn.LayerNorm(2)(["a", "b"])


def test_a_batch_of_one_is_fine_in_evaluation_mode():
    assert len(nn.BatchNorm1d(3).eval()([[1.0, 2.0, 3.0]])) == 1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.BatchNorm1d(0), r"num_features must be a positive integer"),
        (lambda: nn.BatchNorm2d(2, eps=0.0), r"eps must be a finite number > 0"),
        (lambda: nn.BatchNorm1d(2, momentum=1.5), r"momentum must be"),
        (lambda: nn.LayerNorm([]), r"normalized_shape must name at least one"),
        (lambda: nn.RMSNorm(3, eps=-1.0), r"eps must be a finite number > 0"),
    ],
)
def test_bad_settings_get_one_clear_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def pytorch_state(model: torch.nn.Module) -> dict[str, Any]:
    """PyTorch's state dict without ``num_batches_tracked``, which only its ``momentum=None``
    (a cumulative average, not offered here) reads."""
    return {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def test_a_network_with_batch_norm_is_called_on_a_whole_batch_and_agrees_with_pytorch():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.BatchNorm1d(4), torch.nn.Sigmoid(), torch.nn.Linear(4, 2)
    ).double()
    with torch.no_grad():
        theirs[1].weight.normal_()
        theirs[1].bias.normal_()
    ours = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Sigmoid(), nn.Linear(4, 2))
    ours.load_state_dict(pytorch_state(theirs))
    rng = np.random.default_rng(3)
    for _ in range(2):
        x, r = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
        compare(ours, theirs, x, r)
    assert ours.takes_batches()
    np.testing.assert_allclose(ours[1].running_var, theirs[1].running_var, rtol=0, atol=1e-12)
    ours.eval()
    theirs.eval()
    compare(ours, theirs, rng.normal(size=(3, 2)), rng.normal(size=(3, 2)))


def test_a_network_with_batch_norm_refuses_one_example_by_its_shape():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    with pytest.raises(
        ValueError, match=r"Linear\(in_features=2.*\) expects 2 numbers \[2\], got \[3\]"
    ):
        model([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(ValueError, match=r"Sequential\(.*\) expects a batch \[N\]"):
        model(1.0)


def test_fit_trains_a_network_with_batch_norm_on_whole_batches():
    x, y = nn.datasets.make_moons(40, noise=0.1, seed=0)
    model = nn.Sequential(
        nn.Linear(2, 8, seed=0), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 1, seed=1)
    )
    calls = []
    forward = model.forward
    model.forward = lambda batch: calls.append(len(batch)) or forward(batch)  # type: ignore[method-assign]
    history = nn.fit(
        model,
        x,
        y,
        optimizer=nn.Adam(model.parameters(), lr=0.05),
        steps=30,
        batch_size=10,
        seed=0,
        test=(x, y),
        test_every=30,
    )
    assert set(calls) == {10, 40}  # the training batches, and the whole test set in one call
    assert history.loss[-1] < history.loss[0]
    assert model[1].running_mean != [0.0] * 8
    calls.clear()
    assert len(nn.predict(model, x)) == 40 and calls == [40]


def test_a_network_saves_and_loads_its_batch_norms_running_statistics(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.BatchNorm1d(3))
    model([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    nn.save(model, tmp_path / "model.json")
    loaded = nn.load(tmp_path / "model.json")
    assert loaded.state_dict() == model.state_dict()
    assert loaded[1].running_mean == model[1].running_mean != [0.0, 0.0, 0.0]
    assert "1.running_var[2]" in loaded.state_dict()

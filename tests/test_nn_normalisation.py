"""Batch, layer and RMS normalisation against PyTorch (float64, copied parameters): outputs,
gradients of the inputs and parameters, running statistics; model files; bad input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import nn
from autograd import Value, total
from nn.normalisation import flat

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
    with pytest.raises(ValueError, match=r"missing .*running_var\.0"):
        bn.load_state_dict(state)


@pytest.mark.parametrize(
    ("module", "x", "message"),
    [
        (nn.BatchNorm1d(3), [[1.0, 2.0, 3.0]], r"BatchNorm1d in training mode needs more than one"),
        (nn.BatchNorm2d(1), [[[[1.0]]]], r"BatchNorm2d in training mode needs more than one"),
        (nn.BatchNorm1d(3), [[1.0, 2.0], [3.0, 4.0]], r"expects 3 channels .* got 2"),
        (nn.BatchNorm1d(2), [1.0, 2.0], r"BatchNorm1d expects a batch \[N\]\[C\]"),
        (nn.BatchNorm2d(2), [[1.0, 2.0], [3.0, 4.0]], r"expects a batch \[N\]\[C\]\[H\]\[W\]"),
        (nn.BatchNorm1d(2), [[1.0, 2.0], [3.0]], r"rectangular"),
        (nn.LayerNorm(3), [1.0, 2.0], r"LayerNorm normalises over the last dimensions \[3\]"),
        (nn.RMSNorm(2), [[1.0, 2.0, 3.0]], r"RMSNorm normalises .* got an input of shape \[1, 3\]"),
        (nn.LayerNorm(2), ["a", "b"], r"LayerNorm expects nested lists of numbers"),
    ],
)
def test_bad_input_gets_one_clear_error(module, x, message):
    with pytest.raises(ValueError, match=message):
        module(x)


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

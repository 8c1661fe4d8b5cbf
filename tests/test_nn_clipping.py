"""Clipping the gradients' norm, as PyTorch's clip_grad_norm_ does."""

from __future__ import annotations

import math

import pytest
import torch

import nn
from autograd import Value
from nn.clipping import clipped_gradient


def _with_gradients(grads: list[float]) -> list[Value]:
    parameters = [Value(0.0) for _ in grads]
    for p, g in zip(parameters, grads, strict=True):
        p.grad = g
    return parameters


@pytest.mark.parametrize("max_norm", [0.5, 1.0, 13.0, 100.0])
def test_clipping_returns_the_norm_before_and_scales_as_pytorch_does(max_norm):
    grads = [3.0, -4.0, 12.0]  # norm 13
    parameters = _with_gradients(grads)
    tensors = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in grads]
    for t, g in zip(tensors, grads, strict=True):
        t.grad = torch.tensor(g, dtype=torch.float64)

    norm = nn.clip_grad_norm(parameters, max_norm)

    assert norm == pytest.approx(13.0, abs=1e-12)
    assert norm == pytest.approx(float(torch.nn.utils.clip_grad_norm_(tensors, max_norm)))
    for p, t in zip(parameters, tensors, strict=True):
        assert p.grad == pytest.approx(float(t.grad), abs=1e-15)
    clipped = math.sqrt(sum(p.grad**2 for p in parameters))
    assert clipped == pytest.approx(min(13.0, max_norm), rel=1e-6)


@pytest.mark.parametrize("max_norm", [0.0, -1.0, math.inf])
def test_a_max_norm_that_is_not_positive_and_finite_is_refused(max_norm):
    with pytest.raises(ValueError, match="max_norm"):
        nn.clip_grad_norm(_with_gradients([1.0]), max_norm)


@pytest.mark.parametrize("max_norm", [0.5, 13.0, 100.0])
def test_clipping_an_array_of_gradients_clips_as_the_parameters_are(max_norm):
    import numpy as np

    grads = [3.0, -4.0, 12.0, 1e-3]
    parameters = _with_gradients(grads)
    nn.clip_grad_norm(parameters, max_norm)
    clipped = clipped_gradient(np.array(grads), max_norm)
    assert clipped.tolist() == [p.grad for p in parameters]  # the same numbers exactly
    with pytest.raises(ValueError, match="max_norm"):
        clipped_gradient(np.array(grads), 0.0)

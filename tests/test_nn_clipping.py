"""Clipping the gradients' norm, as PyTorch's clip_grad_norm_ does."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

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
    grads = [3.0, -4.0, 12.0, 1e-3]
    parameters = _with_gradients(grads)
    nn.clip_grad_norm(parameters, max_norm)
    clipped = clipped_gradient(np.array(grads), max_norm)
    assert clipped.tolist() == [p.grad for p in parameters]  # the same numbers exactly
    with pytest.raises(ValueError, match="max_norm"):
        clipped_gradient(np.array(grads), 0.0)


@given(
    st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=60),
    st.sampled_from([-2, -1, 0, 1, 2]),
)
def test_an_array_at_the_edge_of_clipping_is_clipped_as_the_parameters_are(grads, ulps):
    """The exactly rounded norm decides where a quicker sum (a dot product) lands on the other
    side of max_norm: at the edge where either makes the scale 1, and a few rounding steps on
    either side."""
    exact = math.sqrt(math.fsum(g * g for g in grads)) + 1e-6  # at max_norm = exact, scale = 1
    rough = math.sqrt(float(np.dot(grads, grads))) + 1e-6
    for edge in (exact, rough):
        max_norm = edge
        for _ in range(abs(ulps)):
            max_norm = math.nextafter(max_norm, math.copysign(math.inf, ulps))
        parameters = _with_gradients(grads)
        nn.clip_grad_norm(parameters, max_norm)
        assert clipped_gradient(np.array(grads), max_norm).tolist() == [p.grad for p in parameters]

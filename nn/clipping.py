"""Gradient clipping by norm: one large gradient (an exploding step through time) must not
throw the parameters far away.

With g the vector of every parameter's gradient and ‖g‖ = √(Σ gᵢ²), clipping at m scales
g ← g · m / (‖g‖ + 10⁻⁶) when that factor is below 1, and leaves g alone otherwise, as PyTorch's
``torch.nn.utils.clip_grad_norm_`` does (the 10⁻⁶ is its guard against dividing by zero).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value
from autograd.numbers import finite_float


def clip_grad_norm(parameters: Iterable[Value], max_norm: float) -> float:
    """Scale the parameters' gradients so that their norm is at most ``max_norm``; return the
    norm ‖g‖ before clipping."""
    max_norm = finite_float(max_norm, "max_norm", above=0)
    parameters = list(parameters)
    norm = math.sqrt(math.fsum(p.grad * p.grad for p in parameters))
    scale = max_norm / (norm + 1e-6)
    if scale < 1.0:
        for p in parameters:
            p.grad *= scale
    return norm

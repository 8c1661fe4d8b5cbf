"""Regularisation penalties, added to a loss to keep the weights small:
L = L_original + λ Σ w² (L2) or L = L_original + λ Σ |w| (L1).

L2 shrinks every weight in proportion to its size (∂/∂w λw² = 2λw); L1 pulls each one towards 0
by the same amount (∂/∂w λ|w| = λ·sign w), so it drives small weights to exactly 0.
"""

from __future__ import annotations

from collections.abc import Iterable

from autograd import Value, total
from autograd.numbers import finite_float


def l1_penalty(parameters: Iterable[Value], strength: float = 1.0) -> Value:
    """λ Σ |w| over ``parameters``."""
    lam = finite_float(strength, "the strength λ", at_least=0)
    return lam * total([abs(w) for w in parameters])


def l2_penalty(parameters: Iterable[Value], strength: float = 1.0) -> Value:
    """λ Σ w² over ``parameters``."""
    lam = finite_float(strength, "the strength λ", at_least=0)
    return lam * total([w * w for w in parameters])


def penalised(loss: Value, parameters: Iterable[Value], l1: float = 0.0, l2: float = 0.0) -> Value:
    """L + λ₁ Σ |w| + λ₂ Σ w², leaving out a penalty whose λ is 0."""
    parameters = list(parameters)
    if l1:
        loss = loss + l1_penalty(parameters, l1)
    if l2:
        loss = loss + l2_penalty(parameters, l2)
    return loss

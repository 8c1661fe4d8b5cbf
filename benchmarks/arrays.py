"""The array limit: the training step of :mod:`benchmarks.moons` written by hand with NumPy.

The 100 points are one matrix X; each layer is one matrix product Z = A Wᵀ + b, ReLU on the
hidden layers; the backward pass goes layer by layer with δ = ∂L/∂Z: for the output
δ = −y/n where the hinge is active, then ∂L/∂W = δᵀA, ∂L/∂b = Σ δ over the points and, through a
hidden ReLU, δ ← (δ W) ⊙ step(Z). The L2 term and the update are array operations too. What the
batch replay, which finds the layers in a graph of scalars, could at best approach.
"""

from __future__ import annotations

from typing import Any

from benchmarks.graph import initial_parameters
from benchmarks.moons import ALPHA, LR, Step, moons


def step() -> Step:
    """A training step from :func:`benchmarks.graph.initial_parameters`, as the floats step."""
    import numpy as np

    points, targets = moons()
    x, y = np.array(points), np.array(targets, dtype=float)
    layers = initial_parameters()
    weights: list[Any] = [np.array([ws for ws, _ in layer]) for layer in layers]
    biases: list[Any] = [np.array([b for _, b in layer]) for layer in layers]
    n, last = len(x), len(layers) - 1

    def train() -> float:
        activations, sums = [x], []
        for depth, (w, b) in enumerate(zip(weights, biases, strict=True)):
            z = activations[-1] @ w.T + b
            sums.append(z)
            activations.append(z if depth == last else np.maximum(z, 0.0))
        margin = 1.0 - y * activations[-1][:, 0]
        active = margin > 0.0
        loss = float(np.sum(margin[active])) / n
        delta = np.where(active, -y / n, 0.0)[:, None]
        for depth in range(last, -1, -1):
            if depth != last:
                delta = delta * (sums[depth] > 0.0)
            w, b = weights[depth], biases[depth]
            grad_w, grad_b = delta.T @ activations[depth], delta.sum(axis=0)
            if depth:
                delta = delta @ w
            loss += ALPHA * (float(np.sum(w * w)) + float(np.sum(b * b)))
            w -= LR * (grad_w + 2.0 * ALPHA * w)
            b -= LR * (grad_b + 2.0 * ALPHA * b)
        return loss

    return train

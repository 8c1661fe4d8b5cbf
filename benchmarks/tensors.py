"""The training step of :mod:`benchmarks.moons` in PyTorch with batched tensors (float64).

Each layer is one weight matrix and one bias vector; the 100 points are one matrix; autograd
records a dozen tensor ops and ``backward()`` fills in the gradients; the update is in place.
PyTorch as its users would write this step: what the batch replay competes with among peers.
"""

from __future__ import annotations

from typing import Any

from benchmarks.graph import initial_parameters
from benchmarks.moons import ALPHA, LR, Step, moons


def step() -> Step:
    """A training step from :func:`benchmarks.graph.initial_parameters`, as the NumPy step."""
    import torch

    points, targets = moons()
    x = torch.tensor(points, dtype=torch.float64)
    y = torch.tensor(targets, dtype=torch.float64)
    layers = initial_parameters()
    weights: list[Any] = [
        torch.tensor([ws for ws, _ in layer], dtype=torch.float64, requires_grad=True)
        for layer in layers
    ]
    biases: list[Any] = [
        torch.tensor([b for _, b in layer], dtype=torch.float64, requires_grad=True)
        for layer in layers
    ]
    parameters = weights + biases
    last = len(layers) - 1

    def train() -> float:
        h = x
        for depth, (w, b) in enumerate(zip(weights, biases, strict=True)):
            h = h @ w.T + b
            if depth != last:
                h = torch.relu(h)
        loss = torch.relu(1.0 - y * h[:, 0]).mean()
        loss = loss + ALPHA * sum((p * p).sum() for p in parameters)
        return descend(loss, parameters, LR)

    return train


def descend(loss: Any, parameters: list[Any], lr: float) -> float:
    """Backward from ``loss`` and the update w ← w − η ∂L/∂w of every parameter, in place;
    the loss as a float."""
    import torch

    for p in parameters:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in parameters:
            p -= lr * p.grad
    return float(loss.detach())

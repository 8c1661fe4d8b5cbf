"""The training workload: one full-batch step of ``MLP(2, [16, 16, 1])`` on 100 moons points.

The loss is micrograd's demo: the max-margin (hinge) loss (1/n) Σ max(0, 1 − yᵢsᵢ) with labels
y = ±1, plus L2 regularisation α Σ w²; one step is forward, backward and a gradient-descent
update w ← w − η ∂L/∂w. Each library trains its own MLP, as its users would; the same step is
also written op by op (:mod:`benchmarks.graph`) and by hand with floats (:mod:`benchmarks.floats`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, cast

from benchmarks.peers import Scalars

#: The network: 2 inputs, two hidden ReLU layers of 16, one linear output (337 parameters).
SIZES = (2, 16, 16, 1)
N_POINTS = 100
#: The L2 strength α and the learning rate η.
ALPHA = 1e-4
LR = 0.05
SEED = 0

#: A training step: runs once, returns the loss before the update.
Step = Callable[[], float]


def moons() -> tuple[list[list[float]], list[int]]:
    """100 noisy moons points, labels ±1 (the same points for every library)."""
    import nn

    points, labels = nn.datasets.make_moons(N_POINTS, noise=0.1, seed=SEED)
    return points, [2 * label - 1 for label in labels]


def chainrule_step() -> Step:
    """chainrule's own ``nn.MLP``, loss, penalty and optimizer."""
    import nn
    from autograd import Value

    points, targets = moons()
    model = nn.MLP(SIZES[0], list(SIZES[1:]), seed=SEED)
    parameters = model.parameters()
    optimizer = nn.SGD(parameters, lr=LR)

    def step() -> float:
        scores = [cast(Value, model(point)) for point in points]  # one output: a Value
        loss = nn.hinge_loss(scores, targets) + nn.l2_penalty(parameters, ALPHA)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data

    return step


def micrograd_step() -> Step:
    """micrograd's own ``MLP``, with the loss and update of its moons demo."""
    from micrograd.nn import MLP

    from benchmarks.peers import micrograd

    random.seed(SEED)  # micrograd draws its weights from the global generator
    model = MLP(SIZES[0], list(SIZES[1:]))
    return demo_step(micrograd(), model, model.parameters())


def demo_loss(
    lib: Scalars, model: Callable[[list[Any]], Any], parameters: list[Any]
) -> Callable[[], Any]:
    """micrograd's moons demo loss on any library's scalars: the data points become constants,
    and the loss is written with ``+``, ``*`` and ``relu`` only."""
    points, targets = moons()

    def loss() -> Any:
        inputs = [[lib.constant(x) for x in point] for point in points]
        scores = [model(point) for point in inputs]
        losses = [(1 + -y * s).relu() for y, s in zip(targets, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + ALPHA * sum(p * p for p in parameters)

    return loss


def demo_step(lib: Scalars, model: Callable[[list[Any]], Any], parameters: list[Any]) -> Step:
    """A step of micrograd's moons demo: its loss, backward, and each parameter updated in turn."""
    make_loss = demo_loss(lib, model, parameters)

    def step() -> float:
        loss = make_loss()
        for p in parameters:
            lib.zero_grad(p)
        loss.backward()
        for p in parameters:
            lib.descend(p, LR)
        return float(loss.data)

    return step

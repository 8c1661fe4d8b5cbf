"""The compiled replay (:func:`autograd.compile`) on the training step of :mod:`benchmarks.moons`.

One example's hinge term max(0, 1 − y·s) of chainrule's ``nn.MLP`` is traced once; the step then
replays it, either one example at a time with floats or on all 100 points at once with NumPy,
and finishes like the hand-written steps (:mod:`benchmarks.floats`, :mod:`benchmarks.arrays`):
the L2 term α Σ w², its gradient 2αw and the update w ← w − η(∂L/∂w + 2αw). The MLP starts from
the same weights as those steps, so all of them do the same work and compute the same loss: their
ratios are the replay's distance from the raw-Python and the array limits. Each step begins with
``model.zero_grad()``, as a user's training loop does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from benchmarks.graph import initial_parameters
from benchmarks.moons import ALPHA, LR, SEED, SIZES, Step, moons


def _setup() -> tuple[Any, list[list[float]], list[int], list[object], Callable[[], None]]:
    import nn
    from autograd import Value, compile

    points, targets = moons()
    model = nn.MLP(SIZES[0], list(SIZES[1:]), seed=SEED)
    parameters = model.parameters()
    # nn.MLP orders its parameters neuron by neuron, each neuron's weights then its bias.
    start = [x for layer in initial_parameters() for ws, b in layer for x in (*ws, b)]
    for p, x in zip(parameters, start, strict=True):
        p.data = x

    def hinge(x1: Value, x2: Value, y: Value) -> Value:
        return (1.0 - y * cast(Value, model([x1, x2]))).relu()

    return compile(hinge, parameters), points, targets, list(parameters), model.zero_grad


def _finish(parameters: list[object], loss: float) -> float:
    """Add α Σ w² to the loss and take the gradient-descent step, as the hand-written step does."""
    from autograd import Value

    for p in cast(list[Value], parameters):
        w = p.data
        loss += ALPHA * w * w
        p.data = w - LR * (p.grad + 2.0 * ALPHA * w)
    return loss


def one_at_a_time() -> Step:
    """The replay with floats: each example's hinge term and its gradient, ×1/n."""
    compiled, points, targets, parameters, zero_grad = _setup()
    n = len(points)

    def step() -> float:
        zero_grad()
        loss = 0.0
        for (x1, x2), y in zip(points, targets, strict=True):
            loss += compiled(x1, x2, float(y), scale=1.0 / n) / n
        return _finish(parameters, loss)

    return step


def whole_batch() -> Step:
    """The replay with NumPy arrays: the mean hinge term of all 100 points in one call."""
    import numpy as np

    compiled, points, targets, parameters, zero_grad = _setup()
    columns = [np.array([p[0] for p in points]), np.array([p[1] for p in points]),
               np.array(targets, dtype=float)]  # fmt: skip

    def step() -> float:
        zero_grad()
        return _finish(parameters, compiled(*columns))

    return step

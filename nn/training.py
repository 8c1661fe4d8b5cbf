"""The training loop: forward, loss, backward, step, for a number of steps.

At step t the model scores a batch of examples, the objective and any penalty give the loss
L = (1/n) Σ ℓ(f(xᵢ), yᵢ) + λ₁Σ|w| + λ₂Σw², backprop fills in ∂L/∂w for every parameter, and the
optimizer moves each parameter (w ← w − η ∂L/∂w for plain SGD).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from tqdm import tqdm

from autograd.numbers import finite_float
from nn.checks import integer
from nn.datasets import batches
from nn.metrics import evaluating, fraction_correct, outputs_of
from nn.module import Module
from nn.objectives import Objective, objective
from nn.optim import Optimizer
from nn.penalties import penalised
from nn.replay import CompiledLoss, CompiledOutputs
from nn.scalars import Inputs
from nn.seeding import Seed, make_rng


@dataclass
class History:
    """What training measured at each step, all at the parameters before that step's update."""

    #: The loss L minimised at each step (objective plus penalties) on that step's batch.
    loss: list[float] = field(default_factory=list)
    #: The share of that step's batch classified correctly.
    accuracy: list[float] = field(default_factory=list)
    #: The share of the held-out set classified correctly, at the steps in ``test_steps``
    #: (both empty without a held-out set).
    test_accuracy: list[float] = field(default_factory=list)
    #: The steps (counting from 1) at which the held-out set was scored.
    test_steps: list[int] = field(default_factory=list)


def _batch_stream(
    x: Sequence[Inputs], y: Sequence[int], batch_size: int | None, seed: Seed
) -> Iterator[tuple[Sequence[Inputs], Sequence[int]]]:
    """The whole set at every step, or shuffled mini-batches epoch after epoch."""
    if batch_size is None or batch_size >= len(x):
        while True:
            yield x, y
    rng = make_rng(seed)
    while True:
        yield from batches(x, y, batch_size, rng)


def fit(
    model: Module,
    x: Sequence[Inputs],
    y: Sequence[int],
    *,
    optimizer: Optimizer,
    loss: str | Objective = "hinge",
    steps: int = 100,
    batch_size: int | None = None,
    l1: float = 0.0,
    l2: float = 0.0,
    test: tuple[Sequence[Inputs], Sequence[int]] | None = None,
    test_every: int = 1,
    seed: Seed = None,
    progress: bool | None = None,
    callback: Callable[[int, History], None] | None = None,
    compile: bool = False,
) -> History:
    """Train ``model`` on the points ``x`` with class labels ``y``; return the history.

    ``loss`` names an objective (hinge, mse, binary_cross_entropy, cross_entropy; see
    :mod:`nn.objectives`) or is a function ``(outputs, labels) -> Value``. ``batch_size`` None
    uses every point at every step; otherwise shuffled mini-batches (seeded by ``seed``). ``l1``
    and ``l2`` add λ₁Σ|w| and λ₂Σw² over all parameters. ``test`` = (x_test, y_test) is scored
    at the first step, every ``test_every`` steps and at the last. ``progress`` shows a tqdm
    bar (by default only when stderr is a terminal). ``callback(step, history)`` is called
    after each step, step counting from 1. ``compile=True`` traces one example's loss once and
    replays it on every batch with NumPy (:mod:`nn.replay`): the same
    losses and gradients, many times faster; not for models with dropout. A model whose
    calls take whole batches (batch normalisation) is called once on each batch; the replay,
    which computes each example on its own, refuses it, as it does ``nn.BayesLinear``.
    """
    if len(x) != len(y) or not x:
        raise ValueError(
            f"fit needs one label per point and some points, got {len(x)} and {len(y)}"
        )
    steps = integer(steps, "steps")
    if batch_size is not None:
        integer(batch_size, "batch_size")
    test_every = integer(test_every, "test_every")
    l1 = finite_float(l1, "l1", at_least=0)
    l2 = finite_float(l2, "l2", at_least=0)
    judge = loss if callable(loss) else objective(loss)
    compiled = (CompiledLoss(model, judge, l1, l2), CompiledOutputs(model)) if compile else None
    stream = _batch_stream(x, y, batch_size, seed)
    parameters = model.parameters()
    history = History()

    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=steps, desc="training", unit="step", disable=not show) as bar:
        for step in range(1, steps + 1):
            xb, yb = next(stream)
            model.train()
            optimizer.zero_grad()
            if compiled is None:
                outputs = outputs_of(model, xb)
                total_loss = penalised(judge(outputs, yb), parameters, l1, l2)
                total_loss.backward()
                history.loss.append(total_loss.data)
            else:
                replayed_loss, replayed_outputs = compiled
                history.loss.append(replayed_loss(xb, yb))  # fills in the gradients too
                outputs = replayed_outputs(xb)
            history.accuracy.append(fraction_correct(outputs, yb))
            if test is not None and (step % test_every == 0 or step in (1, steps)):
                if compiled is None:
                    with evaluating(model):
                        test_outputs = outputs_of(model, test[0])
                else:
                    _, replayed_outputs = compiled
                    test_outputs = replayed_outputs(test[0])
                history.test_accuracy.append(fraction_correct(test_outputs, test[1]))
                history.test_steps.append(step)
            optimizer.step()
            bar.set_postfix(
                loss=f"{history.loss[-1]:.4g}",
                accuracy=f"{history.accuracy[-1]:.1%}",
                refresh=False,
            )
            bar.update()
            if callback is not None:
                callback(step, history)
    return history

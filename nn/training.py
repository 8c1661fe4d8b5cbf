"""The training loop: forward, loss, backward, step, for a number of steps.

At step t the model scores a batch of examples, the loss function and any penalty give the loss
L = (1/n) Σ ℓ(f(xᵢ), yᵢ) + λ₁Σ|w| + λ₂Σw², backprop fills in ∂L/∂w for every parameter, and the
optimizer moves each parameter (w ← w − η ∂L/∂w for plain SGD).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from tqdm import tqdm

from autograd import Value
from autograd.numbers import finite_float
from nn.checks import integer
from nn.clipping import clip_grad_norm, clipped_gradient
from nn.datasets import batches
from nn.losses import Loss, is_regression, loss_named, regression_loss_named
from nn.metrics import AnyOutputs, evaluating, fraction_correct, mean_squared_error, outputs_of
from nn.module import Module
from nn.optim import Optimizer
from nn.penalties import penalised
from nn.replay import CompiledLoss, CompiledOutputs, Points
from nn.scalars import Example
from nn.seeding import Seed, make_rng


@dataclass
class History:
    """What training measured at each step, all at the parameters before that step's update."""

    #: The loss L minimised at each step (loss function plus penalties) on that step's batch.
    loss: list[float] = field(default_factory=list)
    #: The share of that step's batch classified correctly.
    accuracy: list[float] = field(default_factory=list)
    #: The share of the held-out set classified correctly, at the steps in ``test_steps``
    #: (both empty without a held-out set).
    test_accuracy: list[float] = field(default_factory=list)
    #: The steps (counting from 1) at which the held-out set was scored.
    test_steps: list[int] = field(default_factory=list)
    #: For real-valued targets (regression): the held-out set's mean squared error at the steps
    #: in ``test_steps`` (no accuracy is measured then).
    test_loss: list[float] = field(default_factory=list)


def _batch_stream(
    x: Sequence[Example], y: Sequence[int], batch_size: int | None, seed: Seed
) -> Iterator[tuple[Sequence[int], Sequence[Example], Sequence[int]]]:
    """The whole set at every step, or shuffled mini-batches epoch after epoch: each batch's
    rows (the points' indices in ``x``), points and labels."""
    if batch_size is None or batch_size >= len(x):
        every = range(len(x))
        while True:
            yield every, x, y
    rng = make_rng(seed)
    while True:
        for rows, yb in batches(range(len(x)), y, batch_size, rng):
            yield rows, [x[i] for i in rows], yb


@dataclass(frozen=True)
class _Settings:
    """fit's numeric options, checked."""

    steps: int
    batch_size: int | None
    l1: float
    l2: float
    test_every: int
    clip_norm: float | None

    @classmethod
    def checked(
        cls,
        steps: int,
        batch_size: int | None,
        l1: float,
        l2: float,
        test_every: int,
        clip_norm: float | None,
    ) -> _Settings:
        """The options, each checked with an error that names it."""
        return cls(
            steps=integer(steps, "steps"),
            batch_size=None if batch_size is None else integer(batch_size, "batch_size"),
            l1=finite_float(l1, "l1", at_least=0),
            l2=finite_float(l2, "l2", at_least=0),
            test_every=integer(test_every, "test_every"),
            clip_norm=None if clip_norm is None else finite_float(clip_norm, "clip_norm", above=0),
        )

    def scores_test_at(self, step: int) -> bool:
        """The held-out set is scored at the first step, every ``test_every`` and the last."""
        return step % self.test_every == 0 or step in (1, self.steps)


class _Training(Protocol):
    """How one training step computes the loss and the gradients, and how a set is scored."""

    def step(
        self, x: Sequence[Example], y: Sequence[int], rows: Sequence[int]
    ) -> tuple[float, Sequence[AnyOutputs]]:
        """The batch's loss L and its outputs (which a regression may leave out: only classes'
        accuracy needs them), and ∂L/∂w (from zero) for :meth:`update`; ``rows``: the points'
        indices in the training set."""
        ...

    def update(self) -> None:
        """The gradients clipped (when asked) and the optimizer's step."""
        ...

    def outputs(self, x: Sequence[Example]) -> Sequence[AnyOutputs]:
        """The model's outputs on ``x`` in evaluation mode, recording no graph."""
        ...


@dataclass(frozen=True)
class _Task:
    """What training works with: the model, the loss, fit's options, the optimizer, and whether
    the targets are real numbers (a regression)."""

    model: Module
    judge: Loss
    settings: _Settings
    optimizer: Optimizer
    regression: bool


class _EagerTraining:
    """The graph of the whole batch's loss built node by node, then ``backward()``."""

    def __init__(self, task: _Task):
        self.model, self.judge, self.settings = task.model, task.judge, task.settings
        self.optimizer = task.optimizer
        self.parameters = task.model.parameters()

    def step(
        self, x: Sequence[Example], y: Sequence[int], rows: Sequence[int]
    ) -> tuple[float, Sequence[AnyOutputs]]:
        self.optimizer.zero_grad()
        outputs = outputs_of(self.model, x)
        loss = penalised(
            self.judge(outputs, y), self.parameters, self.settings.l1, self.settings.l2
        )
        loss.backward()
        return loss.data, outputs

    def update(self) -> None:
        _clip_and_step(self.parameters, self.optimizer, self.settings.clip_norm)

    def outputs(self, x: Sequence[Example]) -> Sequence[AnyOutputs]:
        with evaluating(self.model):
            return outputs_of(self.model, x)


def _clip_and_step(parameters: list[Value], optimizer: Optimizer, clip_norm: float | None) -> None:
    """The gradients in ``p.grad`` clipped at ``clip_norm`` (if any), then the optimizer's step."""
    if clip_norm is not None:
        clip_grad_norm(parameters, clip_norm)
    optimizer.step()


class _CompiledTraining:
    """One example's loss traced once and replayed on every batch (:mod:`nn.replay`).

    Where the optimizer steps every parameter of the model and can step on arrays, the
    replay's gradients stay one NumPy array, clipped and stepped on at once
    (:func:`nn.clipping.clipped_gradient`, :meth:`nn.Optimizer.step_from`; an optimisation:
    for the adding problem's LSTM, 393 parameters, 0.1 ms a step where the loops over the
    parameters took 1 ms), and a batch's points are picked from the training set read once
    (:class:`nn.replay.Points`).
    """

    def __init__(self, task: _Task, points: Sequence[Example]):
        model, settings = task.model, task.settings
        self.loss = CompiledLoss(
            model, task.judge, settings.l1, settings.l2, regression=task.regression
        )
        self.replayed_outputs = CompiledOutputs(model)
        self.regression = task.regression
        self.settings = settings
        self.optimizer = task.optimizer
        self.parameters = model.parameters()
        self.points = Points(points)
        #: Whether the gradients stay an array, for the optimizer to step on at once.
        self.on_arrays = _steps_on_arrays(self.optimizer, self.parameters)
        #: The last batch's gradients as one array, when they stay one.
        self.gradient: Any = None

    def step(
        self, x: Sequence[Example], y: Sequence[int], rows: Sequence[int]
    ) -> tuple[float, Sequence[AnyOutputs]]:
        columns = self.points.columns(rows)
        if self.on_arrays:
            loss, self.gradient = self.loss.loss_and_gradient(x, y, columns)
        else:
            self.optimizer.zero_grad()
            loss = self.loss(x, y, columns)  # adds the gradients into every w.grad
        # The outputs the loss replay computed, in training mode as eager's (a regression's
        # are scored by nothing: no accuracy).
        return loss, [] if self.regression else self.loss.outputs

    def update(self) -> None:
        if not self.on_arrays:
            _clip_and_step(self.parameters, self.optimizer, self.settings.clip_norm)
            return
        gradient = self.gradient
        if self.settings.clip_norm is not None:
            gradient = clipped_gradient(gradient, self.settings.clip_norm)
        self.optimizer.step_from(gradient)

    def outputs(self, x: Sequence[Example]) -> Sequence[AnyOutputs]:
        return self.replayed_outputs(x)


def _steps_on_arrays(optimizer: Optimizer, parameters: list[Value]) -> bool:
    """Whether the optimizer can step on the replay's array of gradients: its update computes
    on arrays, and it steps every parameter of the model, each once, in the model's order."""
    same = len(optimizer.params) == len(parameters) and all(
        p is q for p, q in zip(optimizer.params, parameters, strict=True)
    )
    return optimizer.steps_on_arrays and same and len(set(map(id, parameters))) == len(parameters)


def fit(
    model: Module,
    x: Sequence[Example],
    y: Sequence[int] | Sequence[float],
    *,
    optimizer: Optimizer,
    loss: str | Loss = "hinge",
    steps: int = 100,
    batch_size: int | None = None,
    l1: float = 0.0,
    l2: float = 0.0,
    test: tuple[Sequence[Example], Sequence[int] | Sequence[float]] | None = None,
    test_every: int = 1,
    seed: Seed = None,
    progress: bool | None = None,
    callback: Callable[[int, History], None] | None = None,
    compile: bool = False,
    clip_norm: float | None = None,
) -> History:
    """Train ``model`` on the points ``x`` with class labels ``y``; return the history.

    ``loss`` is a loss function ``(outputs, labels) -> Value`` or its name in
    :data:`nn.LOSSES` (hinge, mse, binary_cross_entropy, cross_entropy; see :mod:`nn.losses`):
    ``loss=nn.cross_entropy`` and ``loss="cross_entropy"`` train alike. ``batch_size`` None
    uses every point at every step; otherwise shuffled mini-batches (seeded by ``seed``). ``l1``
    and ``l2`` add λ₁Σ|w| and λ₂Σw² over all parameters. ``test`` = (x_test, y_test) is scored
    at the first step, every ``test_every`` steps and at the last. ``progress`` shows a tqdm
    bar (by default only when stderr is a terminal). ``callback(step, history)`` is called
    after each step, step counting from 1. ``compile=True`` traces one example's loss once and
    replays it on every batch with NumPy (:mod:`nn.replay`): the same
    losses and gradients, many times faster.

    Targets ``y`` that are floats make a regression: ``loss="mse"`` minimises (1/n) Σ (yᵢ − sᵢ)²
    of the model's one output sᵢ, and the history records the held-out set's mean squared error
    (``test_loss``) instead of accuracies. ``clip_norm`` m clips the gradients' norm at m before
    every update (:func:`nn.clip_grad_norm`).
    A model whose calls take whole batches (batch normalisation) is called once on each batch;
    the replay takes its batch statistics over the examples it replays, with the same losses,
    gradients and running statistics. The replay refuses dropout, whose random masks it would
    freeze; ``nn.BayesLinear``'s noise is drawn for every example, as eager calls draw it.
    """
    if len(x) != len(y) or not x:
        raise ValueError(
            f"fit needs one label per point and some points, got {len(x)} and {len(y)}"
        )
    settings = _Settings.checked(steps, batch_size, l1, l2, test_every, clip_norm)
    regression = is_regression(y)
    judge = loss if callable(loss) else _loss_named(loss, regression)
    task = _Task(model, judge, settings, optimizer, regression)
    training: _Training = _CompiledTraining(task, x) if compile else _EagerTraining(task)
    # Real-valued targets are dealt out in batches exactly as class labels are.
    stream = _batch_stream(x, cast(Sequence[int], y), settings.batch_size, seed)
    history = History()
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=settings.steps, desc="training", unit="step", disable=not show) as bar:
        for step in range(1, settings.steps + 1):
            rows, xb, yb = next(stream)
            model.train()
            batch_loss, outputs = training.step(xb, yb, rows)
            history.loss.append(batch_loss)
            if not regression:
                history.accuracy.append(fraction_correct(outputs, yb))
            if test is not None and settings.scores_test_at(step):
                _score_held_out(history, training.outputs(test[0]), test[1], regression)
                history.test_steps.append(step)
            training.update()
            _report(bar, history)
            if callback is not None:
                callback(step, history)
    return history


def _loss_named(name: str, regression: bool) -> Loss:
    """The loss called ``name``, for real-valued targets when ``regression``."""
    return cast(Loss, regression_loss_named(name)) if regression else loss_named(name)


def _score_held_out(
    history: History,
    outputs: Sequence[AnyOutputs],
    targets: Sequence[int] | Sequence[float],
    regression: bool,
) -> None:
    """Record the held-out set's accuracy, or its mean squared error for a regression."""
    if regression:
        history.test_loss.append(mean_squared_error(outputs, cast(Sequence[float], targets)))
    else:
        history.test_accuracy.append(fraction_correct(outputs, cast(Sequence[int], targets)))


def _report(bar: tqdm[None], history: History) -> None:
    """The last step's loss (and accuracy, for classes) beside the progress bar, which moves on
    one step; nothing for a hidden bar (formatting them for nothing took 0.002 ms a step)."""
    if bar.disable:
        return
    accuracy = {"accuracy": f"{history.accuracy[-1]:.1%}"} if history.accuracy else {}
    bar.set_postfix(loss=f"{history.loss[-1]:.4g}", **accuracy, refresh=False)
    bar.update()

"""Compiled training: a model's loss and outputs traced once and replayed on whole batches
(see :func:`autograd.compile`).

The loss of a batch is the mean of the examples' losses, plus the penalties:

    L = (1/n) Σᵢ ℓ(f(xᵢ), yᵢ) + λ₁Σ|w| + λ₂Σw²  =  (1/n) Σᵢ [ℓ(f(xᵢ), yᵢ) + λ₁Σ|w| + λ₂Σw²]

so one example's loss, penalties included, is traced as a function of the example's inputs and
replayed on all of them at once. The label is an input too, as its one-hot vector t (tᶜ = 1 for
the example's class c, 0 for the others), so that one graph serves every class:

    ℓ(f(x), y) = Σ_c t_c ℓ(f(x), c),

and for cross-entropy −log softmax(z)_y = −Σ_c t_c log softmax(z)_c, which computes one
log-softmax for all classes. A real-valued target y (regression) is an input as it is:
ℓ(f(x), y) = (y − f(x))².

An example that is a nested list (a sequence ``[T][features]``) is traced and replayed as one
input per number, in reading order, and given back to the model in its shape.

Batch normalisation couples the examples of a batch: its mean and variance are taken over all
of them. The traced example then stands for its whole batch (a batch of one in the trace,
:func:`nn.normalisation.statistics_over_the_replayed_batch`): the statistics are means over the
replay's examples (:class:`autograd.ops.BatchMean`), the one place where its rows are not
independent, and the replay returns them beside the loss, so that the running statistics move
exactly as eager training moves them.

Bayes by backprop draws fresh noise ε for its weights at every call, one call per example:
the trainer draws each example's ε as those calls would and gives them to the replay as inputs
after the example's numbers (:func:`nn.bayesian.noise_from`), so the replay computes what eager
training computes. Dropout's masks would be frozen at trace time: it is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from autograd import Compiled, Value, compile, total
from nn.bayesian import BayesLinear, noise_from
from nn.dropout import Dropout
from nn.losses import Loss, RegressionLoss, cross_entropy, log_softmax
from nn.metrics import evaluating
from nn.module import Module
from nn.normalisation import (
    BatchNorm,
    BatchStatistics,
    leaves_of,
    reading_running_statistics_from,
    running_leaves,
    statistics_over_the_replayed_batch,
)
from nn.penalties import penalised
from nn.scalars import Example, Inputs, Outputs
from nn.shapes import Shape, flatten, reshape, shape_of, size_of


def _columns(x: Sequence[Example]) -> Sequence[Sequence[float]]:
    """Points as one column of numbers per input (an image's pixels or a sequence's numbers in
    reading order)."""
    block = _block(x)
    if block is not None:
        return list(block)
    return [list(column) for column in zip(*(_numbers(p) for p in x), strict=True)]


def _block(x: Sequence[Example]) -> Any:
    """Points of one shape, all plain numbers, as a matrix with one row per input and one
    column per point; else None.

    An optimisation: NumPy reads them in one call (for a batch of 32 sequences of 50 × 2
    numbers, 0.35 ms where flattening each point in Python takes 2.8 ms).
    """
    import numpy as np

    by_point = _rows(x)
    return None if by_point is None else np.ascontiguousarray(by_point.T)


def _rows(x: Sequence[Example]) -> Any:
    """Points of one shape, all plain numbers, as a matrix with one row per point; else
    None."""
    import numpy as np

    try:
        block = np.array(x)
    except (TypeError, ValueError):  # ragged: flattened point by point, or refused
        return None
    # Only plain numbers (no bools, text or Values, which are read point by point).
    if block.ndim >= 1 and block.dtype.kind in "fiu":
        return np.ascontiguousarray(block.reshape(len(x), -1), dtype=float)
    return None


def _numbers(point: Example) -> list[float]:
    return [float(v) for v in flatten(point)]


class Points:
    """A training set read by NumPy once, so that a batch's columns are picked by the rows'
    indices (an optimisation of compiled training: 32 sequences of 50 × 2 numbers in 0.02 ms,
    where reading them from the nested lists at every step takes 0.4 ms). Equal to
    ``_columns`` of the batch's points.

    The matrix has one row per point, so that a batch's points are whole rows, each one piece
    of memory (picked as columns of its transpose, they were numbers scattered over the whole
    set: in training, where the set is out of the cache, 0.04 ms a batch where rows take 0.03),
    taken by ``take`` (0.0016 ms for 32 rows, where indexing by the list of rows takes 0.0031).
    """

    def __init__(self, x: Sequence[Example]):
        #: One row per point, one column per input (None: read batch by batch).
        self.matrix = _rows(x)

    def columns(self, rows: Sequence[int]) -> Any:
        """The columns of the points ``rows`` (one array per input), or None."""
        return None if self.matrix is None else list(self.matrix.take(rows, axis=0).T)


class CompiledLoss:
    """``loss(x_batch, y_batch)``: the batch's loss L, with ∂L/∂w added into every ``w.grad``.

    Labels are class indices 0 … k−1, where k is the model's number of outputs (0 and 1 for a
    model with one output, a score).
    """

    def __init__(
        self,
        model: Module,
        judge: Loss | RegressionLoss,
        l1: float = 0.0,
        l2: float = 0.0,
        *,
        regression: bool = False,
    ):
        _check_replayable(model)
        self.model = model
        self.judge = judge
        self.l1 = l1
        self.l2 = l2
        self.parameters = model.parameters()
        self.regression = regression
        self._compiled: Compiled | None = None
        self._classes = 0
        #: The shape of one example (``[1][8][8]`` for a digit), which the trace rebuilds from
        #: its flat inputs.
        self._shape: Shape = ()
        #: The labels (with their types) the loss was seen to accept.
        self._accepted: set[tuple[type, Any]] = set()
        #: The batch statistics the latest trace returns beside the loss (batch normalisation's).
        self._statistics: list[BatchStatistics] = []
        self._single_output = False
        #: The model's outputs on the latest batch as the replay gave them: one array each.
        self._output_columns: list[Any] = []
        #: The layers of Bayes by backprop, whose noise ε is drawn for every example and given
        #: to the replay as inputs, after the example's numbers.
        self._bayesian = [m for m in model.modules() if isinstance(m, BayesLinear)]
        self._features = 0
        #: Batch normalisation's running statistics as leaves, for a loss in evaluation mode.
        self._running = running_leaves(model)
        self._traced_training = model.training

    def __call__(
        self, x: Sequence[Example], y: Sequence[int] | Sequence[float], columns: Any = None
    ) -> float:
        """The batch's loss, with ∂L/∂w added into every ``w.grad``; ``columns`` as for
        :meth:`loss_and_gradient`."""
        compiled, inputs = self._inputs(x, y, columns)
        loss, aside = compiled.with_aux(*inputs)
        self._took(len(x), aside)
        return loss

    def loss_and_gradient(
        self, x: Sequence[Example], y: Sequence[int] | Sequence[float], columns: Any = None
    ) -> tuple[float, Any]:
        """The batch's loss L and ∂L/∂w as one NumPy array, in the order of the model's
        parameters, left out of every ``w.grad`` (for :meth:`nn.Optimizer.step_from`).
        ``columns`` are x's columns (``_columns``) if they were read already
        (:class:`Points`)."""
        compiled, inputs = self._inputs(x, y, columns)
        loss, gradient, aside = compiled.loss_gradient_and_aux(*inputs)
        self._took(len(x), aside)
        # The running statistics' leaves come last among the compiled parameters.
        return loss, gradient[: len(self.parameters)]

    def _inputs(
        self, x: Sequence[Example], y: Sequence[int] | Sequence[float], columns: Any
    ) -> tuple[Compiled, list[Any]]:
        """The compiled loss (traced on the first batch) and the replay's inputs for a batch:
        x's columns, each Bayesian layer's noise, then the targets or the labels' one-hot
        columns."""
        if self._compiled is None:
            self._classes = 1 if self.regression else _class_count(self.model, x[0])
            self._shape = shape_of(x[0])
            self._features = size_of(self._shape)
            self._traced_training = self.model.training
            statistics = leaves_of(self._running)
            self._compiled = compile(self._example_loss, [*self.parameters, *statistics])
        if self.model.training != self._traced_training:
            modes = {True: "training", False: "evaluation"}
            raise ValueError(
                f"this compiled loss was traced with the model in {modes[self._traced_training]} "
                f"mode, and the model is now in {modes[self.model.training]} mode; compile "
                "another loss for that mode"
            )
        for module, running in self._running.items():
            running.refresh(module)
        self._check_batch_size(len(x))
        if self.regression:
            targets = [[float(t) for t in y]]
        else:
            for point, label in zip(x, y, strict=True):
                self._check(point, label)
            targets = [[1.0 if label == c else 0.0 for label in y] for c in range(self._classes)]
        features = list(_columns(x) if columns is None else columns)
        return self._compiled, [*features, *self._noise_columns(len(x)), *targets]

    def _took(self, n: int, aside: list[Any]) -> None:
        """What the replay gave beside the loss of a batch of n: the batch statistics, which
        move the running statistics, and the model's outputs."""
        self._check_batch_size(n)  # the first call knows the statistics only now
        k = 2 * len(self._statistics)
        self._update_running(aside[:k], n)
        self._output_columns = aside[k:]

    @property
    def outputs(self) -> list[Any]:
        """The model's outputs on each example of the latest batch, as the loss saw them (in
        training mode): a number per example for a model of one output, else a list."""
        columns = [column.tolist() for column in self._output_columns]
        if self._single_output:
            return list(columns[0])
        return [list(row) for row in zip(*columns, strict=True)]

    def _noise_columns(self, n: int) -> list[list[float]]:
        """Each Bayesian layer's ε for n examples, drawn example by example as n eager calls
        draw them, as one column per number: the same draws, so the same losses."""
        training = [layer for layer in self._bayesian if layer.training]
        drawn = [[layer.draw_noise() for _ in range(n)] for layer in training]
        return [list(column) for rows in drawn for column in zip(*rows, strict=True)]

    def _check_batch_size(self, n: int) -> None:
        """Batch statistics need more than one number per channel, as without compile."""
        for found in self._statistics:
            if n * found.count < 2:
                raise ValueError(
                    f"{found.module!r} in training mode needs more than one value per channel "
                    f"to take a variance, got a batch of {n} example(s) with {found.count} "
                    "value(s) per channel each; call .eval() to use the running statistics"
                )

    def _update_running(self, replayed: list[Any], n: int) -> None:
        """The running statistics moved towards the batch's, as an eager call moves them: the
        replay returns every channel's mean, then every channel's variance, the same in every
        row."""
        k = len(self._statistics)
        for found, mean, variance in zip(self._statistics, replayed[:k], replayed[k:], strict=True):
            found.module.update_running(
                found.channel, float(mean[0]), float(variance[0]), n * found.count
            )

    def _example_loss(self, *inputs: Value) -> list[Value]:
        """One example's loss, penalties included, of its inputs and its label's one-hot t,
        followed by the batch statistics it took (each channel's mean, then each variance)
        and the model's outputs."""
        features, onehot = inputs[: self._features], inputs[-self._classes :]
        noise, start = {}, self._features
        for layer in (b for b in self._bayesian if b.training):
            noise[layer] = list(inputs[start : start + layer.noise_size])
            start += layer.noise_size
        with (
            statistics_over_the_replayed_batch() as statistics,
            noise_from(noise),
            reading_running_statistics_from(self._running),
        ):
            outputs = _called(self.model, reshape(features, self._shape))
            loss = self._loss_of(outputs, onehot)
        self._statistics = statistics
        self._single_output = isinstance(outputs, Value)
        means, variances = [s.mean for s in statistics], [s.variance for s in statistics]
        return [loss, *means, *variances, *flatten(outputs)]

    def _loss_of(self, outputs: Outputs, onehot: Sequence[Value]) -> Value:
        if self.regression:
            selected = cast(RegressionLoss, self.judge)([outputs], [onehot[0]])
        elif self.judge is cross_entropy:
            logits = outputs if isinstance(outputs, list) else [outputs]
            selected = -total([t * s for t, s in zip(onehot, log_softmax(logits), strict=True)])
        else:
            selected = total([t * self.judge([outputs], [c]) for c, t in enumerate(onehot)])
        return penalised(selected, self.parameters, self.l1, self.l2)

    def _check(self, point: Inputs, label: Any) -> None:
        """A label the loss refuses gets its own error, as without compile (it is run once
        for each new label); a label that is no class index, ours."""
        key = (type(label), label)
        if key in self._accepted:
            return
        with evaluating(self.model):
            self.judge([_called(self.model, point)], [label])
        if label not in range(self._classes):
            raise ValueError(
                f"compiled training needs labels that are class indices 0 … {self._classes - 1} "
                f"(one per output of the model), got {label!r}"
            )
        self._accepted.add(key)


def _called(model: Module, example: Any) -> Any:
    """The model's output for one example: a model whose calls take whole batches (batch
    normalisation) is called on a batch of one."""
    return model([example])[0] if model.takes_batches() else model(example)


def _class_count(model: Module, point: Inputs) -> int:
    """The classes a model's outputs score: one per output, or two for a single score."""
    with evaluating(model):
        outputs: Outputs = _called(model, point)
    return len(outputs) if isinstance(outputs, list) else 2


def _check_replayable(model: Module) -> None:
    """Refuse, naming the module and why, what the replay of one example's loss cannot train:
    dropout's random masks, which would be frozen at trace time (the noise of Bayes by
    backprop is drawn for every example and given to the replay as inputs instead), and
    examples coupled by any module but batch normalisation, whose statistics the replay takes
    over its batch."""
    for module in model.modules():
        if isinstance(module, Dropout) and module.p > 0:
            raise ValueError(
                f"compile cannot replay dropout: {module.name} ({module!r}) draws its random "
                "masks afresh at every call, and they would be frozen at trace time; train this "
                "model without compile, or without dropout"
            )
        if module.couples_examples and not isinstance(module, BatchNorm):
            raise ValueError(
                f"compile cannot replay {module.name} ({module!r}): it couples the examples of "
                "a batch, and the replay takes only batch normalisation's statistics over its "
                "batch; train this model without compile"
            )


class CompiledOutputs:
    """``outputs(x_batch)``: the model's outputs on every point, as plain numbers, by a replay.

    The model is traced in evaluation mode (dropout off, batch normalisation with its running
    statistics, which it reads at each call as it does the parameters' values).
    """

    def __init__(self, model: Module):
        self.model = model
        #: The shape of one example, as for :class:`CompiledLoss`, known at the first call.
        self._shape: Shape | None = None
        self._running = running_leaves(model)

        def outputs(*inputs: Value) -> Value | list[Value]:
            was_training = model.training
            model.eval()
            try:
                with reading_running_statistics_from(self._running):
                    example = reshape(inputs, self._shape or ())
                    result: Value | list[Value] = _called(model, example)
                return result
            finally:
                model.train(was_training)

        self._compiled = compile(outputs, [*model.parameters(), *leaves_of(self._running)])

    def __call__(self, x: Sequence[Example]) -> list[Any]:
        if self._shape is None:
            self._shape = shape_of(x[0])
        for module, leaves in self._running.items():
            leaves.refresh(module)
        result: list[Any] = self._compiled.evaluate(*_columns(x))
        return result

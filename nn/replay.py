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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from autograd import Compiled, Value, compile, no_grad, total
from nn.bayesian import BayesLinear
from nn.dropout import Dropout
from nn.losses import Loss, RegressionLoss, cross_entropy, log_softmax
from nn.module import Module
from nn.penalties import penalised
from nn.scalars import Example, Inputs, Outputs
from nn.shapes import Shape, flatten, reshape, shape_of


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

    try:
        block = np.array(x)
    except (TypeError, ValueError):  # ragged: flattened point by point, or refused
        return None
    # Only plain numbers (no bools, text or Values, which are read point by point).
    if block.ndim >= 1 and block.dtype.kind in "fiu":
        return np.ascontiguousarray(block.reshape(len(x), -1).T, dtype=float)
    return None


def _numbers(point: Example) -> list[float]:
    return [float(v) for v in flatten(point)]


class Points:
    """A training set read by NumPy once, so that a batch's columns are picked by the rows'
    indices (an optimisation of compiled training: 32 sequences of 50 × 2 numbers in 0.02 ms,
    where reading them from the nested lists at every step takes 0.4 ms). Equal to
    ``_columns`` of the batch's points."""

    def __init__(self, x: Sequence[Example]):
        #: One row per input, one column per point (None: read batch by batch).
        self.block = _block(x)

    def columns(self, rows: Sequence[int]) -> Any:
        """The columns of the points ``rows`` (one array per input), or None."""
        return None if self.block is None else list(self.block[:, rows])


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
        if _has_dropout(model):
            raise ValueError(
                "compile cannot replay dropout: its random masks would be frozen at trace time; "
                "train this model without compile, or without dropout"
            )
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

    def __call__(
        self, x: Sequence[Example], y: Sequence[int] | Sequence[float], columns: Any = None
    ) -> float:
        """The batch's loss; ``columns`` as for :meth:`loss_and_gradient`."""
        compiled, inputs = self._inputs(x, y, columns)
        return compiled(*inputs)

    def loss_and_gradient(
        self, x: Sequence[Example], y: Sequence[int] | Sequence[float], columns: Any = None
    ) -> tuple[float, Any]:
        """The batch's loss L and ∂L/∂w as one NumPy array, in the order of the model's
        parameters, left out of every ``w.grad`` (for :meth:`nn.Optimizer.step_from`).
        ``columns`` are x's columns (``_columns``) if they were read already
        (:class:`Points`)."""
        compiled, inputs = self._inputs(x, y, columns)
        return compiled.loss_and_gradient(*inputs)

    def _inputs(
        self, x: Sequence[Example], y: Sequence[int] | Sequence[float], columns: Any
    ) -> tuple[Compiled, list[Any]]:
        """The compiled loss (traced on the first batch) and the replay's inputs for a batch:
        x's columns, then the targets or the labels' one-hot columns."""
        if self._compiled is None:
            self._classes = 1 if self.regression else _class_count(self.model, x[0])
            self._shape = shape_of(x[0])
            self._compiled = compile(self._example_loss, self.parameters)
        features = list(_columns(x) if columns is None else columns)
        if self.regression:
            return self._compiled, [*features, [float(t) for t in y]]
        for point, label in zip(x, y, strict=True):
            self._check(point, label)
        onehot = [[1.0 if label == c else 0.0 for label in y] for c in range(self._classes)]
        return self._compiled, [*features, *onehot]

    def _example_loss(self, *inputs: Value) -> Value:
        """One example's loss, penalties included, of its inputs and its label's one-hot t."""
        features, onehot = inputs[: -self._classes], inputs[-self._classes :]
        outputs = self.model(reshape(features, self._shape))
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
        with no_grad():
            self.judge([self.model(point)], [label])
        if label not in range(self._classes):
            raise ValueError(
                f"compiled training needs labels that are class indices 0 … {self._classes - 1} "
                f"(one per output of the model), got {label!r}"
            )
        self._accepted.add(key)


def _class_count(model: Module, point: Inputs) -> int:
    """The classes a model's outputs score: one per output, or two for a single score."""
    with no_grad():
        outputs: Outputs = model(point)
    return len(outputs) if isinstance(outputs, list) else 2


def _check_replayable(model: Module) -> None:
    """Refuse, naming the module and why, what the replay of one example's loss cannot train:
    batch statistics, which couple the examples a replay treats as independent rows, and the
    fresh random weights of Bayes by backprop, which would be frozen at trace time."""
    for module in _modules(model):
        if module.couples_examples:
            raise ValueError(
                f"compile cannot replay {module.name} ({module!r}): its batch statistics couple "
                "the examples of a batch, while the compiled replay computes each example on "
                "its own; train this model without compile"
            )
        if isinstance(module, BayesLinear):
            raise ValueError(
                f"compile cannot replay {module.name} ({module!r}): its weights are drawn afresh "
                "at every call and would be frozen at trace time; train this model without "
                "compile"
            )


def _modules(module: Module) -> list[Module]:
    """``module`` and every module inside it."""
    return [module, *(inner for _, child in module.children() for inner in _modules(child))]


def _has_dropout(module: Module) -> bool:
    if isinstance(module, Dropout) and module.p > 0:
        return True
    return any(_has_dropout(child) for _, child in module.children())


class CompiledOutputs:
    """``outputs(x_batch)``: the model's outputs on every point, as plain numbers, by a replay.

    The model is traced in evaluation mode (dropout off); parameter values are read at each call.
    """

    def __init__(self, model: Module):
        self.model = model
        #: The shape of one example, as for :class:`CompiledLoss`, known at the first call.
        self._shape: Shape | None = None

        def outputs(*inputs: Value) -> Value | list[Value]:
            was_training = model.training
            model.eval()
            try:
                result: Value | list[Value] = model(reshape(inputs, self._shape or ()))
                return result
            finally:
                model.train(was_training)

        self._compiled = compile(outputs, model.parameters())

    def __call__(self, x: Sequence[Example]) -> list[Any]:
        if self._shape is None:
            self._shape = shape_of(x[0])
        result: list[Any] = self._compiled.evaluate(*_columns(x))
        return result

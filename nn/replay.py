"""Training with replays: a model's loss and outputs traced once and replayed on whole batches
(see :func:`autograd.compile`).

The loss of a batch is the mean of the examples' losses, plus the penalties:

    L = (1/n) Σᵢ ℓ(f(xᵢ), yᵢ) + λ₁Σ|w| + λ₂Σw²  =  (1/n) Σᵢ [ℓ(f(xᵢ), yᵢ) + λ₁Σ|w| + λ₂Σw²]

so one example's loss, penalties included, is traced as a function of the example's inputs and
replayed on all of them at once. The label picks the graph (cross-entropy reads the logit of
the example's class), so there is one trace per label, each replayed on the examples of that
label and weighted by their share of the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd import Compiled, Value, compile
from nn.dropout import Dropout
from nn.module import Module
from nn.objectives import Objective
from nn.penalties import penalised
from nn.scalars import Inputs, as_list


def _columns(x: Sequence[Inputs]) -> list[list[float]]:
    """Points as one column of numbers per input."""
    return [list(column) for column in zip(*(_numbers(p) for p in x), strict=True)]


def _numbers(point: Inputs) -> list[float]:
    return [float(v) for v in as_list(point)]


class CompiledLoss:
    """``loss(x_batch, y_batch)``: the batch's loss L, with ∂L/∂w added into every ``w.grad``."""

    def __init__(self, model: Module, judge: Objective, l1: float = 0.0, l2: float = 0.0):
        if _has_dropout(model):
            raise ValueError(
                "compile cannot replay dropout: its random masks would be frozen at trace time; "
                "train this model without compile, or without dropout"
            )
        self.model = model
        self.judge = judge
        self.l1 = l1
        self.l2 = l2
        self.parameters = model.parameters()
        self._by_label: dict[int, Compiled] = {}

    def __call__(self, x: Sequence[Inputs], y: Sequence[int]) -> float:
        groups: dict[int, list[Inputs]] = {}
        for point, label in zip(x, y, strict=True):
            groups.setdefault(label, []).append(point)
        loss = 0.0
        for label, points in sorted(groups.items()):
            share = len(points) / len(x)
            loss += share * self._for(label)(*_columns(points), scale=share)
        return loss

    def _for(self, label: int) -> Compiled:
        if label not in self._by_label:

            def example_loss(*inputs: Value) -> Value:
                loss = self.judge([self.model(list(inputs))], [label])
                return penalised(loss, self.parameters, self.l1, self.l2)

            self._by_label[label] = compile(example_loss, self.parameters)
        return self._by_label[label]


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

        def outputs(*inputs: Value) -> Value | list[Value]:
            was_training = model.training
            model.eval()
            try:
                return model(list(inputs))
            finally:
                model.train(was_training)

        self._compiled = compile(outputs, model.parameters())

    def __call__(self, x: Sequence[Inputs]) -> list[Any]:
        result: list[Any] = self._compiled.evaluate(*_columns(x))
        return result

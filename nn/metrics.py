"""Reading a classifier's outputs as labels, and how often they are right.

A binary classifier has one output, a score: a positive score means label 1, any other label 0.
A classifier for k classes has k outputs and predicts the class of the largest.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from autograd import Value, no_grad
from autograd.numbers import number_of
from nn.module import Module
from nn.scalars import Inputs, Outputs

#: Outputs as Values, or as the plain numbers a compiled replay gives.
AnyOutputs = Outputs | float | Sequence[float]


def label_of(output: AnyOutputs) -> int:
    """The predicted class: 1 if the one score is positive (else 0), or the index of the largest
    of several outputs (the first one on a tie)."""
    if isinstance(output, Value | int | float):
        return int(number_of(output) > 0)
    scores = [number_of(o) for o in output]
    return scores.index(max(scores))


def fraction_correct(outputs: Sequence[AnyOutputs], labels: Sequence[int]) -> float:
    """The share of outputs whose predicted class is the label."""
    if len(outputs) != len(labels) or not labels:
        raise ValueError(f"need one label per output, got {len(outputs)} and {len(labels)}")
    hits = sum(label_of(o) == y for o, y in zip(outputs, labels, strict=True))
    return hits / len(labels)


@contextmanager
def evaluating(model: Module) -> Iterator[Module]:
    """Run ``model`` in evaluation mode and without recording a graph, then restore its mode."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            yield model
    finally:
        model.train(was_training)


def outputs_of(model: Module, x: Sequence[Inputs]) -> list[Outputs]:
    """The model's output for every point in ``x``: one call per point, or one call on all of
    them for a model whose calls take whole batches (:meth:`nn.Module.takes_batches`)."""
    if model.takes_batches():
        outputs: list[Outputs] = model(list(x))
        return outputs
    return [model(point) for point in x]


def predict(model: Module, x: Sequence[Inputs]) -> list[int]:
    """The predicted class of every point in ``x``."""
    with evaluating(model):
        return [label_of(output) for output in outputs_of(model, x)]


def accuracy(model: Module, x: Sequence[Inputs], y: Sequence[int]) -> float:
    """The share of the points in ``x`` that ``model`` classifies as ``y`` says."""
    with evaluating(model):
        return fraction_correct(outputs_of(model, x), y)


def mean_squared_error(outputs: Sequence[AnyOutputs], targets: Sequence[float]) -> float:
    """(1/n) Σ (yᵢ − sᵢ)² of one output sᵢ per example and its real-valued target yᵢ."""
    if len(outputs) != len(targets) or not targets:
        raise ValueError(f"need one target per output, got {len(outputs)} and {len(targets)}")
    errors = []
    for output, target in zip(outputs, targets, strict=True):
        if not isinstance(output, Value | int | float):
            raise ValueError(f"a mean squared error needs one output per example, got {output!r}")
        errors.append((float(target) - number_of(output)) ** 2)
    return sum(errors) / len(errors)

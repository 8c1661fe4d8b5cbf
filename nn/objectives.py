"""Classification objectives: how a model's outputs on a batch and the batch's class labels
become the one number training minimises.

A binary classifier has one output, a score s; s > 0 means label 1 (see :mod:`nn.metrics`). The
hinge and MSE objectives aim for s = +1 on label 1 and s = −1 on label 0 (target t = 2y − 1);
binary cross-entropy reads s as a logit, P(label 1) = σ(s). A classifier for k classes has k
outputs, the logits, judged by cross-entropy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd import Value, total
from nn import losses
from nn.choices import choose
from nn.scalars import Outputs, Scalar

Objective = Callable[[Sequence[Outputs], Sequence[int]], Value]
#: A loss of a batch's outputs and its real-valued targets.
RegressionObjective = Callable[[Sequence[Outputs], Sequence[Scalar]], Value]


def _scores(outputs: Sequence[Outputs], labels: Sequence[int], loss: str) -> list[Value]:
    """The one score per example of a binary classifier, checking labels are 0 or 1."""
    for output in outputs:
        if not isinstance(output, Value):
            raise ValueError(
                f"the {loss} loss needs a model with one output (a score), got {len(output)}"
            )
    for label in labels:
        if label not in (0, 1):
            raise ValueError(f"the {loss} loss is for two classes (labels 0 and 1), got {label}")
    return list(outputs)  # type: ignore[arg-type]  # each checked to be a Value above


def _signs(labels: Sequence[int]) -> list[float]:
    """Label 1 ↦ +1, label 0 ↦ −1."""
    return [2.0 * y - 1.0 for y in labels]


def hinge(outputs: Sequence[Outputs], labels: Sequence[int]) -> Value:
    """(1/n) Σ max(0, 1 − t·s) with t = 2y − 1."""
    return losses.hinge_loss(_scores(outputs, labels, "hinge"), _signs(labels))


def mse(outputs: Sequence[Outputs], labels: Sequence[int]) -> Value:
    """(1/n) Σ (t − s)² with t = 2y − 1."""
    return losses.mse_loss(_scores(outputs, labels, "mse"), _signs(labels))


def binary_cross_entropy(outputs: Sequence[Outputs], labels: Sequence[int]) -> Value:
    """Binary cross-entropy (1/n) Σ [softplus(s) − y·s] on logits s."""
    return losses.binary_cross_entropy(
        _scores(outputs, labels, "binary_cross_entropy"), list(labels)
    )


def cross_entropy(outputs: Sequence[Outputs], labels: Sequence[int]) -> Value:
    """Mean cross-entropy (1/n) Σ −log softmax(z)_y over the examples' logits z."""
    terms = []
    for logits, label in zip(outputs, labels, strict=True):
        if isinstance(logits, Value):
            raise ValueError(
                "the cross_entropy loss needs a model with one output per class (logits), got 1"
            )
        terms.append(losses.cross_entropy(logits, label))
    return total(terms) / len(terms)


#: The objectives by the name the command line and :func:`nn.fit` use: their own.
OBJECTIVES: dict[str, Objective] = {
    f.__name__: f for f in (hinge, binary_cross_entropy, mse, cross_entropy)
}


def objective(name: str) -> Objective:
    """The objective called ``name``."""
    return choose(OBJECTIVES, name, "loss")


def outputs_needed(name: str, classes: int) -> int:
    """How many outputs a model needs for the objective ``name`` on ``classes`` classes."""
    if objective(name) is cross_entropy:
        return classes
    if classes != 2:
        raise ValueError(
            f"the {name} loss is for two classes; use cross_entropy for {classes} classes"
        )
    return 1


# -- regression ------------------------------------------------------------------------------
def is_regression(targets: Sequence[object]) -> bool:
    """Targets that are real numbers (floats), not class labels (ints): a regression task."""
    return bool(targets) and all(
        isinstance(t, float | Value) and not isinstance(t, bool) for t in targets
    )


def squared_error(outputs: Sequence[Outputs], targets: Sequence[Scalar]) -> Value:
    """The regression loss (1/n) Σ (yᵢ − sᵢ)² of one output sᵢ per example and its target yᵢ."""
    scores = []
    for output in outputs:
        if not isinstance(output, Value):
            raise ValueError(f"the mse loss on real targets needs one output, got {len(output)}")
        scores.append(output)
    return losses.mse_loss(scores, list(targets))


def regression_objective(name: str) -> RegressionObjective:
    """The regression loss called ``name``: only ``mse`` judges real-valued targets."""
    choose(OBJECTIVES, name, "loss")
    if name != "mse":
        raise ValueError(
            f"the {name} loss is for class labels; real-valued targets (floats) take loss='mse'"
        )
    return squared_error

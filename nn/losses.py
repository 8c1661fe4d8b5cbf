"""Loss functions, written with ``Value`` operations so that backprop differentiates them.

Each loss averages over its terms, so its size does not depend on how many there are. The
classification losses take scores or logits (a linear output layer), never probabilities: the
stable forms below never take the log of a number that rounded to 0.

Training (:func:`nn.fit`) calls a loss as ``loss(outputs, labels)`` on a batch: the model's
outputs and the class labels. A binary classifier has one output, a score s; s > 0 means
label 1 (see :mod:`nn.metrics`). :func:`hinge` and :func:`mse` aim for s = +1 on label 1 and
s = −1 on label 0 (target t = 2y − 1); :func:`binary_cross_entropy` reads s as a logit,
P(label 1) = σ(s). A classifier for k classes has k outputs, the logits, judged by
:func:`cross_entropy`. :data:`LOSSES` holds these four by their own names, so that a loss given
by its name or as the function does the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd import Value, total
from autograd.numbers import finite_float, short_repr
from nn.choices import choose
from nn.scalars import Outputs, Scalar, as_list, as_value

#: What training calls: the model's outputs on a batch and the batch's class labels to the loss.
Loss = Callable[[Sequence[Outputs], Sequence[int]], Value]


def _pairs(
    outputs: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar], what: str
) -> list[tuple[Value, Scalar]]:
    os, ts = as_list(outputs), as_list(targets)
    if len(os) != len(ts):
        raise ValueError(f"{what} needs one target per output, got {len(os)} and {len(ts)}")
    if not os:
        raise ValueError(f"{what} needs at least one output")
    return [(as_value(o), t) for o, t in zip(os, ts, strict=True)]


def _mean(terms: list[Value]) -> Value:
    return total(terms) / len(terms)


def mse_loss(preds: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar]) -> Value:
    """Mean squared error L = (1/n) Σ (tᵢ − oᵢ)².

    For two outputs this is the error ½Σ(t − o)² of Mazur's worked example.
    """
    return _mean([(t - o) ** 2 for o, t in _pairs(preds, targets, "mse_loss")])


def binary_cross_entropy(
    logits: Scalar | Sequence[Scalar] | Sequence[Outputs], targets: Scalar | Sequence[Scalar]
) -> Value:
    """Binary cross-entropy on logits z, with targets t ∈ [0, 1] (class labels 0 and 1 too):

    L = −(1/n) Σ [t ln σ(z) + (1 − t) ln(1 − σ(z))] = (1/n) Σ [softplus(z) − t·z],

    since ln σ(z) = z − softplus(z) and ln(1 − σ(z)) = −softplus(z). The right-hand form is
    stable: softplus(z) = ln(1 + eᶻ) is computed without overflow, and no log of 0 appears.
    As PyTorch's ``binary_cross_entropy_with_logits``.
    """
    pairs = _pairs(_one_score_each(logits, "binary_cross_entropy"), targets, "binary_cross_entropy")
    for _, t in pairs:
        target = t.data if isinstance(t, Value) else t
        finite_float(target, "binary_cross_entropy targets", at_least=0, at_most=1)
    return _mean([z.softplus() - t * z for z, t in pairs])


def _one_score_each(
    outputs: Scalar | Sequence[Scalar] | Sequence[Outputs], loss: str
) -> list[Scalar]:
    """The one score per example of a binary classifier."""
    scores = as_list(outputs)  # type: ignore[arg-type]  # its items are checked below
    for score in scores:
        if not isinstance(score, Value | int | float):
            raise ValueError(
                f"the {loss} loss needs a model with one output (a score), got {len(score)}"
            )
    return scores


def log_softmax(logits: Sequence[Scalar]) -> list[Value]:
    """log softmax(z)ᵢ = zᵢ − log Σⱼ e^(zⱼ), computed as (zᵢ − m) − log Σⱼ e^(zⱼ − m) with
    m = maxⱼ zⱼ, so that no exponential overflows and the sum is at least 1.

    m is a constant: the result does not depend on it, so neither does its gradient.
    """
    shifted = _shifted(logits, "log_softmax")
    log_sum = total([d.exp() for d in shifted]).log()
    return [d - log_sum for d in shifted]


def _shifted(logits: Sequence[Scalar], what: str) -> list[Value]:
    """zᵢ − m for m = maxⱼ zⱼ: at most 0, so e^(zᵢ − m) never overflows."""
    zs = [as_value(z) for z in as_list(logits)]
    if not zs:
        raise ValueError(f"{what} needs at least one logit")
    m = max(z.data for z in zs)
    return [z - m for z in zs]


def softmax(logits: Sequence[Scalar]) -> list[Value]:
    """softmax(z)ᵢ = e^(zᵢ) / Σⱼ e^(zⱼ), computed as e^(zᵢ − m) / Σⱼ e^(zⱼ − m), m = maxⱼ zⱼ:
    probabilities that sum to 1."""
    exps = [d.exp() for d in _shifted(logits, "softmax")]
    norm = total(exps)
    return [e / norm for e in exps]


def cross_entropy(
    logits: Sequence[Scalar] | Sequence[Outputs], target: int | Sequence[int]
) -> Value:
    """Cross-entropy with classes 0 … k−1, on logits z. For one example (k logits, ``target``
    a class):

    L = −Σᵢ yᵢ log softmax(z)ᵢ = −log softmax(z)_target, for the one-hot y of the target class;

    for a batch (one list of k logits per example, ``target`` one class per example) the mean
    over the examples, as PyTorch's ``cross_entropy`` with its default mean reduction.
    """
    if isinstance(target, int) and not isinstance(target, bool):
        return _cross_entropy_of_one(as_list(logits), target)  # type: ignore[arg-type]
    if isinstance(target, bool | float | str | bytes) or not isinstance(target, Sequence):
        raise TypeError(
            "cross_entropy target must be an int (a class), or a list of them for a batch, "
            f"not {type(target).__name__}"
        )
    if len(logits) != len(target) or not target:
        raise ValueError(
            "cross_entropy needs one target per example and some examples, "
            f"got {len(logits)} and {len(target)}"
        )
    terms = [
        _cross_entropy_of_one(_logits_of(example), label)
        for example, label in zip(logits, target, strict=True)
    ]
    return _mean(terms)


def _logits_of(example: Scalar | Outputs) -> list[Scalar]:
    """One example's logits, checked to be several (one per class)."""
    if isinstance(example, Value | int | float):
        raise ValueError(
            "the cross_entropy loss needs a model with one output per class (logits), got 1"
        )
    return list(example)


def _cross_entropy_of_one(zs: list[Scalar], target: object) -> Value:
    """−log softmax(z)_target for one example."""
    if isinstance(target, bool) or not isinstance(target, int):
        raise TypeError(f"cross_entropy target must be an int, not {type(target).__name__}")
    if not 0 <= target < len(zs):
        raise ValueError(
            f"cross_entropy target {target} is not a class of {len(zs)} logits (0 … {len(zs) - 1})"
        )
    return -log_softmax(zs)[target]


def hinge_loss(scores: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar]) -> Value:
    """Max-margin (hinge) loss with targets t = ±1: L = (1/n) Σ max(0, 1 − t·s).

    A score on the right side by a margin of at least 1 costs nothing.
    """
    pairs = _pairs(scores, targets, "hinge_loss")
    for _, t in pairs:
        target = t.data if isinstance(t, Value) else t
        if finite_float(target, "hinge_loss targets") not in (-1.0, 1.0):
            raise ValueError(f"hinge_loss targets must be -1 or +1, got {short_repr(t)}")
    return _mean([(1.0 - t * s).relu() for s, t in pairs])


def _class_scores(outputs: Sequence[Outputs], labels: Sequence[int], loss: str) -> list[Scalar]:
    """The one score per example of a binary classifier, checking labels are 0 or 1."""
    scores = _one_score_each(outputs, loss)
    for label in labels:
        if label not in (0, 1):
            raise ValueError(f"the {loss} loss is for two classes (labels 0 and 1), got {label}")
    return scores


def _signs(labels: Sequence[int]) -> list[float]:
    """Label 1 ↦ +1, label 0 ↦ −1."""
    return [2.0 * y - 1.0 for y in labels]


def hinge(outputs: Sequence[Outputs], labels: Sequence[int]) -> Value:
    """The hinge loss of a binary classifier's scores s on class labels y ∈ {0, 1}:
    (1/n) Σ max(0, 1 − t·s) with t = 2y − 1 (:func:`hinge_loss` on those targets)."""
    return hinge_loss(_class_scores(outputs, labels, "hinge"), _signs(labels))


def mse(outputs: Sequence[Outputs], labels: Sequence[int]) -> Value:
    """The squared error of a binary classifier's scores s on class labels y ∈ {0, 1}:
    (1/n) Σ (t − s)² with t = 2y − 1 (:func:`mse_loss` on those targets)."""
    return mse_loss(_class_scores(outputs, labels, "mse"), _signs(labels))


#: The losses training takes by name (the command line's ``--loss``, :func:`nn.fit`), each
#: under its own function's name.
LOSSES: dict[str, Loss] = {f.__name__: f for f in (hinge, binary_cross_entropy, mse, cross_entropy)}


def loss_named(name: str) -> Loss:
    """The loss called ``name``."""
    return choose(LOSSES, name, "loss")


def outputs_needed(name: str, classes: int) -> int:
    """How many outputs a model needs for the loss ``name`` on ``classes`` classes."""
    if loss_named(name) is cross_entropy:
        return classes
    if classes != 2:
        raise ValueError(
            f"the {name} loss is for two classes; use cross_entropy for {classes} classes"
        )
    return 1


# -- regression --------------------------------------------------------------------------------
#: A loss of a batch's outputs and its real-valued targets.
RegressionLoss = Callable[[Sequence[Outputs], Sequence[Scalar]], Value]


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
    return mse_loss(scores, list(targets))


def regression_loss_named(name: str) -> RegressionLoss:
    """The regression loss called ``name``: only ``mse`` judges real-valued targets."""
    loss_named(name)
    if name != "mse":
        raise ValueError(
            f"the {name} loss is for class labels; real-valued targets (floats) take loss='mse'"
        )
    return squared_error

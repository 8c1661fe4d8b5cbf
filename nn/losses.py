"""Loss functions, written with ``Value`` operations so that backprop differentiates them.

Each loss averages over its terms, so its size does not depend on how many there are. The
classification losses take scores or logits (a linear output layer), never probabilities: the
stable forms below never take the log of a number that rounded to 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Value, total
from autograd.numbers import finite_float, shown
from nn.scalars import Scalar, as_list, as_value


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
    logits: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar]
) -> Value:
    """Binary cross-entropy on logits z, with targets t ∈ [0, 1]:

    L = −(1/n) Σ [t ln σ(z) + (1 − t) ln(1 − σ(z))] = (1/n) Σ [softplus(z) − t·z],

    since ln σ(z) = z − softplus(z) and ln(1 − σ(z)) = −softplus(z). The right-hand form is
    stable: softplus(z) = ln(1 + eᶻ) is computed without overflow, and no log of 0 appears.
    """
    pairs = _pairs(logits, targets, "binary_cross_entropy")
    for _, t in pairs:
        target = t.data if isinstance(t, Value) else t
        finite_float(target, "binary_cross_entropy targets", at_least=0, at_most=1)
    return _mean([z.softplus() - t * z for z, t in pairs])


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


def cross_entropy(logits: Sequence[Scalar], target_index: int) -> Value:
    """Cross-entropy of one example with classes 0 … k−1, on logits z:

    L = −Σᵢ yᵢ log softmax(z)ᵢ = −log softmax(z)_target, for the one-hot y of the target class.
    """
    zs = as_list(logits)
    if isinstance(target_index, bool) or not isinstance(target_index, int):
        raise TypeError(f"target_index must be an int, not {type(target_index).__name__}")
    if not 0 <= target_index < len(zs):
        raise ValueError(
            f"target_index {target_index} is not a class of {len(zs)} logits (0 … {len(zs) - 1})"
        )
    return -log_softmax(zs)[target_index]


def hinge_loss(scores: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar]) -> Value:
    """Max-margin (hinge) loss with targets t = ±1: L = (1/n) Σ max(0, 1 − t·s).

    A score on the right side by a margin of at least 1 costs nothing.
    """
    pairs = _pairs(scores, targets, "hinge_loss")
    for _, t in pairs:
        target = t.data if isinstance(t, Value) else t
        if finite_float(target, "hinge_loss targets") not in (-1.0, 1.0):
            raise ValueError(f"hinge_loss targets must be -1 or +1, got {shown(t)}")
    return _mean([(1.0 - t * s).relu() for s, t in pairs])

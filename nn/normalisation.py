"""Normalisation layers: batch normalisation (across the examples of a batch), layer and RMS
normalisation (within one example), with PyTorch's names, parameters and equations.

Each standardises its inputs and then rescales them with learnt parameters γ (``weight``) and β
(``bias``):

    x̂ = (x − μ) / √(σ² + ε),   y = γ x̂ + β.

They differ in which numbers the mean μ and variance σ² are taken over:

* :class:`nn.BatchNorm1d` / :class:`nn.BatchNorm2d`: one feature (channel) over every example of the
  batch (and every position of an image), so every output depends on every example: the graph
  couples the examples, and a call takes the whole batch, ``[N][C]`` or ``[N][C][H][W]``.
* :class:`nn.LayerNorm`: all the features of one example.
* :class:`nn.RMSNorm`: no centring at all, y = γ x / √(mean(x²) + ε) (microgpt's and LLaMA's).

Compiled training (``fit(..., compile=True)``, :mod:`nn.replay`) takes batch normalisation's
statistics as means over the examples the replay computes side by side
(:class:`autograd.ops.BatchMean`), with the eager engine's numbers.

Inputs are nested lists of numbers or ``Value`` nodes (NumPy arrays are accepted and turned into
lists); outputs are nested lists of ``Value`` nodes of the same shape.
"""

from __future__ import annotations

import sys
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from autograd import Value, scope, total
from autograd.numbers import finite_float, short_repr
from autograd.ops import BATCH_MEAN
from nn.checks import boolean, integer
from nn.linear import wrong_shape
from nn.module import Module
from nn.scalars import as_value
from nn.shapes import Shape, as_nested, flatten, reshape, shape_of, shown_shape, size_of
from nn.tensors import named_entries


def standardised(
    xs: Sequence[Value], eps: float, *, over_the_batch: bool = False
) -> tuple[list[Value], Value, Value]:
    """x̂ᵢ = (xᵢ − μ) / √(σ² + ε) with μ = (1/m) Σ xᵢ and the biased σ² = (1/m) Σ (xᵢ − μ)²;
    also returns μ and σ², whose values the running statistics need.

    ``over_the_batch``: the xᵢ are one example's share of numbers that a compiled replay has in
    every example of its batch (:func:`statistics_over_the_replayed_batch`), so μ and σ² are
    also averaged over the examples (:class:`autograd.ops.BatchMean`): with the same count of
    numbers in every example, the mean of the examples' means is the mean of all of them.
    """
    m = len(xs)
    mean = total(xs) / m
    if over_the_batch:
        mean = BATCH_MEAN(mean)
    centred = [x - mean for x in xs]
    variance = total([c * c for c in centred]) / m
    if over_the_batch:
        variance = BATCH_MEAN(variance)
    inverse_std = (variance + eps) ** -0.5
    return [c * inverse_std for c in centred], mean, variance


@dataclass(frozen=True)
class BatchStatistics:
    """One channel's batch statistics in a traced graph: the nodes of its mean μ and biased
    variance σ² over the batch, and how many numbers the channel has in one example (1, L or
    H·W), so that a batch of N examples has m = N·count of them."""

    module: BatchNorm
    channel: int
    mean: Value
    variance: Value
    count: int


#: The batch statistics of the calls made inside :func:`statistics_over_the_replayed_batch`,
#: or None outside it.
_REPLAYED: ContextVar[list[BatchStatistics] | None] = ContextVar(
    "chainrule_replayed_batch", default=None
)


@contextmanager
def statistics_over_the_replayed_batch() -> Iterator[list[BatchStatistics]]:
    """Inside, a batch normalisation call in training mode on a batch of one example stands for
    the batch a compiled replay will run (:mod:`nn.replay`): its statistics are means over the
    replay's examples (:class:`autograd.ops.BatchMean`), the running statistics are left alone,
    and each channel's statistics are added to the list given, for the replay to return."""
    found: list[BatchStatistics] = []
    token = _REPLAYED.set(found)
    try:
        yield found
    finally:
        _REPLAYED.reset(token)


@dataclass(frozen=True)
class RunningLeaves:
    """A batch normalisation's running statistics as leaves of a traced graph, so that a
    compiled replay in evaluation mode reads them at every call as it reads the parameters:
    :meth:`refresh` copies the module's numbers into them first."""

    mean: list[Value]
    var: list[Value]

    def refresh(self, module: BatchNorm) -> None:
        for leaf, number in zip(self.mean, module.running_mean, strict=True):
            leaf.data = number
        for leaf, number in zip(self.var, module.running_var, strict=True):
            leaf.data = number


#: The leaves that batch normalisation modules in evaluation mode compute with, inside
#: :func:`reading_running_statistics_from`; their numbers outside it.
_RUNNING: ContextVar[dict[BatchNorm, RunningLeaves] | None] = ContextVar(
    "chainrule_running_leaves", default=None
)


def running_leaves(model: Module) -> dict[BatchNorm, RunningLeaves]:
    """Leaves for the running statistics of every batch normalisation in ``model``."""
    return {
        module: RunningLeaves(
            [Value(r, label=f"running_mean[{c}]") for c, r in enumerate(module.running_mean)],
            [Value(r, label=f"running_var[{c}]") for c, r in enumerate(module.running_var)],
        )
        for module in model.modules()
        if isinstance(module, BatchNorm)
    }


def leaves_of(running: dict[BatchNorm, RunningLeaves]) -> list[Value]:
    """Every leaf of :func:`running_leaves`, the means and the variances of each module."""
    return [leaf for leaves in running.values() for leaf in (*leaves.mean, *leaves.var)]


@contextmanager
def reading_running_statistics_from(leaves: dict[BatchNorm, RunningLeaves]) -> Iterator[None]:
    """Inside, the batch normalisations in ``leaves`` compute in evaluation mode with those
    leaves instead of their running statistics' numbers (for a replay to read them afresh)."""
    token = _RUNNING.set(leaves)
    try:
        yield
    finally:
        _RUNNING.reset(token)


class BatchNorm(Module):
    """What :class:`nn.BatchNorm1d` and :class:`nn.BatchNorm2d` share: batch normalisation of a
    batch ``[N][C][…]`` channel by channel; each says which example layouts it takes."""

    #: The shapes an example may have, as they read (``[C]``, ``[C][L]``), for messages.
    layouts: tuple[str, ...]
    #: True: a call takes a whole batch, whose examples its statistics couple.
    couples_examples = True

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.num_features = integer(num_features, "num_features")
        self.eps = finite_float(eps, "eps", above=0)
        self.momentum = finite_float(momentum, "momentum", at_least=0, at_most=1)
        self.weight = [Value(1.0, label=f"γ[{c}]") for c in range(self.num_features)]
        self.bias = [Value(0.0, label=f"β[{c}]") for c in range(self.num_features)]
        #: The running estimates of each channel's mean and (unbiased) variance, used in
        #: evaluation mode; plain numbers, changed by training-mode calls, not by gradients.
        self.running_mean = [0.0] * self.num_features
        self.running_var = [1.0] * self.num_features

    def output_shape(self, shape: Shape) -> Shape:
        """The shape of one example of the batch, unchanged (a call takes the whole batch)."""
        if not self._fits(shape):
            raise wrong_shape(self, self._wanted("examples ", ""), shape)
        return shape

    def _fits(self, example: Shape) -> bool:
        dims = [layout.count("[") for layout in self.layouts]
        return len(example) in dims and example[0] == self.num_features

    def _wanted(self, what: str, batch: str) -> str:
        """``a batch [N][C] or [N][C][L] with C = 3``, or the same for examples."""
        shapes = " or ".join(batch + layout for layout in self.layouts)
        return f"{what}{shapes} with C = {self.num_features}"

    def forward(self, x: Any) -> Any:
        batch = as_nested(x)
        shape = shape_of(batch, f"the input of {self!r}")
        if not shape or not self._fits(shape[1:]):
            raise wrong_shape(self, self._wanted("a batch ", "[N]"), shape)
        count = size_of(shape) // self.num_features  # values per channel: N, N·L or N·H·W
        if self.training and count < 2 and _REPLAYED.get() is None:
            raise ValueError(
                f"{self!r} in training mode needs more than one value per channel to take a "
                f"variance, got a batch {shown_shape(shape)}; call .eval() to use the running "
                "statistics"
            )
        # Each channel's numbers across the batch (an image's H·W places, example after example).
        per_channel: list[list[Value]] = [[] for _ in range(self.num_features)]
        for example in batch:
            for c, plane in enumerate(example):
                per_channel[c].extend(as_value(v) for v in flatten(plane))
        outputs = []
        for c, values in enumerate(per_channel):
            with scope(f"channel {c}"):
                outputs.append(self._normalise(c, values))
        # Back from channel by channel to the batch's own layout.
        place = count // shape[0]  # values per channel in one example
        return [
            [reshape(out[n * place : (n + 1) * place], shape[2:]) for out in outputs]
            for n in range(shape[0])
        ]

    def _normalise(self, c: int, values: list[Value]) -> list[Value]:
        """yᵢ = γ x̂ᵢ + β for channel c: with the batch's statistics in training mode (updating
        the running ones), with the running statistics in evaluation mode."""
        gamma, beta = self.weight[c], self.bias[c]
        if not self.training:
            if self.running_var[c] + self.eps <= 0:
                raise ValueError(
                    f"{self!r}'s running_var[{c}] is {self.running_var[c]!r}: a variance "
                    "cannot be negative"
                )
            leaves = (_RUNNING.get() or {}).get(self)
            mean: Value | float = self.running_mean[c] if leaves is None else leaves.mean[c]
            variance: Value | float = self.running_var[c] if leaves is None else leaves.var[c]
            scale = (variance + self.eps) ** -0.5
            return [(v - mean) * scale * gamma + beta for v in values]
        replayed = _REPLAYED.get()
        normalised, mean, variance = standardised(
            values, self.eps, over_the_batch=replayed is not None
        )
        if replayed is None:
            self.update_running(c, mean.data, variance.data, len(values))
        else:  # the replay returns the batch's statistics, which update the running ones
            replayed.append(BatchStatistics(self, c, mean, variance, len(values)))
        return [v * gamma + beta for v in normalised]

    def update_running(self, c: int, mean: float, variance: float, m: int) -> None:
        """Move channel c's running statistics towards the batch's mean and biased variance
        over m numbers. PyTorch's convention: the biased variance normalises, the unbiased one
        (× m/(m−1)) is what the running estimate follows; new = (1 − momentum)·old +
        momentum·batch."""
        self.running_mean[c] += self.momentum * (mean - self.running_mean[c])
        unbiased = variance * m / (m - 1)
        self.running_var[c] += self.momentum * (unbiased - self.running_var[c])

    def own_parameters(self) -> list[tuple[str, Value]]:
        return named_entries("weight", self.weight) + named_entries("bias", self.bias)

    def own_buffers(self) -> list[tuple[str, list[float]]]:
        return [("running_mean", self.running_mean), ("running_var", self.running_var)]

    def config(self) -> dict[str, Any]:
        return {"num_features": self.num_features, "eps": self.eps, "momentum": self.momentum}


class BatchNorm1d(BatchNorm):
    """Batch normalisation of a batch ``[N][C]`` (or ``[N][C][L]``), feature by feature:

        μ_c = (1/m) Σ x_{n,c},  σ²_c = (1/m) Σ (x_{n,c} − μ_c)²,
        y_{n,c} = γ_c (x_{n,c} − μ_c) / √(σ²_c + ε) + β_c

    over the m = N (or N·L) values of feature c. In training mode the batch's own μ and σ² are
    used (so every output depends on every example of the batch) and the running estimates move
    towards them: r ← (1 − momentum)·r + momentum·batch statistic, with the unbiased variance
    σ²·m/(m − 1) for ``running_var`` (PyTorch's conventions; its ``momentum=None``, a cumulative
    average, and ``affine``/``track_running_stats`` switches are not offered). In evaluation mode
    the running estimates replace μ and σ². γ (``weight``) starts at 1, β (``bias``) at 0.
    """

    layouts = ("[C]", "[C][L]")


class BatchNorm2d(BatchNorm):
    """Batch normalisation of a batch of images ``[N][C][H][W]``, channel by channel: as
    :class:`nn.BatchNorm1d`, with channel c's statistics over the m = N·H·W values it has in the
    batch. ``num_features`` is the number of channels C (PyTorch's name)."""

    layouts = ("[C][H][W]",)


def _normalized_shape(normalized_shape: int | Sequence[int]) -> Shape:
    if isinstance(normalized_shape, int):
        normalized_shape = [normalized_shape]
    if isinstance(normalized_shape, str) or not isinstance(normalized_shape, Sequence):
        raise TypeError(
            "normalized_shape must be an integer or a list of them, "
            f"got {short_repr(normalized_shape)}"
        )
    if not normalized_shape:
        raise ValueError("normalized_shape must name at least one dimension, got []")
    return tuple(integer(n, "each size in normalized_shape") for n in normalized_shape)


class ExampleNorm(Module):
    """What :class:`nn.LayerNorm` and :class:`nn.RMSNorm` share: normalisation over the last
    dimensions of the input (``normalized_shape``), each example (each row of a batch) on its
    own; the learnt γ (``weight``, starting at 1) and, where the layer has one, β (``bias``,
    starting at 0) have the shape ``normalized_shape``."""

    has_bias: bool

    def __init__(self, normalized_shape: int | Sequence[int], eps: float, elementwise_affine: bool):
        super().__init__()
        self.normalized_shape = _normalized_shape(normalized_shape)
        self.eps = finite_float(eps, "eps", above=0)
        self.elementwise_affine = boolean(elementwise_affine, "elementwise_affine")
        size = size_of(self.normalized_shape)
        self.weight: Any = (
            reshape([Value(1.0, label="γ") for _ in range(size)], self.normalized_shape)
            if elementwise_affine
            else None
        )
        self.bias: Any = (
            reshape([Value(0.0, label="β") for _ in range(size)], self.normalized_shape)
            if elementwise_affine and self.has_bias
            else None
        )

    def output_shape(self, shape: Shape) -> Shape:
        if shape[len(shape) - len(self.normalized_shape) :] != self.normalized_shape:
            wanted = shown_shape(self.normalized_shape)
            raise wrong_shape(self, f"inputs whose last dimensions are {wanted}", shape)
        return shape

    def forward(self, x: Any) -> Any:
        data = as_nested(x)
        shape = self.output_shape(shape_of(data, f"the input of {self!r}"))
        return self._each(data, len(shape) - len(self.normalized_shape))

    def _each(self, data: Any, outer: int) -> Any:
        """The normalised input, going down ``outer`` leading (batch) dimensions first."""
        if outer:
            return [self._each(item, outer - 1) for item in data]
        ys = self.normalised([as_value(v) for v in flatten(data)])
        if self.weight is not None:
            ys = [y * g for y, g in zip(ys, flatten(self.weight), strict=True)]
        if self.bias is not None:
            ys = [y + b for y, b in zip(ys, flatten(self.bias), strict=True)]
        return reshape(ys, self.normalized_shape)

    @abstractmethod
    def normalised(self, xs: list[Value]) -> list[Value]:
        """The example's numbers before γ and β."""

    def own_parameters(self) -> list[tuple[str, Value]]:
        named = named_entries("weight", self.weight) if self.weight is not None else []
        return named + (named_entries("bias", self.bias) if self.bias is not None else [])

    def config(self) -> dict[str, Any]:
        return {
            "normalized_shape": list(self.normalized_shape),
            "eps": self.eps,
            "elementwise_affine": self.elementwise_affine,
        }


class LayerNorm(ExampleNorm):
    """Layer normalisation: each example standardised over its own last dimensions
    (``normalized_shape``, e.g. its ``D`` features):

        μ = (1/D) Σ xᵢ,  σ² = (1/D) Σ (xᵢ − μ)²,  yᵢ = γᵢ (xᵢ − μ) / √(σ² + ε) + βᵢ

    with the biased variance, as PyTorch. Leading dimensions (a batch) are examples of their own,
    so a call works on one example or on a batch, and never couples examples."""

    has_bias = True

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
    ):
        super().__init__(normalized_shape, eps, elementwise_affine)

    def normalised(self, xs: list[Value]) -> list[Value]:
        return standardised(xs, self.eps)[0]


class RMSNorm(ExampleNorm):
    """Root-mean-square normalisation (microgpt's and LLaMA's): no centring and no β,

        yᵢ = γᵢ xᵢ / √((1/D) Σ xⱼ² + ε)

    over the example's last dimensions ``normalized_shape``. ``eps=None``, PyTorch's default,
    means the machine epsilon of a float (2.2 × 10⁻¹⁶, what PyTorch uses for float64);
    microgpt's ``rmsnorm`` is ``RMSNorm(D, eps=1e-5, elementwise_affine=False)``."""

    has_bias = False

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
    ):
        super().__init__(
            normalized_shape, sys.float_info.epsilon if eps is None else eps, elementwise_affine
        )

    def normalised(self, xs: list[Value]) -> list[Value]:
        inverse_rms = (total([x * x for x in xs]) / len(xs) + self.eps) ** -0.5
        return [x * inverse_rms for x in xs]

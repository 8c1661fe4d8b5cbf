"""Normalisation layers: batch normalisation (across the examples of a batch), layer and RMS
normalisation (within one example), with PyTorch's names, parameters and equations.

Each standardises its inputs and then rescales them with learnt parameters γ (``weight``) and β
(``bias``):

    x̂ = (x − μ) / √(σ² + ε),   y = γ x̂ + β.

They differ in which numbers the mean μ and variance σ² are taken over:

* :class:`BatchNorm1d` / :class:`BatchNorm2d`: one feature (channel) over every example of the
  batch (and every position of an image), so every output depends on every example: the graph
  couples the examples, and a call takes the whole batch, ``[N][C]`` or ``[N][C][H][W]``.
* :class:`LayerNorm`: all the features of one example.
* :class:`RMSNorm`: no centring at all, y = γ x / √(mean(x²) + ε) (microgpt's and LLaMA's).

Inputs are nested lists of numbers or ``Value`` nodes (NumPy arrays are accepted and turned into
lists); outputs are nested lists of ``Value`` nodes of the same shape.
"""

from __future__ import annotations

import sys
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any

from autograd import Value, total
from autograd.numbers import finite_float, shown
from nn.checks import integer
from nn.module import Module
from nn.scalars import Scalar, as_value

#: A nested list of numbers or Values: one example, or a batch of them.
Nested = Any


def as_nested(x: object) -> Nested:
    """``x`` as nested lists: a NumPy array becomes lists (its ``tolist``), anything else stays."""
    tolist = getattr(x, "tolist", None)
    return tolist() if callable(tolist) and not isinstance(x, Value) else x


def shape_of(x: Nested, owner: str) -> tuple[int, ...]:
    """The shape of a rectangular nested list (``()`` for one number), or a ``ValueError`` naming
    ``owner`` when the lists are ragged or hold something other than numbers."""
    if isinstance(x, Value | int | float) and not isinstance(x, bool):
        return ()
    if isinstance(x, str | bytes) or not isinstance(x, Sequence) or not x:
        raise ValueError(f"{owner} expects nested lists of numbers, got {shown(x)}")
    inner = {shape_of(item, owner) for item in x}
    if len(inner) != 1:
        raise ValueError(
            f"{owner} expects rectangular nested lists, got rows of shapes {sorted(inner)}"
        )
    return (len(x), *inner.pop())


def flat(x: Nested) -> list[Scalar]:
    """The numbers of a nested list, in row-major order."""
    if not isinstance(x, list | tuple):
        return [x]
    return [number for item in x for number in flat(item)]


def shaped(numbers: Sequence[Value], shape: Sequence[int]) -> Nested:
    """``numbers`` (row-major) as nested lists of ``shape``: the inverse of :func:`flat`."""
    if not shape:
        return numbers[0]
    step = len(numbers) // shape[0]
    return [shaped(numbers[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def indexed(name: str, values: Nested) -> list[tuple[str, Value]]:
    """``(name.i.j…, value)`` for every value of a nested list of parameters, in row-major
    order: the names a model file stores them by."""
    if not isinstance(values, list):
        return [(name, values)]
    return [pair for i, item in enumerate(values) for pair in indexed(f"{name}.{i}", item)]


def standardised(xs: Sequence[Value], eps: float) -> tuple[list[Value], Value]:
    """x̂ᵢ = (xᵢ − μ) / √(σ² + ε) with μ = (1/m) Σ xᵢ and the biased σ² = (1/m) Σ (xᵢ − μ)²;
    also returns σ², whose value the running statistics need."""
    m = len(xs)
    mean = total(xs) / m
    centred = [x - mean for x in xs]
    variance = total([c * c for c in centred]) / m
    inverse_std = (variance + eps) ** -0.5
    return [c * inverse_std for c in centred], variance


class _BatchNorm(Module):
    """Batch normalisation over a batch ``[N][C][...]``, ``spatial`` trailing dimensions after
    the channel (see :class:`BatchNorm1d`)."""

    #: The numbers of dimensions an example may have (the channel dimension and what follows),
    #: and the batch layouts they mean, for messages.
    example_dims: tuple[int, ...]
    layouts: str

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.num_features = integer(num_features, "num_features")
        self.eps = finite_float(eps, "eps", above=0)
        self.momentum = finite_float(momentum, "momentum", at_least=0, at_most=1)
        self.weight = [Value(1.0, label=f"γ{c}") for c in range(self.num_features)]
        self.bias = [Value(0.0, label=f"β{c}") for c in range(self.num_features)]
        #: The running estimates of each channel's mean and (unbiased) variance, used in
        #: evaluation mode; plain numbers, changed by training-mode calls, not by gradients.
        self.running_mean = [0.0] * self.num_features
        self.running_var = [1.0] * self.num_features

    def forward(self, x: Nested) -> Nested:
        batch = as_nested(x)
        shape = shape_of(batch, self.name)
        channels = self._check(shape)
        # Every example's numbers of channel c, one list per channel (an image's H·W positions).
        per_channel: list[list[Value]] = [[] for _ in range(channels)]
        for example in batch:
            for c, plane in enumerate(example):
                per_channel[c].extend(as_value(v) for v in flat(plane))
        count = len(per_channel[0])  # N, or N·H·W
        if self.training and count < 2:
            raise ValueError(
                f"{self.name} in training mode needs more than one value per channel to take a "
                f"variance, got a batch of shape {list(shape)}; call .eval() to use the running "
                "statistics"
            )
        outputs = [self._normalise(c, values) for c, values in enumerate(per_channel)]
        # Back from channel-major to the batch's own layout.
        per_example = count // shape[0]
        return [
            [
                shaped(outputs[c][n * per_example : (n + 1) * per_example], shape[2:])
                for c in range(channels)
            ]
            for n in range(shape[0])
        ]

    def _check(self, shape: tuple[int, ...]) -> int:
        """The number of channels of a batch of ``shape``, after checking it."""
        wanted = self.layouts
        if len(shape) - 1 not in self.example_dims:
            raise ValueError(f"{self.name} expects a batch {wanted}, got shape {list(shape)}")
        if shape[1] != self.num_features:
            raise ValueError(
                f"{self.name} expects {self.num_features} channels (C in {wanted}), "
                f"got {shape[1]} in a batch of shape {list(shape)}"
            )
        return shape[1]

    def _normalise(self, c: int, values: list[Value]) -> list[Value]:
        """yᵢ = γ x̂ᵢ + β for channel c: with the batch's statistics in training mode (updating
        the running ones), with the running statistics in evaluation mode."""
        gamma, beta = self.weight[c], self.bias[c]
        if not self.training:
            if self.running_var[c] + self.eps <= 0:
                raise ValueError(
                    f"{self.name}'s running_var[{c}] is {self.running_var[c]!r}: a variance "
                    "cannot be negative"
                )
            scale = (self.running_var[c] + self.eps) ** -0.5
            return [(v - self.running_mean[c]) * scale * gamma + beta for v in values]
        normalised, variance = standardised(values, self.eps)
        m = len(values)
        mean = sum(v.data for v in values) / m
        # PyTorch's convention: the biased variance normalises, the unbiased one (× m/(m−1)) is
        # what the running estimate follows; new = (1 − momentum)·old + momentum·batch.
        self.running_mean[c] += self.momentum * (mean - self.running_mean[c])
        unbiased = variance.data * m / (m - 1)
        self.running_var[c] += self.momentum * (unbiased - self.running_var[c])
        return [v * gamma + beta for v in normalised]

    def own_parameters(self) -> list[tuple[str, Value]]:
        return indexed("weight", self.weight) + indexed("bias", self.bias)

    def own_buffers(self) -> list[tuple[str, list[float]]]:
        return [("running_mean", self.running_mean), ("running_var", self.running_var)]

    def config(self) -> dict[str, Any]:
        return {"num_features": self.num_features, "eps": self.eps, "momentum": self.momentum}


class BatchNorm1d(_BatchNorm):
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

    example_dims = (1, 2)
    layouts = "[N][C] or [N][C][L]"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of a batch of images ``[N][C][H][W]``, channel by channel: as
    :class:`BatchNorm1d`, with channel c's statistics over the m = N·H·W values it has in the
    batch. ``num_features`` is the number of channels C (PyTorch's name)."""

    example_dims = (3,)
    layouts = "[N][C][H][W]"


def _normalized_shape(normalized_shape: int | Sequence[int]) -> list[int]:
    if isinstance(normalized_shape, int):
        normalized_shape = [normalized_shape]
    if isinstance(normalized_shape, str) or not isinstance(normalized_shape, Sequence):
        raise TypeError(
            f"normalized_shape must be an integer or a list of them, got {shown(normalized_shape)}"
        )
    if not normalized_shape:
        raise ValueError("normalized_shape must name at least one dimension, got []")
    return [integer(n, "each size in normalized_shape") for n in normalized_shape]


class _ExampleNorm(Module):
    """Normalisation over the last dimensions of its input (``normalized_shape``), each example
    (each row of a batch) on its own; the learnt γ (``weight``, starting at 1) and, where the
    layer has one, β (``bias``, starting at 0) have the shape ``normalized_shape``."""

    has_bias: bool

    def __init__(self, normalized_shape: int | Sequence[int], eps: float, elementwise_affine: bool):
        super().__init__()
        self.normalized_shape = _normalized_shape(normalized_shape)
        self.eps = finite_float(eps, "eps", above=0)
        if not isinstance(elementwise_affine, bool):
            raise TypeError(
                f"elementwise_affine must be True or False, got {shown(elementwise_affine)}"
            )
        self.elementwise_affine = elementwise_affine
        size = 1
        for n in self.normalized_shape:
            size *= n
        self.weight: Nested = (
            shaped([Value(1.0, label="γ") for _ in range(size)], self.normalized_shape)
            if elementwise_affine
            else None
        )
        self.bias: Nested = (
            shaped([Value(0.0, label="β") for _ in range(size)], self.normalized_shape)
            if elementwise_affine and self.has_bias
            else None
        )

    def forward(self, x: Nested) -> Nested:
        data = as_nested(x)
        shape = shape_of(data, self.name)
        dims = len(self.normalized_shape)
        if list(shape[len(shape) - dims :]) != self.normalized_shape:
            raise ValueError(
                f"{self.name} normalises over the last dimensions {self.normalized_shape}, "
                f"got an input of shape {list(shape)}"
            )
        return self._each(data, len(shape) - dims)

    def _each(self, data: Nested, outer: int) -> Nested:
        """The normalised input, going down ``outer`` leading (batch) dimensions first."""
        if outer:
            return [self._each(item, outer - 1) for item in data]
        xs = [as_value(v) for v in flat(data)]
        ys = self.normalised(xs)
        if self.weight is not None:
            ys = [y * g for y, g in zip(ys, flat(self.weight), strict=True)]
        if self.bias is not None:
            ys = [y + b for y, b in zip(ys, flat(self.bias), strict=True)]
        return shaped(ys, self.normalized_shape)

    @abstractmethod
    def normalised(self, xs: list[Value]) -> list[Value]:
        """The example's numbers before γ and β."""

    def own_parameters(self) -> list[tuple[str, Value]]:
        named = indexed("weight", self.weight) if self.weight is not None else []
        return named + (indexed("bias", self.bias) if self.bias is not None else [])

    def config(self) -> dict[str, Any]:
        return {
            "normalized_shape": list(self.normalized_shape),
            "eps": self.eps,
            "elementwise_affine": self.elementwise_affine,
        }


class LayerNorm(_ExampleNorm):
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


class RMSNorm(_ExampleNorm):
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

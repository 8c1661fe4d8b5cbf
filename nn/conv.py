"""The 2-D convolution: a small kernel of weights slid over an image, one weighted sum per place.

For an image x of C channels ``[C][H][W]``, a layer with K[o][i][ky][kx] and b[o] gives

    y[o][r][c] = b[o] + Σᵢ Σ_ky Σ_kx K[o][i][ky][kx] · x[i][r·s + ky − p][c·s + kx − p]

(stride s, zero padding p: places outside the image read 0), the discrete convolution of the
articles. (Strictly it is a cross-correlation, the kernel is not flipped; PyTorch's ``conv2d``
computes the same.) Each output y[o][r][c] is one ``linear`` node whose inputs are the kernel's
weights and the window's values, so one kernel's weights feed every place it visits and its
gradient is the sum over those places:

    ∂L/∂K[o][i][ky][kx] = Σ_r Σ_c ∂L/∂y[o][r][c] · x[i][r·s + ky − p][c·s + kx − p].
"""

from __future__ import annotations

from typing import Any

from autograd import Value, linear, scope
from nn.checks import boolean, integer
from nn.layers import MAX_PARAMETERS, check_size
from nn.linear import wrong_shape
from nn.module import Module
from nn.scalars import as_value
from nn.seeding import Seed, make_rng
from nn.shapes import Shape, as_nested, flatten, shape_of
from nn.tensors import uniform_tensor, weight_and_bias

#: A height and a width (of a kernel, a stride, a padding).
Pair = tuple[int, int]


def pair(value: int | tuple[int, int] | list[int], what: str, *, low: int = 1) -> Pair:
    """``value`` as (height, width): one int for both, as PyTorch takes it, or two."""
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise ValueError(f"{what} must be one integer or two, got {value!r}")
        return integer(value[0], what, low=low), integer(value[1], what, low=low)
    n = integer(value, what, low=low)
    return n, n


def stored(value: Pair) -> int | list[int]:
    """A pair as a model file stores it: one int when both are equal."""
    return value[0] if value[0] == value[1] else list(value)


def image_shape(
    module: Module, shape: Shape, channels: int | None, kernel: Pair, padding: Pair = (0, 0)
) -> tuple[int, int, int]:
    """(C, H, W) of an image ``[C][H][W]`` that ``module`` can take: ``channels`` channels (any
    number for None) and, padded, at least as tall and wide as the kernel."""
    wanted = f"[{channels if channels is not None else 'C'}][H][W]"
    smallest = (kernel[0] - 2 * padding[0], kernel[1] - 2 * padding[1])
    fits = (
        len(shape) == 3
        and channels in (None, shape[0])
        and shape[1] >= smallest[0]
        and shape[2] >= smallest[1]
    )
    if not fits:
        size = f" with H ≥ {smallest[0]} and W ≥ {smallest[1]}" if max(smallest) > 1 else ""
        raise wrong_shape(module, f"an image {wanted}{size}", shape)
    return shape[0], shape[1], shape[2]


def output_size(size: int, kernel: int, stride: int, padding: int = 0) -> int:
    """How many places a kernel takes along one side: ⌊(size + 2·padding − kernel)/stride⌋ + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def window(image: list[list[list[Value]]], top: int, left: int, kernel: Pair) -> list[Value]:
    """The values under a kernel whose top-left corner is at (top, left), over every channel
    of ``image``, in the order i, ky, kx (the order of a kernel's weights)."""
    return [
        value
        for channel in image
        for row in channel[top : top + kernel[0]]
        for value in row[left : left + kernel[1]]
    ]


class Conv2d(Module):
    """``out_channels`` kernels of ``in_channels × kernel_size`` weights slid over an image.

    PyTorch's arguments and layout: ``weight[o][i][ky][kx]`` and ``bias[o]``, drawn from
    U(−1/√fan_in, 1/√fan_in) with fan_in = in_channels·kh·kw. ``kernel_size``, ``stride`` and
    ``padding`` are one int or (height, width). Called on one image ``[C][H][W]`` it returns
    ``[C'][H'][W']`` with H' = ⌊(H + 2p − kh)/s⌋ + 1. Padding is zeros: one leaf, 0, that every
    window reaching over the edge reads, so that every output is the same ``linear`` of the
    kernel's weights (PyTorch's ``padding_mode="zeros"``; groups and dilation are not offered).
    Each output channel draws in a scope of its own, ``channel o``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int] | list[int],
        stride: int | tuple[int, int] | list[int] = 1,
        padding: int | tuple[int, int] | list[int] = 0,
        bias: bool = True,
        seed: Seed = None,
    ) -> None:
        super().__init__()
        self.in_channels = integer(in_channels, "in_channels", high=MAX_PARAMETERS)
        self.out_channels = integer(out_channels, "out_channels", high=MAX_PARAMETERS)
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.padding = pair(padding, "padding", low=0)
        self.has_bias = boolean(bias, "bias")
        kh, kw = self.kernel_size
        fan_in = self.in_channels * kh * kw
        check_size(
            (fan_in + bias) * self.out_channels,
            f"Conv2d({self.in_channels}, {self.out_channels}, {stored(self.kernel_size)})",
        )
        rng = make_rng(seed)
        shape = (self.out_channels, self.in_channels, kh, kw)
        self.weight: list[list[list[list[Value]]]] = uniform_tensor(shape, fan_in, rng, "weight")
        self.bias: list[Value] | None = (
            uniform_tensor((self.out_channels,), fan_in, rng, "bias") if bias else None
        )

    def output_shape(self, shape: Shape) -> Shape:
        _, height, width = image_shape(
            self, shape, self.in_channels, self.kernel_size, self.padding
        )
        return (
            self.out_channels,
            output_size(height, self.kernel_size[0], self.stride[0], self.padding[0]),
            output_size(width, self.kernel_size[1], self.stride[1], self.padding[1]),
        )

    def forward(self, x: Any) -> Any:
        _, height, width = self.output_shape(shape_of(x))
        image = self._padded(x)
        (sh, sw), kernel = self.stride, self.kernel_size
        out = []
        for o in range(self.out_channels):
            weights: list[Value] = flatten(self.weight[o])  # in the order i, ky, kx
            bias: Value | float = self.bias[o] if self.bias else 0.0
            with scope(f"channel {o}"):
                out.append(
                    [
                        [
                            linear(weights, window(image, r * sh, c * sw, kernel), bias)
                            for c in range(width)
                        ]
                        for r in range(height)
                    ]
                )
        return out

    def _padded(self, x: Any) -> list[list[list[Value]]]:
        """The image as ``Value`` nodes, with ``padding`` rows and columns of one shared 0 leaf
        around each channel."""
        ph, pw = self.padding
        zero = Value(0.0, label="padding")
        padded = []
        for channel in as_nested(x):
            width = len(channel[0]) + 2 * pw
            rows = [[zero] * pw + [as_value(v) for v in row] + [zero] * pw for row in channel]
            padded.append([[zero] * width] * ph + rows + [[zero] * width] * ph)
        return padded

    def own_parameters(self) -> list[tuple[str, Value]]:
        return weight_and_bias(self.weight, self.bias)

    def config(self) -> dict[str, Any]:
        return {
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": stored(self.kernel_size),
            "stride": stored(self.stride),
            "padding": stored(self.padding),
            "bias": self.has_bias,
        }

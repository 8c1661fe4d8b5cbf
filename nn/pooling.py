"""Pooling: each channel of an image shrunk by summarising every window of it in one number.

For a window of size kh × kw at stride s (the kernel size by default, so windows do not
overlap), output place (r, c) of channel i summarises x[i][r·s + ky][c·s + kx] over the window:

* ``MaxPool2d``: its largest value, max(a, b) = a + relu(b − a) taken along the window in
  reading order. The gradient flows to the largest value only; at a tie to the first of the
  tied values in reading order (relu′(0) = 0), the one PyTorch's ``max_pool2d`` passes it to.
* ``AvgPool2d``: its mean, (1/(kh·kw)) Σ x, which passes each value 1/(kh·kw) of the gradient.

Pooling has no parameters. Padding, dilation and ``ceil_mode`` are not offered.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from autograd import Value, scope, total
from nn.conv import Pair, image_shape, output_size, pair, stored, window
from nn.module import Module
from nn.scalars import as_value
from nn.shapes import Shape, as_nested, each, shape_of


class Pool2d(Module):
    """A window of ``kernel_size`` moved by ``stride`` (the kernel size when None) over each
    channel of an image ``[C][H][W]``, giving ``[C][H'][W']``, H' = ⌊(H − kh)/s⌋ + 1."""

    def __init__(
        self,
        kernel_size: int | tuple[int, int] | list[int],
        stride: int | tuple[int, int] | list[int] | None = None,
    ) -> None:
        """Windows of ``kernel_size`` (one int, or height and width) moved by ``stride``."""
        super().__init__()
        self.kernel_size: Pair = pair(kernel_size, "kernel_size")
        self.stride: Pair = self.kernel_size if stride is None else pair(stride, "stride")

    @abstractmethod
    def summary(self, values: list[Value]) -> Value:
        """The one number a window's values become."""

    def output_shape(self, shape: Shape) -> Shape:
        channels, height, width = image_shape(self, shape, None, self.kernel_size)
        return (
            channels,
            output_size(height, self.kernel_size[0], self.stride[0]),
            output_size(width, self.kernel_size[1], self.stride[1]),
        )

    def forward(self, x: Any) -> Any:
        _, height, width = self.output_shape(shape_of(x))
        image = each(as_value, as_nested(x))
        (sh, sw), kernel = self.stride, self.kernel_size
        out = []
        for i, channel in enumerate(image):
            with scope(f"channel {i}"):
                out.append(
                    [
                        [
                            self.summary(window([channel], r * sh, c * sw, kernel))
                            for c in range(width)
                        ]
                        for r in range(height)
                    ]
                )
        return out

    def config(self) -> dict[str, Any]:
        return {"kernel_size": stored(self.kernel_size), "stride": stored(self.stride)}


class MaxPool2d(Pool2d):
    """The largest value of each window; at a tie the gradient goes to the first in reading
    order, as in PyTorch. max(a, b) is written a + relu(b − a), so it is made of ops every
    interpreter (eager, compiled, the explorer) already knows."""

    def summary(self, values: list[Value]) -> Value:
        largest = values[0]
        for value in values[1:]:
            largest = largest + (value - largest).relu()
        return largest


class AvgPool2d(Pool2d):
    """The mean of each window, (1/n) Σ x over its n = kh·kw values (PyTorch's default,
    ``count_include_pad`` without padding)."""

    def summary(self, values: list[Value]) -> Value:
        return total(values) / len(values)

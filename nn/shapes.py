"""Nested lists as tensors: the shape of one example, and turning it flat and back.

One example is a nested list of numbers or ``Value`` nodes: 64 numbers ``[64]``, an image
``[C][H][W]``. A NumPy array (anything with ``tolist``) is accepted in its place and read as
the same nested list. Its shape is the tuple of its lengths, outermost first, ``()`` for a
single number; a ragged list has no shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value

#: The lengths of a nested list, outermost first.
Shape = tuple[int, ...]


def as_nested(x: Any) -> Any:
    """``x`` with a NumPy array (anything with ``tolist``, but not a ``Value``) read as the
    nested list of numbers it holds; anything else as it is."""
    if not isinstance(x, Value) and hasattr(x, "tolist"):
        return x.tolist()
    return x


def _is_number(x: object) -> bool:
    return isinstance(x, Value | int | float) and not isinstance(x, bool)


def shape_of(x: Any, what: str = "the input") -> Shape:
    """The shape of the nested list ``x``; a ``ValueError`` for a ragged one and a
    ``TypeError`` for one holding anything but numbers and ``Value`` nodes, naming ``what``."""
    x = as_nested(x)
    if _is_number(x):
        return ()
    if isinstance(x, str | bytes) or not isinstance(x, Sequence):
        raise TypeError(f"{what} must hold numbers or Values, not {type(x).__name__}: {x!r:.40}")
    if not x:
        raise ValueError(f"{what} has an empty list in it")
    inner = {shape_of(item, what) for item in x}
    if len(inner) != 1:
        raise ValueError(
            f"{what} is ragged: its lists have different shapes "
            f"({', '.join(sorted(map(shown_shape, inner)))})"
        )
    return (len(x), *inner.pop())


def shown_shape(shape: Sequence[int | str]) -> str:
    """A shape as it indexes the nested list: ``[1][8][8]``; a single number is ``a number``."""
    return "".join(f"[{n}]" for n in shape) if shape else "a number"


def size_of(shape: Shape) -> int:
    """How many numbers a nested list of ``shape`` holds."""
    return math.prod(shape)


def flatten(x: Any) -> list[Any]:
    """Every number of the nested list ``x`` in reading order (the last index fastest)."""
    x = as_nested(x)
    if _is_number(x):
        return [x]
    return [number for item in x for number in flatten(item)]


def reshape(flat: Sequence[Any], shape: Shape) -> Any:
    """The numbers ``flat`` arranged as a nested list of ``shape`` (the inverse of
    :func:`flatten`); for ``()`` the one number itself."""
    if len(flat) != size_of(shape):
        raise ValueError(f"{len(flat)} numbers do not fill the shape {shown_shape(shape)}")
    if not shape:
        return flat[0]
    step = size_of(shape[1:])
    return [reshape(flat[i : i + step], shape[1:]) for i in range(0, len(flat), step)]


def each(f: Callable[[Any], Any], x: Any) -> Any:
    """``f`` applied to every number of the nested list ``x``, keeping its shape."""
    x = as_nested(x)
    if _is_number(x):
        return f(x)
    return [each(f, item) for item in x]

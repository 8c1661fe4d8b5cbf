"""What ``nn`` modules and losses accept and return: numbers, ``Value`` nodes, and lists of them.

A model's input may be plain floats or ``Value`` nodes (so that a model can be fed another model's
output, or differentiated with respect to its input). A layer with one output returns a single
``Value``; a wider one returns a list, as in micrograd.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd import Value

#: One number: a plain float (or int) or a node of a graph.
Scalar = Value | float
#: What a module is called with: one number or a sequence of them.
Inputs = Scalar | Sequence[Scalar]
#: What a module returns: one ``Value`` for a single output, else a list.
Outputs = Value | list[Value]
#: One example of a data set, whatever a model takes: numbers or ``Value`` nodes, or nested lists
#: of them (a sequence ``[T][features]``, an image ``[C][H][W]``; see :mod:`nn.shapes`).
Example = Any


def as_value(x: Scalar) -> Value:
    """``x`` itself when it is a ``Value``, else a new leaf holding the number."""
    return x if isinstance(x, Value) else Value(x)


def as_list(x: Inputs) -> list[Scalar]:
    """One number as a list of one; a sequence as a list."""
    if isinstance(x, Value | int | float):
        return [x]
    if isinstance(x, str | bytes):
        raise TypeError(f"inputs must be numbers or Values, not {type(x).__name__}: {x!r}")
    return list(x)


def inputs_of_width(x: Inputs, width: int, owner: str) -> list[Scalar]:
    """``x`` as a list, checked to hold exactly ``width`` numbers for ``owner``."""
    xs = as_list(x)
    if len(xs) != width:
        raise ValueError(f"{owner} expects {width} input{'s' if width != 1 else ''}, got {len(xs)}")
    return xs


def single(outputs: list[Value]) -> Outputs:
    """The one output itself, or the list when there are several."""
    return outputs[0] if len(outputs) == 1 else outputs

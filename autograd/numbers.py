"""Turning what a user passes in into a float, with an error that names the argument.

Every number that enters the engine from outside (``Value(...)``, a seed, a constant, an
exponent) goes through :func:`as_float`; :func:`finite_float` is the same for places that need a
finite number (steps, tolerances, parameters read from a file).
"""

from __future__ import annotations

import math
import numbers


def as_float(x: object, what: str = "data") -> float:
    """``x`` as a float when it is a real number (int, float, bool, NumPy scalar, Fraction).

    Anything else (str, None, complex, containers, ``Value``) is a ``TypeError`` naming ``what``.
    An integer too large for a float is a ``ValueError`` (not an ``OverflowError``).
    """
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:
            raise ValueError(f"{what} is too large for a float: {_shown(x)}") from None
    raise TypeError(
        f"{what} must be a real number (int, float, bool or a NumPy scalar), "
        f"not {type(x).__name__}: {_shown(x)}"
    )


def finite_float(x: object, what: str) -> float:
    """``x`` as a float when it is a finite real number; inf and NaN are a ``ValueError``."""
    value = as_float(x, what)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return value


def _shown(x: object) -> str:
    """``repr(x)``, shortened to 40 characters."""
    try:
        shown = repr(x)
    except ValueError:  # an int with more digits than Python converts to text
        shown = f"an int of {x.bit_length()} bits" if isinstance(x, int) else type(x).__name__
    return shown if len(shown) <= 40 else shown[:37] + "..."

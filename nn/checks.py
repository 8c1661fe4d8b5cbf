"""Checks of the whole numbers users pass in (sizes, counts), each error naming the argument:
a wrong type is a ``TypeError``, a number out of range a ``ValueError``.

Real numbers (rates, probabilities, strengths) are checked by :func:`autograd.numbers.finite_float`.
"""

from __future__ import annotations

from autograd.numbers import NumberError, shown


def integer(n: object, what: str, *, low: int = 1, high: int | None = None) -> int:
    """``n`` when it is an int ≥ ``low`` (1 by default: a positive size or count) and, when
    ``high`` is given, ≤ ``high``."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be an integer, not {type(n).__name__}: {shown(n)}")
    if n < low or (high is not None and n > high):
        raise NumberError(what, f"must be {integer_wanted(low, high)}, got {shown(n)}")
    return n


def integer_wanted(low: int, high: int | None = None) -> str:
    """What :func:`integer` asks for, in words: "a positive integer", "an integer from 2 to 100"."""
    if high is not None:
        return f"an integer from {low:,} to {high:,}"
    return "a positive integer" if low == 1 else f"an integer ≥ {low:,}"


def boolean(value: object, what: str) -> bool:
    """``value`` when it is True or False; a ``TypeError`` naming ``what`` otherwise."""
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, not {type(value).__name__}: {shown(value)}")
    return value

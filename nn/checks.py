"""Checks of the numbers users pass in (sizes, rates, probabilities), each error naming the
argument: a wrong type is a ``TypeError``, a number out of range a ``ValueError``."""

from __future__ import annotations

import math


def integer(n: object, what: str, *, low: int = 1) -> int:
    """``n`` when it is an int ≥ ``low`` (1 by default: a positive size or count)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be an integer, not {type(n).__name__}: {n!r}")
    if n < low:
        bound = "positive" if low == 1 else f"≥ {low}"
        raise ValueError(f"{what} must be a {bound} integer, got {n}")
    return n


def number(
    x: object, what: str, *, low: float = -math.inf, high: float = math.inf, strict: bool = False
) -> float:
    """``x`` as a float when it is a finite real number in [low, high] (in (low, high] when
    ``strict``)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"{what} must be a number, not {type(x).__name__}: {x!r}")
    value = float(x)
    too_low = value <= low if strict else value < low
    if not math.isfinite(value) or too_low or value > high:
        opening = "(" if strict else "["
        bounds = f"{opening}{low:g}, {high:g}]".replace("inf", "∞")
        raise ValueError(f"{what} must be a finite number in {bounds}, got {x!r}")
    return value


def positive(x: object, what: str) -> float:
    """``x`` as a float when it is a finite number > 0."""
    return number(x, what, low=0.0, strict=True)

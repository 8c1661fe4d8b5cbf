"""Turning what a user passes in into a float, with an error that names the argument.

This is the one place where a number from outside becomes a float: an argument of ``Value(...)``
or of an op, a hyperparameter, a parameter read from a model file, a number typed on the command
line. Three functions, from the most to the least permissive:

* :func:`as_float`: any real number, NaN and inf included (``Value`` follows float rules), and
  :func:`number_of`, which takes a ``Value``'s data too;
* :func:`finite_float`: a finite real number, optionally within bounds (a learning rate > 0, a
  probability in [0, 1));
* :func:`number_from_text`: the same for text, such as ``"0.5"`` typed on the command line.

Integers beyond the float range (``10**400``, ``10**5000``), inf, NaN and text that is no number
all get the same kind of message, and the message shows what the user gave (shortened by
:func:`short_repr`), never a number they did not give: ``lr must be a finite number > 0, got
'1e400'``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import NamedTuple, SupportsFloat

#: Integers up to this size are floats exactly (and quickly).
_EXACT = 2**53

#: Messages show at most this many characters of what the user gave.
SHOWN = 40


class NumberError(ValueError):
    """A number that is not finite or out of bounds. ``requirement`` is the message without the
    name of the argument (``must be a finite number > 0, got '0'``), for the command line, which
    names the option itself."""

    def __init__(self, what: str, requirement: str):
        super().__init__(f"{what} {requirement}")
        self.requirement = requirement


def as_float(x: object, what: str = "data") -> float:
    """``x`` as a float when it is a real number (int, float, bool, NumPy scalar, Fraction).

    NaN and inf stay what they are. Anything else (str, None, complex, containers, ``Value``) is
    a ``TypeError`` naming ``what``; an integer too large for a float is a :class:`NumberError`
    (a ``ValueError``, not Python's ``OverflowError``).
    """
    if type(x) is float:
        return x
    if type(x) is int and -_EXACT <= x <= _EXACT:  # an optimisation: `0 + v` starts every sum()
        return float(x)
    if isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:
            raise NumberError(what, f"is too large for a float: {short_repr(x)}") from None
    raise TypeError(
        f"{what} must be a real number (int, float, bool or a NumPy scalar), "
        f"not {type(x).__name__}: {short_repr(x)}"
    )


def number_of(x: object, what: str = "data") -> float:
    """``x`` as a float: a ``Value``'s ``data`` (read directly: ``float(v)`` would stop a compiled
    trace), or any real number as :func:`as_float` takes it."""
    if isinstance(x, numbers.Real):
        return as_float(x, what)
    data = getattr(x, "data", None)  # a Value, known by its float data: value.py imports this
    if type(data) is float:
        return data
    return as_float(x, what)


def is_finite(x: SupportsFloat) -> bool:
    """Whether ``x`` (a float, or a gradient that is a ``Value``) is neither infinite nor NaN."""
    value = float(x)
    return value - value == 0.0  # inf − inf and NaN − NaN are NaN; an optimisation of isfinite


def finite_float(
    x: object,
    what: str,
    *,
    above: float | None = None,
    at_least: float | None = None,
    below: float | None = None,
    at_most: float | None = None,
) -> float:
    """``x`` as a float when it is a finite real number within the bounds given, e.g.
    ``finite_float(lr, "lr", above=0)`` or ``finite_float(p, "dropout", at_least=0, below=1)``.

    A bool or a non-number is a ``TypeError``; inf, NaN, an integer beyond the float range or a
    number out of bounds is a :class:`NumberError` naming ``what`` and the bounds.
    """
    bounds = _Bounds(above, at_least, below, at_most)
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a number, not {type(x).__name__}: {short_repr(x)}")
    try:
        value = float(x)
    except OverflowError:
        value = math.nan  # beyond the float range: as out of bounds as inf
    return bounds.check(value, what, x)


def number_from_text(text: str, what: str, **bounds: float | None) -> float:
    """The finite number written in ``text`` (``"0.5"``, ``"-3"``, ``"1e-4"``) within the
    ``bounds`` (``above``, ``at_least``, ``below``, ``at_most``, as for :func:`finite_float`);
    anything else is a :class:`NumberError` that shows the text."""
    within = _Bounds(**bounds)
    try:
        value = float(text)
    except ValueError:
        value = math.nan  # not a number at all: the same message
    return within.check(value, what, text)


def short_repr(x: object) -> str:
    """``repr(x)`` for a message, shortened to about :data:`SHOWN` characters: an integer too long
    to print whole is described by its number of digits and its size (``10**5000`` is "an integer
    of 5001 digits (≈ 1e5000)"), long text by its beginning and its length."""
    if isinstance(x, int) and not isinstance(x, bool) and x.bit_length() > 128:
        exponent = math.floor(math.log10(abs(x)))
        exponent += abs(x) >= 10 ** (exponent + 1)  # the logarithm's rounding, either way
        exponent -= abs(x) < 10**exponent
        leading = f"{abs(x) // 10 ** (exponent - 2) / 100:.3g}"  # three digits, rounded down
        sign = "-" if x < 0 else ""
        return f"an integer of {exponent + 1} digits (≈ {sign}{leading}e{exponent})"
    if isinstance(x, str) and len(x) > SHOWN:
        return f"{x[: SHOWN - 10]!r}… ({len(x)} characters)"
    try:
        text = repr(x)
    except Exception:  # a broken __repr__ of a user's object
        text = f"a {type(x).__name__}"
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


def listed(names: Sequence[str]) -> str:
    """The first three of several names for a message, each shortened (see :func:`short_repr`):
    ``a, b, c and 997 more``."""
    few = ", ".join(
        name if len(name) < SHOWN and name.isprintable() else short_repr(name) for name in names[:3]
    )
    return few + (f" and {len(names) - 3} more" if len(names) > 3 else "")


class _Bounds(NamedTuple):
    """Where a number must lie: above / at least a lower bound, below / at most an upper one."""

    above: float | None = None
    at_least: float | None = None
    below: float | None = None
    at_most: float | None = None

    def check(self, value: float, what: str, given: object) -> float:
        """``value`` when finite and within the bounds; else a NumberError showing ``given``."""
        fits = (
            math.isfinite(value)
            and (self.above is None or value > self.above)
            and (self.at_least is None or value >= self.at_least)
            and (self.below is None or value < self.below)
            and (self.at_most is None or value <= self.at_most)
        )
        if not fits:
            raise NumberError(what, f"must be {self.wanted()}, got {short_repr(given)}")
        return value

    def wanted(self) -> str:
        """``a finite number``, ``a finite number > 0``, ``a number in [0, 1)``, …"""
        low = self.above if self.above is not None else self.at_least
        high = self.below if self.below is not None else self.at_most
        if low is not None and high is not None:
            opening = "(" if self.above is not None else "["
            closing = ")" if self.below is not None else "]"
            return f"a number in {opening}{low:g}, {high:g}{closing}"
        if low is not None:
            return f"a finite number {'>' if self.above is not None else '≥'} {low:g}"
        if high is not None:
            return f"a finite number {'<' if self.below is not None else '≤'} {high:g}"
        return "a finite number"

"""Argument types for the command line: each turns one word into a value, or says why not.

argparse puts the option in front of the reason: ``argument --lr: must be a finite number > 0,
got '0'``. Numbers are read by :func:`autograd.numbers.number_from_text` and whole numbers
are described as :func:`nn.checks.integer` describes them, so the command line says what the
library says.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from autograd.numbers import NumberError, number_from_text, short_repr
from nn.checks import integer_wanted

#: A whole number as a person writes it: digits, perhaps a sign.
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)


def number(**bounds: float | None) -> Callable[[str], float]:
    """An argument type for a finite number within the ``bounds`` (``above``, ``at_least``,
    ``below``, ``at_most``, as for :func:`autograd.numbers.finite_float`)."""

    def parse(text: str) -> float:
        try:
            return number_from_text(text, "it", **bounds)
        except NumberError as error:
            raise argparse.ArgumentTypeError(error.requirement) from None

    return parse


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argument type for a whole number from ``low`` to ``high``."""
    wanted = integer_wanted(low, high)

    def parse(text: str) -> int:
        written = text.strip()
        # More digits than the limit has cannot be within it (and Python refuses to convert
        # more than a few thousand digits).
        if _WHOLE.fullmatch(written) and len(written.lstrip("+-0")) <= len(str(high)):
            value = int(written)
            if low <= value <= high:
                return value
        raise argparse.ArgumentTypeError(f"must be {wanted}, got {short_repr(text)}")

    return parse


def whole_numbers(low: int, high: int) -> Callable[[str], list[int]]:
    """An argument type for whole numbers from ``low`` to ``high`` separated by commas
    (``16,16``)."""
    one = whole_number(low, high)
    wanted = integer_wanted(low, high)

    def parse(text: str) -> list[int]:
        try:
            return [one(word) for word in text.split(",")]
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                "must be sizes separated by commas, like 16,16, "
                f"each {wanted}; got {short_repr(text)}"
            ) from None

    return parse

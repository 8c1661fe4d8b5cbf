"""Looking up a named choice (an activation, a loss, a dataset, ...) with a helpful error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from autograd.numbers import short_repr

T = TypeVar("T")


def choose(options: Mapping[str, T], name: object, what: str) -> T:
    """``options[name]``; for any other name a ``ValueError`` that lists the known ones."""
    if isinstance(name, str) and name in options:
        return options[name]
    known = ", ".join(options)
    raise ValueError(f"unknown {what} {short_repr(name)} (choose from {known})")

"""The hook through which the compiled replay watches a function being traced.

``Value`` reports to the tracer, when one is set, the two things a replay cannot follow by
itself: comparisons (recorded as guards) and ``float(v)`` (refused). See
:mod:`autograd.replay`.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Protocol


class Tracer(Protocol):
    """Watches a function being traced for replay (see :mod:`autograd.compile`)."""

    def compared(self, left: Any, symbol: str, right: Any, outcome: bool) -> None:
        """A comparison of a ``Value``: the replay is valid only while it comes out the same."""

    def converted(self, value: Any) -> None:
        """``float(value)``: the number leaves the graph, which a replay cannot follow."""


#: The tracer watching the current call, if a function is being compiled.
TRACER: ContextVar[Tracer | None] = ContextVar("chainrule_tracer", default=None)

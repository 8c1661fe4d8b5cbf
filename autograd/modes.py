"""Modes that change what the engine records: ``no_grad``, anomaly detection and scopes.

All three live in one ``ContextVar``, so they are local to a thread and to an asyncio task, and
every operation reads them with a single lookup. The way back out of each switch entered is kept
in a second one, so that one ``no_grad()`` or ``scope()`` object can be entered in several threads
at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any, NamedTuple, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class Mode(NamedTuple):
    """What the engine does on each operation."""

    recording: bool = True
    detect_anomaly: bool = False
    #: Where new nodes are being made, e.g. "MLP/Layer 1/Neuron 3" ('' outside any scope).
    scope: str = ""


#: The mode outside every switch: recording, no anomaly checks, no scope. ``MODE.get()`` gives
#: this very object there, so that an operation tells the usual case with one ``is``.
DEFAULT = Mode()

MODE: ContextVar[Mode] = ContextVar("chainrule_mode", default=DEFAULT)


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for backprop."""
    return MODE.get().recording


#: The switches entered in this context, innermost first: (token that undoes it, the rest).
#: A ContextVar like MODE, so that one switch entered in several threads at once gives each
#: thread its own way back.
_Entered = tuple[Token[Mode], "_Entered"] | None
_ENTERED: ContextVar[_Entered] = ContextVar("chainrule_entered", default=None)


class _ModeSwitch:
    """One change of mode, as a context manager and as a decorator.

    The switch itself keeps no state, so it can be entered again, nested, or in several threads
    at once; a scope's full name ("MLP/Layer 1") is made from the scope it is entered in.
    """

    def __init__(self, scope: str | None = None, **changes: bool):
        self._scope = scope
        self._changes: dict[str, Any] = changes

    def __enter__(self) -> None:
        mode = MODE.get()
        if self._scope is None:
            mode = mode._replace(**self._changes)
        else:
            mode = mode._replace(scope=f"{mode.scope}/{self._scope}" if mode.scope else self._scope)
        _ENTERED.set((MODE.set(mode), _ENTERED.get()))

    def __exit__(self, *exc: object) -> None:
        entered = _ENTERED.get()
        if entered is None:
            raise RuntimeError("a mode switch was left more often than it was entered")
        token, outer = entered
        _ENTERED.set(outer)
        MODE.reset(token)

    def __call__(self, function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with self:
                return function(*args, **kwargs)

        return wrapper


def no_grad() -> _ModeSwitch:
    """Record nothing: values computed inside are plain leaves with no graph.

    Use as ``with no_grad(): ...`` or as a decorator ``@no_grad()``. The previous mode comes
    back when the block ends, also when it ends with an exception.
    """
    return _ModeSwitch(recording=False)


def enable_grad() -> _ModeSwitch:
    """Record again inside a ``no_grad`` block (context manager and decorator)."""
    return _ModeSwitch(recording=True)


def detect_anomaly() -> _ModeSwitch:
    """Raise :class:`autograd.errors.AnomalyError` at the first op whose value or local gradient
    is NaN or infinite while its inputs were finite, naming the op (context manager and decorator).
    """
    return _ModeSwitch(detect_anomaly=True)


def scope(name: str) -> _ModeSwitch:
    """Tag the nodes made inside with ``name`` (nested scopes join with "/"), so that drawings
    can group them: ``nn`` modules open one scope per neuron and layer.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"a scope needs a non-empty name, got {name!r}")
    if "/" in name:
        raise ValueError(f"a scope's name cannot contain '/', which joins nested scopes: {name!r}")
    return _ModeSwitch(scope=name)

"""Function transforms: ``grad(f)`` is the function x ↦ ∂f/∂x, and it composes.

``grad(grad(f))(x)`` is f''(x): the inner ``grad`` sees that an outer transform is tracing it and
returns its derivative as a ``Value`` with a graph (``create_graph=True``), which the outer one
differentiates again. At the outermost level the results are plain floats.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from autograd import ops
from autograd.backprop import gradients
from autograd.numbers import as_float
from autograd.value import Value, _apply

#: How many ``grad`` transforms are tracing the current call.
_DEPTH: ContextVar[int] = ContextVar("chainrule_transform_depth", default=0)

Argnums = int | Sequence[int]


def value_and_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., tuple[Any, Any]]:
    """Turn ``f`` into a function returning ``(f(*args), ∂f/∂args[argnums])``.

    ``argnums`` is one position (the gradient is one number) or a sequence of positions (a tuple
    of gradients). Each differentiated argument becomes a fresh node, so a derivative taken
    inside another never confuses the two variables.
    """
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    @functools.wraps(f)
    def transformed(*args: Any) -> tuple[Any, Any]:
        for position in positions:
            if not -len(args) <= position < len(args):
                raise IndexError(
                    f"argnums names argument {position}, but the function got {len(args)} arguments"
                )
        traced = _DEPTH.get() > 0 or any(isinstance(a, Value) for a in args)
        inputs = list(args)
        for position in positions:
            inputs[position] = _variable(args[position], position)
        token = _DEPTH.set(_DEPTH.get() + 1)
        try:
            out = f(*inputs)
        finally:
            _DEPTH.reset(token)
        gradients = _gradients(out, [inputs[p] for p in positions], traced)
        value = out if traced or not isinstance(out, Value) else out.data
        return value, gradients[0] if isinstance(argnums, int) else tuple(gradients)

    return transformed


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """Turn ``f`` into the function that returns ∂f/∂args[argnums]; composable to any order."""
    with_value = value_and_grad(f, argnums)

    @functools.wraps(f)
    def derivative(*args: Any) -> Any:
        return with_value(*args)[1]

    return derivative


def detach(x: Value) -> Value:
    """A new leaf with the same data as ``x``: gradients do not flow through it."""
    return x.detach()


def _variable(arg: Any, position: int) -> Value:
    if isinstance(arg, Value):
        return _apply(ops.IDENTITY, arg)
    return Value(as_float(arg, f"argument {position}"))


def _gradients(out: Any, variables: list[Value], traced: bool) -> list[Any]:
    if not isinstance(out, Value):
        as_float(out, "the function's result")
        return [0.0] * len(variables)
    found = gradients(out, variables, create_graph=traced)
    return found if traced else [float(g) for g in found]

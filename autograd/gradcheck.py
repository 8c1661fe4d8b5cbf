"""Check derivatives against central finite differences.

For a small step ε the central difference

    ∂f/∂xᵢ ≈ (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε

has an error of order ε² f''', so it is a trustworthy, independent witness for the chain rule.
Second derivatives are checked the same way on the analytic first derivatives:
∂²f/∂xⱼ∂xᵢ ≈ (∂f/∂xᵢ(x + εeⱼ) − ∂f/∂xᵢ(x − εeⱼ)) / 2ε.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd.errors import GradcheckError
from autograd.functional import grad
from autograd.value import Value, as_float

Function = Callable[..., Any]


def central_difference(f: Function, point: Sequence[float], index: int, eps: float = 1e-6) -> float:
    """(f(x + εeᵢ) − f(x − εeᵢ)) / 2ε, with f evaluated on ``Value`` inputs."""

    def at(shift: float) -> float:
        return _evaluate(f, [x + shift if i == index else x for i, x in enumerate(point)])

    return (at(eps) - at(-eps)) / (2 * eps)


def gradcheck(
    f: Function,
    inputs: Sequence[float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    order: int = 1,
) -> bool:
    """Compare every derivative of ``f`` up to ``order`` at ``inputs`` with finite differences.

    Passes when |analytic − numeric| ≤ atol + rtol·|numeric| for every input; otherwise raises
    :class:`~autograd.errors.GradcheckError` naming the input, the analytic and the numeric value.
    Returns ``True`` when everything agrees, so it can stand in an ``assert``.
    """
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"order must be a positive integer, got {order!r}")
    point = [as_float(x, f"input {i}") for i, x in enumerate(inputs)]
    if not point:
        raise ValueError("gradcheck needs at least one input")
    names = _input_names(f, len(point))
    at_point = _evaluate(f, point)
    if not math.isfinite(at_point):
        raise ValueError(f"f is not finite at {_show(names, point)}: f = {at_point!r}")

    # The derivatives of order k − 1, each with its name, whose gradients are checked at level k.
    everything = tuple(range(len(point)))
    level: list[tuple[str, Function]] = [("f", f)]
    for k in range(1, order + 1):
        next_level: list[tuple[str, Function]] = []
        for name, function in level:
            gradient = grad(function, everything)
            analytic = [_number(g, name) for g in gradient(*point)]
            for i in everything:
                partial = f"∂{name}/∂{names[i]}" if k == 1 else f"∂({name})/∂{names[i]}"
                numeric = central_difference(function, point, i, eps)
                if not abs(analytic[i] - numeric) <= atol + rtol * abs(numeric):
                    raise GradcheckError(
                        f"gradcheck failed for {partial} at {_show(names, point)}: "
                        f"analytic {analytic[i]!r}, numeric {numeric!r}, difference "
                        f"{abs(analytic[i] - numeric):.3g} > {atol} + {rtol}·|numeric|",
                        input=names[i],
                        analytic=analytic[i],
                        numeric=numeric,
                        order=k,
                    )
                next_level.append((partial, _component(gradient, i)))
        level = next_level
    return True


def _component(gradient: Function, index: int) -> Function:
    """The function x ↦ gradient(x)[index]: one partial derivative, to be differentiated again."""

    def partial(*args: Any) -> Any:
        return gradient(*args)[index]

    return partial


def _evaluate(f: Function, point: Sequence[float]) -> float:
    """f at ``point``, given as ``Value`` inputs (f may call Value methods such as ``tanh``)."""
    return _number(f(*map(Value, point)), "the function's result")


def _number(result: Any, what: str) -> float:
    return result.data if isinstance(result, Value) else as_float(result, what)


def _input_names(f: Function, count: int) -> list[str]:
    """The parameter names of ``f`` where it has them, else x0, x1, …"""
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    positional = [
        p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(positional) >= count:
        return positional[:count]
    return [f"x{i}" for i in range(count)]


def _show(names: Sequence[str], point: Sequence[float]) -> str:
    return "(" + ", ".join(f"{n}={x!r}" for n, x in zip(names, point, strict=True)) + ")"

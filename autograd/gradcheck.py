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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.errors import GradcheckError
from autograd.functional import grad
from autograd.numbers import as_float
from autograd.value import Value

Function = Callable[..., Any]


def central_difference(f: Function, point: Sequence[float], index: int, eps: float = 1e-6) -> float:
    """(f(x + εeᵢ) − f(x − εeᵢ)) / 2ε, with f evaluated on ``Value`` inputs."""

    def at(shift: float) -> float:
        return _evaluate(f, [x + shift if i == index else x for i, x in enumerate(point)])

    return (at(eps) - at(-eps)) / (2 * eps)


@dataclass(frozen=True)
class DerivativeCheck:
    """One derivative of f at a point, by autograd and by a central finite difference."""

    #: The derivative's name, e.g. ∂f/∂x or ∂²f/∂y∂x.
    name: str
    #: The input it was last differentiated by.
    input: str
    order: int
    analytic: float
    numeric: float

    @property
    def difference(self) -> float:
        return abs(self.analytic - self.numeric)

    def agrees(self, atol: float = 1e-5, rtol: float = 1e-3) -> bool:
        """|analytic − numeric| ≤ atol + rtol·|numeric|."""
        return self.difference <= atol + rtol * abs(self.numeric)


def derivative_checks(
    f: Function,
    inputs: Sequence[float],
    *,
    eps: float = 1e-6,
    order: int = 1,
    names: Sequence[str] | None = None,
) -> Iterator[DerivativeCheck]:
    """Every derivative of ``f`` up to ``order`` at ``inputs``, analytic beside numeric.

    Inputs are named by ``names``, else by ``f``'s parameter names, else x0, x1, …

    A derivative of order k is checked as the finite difference of autograd's derivative of
    order k − 1, so every order is compared with an independent estimate.
    """
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"order must be a positive integer, got {order!r}")
    point = [as_float(x, f"input {i}") for i, x in enumerate(inputs)]
    if not point:
        raise ValueError("a derivative check needs at least one input")
    names = list(names) if names is not None else _input_names(f, len(point))
    if len(names) != len(point):
        raise ValueError(f"{len(names)} names for {len(point)} inputs")
    at_point = _evaluate(f, point)
    if not math.isfinite(at_point):
        raise ValueError(f"f is not finite at {_show(names, point)}: f = {at_point!r}")

    # The derivatives of order k − 1, each with the inputs it was taken by, checked at level k.
    everything = tuple(range(len(point)))
    level: list[tuple[tuple[int, ...], Function]] = [((), f)]
    for k in range(1, order + 1):
        next_level: list[tuple[tuple[int, ...], Function]] = []
        for taken, function in level:
            gradient = grad(function, everything)
            analytic = [_number(g, "a derivative") for g in gradient(*point)]
            for i in everything:
                by = (*taken, i)
                yield DerivativeCheck(
                    name=_derivative_name([names[j] for j in by]),
                    input=names[i],
                    order=k,
                    analytic=analytic[i],
                    numeric=central_difference(function, point, i, eps),
                )
                next_level.append((by, _component(gradient, i)))
        level = next_level


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

    Passes when |analytic − numeric| ≤ atol + rtol·|numeric| for every derivative; otherwise
    raises :class:`autograd.errors.GradcheckError` naming the derivative and input, the analytic
    and the numeric value. Returns ``True`` when everything agrees, so it can stand in an
    ``assert``.
    """
    point = [as_float(x, f"input {i}") for i, x in enumerate(inputs)]
    where = _show(_input_names(f, len(point)), point)
    for check in derivative_checks(f, point, eps=eps, order=order):
        if not check.agrees(atol, rtol):
            raise GradcheckError(
                f"gradcheck failed for {check.name} at {where}: "
                f"analytic {check.analytic!r}, numeric {check.numeric!r}, "
                f"difference {check.difference:.3g} > {atol} + {rtol}·|numeric|",
                input=check.input,
                analytic=check.analytic,
                numeric=check.numeric,
                order=check.order,
            )
    return True


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _derivative_name(by: Sequence[str]) -> str:
    """∂f/∂x, ∂²f/∂x², ∂²f/∂y∂x (x first, then y), ∂³f/∂z∂y∂x, …"""
    if len(by) == 1:
        return f"∂f/∂{by[0]}"
    power = str(len(by)).translate(_SUPERSCRIPTS)
    if len(set(by)) == 1:
        return f"∂{power}f/∂{by[0]}{power}"
    return f"∂{power}f/" + "".join(f"∂{name}" for name in reversed(by))


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

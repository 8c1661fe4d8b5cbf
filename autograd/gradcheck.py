"""Check derivatives against central finite differences.

For a small step ε the central difference

    ∂f/∂xᵢ ≈ (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε

has an error of order ε² f''', so it is a trustworthy, independent witness for the chain rule.
Second derivatives are checked the same way on the analytic first derivatives:
∂²f/∂xⱼ∂xᵢ ≈ (∂f/∂xᵢ(x + εeⱼ) − ∂f/∂xᵢ(x − εeⱼ)) / 2ε.

In floats x ± ε is rounded, so the difference is divided by the step actually taken,
(x + ε) − (x − ε), which is exact. A finite difference can also mean nothing at all: when
x ± ε rounds to x (ε below the spacing of floats at x), when x ± ε or f there overflows, or
when x ± ε leaves f's domain. And it has errors of its own, which are estimated for a
derivative that disagrees: rounding in f, and the ε² f''' term. For the second the difference
is taken again with ε/2 and ε/4: where ε is small enough each halving divides the error by
four, so D(ε)'s error is about 4/3 of D(ε) − D(ε/2) (and at most twice it while the changes
shrink at least twofold); where the three do not settle like that, the step is too large for
f there. A disagreement that these errors could explain cannot tell a wrong
derivative from a poor step. :meth:`autograd.gradcheck.DerivativeCheck.undecided` says when and
why; such a
derivative is reported as one that cannot be checked there, never as a disagreement.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from autograd.backprop import topological_order
from autograd.errors import AnomalyError, DomainError, GradcheckError
from autograd.functional import grad
from autograd.numbers import as_float, finite_float, number_of
from autograd.value import Value

Function = Callable[..., Any]


def central_difference(f: Function, point: Sequence[float], index: int, eps: float = 1e-6) -> float:
    """(f(x + εeᵢ) − f(x − εeᵢ)) / ((x + ε) − (x − ε)), with f evaluated on ``Value`` inputs.

    NaN where the difference means nothing (:func:`autograd.gradcheck.derivative_checks` says
    why).
    """
    eps = checked_step(eps)
    point = [as_float(x, f"input {i}") for i, x in enumerate(point)]
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(point):
        raise IndexError(f"index must name one of the {len(point)} inputs, got {index!r}")
    return _difference(f, point, index, eps, f"x{index}").numeric


def checked_step(eps: object, name: str = "eps") -> float:
    """``eps`` as a float when it is a positive finite number; otherwise an error naming it."""
    return finite_float(eps, name, above=0.0)


def checked_tolerance(tolerance: object, name: str) -> float:
    """``tolerance`` as a float when it is a finite number ≥ 0; otherwise an error naming it."""
    return finite_float(tolerance, name, at_least=0.0)


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
    #: Why the finite difference means nothing here (``None`` when it does).
    problem: str | None = None
    #: How far rounding may move the finite difference: 2·Σᵥ |∂f/∂v|·ulp(v) / step, over the
    #: nodes v that f computes (each op's result is rounded; both sides of the step).
    rounding: float = 0.0
    #: How far the step's truncation error may move it: 2·|D(ε) − D(ε/2)|. Both errors are
    #: estimated only for a derivative that disagrees (they are 0 otherwise).
    truncation: float = 0.0

    @property
    def difference(self) -> float:
        return abs(self.analytic - self.numeric)

    def agrees(self, atol: float = 1e-5, rtol: float = 1e-3) -> bool:
        """|analytic − numeric| ≤ atol + rtol·|numeric|."""
        return self.difference <= atol + rtol * abs(self.numeric)

    def undecided(self, atol: float = 1e-5, rtol: float = 1e-3) -> str | None:
        """Why the finite difference cannot decide this check, or ``None`` when it can: its
        :attr:`problem`, or a disagreement within what its own errors could explain."""
        if self.problem is not None:
            return self.problem
        tolerance = atol + rtol * abs(self.numeric)
        if self.agrees(atol, rtol) or self.difference > tolerance + self.rounding + self.truncation:
            return None
        if self.rounding >= self.truncation:
            return (
                f"rounding in f can move the finite difference by about {self.rounding:.2g}, "
                f"more than the tolerance {tolerance:.2g}: the step is too small for the size "
                "of the numbers f computes there (choose a larger one)"
            )
        return (
            f"the finite difference changes by about {self.truncation:.2g} when the step is "
            f"halved, more than the tolerance {tolerance:.2g}: the step is too large for how "
            "fast f's slope changes there (choose a smaller one)"
        )


def derivative_checks(
    f: Function,
    inputs: Sequence[float],
    *,
    eps: float = 1e-6,
    order: int = 1,
    names: Sequence[str] | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> Iterator[DerivativeCheck]:
    """Every derivative of ``f`` up to ``order`` at ``inputs``, analytic beside numeric.

    Inputs are named by ``names``, else by ``f``'s parameter names, else x0, x1, …

    A derivative of order k is checked as the finite difference of autograd's derivative of
    order k − 1, so every order is compared with an independent estimate. For a derivative
    that disagrees at ``atol`` and ``rtol`` the finite difference's own errors are estimated
    too (:attr:`DerivativeCheck.rounding`, :attr:`DerivativeCheck.truncation`), so that
    :meth:`DerivativeCheck.undecided` can tell a poor step from a wrong derivative.
    """
    eps = checked_step(eps)
    atol, rtol = checked_tolerance(atol, "atol"), checked_tolerance(rtol, "rtol")
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"order must be a positive integer, got {order!r}")
    point = [as_float(x, f"input {i}") for i, x in enumerate(inputs)]
    if not point:
        raise ValueError("a derivative check needs at least one input")
    names = list(names) if names is not None else _input_names(f, len(point))
    if len(names) != len(point):
        raise ValueError(f"{len(names)} names for {len(point)} inputs")
    at_point = _evaluate(f, point)
    if not math.isfinite(at_point):
        raise ValueError(f"f is not finite at {point_text(point, names)}: f = {at_point!r}")

    # The derivatives of order k − 1, each with the inputs it was taken by, checked at level k.
    everything = tuple(range(len(point)))
    level: list[tuple[tuple[int, ...], Function]] = [((), f)]
    for k in range(1, order + 1):
        next_level: list[tuple[tuple[int, ...], Function]] = []
        for taken, function in level:
            gradient = grad(function, everything)
            analytic = [number_of(g, "a derivative") for g in gradient(*point)]
            for i in everything:
                by = (*taken, i)
                difference = _difference(function, point, i, eps, names[i])
                check = DerivativeCheck(
                    name=_derivative_name([names[j] for j in by]),
                    input=names[i],
                    order=k,
                    analytic=analytic[i],
                    numeric=difference.numeric,
                    problem=difference.problem,
                )
                if check.problem is None and not check.agrees(atol, rtol):
                    check = _with_errors(check, function, point, i, eps, difference.step)
                yield check
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
    ``assert``. Where the finite difference means nothing
    (:meth:`autograd.gradcheck.DerivativeCheck.undecided`) it raises a ``ValueError`` that says
    why the check cannot be made there. ``eps`` must be
    positive, ``atol`` and ``rtol`` finite and ≥ 0, ``order`` a positive integer.
    """
    atol, rtol = checked_tolerance(atol, "atol"), checked_tolerance(rtol, "rtol")
    point = [as_float(x, f"input {i}") for i, x in enumerate(inputs)]
    where = point_text(point, _input_names(f, len(point)))
    for check in derivative_checks(f, point, eps=eps, order=order, atol=atol, rtol=rtol):
        reason = check.undecided(atol, rtol)
        if reason is not None:
            raise ValueError(f"gradcheck cannot check {check.name} at {where}: {reason}")
        if not check.agrees(atol, rtol):
            raise GradcheckError(
                f"gradcheck failed for {check.name} at {where}: "
                f"analytic {check.analytic!r}, numeric {check.numeric!r}, "
                f"difference {check.difference:.3g} > {atol} + {rtol}·|numeric|",
                input=check.input,
                analytic=check.analytic,
                numeric=check.numeric,
                order=check.order,
                point=tuple(point),
            )
    return True


@dataclass(frozen=True)
class _Difference:
    numeric: float
    #: What makes the difference meaningless, or ``None``.
    problem: str | None
    #: The step actually taken, (x + ε) − (x − ε) (0 when none was).
    step: float


def _difference(
    f: Function, point: Sequence[float], index: int, eps: float, name: str
) -> _Difference:
    """The central difference of f by input ``index``, or why it cannot be taken."""
    x = point[index]
    up, down = x + eps, x - eps
    if not (math.isfinite(up) and math.isfinite(down)):
        return _meaningless(f"{name} ± ε overflows ({name} = {x:g}, ε = {eps:g})")
    if up == x or down == x:
        spacing = math.ulp(x)
        return _meaningless(
            f"ε = {eps:g} is below the spacing of floats at {name} = {x:g} ({spacing:.2g}), "
            f"so {name} ± ε rounds to {name} (choose ε well above {spacing:.2g})"
        )
    values = []
    for shifted, side in ((up, "+"), (down, "−")):
        at = [shifted if i == index else v for i, v in enumerate(point)]
        try:
            value = _evaluate(f, at)
        except DomainError as error:
            return _meaningless(f"{name} {side} ε = {shifted:g} is out of the domain: {error}")
        except (AnomalyError, OverflowError) as error:
            return _meaningless(f"f overflows at {name} {side} ε = {shifted:g}: {error}")
        except (ValueError, ArithmeticError) as error:
            # e.g. an expression that refuses to overflow: f fails only away from the point.
            return _meaningless(f"f cannot be evaluated at {name} {side} ε = {shifted:g}: {error}")
        if not math.isfinite(value):
            return _meaningless(f"f overflows at {name} {side} ε = {shifted:g} (f = {value!r})")
        values.append(value)
    change = values[0] - values[1]
    if not math.isfinite(change):
        return _meaningless(f"f(x + ε) − f(x − ε) overflows at {name} = {x:g}")
    step = up - down
    return _Difference(change / step, None, step)


def _meaningless(problem: str) -> _Difference:
    return _Difference(math.nan, problem, 0.0)


def _with_errors(
    check: DerivativeCheck, f: Function, point: Sequence[float], index: int, eps: float, step: float
) -> DerivativeCheck:
    """``check`` with the errors of its finite difference D(ε) estimated.

    Rounding: from f's graph at the point (:func:`_rounding`). Truncation: D(ε) = f' + Cε² + …,
    so D(ε) − D(ε/2) = ¾Cε² + … and each halving divides that change by four. Where the changes
    shrink at least twofold (and at most eightfold, or they are not following a power of ε),
    or the second is lost in rounding, the errors still to come sum to at most the first change,
    so D(ε)'s error is at most 2·|D(ε) − D(ε/2)|. A first change within what rounding explains
    (rounding doubles with each halving) says nothing; changes that shrink otherwise mean the
    step is too large for f there.
    """
    rounding = 2 * _rounding(f, point) / step
    halves = [_difference(f, point, index, eps / 2, check.input).numeric]
    halves.append(_difference(f, point, index, eps / 4, check.input).numeric)
    first, second = check.numeric - halves[0], halves[0] - halves[1]
    if not math.isfinite(first + second) or abs(first) <= 3 * rounding:
        return replace(check, rounding=rounding)
    if abs(second) <= 6 * rounding or 2 <= first / second <= 8:
        return replace(check, rounding=rounding, truncation=2 * abs(first))
    return replace(
        check,
        rounding=rounding,
        problem=(
            f"the finite difference does not settle as the step is halved ({check.numeric:.6g}, "
            f"{halves[0]:.6g}, {halves[1]:.6g} at ε, ε/2, ε/4): the step is too large for how "
            "fast f's slope changes there (choose a smaller one)"
        ),
    )


def _rounding(f: Function, point: Sequence[float]) -> float:
    """How far rounding may move f's value near ``point``: Σᵥ |∂f/∂v|·ulp(v) over the nodes v
    that f computes (first-order propagation of each op's rounding, from one backward pass),
    and at least ulp(f), for a value computed outside the graph."""
    root = f(*map(Value, point))
    if not isinstance(root, Value):
        return math.ulp(number_of(root, "the function's result"))
    root.backward()
    through_graph = math.fsum(
        abs(float(node.grad)) * math.ulp(node.data)
        for node in topological_order(root)
        if node.inputs and math.isfinite(node.data) and math.isfinite(float(node.grad))
    )
    return max(through_graph, math.ulp(root.data))


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
    return number_of(f(*map(Value, point)), "the function's result")


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


def point_text(point: Sequence[float], names: Sequence[str] | None = None) -> str:
    """A point for a message, each coordinate by its name: ``(x=0.5, y=2.0)``; the names are
    x0, x1, … by default."""
    names = [f"x{i}" for i in range(len(point))] if names is None else names
    return "(" + ", ".join(f"{n}={x!r}" for n, x in zip(names, point, strict=True)) + ")"

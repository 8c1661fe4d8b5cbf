"""Property tests for an op: its derivatives against finite differences (needs ``hypothesis``).

For an op such as ``Cube`` in :class:`autograd.Op`'s documentation::

    from autograd.testing import check_op, op_test

    check_op(Cube())              # passes, or raises GradcheckError with the simplest failure
    test_cube = op_test(Cube())   # in a test file, this line is a whole pytest test

:func:`check_op` draws random cases with Hypothesis. Each is a function of a few inputs that
applies the op, either alone or composed into random expression graphs
(:mod:`autograd.strategies`) before and after it, and a point inside the op's domain and away
from its kinks (:meth:`autograd.ops.Op.margin`). At that point it checks

* the first derivatives and, with ``order=2``, the second against central finite differences
  (:func:`autograd.gradcheck.derivative_checks`; a finite difference that means nothing there
  discards the case instead of failing it);
* that eager ``backward()``, ``backward(create_graph=True)`` and the compiled replay, on floats
  and on a NumPy batch (when NumPy is installed), give the same value and gradients.

A failure is shrunk by Hypothesis to the simplest case it can find and raised as
:class:`autograd.errors.GradcheckError`, naming the op, the function, the point, and the two
numbers that disagree. Hypothesis is imported only here and by :mod:`autograd.strategies`.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, assume, given, reject, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from autograd.errors import GradcheckError
from autograd.gradcheck import checked_tolerance, derivative_checks, point_text
from autograd.ops import Op
from autograd.replay import compile as compile_replay
from autograd.rulecheck import check_rule, title
from autograd.strategies import Expression, expressions
from autograd.value import Value

__all__ = ["Case", "cases", "check_op", "op_test"]

#: How close to a kink or a pole (``Op.margin``) an op's inputs may be drawn.
MARGIN = 1e-3
#: How large any value in a drawn case may be: beyond it finite differences lose their digits.
BOUND = 1e4
#: When eager, create_graph and the replay count as agreeing: they evaluate the same rules, so
#: only the order of a few roundings may differ.
AGREEMENT = 1e-9


@dataclass(frozen=True)
class Case:
    """A function that applies the op, and a point where it is smooth.

    Alone (no expressions), f(x) = op(x). Composed, the op's inputs are uᵢ = aᵢ + eᵢ(x) − eᵢ(p),
    which equal the drawn ``at`` (inside the domain) at the point p however the inner expressions
    eᵢ behave, and f(x) = outer(op(u)).
    """

    op: Op
    point: tuple[float, ...]
    #: The op's inputs at the point.
    at: tuple[float, ...]
    inner: tuple[Expression, ...] = ()
    outer: Expression | None = None
    #: eᵢ(p), each inner expression's value at the point.
    centre: tuple[float, ...] = ()

    def __call__(self, *xs: Value) -> Value:
        if not self.inner:
            result: Value = self.op(*xs)
            return result
        shifted = zip(self.at, self.inner, self.centre, strict=True)
        inputs = [a + (e(*xs) - c) for a, e, c in shifted]
        assert self.outer is not None
        return self.outer(self.op(*inputs))

    def __str__(self) -> str:
        variables = ", ".join(f"x{i}" for i in range(len(self.point)))
        if not self.inner:
            return f"f({variables}) = {self.op!r}({variables})"
        inputs = ", ".join(f"u{i}" for i in range(len(self.inner)))
        assert self.outer is not None
        parts = [f"f({variables}) = g({self.op!r}({inputs}))", f"g(x0): {self.outer}"]
        for i, (a, e, c) in enumerate(zip(self.at, self.inner, self.centre, strict=True)):
            parts.append(f"u{i} = {a!r} + e{i}({variables}) - {c!r}, e{i}: {e}")
        return "; ".join(parts)


def check_op(
    op: Op,
    *,
    order: int = 2,
    max_examples: int = 200,
    arity: int | None = None,
    min_value: float = -3.0,
    max_value: float = 3.0,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Property-test ``op``'s derivatives (see the module's documentation); ``None`` when they
    hold, :class:`autograd.errors.GradcheckError` with the shrunk counterexample otherwise.

    ``order`` is the highest derivative checked against finite differences; ``max_examples``
    the number of cases Hypothesis tries (a Hypothesis profile sets the rest, e.g. its example
    database); ``arity`` the number of inputs of an op that takes any number (3 by default);
    the op's inputs are drawn from [``min_value``, ``max_value``]; a derivative agrees when
    |analytic − numeric| ≤ atol + rtol·|numeric|.
    """
    if not isinstance(op, Op):
        raise TypeError(f"check_op needs an op (an instance of autograd.Op), not {op!r}")
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"order must be a positive integer, got {order!r}")
    if not isinstance(max_examples, int) or isinstance(max_examples, bool) or max_examples < 1:
        raise ValueError(f"max_examples must be a positive integer, got {max_examples!r}")
    if not min_value < max_value:
        raise ValueError(f"min_value must be below max_value, got {min_value!r} and {max_value!r}")
    atol, rtol = checked_tolerance(atol, "atol"), checked_tolerance(rtol, "rtol")
    count = arity if arity is not None else op.arity if op.arity is not None else 3
    check_rule(op, count)  # a broken rule is named at once, not shrunk

    @settings(
        max_examples=max_examples,
        deadline=None,
        report_multiple_bugs=False,
        # Not Phase.explain: it reruns the shrunk case hundreds of times to say which lines
        # only failing cases run, which for a whole engine says little and takes long.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    @given(cases(op, count, min_value, max_value))
    def derivatives_hold(case: Case) -> None:
        _check(case, order, atol, rtol)

    try:
        derivatives_hold()
    except Unsatisfiable:
        raise ValueError(
            f"check_op({title(op)}) found too few points in [{min_value}, {max_value}] inside the "
            f"op's domain and at least {MARGIN} from its kinks: choose min_value and max_value"
        ) from None


def op_test(op: Op, **options: object) -> Callable[[], None]:
    """A pytest test function that runs :func:`check_op` on ``op`` (with ``options``):
    ``test_cube = op_test(Cube())`` in a test file is a whole test."""

    def test() -> None:
        check_op(op, **options)  # type: ignore[arg-type]

    test.__name__ = test.__qualname__ = f"test_{op.name}"
    test.__doc__ = f"check_op({title(op)}): its derivatives agree with finite differences."
    return test


@st.composite
def cases(
    draw: st.DrawFn, op: Op, count: int, min_value: float = -3.0, max_value: float = 3.0
) -> Case:
    """Random cases for ``op`` with ``count`` inputs: alone first (shrinking prefers it), or
    composed with random expressions before and after it."""
    coordinate = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
    at = draw(st.tuples(*[coordinate] * count).filter(lambda xs: _fits(op, xs)))
    if draw(st.sampled_from(["alone", "composed"])) == "alone":
        return Case(op, at, at)
    n = draw(st.integers(1, 3))
    point = draw(st.tuples(*[st.floats(-2.0, 2.0)] * n))
    inner = tuple(draw(expressions(n_inputs=n, max_steps=3)) for _ in range(count))
    outer = draw(expressions(n_inputs=1, max_steps=3))
    assume(all(e.is_well_conditioned(point, margin=MARGIN, bound=BOUND) for e in inner))
    assume(outer.is_well_conditioned((op(*at).data,), margin=MARGIN, bound=BOUND))
    return Case(op, point, at, inner, outer, tuple(e(*point).data for e in inner))


def _fits(op: Op, xs: Sequence[float]) -> bool:
    """Inside the op's domain, away from its kinks, and with a value of a sane size."""
    if op.domain(*xs) is not None or op.margin(*xs) < MARGIN:
        return False
    value = op(*xs).data
    return math.isfinite(value) and abs(value) <= BOUND


def _check(case: Case, order: int, atol: float, rtol: float) -> None:
    names = [f"x{i}" for i in range(len(case.point))]
    for check in derivative_checks(
        case, case.point, order=order, names=names, atol=atol, rtol=rtol
    ):
        if check.undecided(atol, rtol) is not None:
            reject()  # the finite difference means nothing here: not evidence either way
        if not check.agrees(atol, rtol):
            _fail(case, check.name, check.input, check.order, check.analytic, check.numeric)
    _check_agreement(case)


def _check_agreement(case: Case) -> None:
    """Eager backward, create_graph and the compiled replay give the same value and gradients."""
    xs = [Value(x) for x in case.point]
    root = case(*xs)
    root.backward()
    eager = [x.grad for x in xs]

    xs = [Value(x) for x in case.point]
    case(*xs).backward(create_graph=True)
    _agree(case, "backward(create_graph=True)", eager, [float(x.grad) for x in xs])

    # The replay's parameters are offsets added to the inputs: ∂f/∂offset = ∂f/∂input.
    offsets = [Value(0.0) for _ in case.point]
    compiled = compile_replay(
        lambda *ys: case(*(y + d for y, d in zip(ys, offsets, strict=True))), offsets
    )
    value = compiled(*case.point)
    _agree(case, "the compiled replay's value", [root.data], [value])
    _agree(case, "the compiled replay", eager, [d.grad for d in offsets])
    if importlib.util.find_spec("numpy") is None:
        return
    for d in offsets:
        d.grad = 0.0
    mean = compiled(*[[x, x] for x in case.point])  # a batch of two copies: the same mean
    _agree(case, "the NumPy batch replay's value", [root.data], [mean])
    _agree(case, "the NumPy batch replay", eager, [d.grad for d in offsets])


def _agree(case: Case, other: str, eager: Sequence[float], found: Sequence[float]) -> None:
    for i, (a, b) in enumerate(zip(eager, found, strict=True)):
        if not abs(a - b) <= AGREEMENT * (1.0 + abs(a)):
            what = "the value" if other.endswith("value") else f"∂f/∂x{i}"
            raise GradcheckError(
                f"check_op({title(case.op)}): {other} gives {what} = {b!r}, "
                f"eager backward() gives {a!r}, at {point_text(case.point)} for {case}",
                input=f"x{i}",
                analytic=a,
                numeric=b,
                order=1,
                point=case.point,
                op=case.op.name,
            )


def _fail(case: Case, name: str, input: str, order: int, analytic: float, numeric: float) -> None:
    raise GradcheckError(
        f"check_op({title(case.op)}): {name} disagrees with its finite difference at "
        f"{point_text(case.point)}: analytic {analytic!r}, numeric {numeric!r}, for {case}",
        input=input,
        analytic=analytic,
        numeric=numeric,
        order=order,
        point=case.point,
        op=case.op.name,
    )

"""Hypothesis strategies for property tests of derivatives (needs ``hypothesis``).

``expressions()`` draws random expression graphs over several inputs: straight-line programs in
which every step applies an op to earlier results, so inputs and intermediate results are reused
(diamonds, fan-in). Ops with a restricted domain are drawn on a positive argument (``log(a² + c)``,
``a / (b² + c)``), so every expression is defined everywhere. ``points(expression)`` draws points
where it is also smooth and well-conditioned: away from kinks such as relu's at 0, and with no
intermediate value too large for finite differences to be meaningful. ::

    from hypothesis import given
    from autograd import gradcheck, strategies as ag

    @given(ag.expressions_with_points())
    def test_my_engine_agrees_with_finite_differences(case):
        expression, point = case
        assert gradcheck(expression, point, order=2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from autograd.backprop import topological_order
from autograd.errors import DomainError
from autograd.numbers import as_float
from autograd.value import Value

__all__ = [
    "BINARY",
    "UNARY",
    "Expression",
    "Step",
    "expressions",
    "expressions_with_points",
    "points",
]


@dataclass(frozen=True)
class Form:
    """How a step reads (a format template over its operands) and what it computes."""

    template: str
    compute: Callable[..., Value]


#: One-argument forms; those with a restricted domain get a positive argument a² + ½.
UNARY: dict[str, Form] = {
    "neg": Form("-{0}", lambda a: -a),
    "abs": Form("abs({0})", abs),
    "square": Form("{0} ** 2", lambda a: a**2),
    "cube": Form("{0} ** 3", lambda a: a**3),
    "exp": Form("exp({0})", lambda a: a.exp()),
    "tanh": Form("tanh({0})", lambda a: a.tanh()),
    "sigmoid": Form("sigmoid({0})", lambda a: a.sigmoid()),
    "relu": Form("relu({0})", lambda a: a.relu()),
    "leaky_relu": Form("leaky_relu({0})", lambda a: a.leaky_relu(0.1)),
    "softplus": Form("softplus({0})", lambda a: a.softplus()),
    "sin": Form("sin({0})", lambda a: a.sin()),
    "cos": Form("cos({0})", lambda a: a.cos()),
    "log": Form("log({0} ** 2 + 0.5)", lambda a: (a * a + 0.5).log()),
    "sqrt": Form("sqrt({0} ** 2 + 0.5)", lambda a: (a * a + 0.5).sqrt()),
    "reciprocal": Form("1 / ({0} ** 2 + 0.5)", lambda a: 1 / (a * a + 0.5)),
    "rsqrt": Form("({0} ** 2 + 0.5) ** -0.5", lambda a: (a * a + 0.5) ** -0.5),
}

#: Two-argument forms; division and a Value exponent get a positive denominator / base.
BINARY: dict[str, Form] = {
    "add": Form("{0} + {1}", lambda a, b: a + b),
    "sub": Form("{0} - {1}", lambda a, b: a - b),
    "mul": Form("{0} * {1}", lambda a, b: a * b),
    "div": Form("{0} / ({1} ** 2 + 0.5)", lambda a, b: a / (b * b + 0.5)),
    "pow": Form("({0} ** 2 + 0.5) ** {1}", lambda a, b: (a * a + 0.5) ** b),
    "const_mul": Form("2.5 * {0} - {1}", lambda a, b: 2.5 * a - b),
}


@dataclass(frozen=True)
class Step:
    """``t_k = form(operands)``: a form name from UNARY or BINARY and earlier results' indices."""

    form: str
    operands: tuple[int, ...]


@dataclass(frozen=True)
class Expression:
    """A random expression over ``n_inputs`` inputs, as a straight-line program.

    Results are numbered: 0 … n−1 are the inputs x0 … x(n−1), then one per step; the value of
    the expression is the last result. Call it with numbers or ``Value`` nodes.
    """

    n_inputs: int
    steps: tuple[Step, ...]

    def __call__(self, *inputs: Value | float) -> Value:
        if len(inputs) != self.n_inputs:
            raise TypeError(f"this expression takes {self.n_inputs} inputs, got {len(inputs)}")
        results = [x if isinstance(x, Value) else Value(as_float(x)) for x in inputs]
        for step in self.steps:
            results.append(_form(step.form).compute(*(results[i] for i in step.operands)))
        return results[-1]

    def __str__(self) -> str:
        names = [f"x{i}" for i in range(self.n_inputs)]
        lines = []
        for k, step in enumerate(self.steps):
            name = f"t{k}"
            lines.append(
                f"{name} = " + _form(step.form).template.format(*(names[i] for i in step.operands))
            )
            names.append(name)
        return "; ".join(lines) if lines else names[-1]

    def is_well_conditioned(
        self, point: Sequence[float], *, margin: float = 1e-3, bound: float = 1e4
    ) -> bool:
        """Whether the expression is smooth at ``point`` with every intermediate |value| ≤ bound
        and every op at least ``margin`` away from a kink or pole.
        """
        try:
            root = self(*point)
        except (DomainError, OverflowError, ZeroDivisionError):
            return False
        for node in topological_order(root):
            if not abs(node.data) <= bound:
                return False
            rule = node.rule
            if rule is not None and rule.margin(*(x.data for x in node.inputs)) < margin:
                return False
        return True


def _form(name: str) -> Form:
    return UNARY[name] if name in UNARY else BINARY[name]


@st.composite
def expressions(
    draw: st.DrawFn,
    n_inputs: int | st.SearchStrategy[int] | None = None,
    max_steps: int = 8,
    forms: Sequence[str] | None = None,
) -> Expression:
    """Random expressions over ``n_inputs`` inputs (1 to 3 by default) with 1 … ``max_steps`` steps.

    ``forms`` restricts the step forms drawn (names from :data:`UNARY` and :data:`BINARY`).
    """
    if n_inputs is None:
        n_inputs = st.integers(1, 3)
    n = n_inputs if isinstance(n_inputs, int) else draw(n_inputs)
    if n < 1:
        raise ValueError(f"an expression needs at least one input, got n_inputs={n}")
    allowed = sorted(forms) if forms is not None else sorted(UNARY) + sorted(BINARY)
    unknown = [f for f in allowed if f not in UNARY and f not in BINARY]
    if unknown:
        raise ValueError(f"unknown forms {unknown}; choose from {sorted(UNARY) + sorted(BINARY)}")
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        form = draw(st.sampled_from(allowed))
        arity = 1 if form in UNARY else 2
        available = n + k
        # The first operand is usually the latest result, so that graphs grow deep, not only wide.
        first = draw(st.one_of(st.just(available - 1), st.integers(0, available - 1)))
        rest = [draw(st.integers(0, available - 1)) for _ in range(arity - 1)]
        steps.append(Step(form, (first, *rest)))
    return Expression(n, tuple(steps))


def points(
    expression: Expression,
    *,
    min_value: float = -2.0,
    max_value: float = 2.0,
    margin: float = 1e-3,
    bound: float = 1e4,
) -> st.SearchStrategy[tuple[float, ...]]:
    """Points in [min_value, max_value]ⁿ where ``expression`` is smooth and well-conditioned."""
    coordinate = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
    return st.tuples(*[coordinate] * expression.n_inputs).filter(
        lambda p: expression.is_well_conditioned(p, margin=margin, bound=bound)
    )


@st.composite
def expressions_with_points(
    draw: st.DrawFn, /, **options: Any
) -> tuple[Expression, tuple[float, ...]]:
    """An expression (see :func:`expressions`, which takes the same options) and a point where it
    is smooth and well-conditioned."""
    expression = draw(expressions(**options))
    return expression, draw(points(expression))

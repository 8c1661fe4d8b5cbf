"""Second derivatives at the edges answer wherever the first derivative does, as PyTorch's do.

``grad(grad(f))`` evaluates each op's derivative rule on ``Value`` nodes
(:mod:`autograd.valuemath`), the first derivative on floats (:mod:`autograd.floatmath`); both
follow the same edge rules: a relu mask cuts even an infinite gradient to 0, a rule's division
by a zero output gives IEEE's ±inf, NaN propagates. At edge points (0, −0, subnormals, ±1e3,
±inf, NaN; the kinks of relu and abs and the domain boundaries are at 0), for every op and for
random compositions with relu masks, the second derivatives equal PyTorch's (float64,
``torch.autograd.grad`` with ``create_graph``) or raise where the engine's first order raises.

The engine raises a ``DomainError`` outside an op's domain (log x ≤ 0, sqrt x < 0, 0 ** c < 0,
x / 0, a Value exponent on a base ≤ 0: its documented contract), where PyTorch answers with NaN
or ±inf instead: there the forward pass raises, and so does every order of derivative.

The one documented difference is :data:`DIFFERENCES`: relu′(NaN) is 0 here and 1 in PyTorch
(see ``Relu``'s docstring). Where a NaN reaches a relu, the reference is PyTorch with that
derivative (:class:`ReluWithZeroSlopeAtNan`), and the cases are counted so that the difference
is exercised, not skipped.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import given, note
from hypothesis import strategies as st

from autograd import Value, grad
from autograd.errors import DomainError

NAN, INF = math.nan, math.inf
TINY = 5e-324  # the smallest subnormal
SMALLEST_NORMAL = 2.2250738585072014e-308

#: The edge points: zeros of both signs (relu's and abs's kink, sqrt's, log's and 1/x's
#: boundary), subnormals, ±1, large inputs that saturate tanh, sigmoid and exp, ±inf and NaN.
EDGES = (0.0, -0.0, TINY, -TINY, SMALLEST_NORMAL, 1.0, -1.0, 1e3, -1e3, INF, -INF, NAN)

#: Where the engine follows its own documented convention instead of PyTorch's.
DIFFERENCES = {
    "relu at NaN": "relu′(NaN) is 0 here and 1 in PyTorch (Relu's docstring, the README)",
    "a non-integer power at −0": "the engine's xᶜ is IEEE's pow, (−0)^½ = +0 and "
    "(−0)^(−0.7) = +inf, and c·out·x⁻¹ its derivative for c < 0; PyTorch takes ½ and −½ as "
    "sqrt and rsqrt, which keep the zero's sign, so an infinite second derivative at −0 has "
    "the other sign (SIGN_AT_MINUS_ZERO)",
    "x ** y with a Value exponent at y = 0 or 1, or a subnormal x": "PyTorch's ∂(xʸ)/∂x is "
    "where(y = 0, 0, y·xʸ⁻¹), a mask, which also zeroes the derivatives taken through it "
    "(PyTorch's ∂²(xʸ)/∂x∂y at (1, 0) is 0; it is 1/x = 1); the engine keeps the product, "
    "mathematically right but 0 · inf = NaN where xʸ⁻¹ or a local derivative 1/x overflows "
    "(POW_DIFFERENCES)",
    "an overflow on the way": "once a product overflows, the order of the products decides "
    "between inf and NaN (inf · 0): the engine multiplies the gradient by local derivatives, "
    "PyTorch divides it; so one may give inf where the other gives NaN. At a subnormal x "
    "below 1/DBL_MAX ≈ 5.6e-309, x⁻¹ itself is inf, and the engine's answer may be inf or "
    "NaN where PyTorch's, dividing by x, is finite (RECIPROCAL_OVERFLOWS, overflowed)",
}

#: Below this, 1/x overflows to inf.
RECIPROCAL_OVERFLOWS = 1 / sys.float_info.max

#: The cases of "a non-integer power at −0": the two answers are opposite infinities.
SIGN_AT_MINUS_ZERO = {"x ** 1.5", "x ** 0.3"}
#: The cases of "x ** y with a Value exponent …": PyTorch's mask gives 0 or ours overflows.
POW_DIFFERENCES = {
    *((x, y) for x in (TINY, 1.0, 1e3, INF) for y in (0.0, -0.0)),
    (TINY, 1.0),
    (TINY, 1e3),
    (NAN, 1.0),
}


class ReluWithZeroSlopeAtNan(torch.autograd.Function):
    """PyTorch's relu with the engine's documented derivative at NaN: 0 (see DIFFERENCES).

    The backward is a mask, ``where(x > 0, g, 0)``, differentiable in g as PyTorch's own is."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return torch.relu(x)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return torch.where(x > 0, g, torch.zeros_like(g))


def torch_relu(nan_convention: bool) -> Callable[[torch.Tensor], torch.Tensor]:
    return ReluWithZeroSlopeAtNan.apply if nan_convention else torch.relu  # type: ignore[return-value]


# One-argument ops: the engine's form and PyTorch's (relu is given the relu to use).
Unary = Callable[[Any], Any]
UNARY: dict[str, tuple[Unary, Callable[[Any, Unary], Any]]] = {
    "neg": (lambda v: -v, lambda t, relu: -t),
    "abs": (abs, lambda t, relu: torch.abs(t)),
    "exp": (lambda v: v.exp(), lambda t, relu: torch.exp(t)),
    "log": (lambda v: v.log(), lambda t, relu: torch.log(t)),
    "sqrt": (lambda v: v.sqrt(), lambda t, relu: torch.sqrt(t)),
    "tanh": (lambda v: v.tanh(), lambda t, relu: torch.tanh(t)),
    "sigmoid": (lambda v: v.sigmoid(), lambda t, relu: torch.sigmoid(t)),
    "relu": (lambda v: v.relu(), lambda t, relu: relu(t)),
    "leaky_relu": (
        lambda v: v.leaky_relu(0.1),
        lambda t, relu: torch.nn.functional.leaky_relu(t, 0.1),
    ),
    "softplus": (lambda v: v.softplus(), lambda t, relu: torch.nn.functional.softplus(t)),
    "sin": (lambda v: v.sin(), lambda t, relu: torch.sin(t)),
    "cos": (lambda v: v.cos(), lambda t, relu: torch.cos(t)),
    "x ** 0": (lambda v: v**0, lambda t, relu: t**0),
    "x ** 2": (lambda v: v**2, lambda t, relu: t**2),
    "x ** 3": (lambda v: v**3, lambda t, relu: t**3),
    "x ** 0.5": (lambda v: v**0.5, lambda t, relu: t**0.5),
    "x ** 1.5": (lambda v: v**1.5, lambda t, relu: t**1.5),
    "x ** 0.3": (lambda v: v**0.3, lambda t, relu: t**0.3),
    "x ** -1": (lambda v: v**-1, lambda t, relu: t**-1),
    "x ** -2": (lambda v: v**-2, lambda t, relu: t**-2),
    "x ** -0.5": (lambda v: v**-0.5, lambda t, relu: t**-0.5),
    "2 ** x": (lambda v: 2.0**v, lambda t, relu: 2.0**t),
    "sqrt(relu(x))": (lambda v: v.relu().sqrt(), lambda t, relu: torch.sqrt(relu(t))),
    "sqrt(-relu(x))": (lambda v: (-v.relu()).sqrt(), lambda t, relu: torch.sqrt(-relu(t))),
    "relu(x) ** 0.5": (lambda v: v.relu() ** 0.5, lambda t, relu: relu(t) ** 0.5),
    "relu(x) ** -1": (lambda v: v.relu() ** -1, lambda t, relu: relu(t) ** -1),
    "relu(x) ** 0.3": (lambda v: v.relu() ** 0.3, lambda t, relu: relu(t) ** 0.3),
    "sqrt(abs(x))": (lambda v: abs(v).sqrt(), lambda t, relu: torch.sqrt(torch.abs(t))),
    "log(relu(x))": (lambda v: v.relu().log(), lambda t, relu: torch.log(relu(t))),
    # At 0 the mask stops an infinite factor; taken again, 0 passes back through it: NaN.
    "sqrt(relu(abs(x))) * x": (
        lambda v: abs(v).relu().sqrt() * v,
        lambda t, relu: torch.sqrt(relu(torch.abs(t))) * t,
    ),
}

Binary = Callable[[Any, Any], Any]
BINARY: dict[str, tuple[Binary, Binary]] = {
    "x + y": (lambda a, b: a + b, lambda a, b: a + b),
    "x - y": (lambda a, b: a - b, lambda a, b: a - b),
    "x * y": (lambda a, b: a * b, lambda a, b: a * b),
    "x / y": (lambda a, b: a / b, lambda a, b: a / b),
    "x ** y": (lambda a, b: a**b, lambda a, b: a**b),
}


def same(ours: float, theirs: float) -> bool:
    """Equal up to rounding (the two engines round in another order, and a sum of terms that
    cancel leaves noise of 1e-15 where the other gives 0), infinities with their sign, NaN with
    NaN; the sign of a zero is not compared."""
    if math.isnan(ours) or math.isnan(theirs):
        return math.isnan(ours) and math.isnan(theirs)
    return ours == theirs or math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12)


def torch_second(f: Callable[..., torch.Tensor], point: tuple[float, ...]) -> list[float]:
    """PyTorch's Hessian of f at the point, row after row, from ``torch.autograd.grad`` twice."""
    xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    firsts = torch.autograd.grad(f(*xs), xs, create_graph=True, materialize_grads=True)
    hessian = []
    for first in firsts:
        if not first.requires_grad:  # a constant first derivative: the second is 0
            hessian += [0.0] * len(xs)
            continue
        again = torch.autograd.grad(first, xs, allow_unused=True, materialize_grads=True)
        hessian += [a.item() for a in again]
    return hessian


def our_second(f: Callable[..., Value], point: tuple[float, ...]) -> list[float]:
    """The engine's Hessian of f at the point, row after row, from ``grad(grad(f))``."""
    every = tuple(range(len(point)))
    return [float(d) for i in every for d in grad(grad(f, i), every)(*point)]


def our_first(f: Callable[..., Value], point: tuple[float, ...]) -> list[float]:
    return [float(d) for d in grad(f, tuple(range(len(point))))(*point)]


def check_against_pytorch(
    ours: Callable[..., Value], theirs: Callable[..., torch.Tensor], point: tuple[float, ...]
) -> str:
    """Check one case; say which outcome it had ("domain" or "compared")."""
    try:
        ours(*(Value(x) for x in point))
    except DomainError as error:
        # Outside the domain: the engine raises at every order, PyTorch answers NaN or ±inf.
        with pytest.raises(DomainError, match=re.escape(str(error))):
            our_first(ours, point)
        with pytest.raises(DomainError, match=re.escape(str(error))):
            our_second(ours, point)
        return "domain"
    our_first(ours, point)  # answers, so the second order must answer too
    found, expected = our_second(ours, point), torch_second(theirs, point)
    if all(map(same, found, expected)):
        return "compared"
    # Something overflowed: the order of the products decides (DIFFERENCES).
    subnormal = any(0 < abs(x) < RECIPROCAL_OVERFLOWS for x in point)
    for a, b in zip(found, expected, strict=True):
        assert same(a, b) or overflowed(a, b, subnormal), (point, found, expected)
    return "documented"


def overflowed(ours: float, theirs: float, subnormal: bool) -> bool:
    """Inf against NaN, or a non-finite answer of ours at a subnormal point (DIFFERENCES)."""
    if (math.isinf(ours) and math.isnan(theirs)) or (math.isnan(ours) and math.isinf(theirs)):
        return True
    return subnormal and not math.isfinite(ours)


def check_documented(
    ours: Callable[..., Value],
    theirs: Callable[..., torch.Tensor],
    point: tuple[float, ...],
    differs: Callable[[float, float], bool],
) -> str:
    """Check a case of DIFFERENCES: the answers differ, and only as ``differs`` says."""
    found, expected = our_second(ours, point), torch_second(theirs, point)
    assert not all(map(same, found, expected)), (point, found, expected)
    assert all(same(a, b) or differs(a, b) for a, b in zip(found, expected, strict=True))
    return "documented"


def opposite_infinities(ours: float, theirs: float) -> bool:
    return math.isinf(ours) and ours == -theirs


def masked_or_overflowed(ours: float, theirs: float) -> bool:
    return theirs == 0.0 or not math.isfinite(ours)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_second_derivatives_of_each_op_agree_with_pytorch_at_the_edges(name):
    ours, theirs = UNARY[name]
    outcomes = []
    for x in EDGES:
        # Relu at NaN: the documented difference, against the matching reference.
        relu = torch_relu(nan_convention="relu" in name and math.isnan(x))
        reference = functools.partial(theirs, relu=relu)
        if name in SIGN_AT_MINUS_ZERO and x == 0 and math.copysign(1.0, x) < 0:
            outcomes.append(check_documented(ours, reference, (x,), opposite_infinities))
        else:
            outcomes.append(check_against_pytorch(ours, reference, (x,)))
    assert outcomes.count("compared") >= len(EDGES) // 2, outcomes


@pytest.mark.parametrize("name", sorted(BINARY))
def test_second_derivatives_of_each_binary_op_agree_with_pytorch_at_the_edges(name):
    ours, theirs = BINARY[name]
    outcomes = [
        check_documented(ours, theirs, (x, y), masked_or_overflowed)
        if name == "x ** y" and (x, y) in POW_DIFFERENCES
        else check_against_pytorch(ours, theirs, (x, y))
        for x in EDGES
        for y in EDGES
    ]
    # x ** y is outside its domain at every base ≤ 0: a third of the grid is left to compare.
    assert outcomes.count("compared") >= len(outcomes) // 3, outcomes


# Random compositions: a chain of one-argument ops, each step optionally masked by a relu or
# combined with the input again, drawn at edge points and at ordinary ones. Non-integer powers
# are checked one by one above: in a chain they meet −0 (DIFFERENCES).
STEPS = sorted(
    name
    for name in UNARY
    if "relu(" not in name and name not in {"x ** 0.5", "x ** -0.5", *SIGN_AT_MINUS_ZERO}
)


@st.composite
def compositions(draw: st.DrawFn) -> tuple[list[tuple[str, str]], float]:
    chain = draw(
        st.lists(
            st.tuples(st.sampled_from(STEPS), st.sampled_from(["", "relu", "+ x", "* x"])),
            min_size=1,
            max_size=4,
        )
    )
    # Ordinary points keep away from 0, where cancelling terms of size x⁻³ leave rounding noise.
    x = draw(st.sampled_from(EDGES) | st.floats(0.1, 3.0) | st.floats(-3.0, -0.1))
    return chain, x


def composed(chain: list[tuple[str, str]], engine: int, relu: Unary) -> Callable[[Any], Any]:
    """The chain as a function, in the engine's form (0) or PyTorch's (1)."""

    def f(x: Any) -> Any:
        h = x
        for name, then in chain:
            h = UNARY[name][0](h) if engine == 0 else UNARY[name][1](h, relu)
            if then == "relu":
                h = h.relu() if engine == 0 else relu(h)
            elif then == "+ x":
                h = h + x
            elif then == "* x":
                h = h * x
        return h

    return f


@given(compositions())
def test_second_derivatives_of_compositions_with_relu_masks_agree_with_pytorch(case):
    chain, x = case
    note(f"chain {chain} at {x!r}")
    # Relu at NaN: the documented difference (DIFFERENCES), against the matching reference.
    nan_convention = any(map(math.isnan, relu_inputs(chain, x)))
    check_against_pytorch(
        composed(chain, 0, torch.relu), composed(chain, 1, torch_relu(nan_convention)), (x,)
    )


def relu_inputs(chain: list[tuple[str, str]], x: float) -> list[float]:
    """What the chain's relus are given at x (computed in PyTorch)."""
    seen: list[float] = []

    def relu(t: torch.Tensor) -> torch.Tensor:
        seen.append(t.item())
        return torch.relu(t)

    with torch.no_grad():
        composed(chain, 1, relu)(torch.tensor(x, dtype=torch.float64))
    return seen


# -- the cases that raised before ------------------------------------------------------------
def test_create_graph_through_a_mask_of_a_square_root_of_zero():
    x, y, z = Value(0.3346), Value(1.3805), Value(0.2288)
    f = z.tanh() + (-(x - y).relu()).sqrt()
    f.backward(create_graph=True)
    assert float(x.grad) == 0.0 and float(y.grad) == 0.0
    assert float(z.grad) == pytest.approx(1.0 - math.tanh(0.2288) ** 2, rel=1e-15)


def test_the_second_derivative_of_sqrt_at_zero_is_minus_infinity():
    assert grad(grad(lambda v: v.sqrt()))(0.0) == -INF
    assert grad(lambda v: v.sqrt())(0.0) == INF


def test_the_second_derivative_of_sqrt_of_relu_where_the_mask_is_closed_is_zero():
    assert grad(grad(lambda v: v.relu().sqrt()))(-1.0) == 0.0


def test_every_order_answers_where_the_first_does():
    # d³√x/dx³ = ⅜·x^(−5/2): inf at 0, as the first and second orders are infinite there.
    assert grad(grad(grad(lambda v: v.sqrt())))(0.0) == INF


def test_the_derivative_of_sqrt_at_minus_zero_is_minus_infinity_as_in_pytorch():
    # 1/(2·√−0) = 1/(−0) = −inf (IEEE's pow keeps the zero's sign for an odd exponent).
    t = torch.tensor(-0.0, dtype=torch.float64, requires_grad=True)
    torch.sqrt(t).backward()
    assert grad(lambda v: v.sqrt())(-0.0) == t.grad.item() == -INF

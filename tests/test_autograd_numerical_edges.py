"""Numerical edges follow PyTorch's conventions: NaN passes through branches, a mask cuts an
infinite gradient to 0, and second derivatives of √x and powers do not underflow at large x.

The expected values are exact, and the same cases are also compared with PyTorch itself (the
Makefile installs its CPU build for these cross-checks; the project does not depend on it)."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, grad
from autograd.floatmath import CUT

NAN, INF = math.nan, math.inf


def slope(f, x: float) -> float:
    v = Value(x)
    f(v).backward()
    return float(v.grad)


def same(a: float, b: float) -> bool:
    """Equal to the last bit or two (the order of roundings may differ), or both NaN."""
    return a == b or math.isclose(a, b, rel_tol=1e-15) or (math.isnan(a) and math.isnan(b))


# -- NaN passes through every branch ------------------------------------------------------------
UNARY = {
    "relu": lambda v: v.relu(),
    "leaky_relu": lambda v: v.leaky_relu(0.1),
    "abs": abs,
    "sigmoid": lambda v: v.sigmoid(),
    "softplus": lambda v: v.softplus(),
    "tanh": lambda v: v.tanh(),
    "exp": lambda v: v.exp(),
    "sin": lambda v: v.sin(),
    "square": lambda v: v**2,
    "sqrt": lambda v: v.sqrt(),
    "log": lambda v: v.log(),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_nan_in_gives_nan_out(name):
    assert math.isnan(UNARY[name](Value(NAN)).data)


def test_a_relu_in_a_network_passes_nan_on():
    hidden = (Value(NAN) * 2.0 + 1.0).relu()
    assert math.isnan((hidden * 3.0 + 0.5).leaky_relu().data)


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (lambda v: v.relu(), 0.0),  # PyTorch gives 1 here; see Relu's docstring
        (lambda v: v.leaky_relu(0.1), 0.1),
        (abs, 0.0),
    ],
)
def test_the_derivative_of_a_branch_at_nan(f, expected):
    assert slope(f, NAN) == expected


# -- a mask cuts an infinite gradient ------------------------------------------------------------
def test_the_cut_times_anything_is_zero():
    assert [CUT * g for g in (INF, -INF, NAN, 2.0)] == [0.0] * 4
    assert [g * CUT for g in (INF, NAN)] == [0.0] * 2
    assert type(CUT * INF) is float and float(CUT) == 0.0 and repr(CUT) == "0.0"


@given(st.floats(-1e300, 0.0))
def test_sqrt_of_relu_has_gradient_zero_where_relu_is_zero(x):
    # √'(0) is inf, and relu's 0 cuts it: 0, not 0 · inf = NaN
    assert slope(lambda v: v.relu().sqrt(), x) == 0.0
    assert slope(lambda v: v.relu() ** 0.5, x) == 0.0


@given(st.floats(-1e6, 1e6))
def test_the_derivative_of_x_to_the_zero_is_zero_everywhere(x):
    assert slope(lambda v: v**0, x) == 0.0
    # x⁰ − 1 = 0 feeds √ an infinite slope: the constant's 0 cuts it too
    assert slope(lambda v: (v**0 - 1.0).sqrt(), x) == 0.0


def test_x_to_the_zero_at_zero():
    x = Value(0.0)
    y = x**0
    y.backward()
    assert y.data == 1.0 and x.grad == 0.0


def test_a_computed_zero_does_not_cut_like_a_mask():
    # As in PyTorch: ∂(x·0)/∂x is the number 0, and 0 · inf is NaN.
    assert math.isnan(slope(lambda v: (v * 0.0).sqrt(), 1.0))


def test_abs_multiplies_by_the_sign_as_pytorch_does():
    # d|x|/dx = sign x = 0 at 0, times √'(0) = inf: NaN, as PyTorch gives it (only relu masks).
    assert math.isnan(slope(lambda v: abs(v).sqrt(), 0.0))


def test_leaky_relu_passes_an_infinite_gradient_on_scaled():
    assert slope(lambda v: v.leaky_relu(0.1).sqrt(), 0.0) == INF


# -- second derivatives at large inputs ----------------------------------------------------------
def second(f, x: float) -> float:
    return float(grad(grad(f))(x))


def test_the_second_derivative_of_a_scaled_sqrt_at_a_large_input():
    # d²/dx² (s·√x) = −¼·s·x^(−3/2): −¼ · 1e200 · 1e-375; ½·x^(−½) would give −¼·x^(−3/2) = 0 first.
    assert second(lambda v: 1e200 * v.sqrt(), 1e250) == pytest.approx(-2.5e-176, rel=1e-14, abs=0.0)
    assert second(lambda v: 1e200 * v**0.5, 1e250) == pytest.approx(-2.5e-176, rel=1e-14, abs=0.0)


def test_the_second_derivative_of_a_scaled_reciprocal_at_a_large_input():
    # d²/dx² (s/x) = 2s·x⁻³: 2 · 1e200 · 1e-330, where x⁻³ alone underflows to 0.
    assert second(lambda v: 1e200 * v**-1, 1e110) == pytest.approx(2e-130, rel=1e-14, abs=0.0)


@given(st.floats(1.0, 1e300), st.floats(1.0, 1e300), st.sampled_from(["sqrt", "power"]))
def test_second_derivatives_of_sqrt_never_underflow_when_the_result_is_normal(x, scale, form):
    log_expected = math.log(0.25) + math.log(scale) - 1.5 * math.log(x)
    assume(log_expected > math.log(1e-300))
    expected = -math.exp(log_expected)
    root = (lambda v: v.sqrt()) if form == "sqrt" else (lambda v: v**0.5)
    assert second(lambda v: scale * root(v), x) == pytest.approx(expected, rel=1e-11, abs=0.0)


@given(st.floats(1e-300, 1e300))
def test_the_first_derivative_of_sqrt_is_half_over_the_root(x):
    assert slope(lambda v: v.sqrt(), x) == pytest.approx(0.5 / math.sqrt(x), rel=1e-15, abs=0.0)


def test_sqrt_at_zero_has_an_infinite_slope():
    assert slope(lambda v: v.sqrt(), 0.0) == INF


# -- the same cases in PyTorch, when it is installed ---------------------------------------------
CASES = [
    ("sqrt(relu(x))", lambda v: v.relu().sqrt(), "sqrt(relu(x))", -1.0),
    ("sqrt(relu(x)) at 0", lambda v: v.relu().sqrt(), "sqrt(relu(x))", 0.0),
    ("relu(x) ** 0.5", lambda v: v.relu() ** 0.5, "relu(x) ** 0.5", -2.0),
    ("x ** 0 at 0", lambda v: v**0, "x ** 0", 0.0),
    ("sqrt(x ** 0 - 1)", lambda v: (v**0 - 1.0).sqrt(), "sqrt(x ** 0 - 1)", 3.0),
    ("sqrt(abs(x)) at 0", lambda v: abs(v).sqrt(), "sqrt(abs(x))", 0.0),
    ("sqrt(x * 0)", lambda v: (v * 0.0).sqrt(), "sqrt(x * 0)", 1.0),
    ("sqrt(leaky_relu(x)) at 0", lambda v: v.leaky_relu(0.1).sqrt(), "sqrt(leaky(x))", 0.0),
    ("leaky_relu(nan)", lambda v: v.leaky_relu(0.1), "leaky(x)", NAN),
    ("abs(nan)", abs, "abs(x)", NAN),
    ("sqrt at 0", lambda v: v.sqrt(), "sqrt(x)", 0.0),
    ("scaled sqrt, large", lambda v: 1e200 * v.sqrt(), "1e200 * sqrt(x)", 1e250),
]


@pytest.mark.parametrize(("name", "f", "torch_text", "x"), CASES, ids=[c[0] for c in CASES])
def test_gradients_at_the_edges_agree_with_pytorch(name, f, torch_text, x):
    import torch

    functions = {
        "relu": torch.relu,
        "sqrt": torch.sqrt,
        "abs": torch.abs,
        "leaky": lambda t: torch.nn.functional.leaky_relu(t, 0.1),
    }
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = eval(torch_text, functions, {"x": t})  # the test's own fixed texts
    out.backward()
    assert same(f(Value(x)).data, out.item())
    assert same(slope(f, x), t.grad.item())


def test_the_second_derivative_of_sqrt_agrees_with_pytorch():
    import torch

    t = torch.tensor(1e250, dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(1e200 * torch.sqrt(t), t, create_graph=True)
    (again,) = torch.autograd.grad(first, t)
    assert second(lambda v: 1e200 * v.sqrt(), 1e250) == pytest.approx(
        again.item(), rel=1e-14, abs=0.0
    )


def test_relu_of_nan_is_nan_as_in_pytorch():
    import torch

    assert math.isnan(torch.relu(torch.tensor(NAN)).item())
    assert math.isnan(Value(NAN).relu().data)

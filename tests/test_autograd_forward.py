"""Forward mode, Jacobians and Hessians: exact where the maths gives them, equal to reverse mode
and to finite differences on random graphs, composable with grad, and strict about arguments."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd.functional
from autograd import (
    Value,
    central_difference,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    strategies,
    topological_order,
)
from autograd.forward import tangents


def f(x, y):
    return x * y + x.sin()


def approx_rows(rows, expected, rel=1e-12):
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected, strict=True):
        assert row == pytest.approx(want, rel=rel, abs=1e-12)


# -- jvp -----------------------------------------------------------------------------------------
def test_jvp_gives_the_value_and_the_directional_derivative():
    value, tangent = jvp(f, [0.5, 2.0], [1.0, 3.0])
    assert value == 0.5 * 2.0 + math.sin(0.5)
    assert tangent == pytest.approx((2.0 + math.cos(0.5)) * 1.0 + 0.5 * 3.0, rel=1e-15)
    assert type(value) is float and type(tangent) is float


def test_jvp_of_several_outputs_gives_lists():
    values, found = jvp(lambda x, y: [x * y, x + y, 7.0], [2.0, 3.0], [1.0, -1.0])
    assert values == [6.0, 5.0, 7.0]
    assert found == [3.0 - 2.0, 0.0, 0.0]


def test_jvp_of_an_output_that_is_an_input_is_its_tangent():
    assert jvp(lambda x, y: [y, x], [1.0, 2.0], [5.0, 6.0]) == ([2.0, 1.0], [6.0, 5.0])


@given(
    strategies.expressions_with_points(n_inputs=3),
    st.lists(st.floats(-2, 2), min_size=3, max_size=3),
)
def test_jvp_is_the_gradient_dotted_with_the_tangent(case, direction):
    expression, point = case
    gradient = grad(expression, (0, 1, 2))(*point)
    expected = math.fsum(g * t for g, t in zip(gradient, direction, strict=True))
    _, found = jvp(expression, list(point), direction)
    assert found == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_forward_tangents_give_every_nodes_derivative_along_the_direction():
    x, y = Value(0.5), Value(2.0)
    product = x * y
    out = product + x.sin()
    found = tangents(topological_order(out), {x: 1.0})
    assert found[x] == 1.0 and found[product] == 2.0
    assert found[out] == pytest.approx(2.0 + math.cos(0.5), rel=1e-15)
    assert y not in found  # depends on no seed


# -- jacobian ------------------------------------------------------------------------------------
def polar(r, theta):
    return [r * theta.cos(), r * theta.sin()]


@pytest.mark.parametrize("mode", [None, "forward", "reverse"])
def test_jacobian_of_polar_coordinates(mode):
    r, t = 2.0, 0.3
    approx_rows(
        jacobian(polar, mode=mode)(r, t),
        [[math.cos(t), -r * math.sin(t)], [math.sin(t), r * math.cos(t)]],
    )


def test_a_single_output_gives_one_row():
    assert jacobian(f)(0.5, 2.0) == [[2.0 + math.cos(0.5), 0.5]]


def test_argnums_choose_the_columns():
    # The other arguments are passed as they are given, as grad passes them.
    assert jacobian(lambda x, y: x * y * y, argnums=1)(0.5, 2.0) == [[2.0]]
    assert jacobian(f, argnums=(1, 0))(0.5, 2.0) == [[0.5, 2.0 + math.cos(0.5)]]


def test_a_constant_output_has_a_row_of_zeros():
    assert jacobian(lambda x: [x * 2, 1.0])(3.0) == [[2.0], [0.0]]


@pytest.mark.parametrize(
    ("outputs", "inputs", "mode"), [(3, 1, "forward"), (1, 3, "reverse"), (2, 2, "forward")]
)
def test_jacobian_picks_the_mode_with_fewer_sweeps(outputs, inputs, mode, monkeypatch):
    used = []
    along, reverse = autograd.functional._along, autograd.functional._gradients
    monkeypatch.setattr(
        autograd.functional, "_along", lambda *a: used.append("forward") or along(*a)
    )
    monkeypatch.setattr(
        autograd.functional, "_gradients", lambda *a: used.append("reverse") or reverse(*a)
    )
    jacobian(lambda *xs: [sum(xs) * k for k in range(1, outputs + 1)])(*[1.0] * inputs)
    assert used == [mode] * min(outputs, inputs)


@given(strategies.expressions_with_points(n_inputs=2), strategies.expressions(n_inputs=2))
def test_forward_and_reverse_jacobians_agree(case, other):
    first, point = case

    def both(x, y):
        return [first(x, y), other(x, y)]

    forward = jacobian(both, mode="forward")(*point)
    reverse = jacobian(both, mode="reverse")(*point)
    for row_f, row_r in zip(forward, reverse, strict=True):
        assert row_f == pytest.approx(row_r, rel=1e-9, abs=1e-9, nan_ok=True)


# -- hessian and hvp -----------------------------------------------------------------------------
def test_hessian_of_a_polynomial_is_exact():
    # g = x²y + y³: H = [[2y, 2x], [2x, 6y]]
    assert hessian(lambda x, y: x * x * y + y**3)(3.0, 2.0) == [[4.0, 6.0], [6.0, 12.0]]


def test_hessian_over_some_arguments():
    assert hessian(lambda x, y: x * x * y + y**3, argnums=1)(3.0, 2.0) == [[12.0]]


@given(strategies.expressions_with_points(n_inputs=3))
def test_hessian_is_symmetric_and_matches_finite_differences_of_the_gradient(case):
    expression, point = case
    h = hessian(expression)(*point)
    for i in range(3):
        partial = lambda *xs, i=i: grad(expression, i)(*xs)  # noqa: E731
        for j in range(3):
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-9, abs=1e-9)
            numeric = central_difference(partial, list(point), j)
            assert h[i][j] == pytest.approx(numeric, rel=1e-3, abs=1e-4)


def test_hvp_is_the_hessian_times_the_vector():
    g = lambda x, y: (x * y).tanh() + x.exp() * y  # noqa: E731
    h = hessian(g)(0.3, -0.7)
    v = [2.0, -1.0]
    expected = [math.fsum(h[i][j] * v[j] for j in range(2)) for i in range(2)]
    assert hvp(g, [0.3, -0.7], v) == pytest.approx(expected, rel=1e-12)


# -- composition with grad -----------------------------------------------------------------------
def test_grad_of_a_jvp_is_a_second_derivative():
    assert grad(lambda x: jvp(lambda a: a.sin(), [x], [1.0])[1])(1.0) == pytest.approx(
        -math.sin(1.0), rel=1e-15
    )


def test_jvp_of_grad_is_a_hessian_vector_product():
    _, found = jvp(grad(lambda x: x**4), [2.0], [1.0])
    assert found == 48.0  # 12x²


def test_grad_of_a_hessian_entry_is_a_third_derivative():
    third = grad(lambda x: hessian(lambda a, b: a**4 * b)(x, 3.0)[0][0])(2.0)
    assert third == 24 * 2.0 * 3.0


def test_a_hessian_of_values_returns_values():
    h = hessian(lambda x: x**3)(Value(2.0))
    assert isinstance(h[0][0], Value) and h[0][0].data == 12.0


# -- arguments -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "problem"),
    [
        (lambda: jvp(f, [1.0, 2.0], [1.0]), ValueError, "2 primals and 1 tangents"),
        (lambda: jvp(f, 1.0, [1.0]), TypeError, "primals must be a list or tuple"),
        (lambda: jvp(f, [], []), ValueError, "primals is empty"),
        (lambda: jvp(f, [1.0, 2.0], [1.0, "a"]), TypeError, "tangent 1 must be a real number"),
        (lambda: jvp(f, [1.0, None], [1.0, 1.0]), TypeError, "primal 1 must be a real number"),
        (lambda: jvp(3, [1.0], [1.0]), TypeError, "jvp needs a function"),
        (lambda: jvp(lambda x: {"a": x}, [1.0], [1.0]), TypeError, "the result must be a real"),
        (lambda: jacobian(f, argnums=2)(1.0, 2.0), TypeError, "argnums names argument 2"),
        (lambda: jacobian(f, argnums=(0, -2))(1.0, 2.0), ValueError, "names argument 0 twice"),
        (lambda: jacobian(f, argnums=True), TypeError, "argnums must be"),
        (lambda: jacobian(f, argnums="0"), TypeError, "argnums must be"),
        (lambda: jacobian(f, argnums=()), ValueError, "argnums is empty"),
        (lambda: jacobian(f, mode="sideways"), ValueError, "mode must be"),
        (lambda: jacobian(lambda x: [])(1.0), ValueError, "returned an empty list"),
        (lambda: hessian(polar)(1.0, 2.0), TypeError, "hessian needs f to return one number"),
        (lambda: hessian(f, argnums=(1, 1))(1.0, 2.0), ValueError, "twice"),
        (lambda: hvp(polar, [1.0, 2.0], [1.0, 0.0]), TypeError, "hvp needs f to return one"),
        (lambda: hvp(f, [1.0, 2.0], [1.0]), ValueError, "2 primals and 1 tangents"),
    ],
)
def test_bad_arguments_are_named(call, error, problem):
    with pytest.raises(error, match=problem):
        call()

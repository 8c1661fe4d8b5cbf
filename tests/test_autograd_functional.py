"""grad and value_and_grad: function transforms that compose to any order."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, detach, grad, hessian, jacobian, value_and_grad
from autograd import strategies as ag


def f(x):
    return x.sin() * x


def test_grad_of_a_function_of_floats_returns_a_float():
    d = grad(f)(1.0)
    assert type(d) is float
    assert d == pytest.approx(math.cos(1) + math.sin(1), rel=1e-15)


def test_grad_composes_to_any_order():
    x = 1.0
    s, c = math.sin(x), math.cos(x)
    assert grad(grad(f))(x) == pytest.approx(2 * c - x * s, rel=1e-14)
    assert grad(grad(grad(f)))(x) == pytest.approx(-3 * s - x * c, rel=1e-14)
    assert grad(grad(grad(grad(f))))(x) == pytest.approx(-4 * c + x * s, rel=1e-13)


@given(st.integers(0, 6), st.floats(-2, 2))
def test_nth_derivative_of_a_polynomial_is_exact(n, x):
    def p(v):
        return v**6

    d = p
    for _ in range(n):
        d = grad(d)
    expected = math.perm(6, n) * x ** (6 - n)
    assert float(d(x)) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_value_and_grad_returns_both():
    value, slope = value_and_grad(lambda x: x * x * x)(2.0)
    assert (value, slope) == (8.0, 12.0)


def test_argnums_selects_one_or_several_arguments():
    def g(x, y, z):
        return x * y + z * z

    assert grad(g, 1)(2.0, 3.0, 4.0) == 2.0
    assert grad(g, (0, 2))(2.0, 3.0, 4.0) == (3.0, 8.0)
    assert grad(g, -1)(2.0, 3.0, 4.0) == 8.0


def test_argnums_out_of_range_is_a_type_error_naming_the_position_and_the_count():
    with pytest.raises(
        TypeError, match="argnums names argument 3, but the function got 1 argument:"
    ):
        grad(f, 3)(1.0)
    with pytest.raises(
        TypeError, match=r"argument -4, but the function got 3 arguments.* at least 4"
    ):
        grad(lambda x, y, z: x * y * z, -4)(1.0, 2.0, 3.0)


def test_an_argument_the_function_ignores_has_gradient_zero():
    assert grad(lambda x, y: x * 2, 1)(1.0, 5.0) == 0.0
    assert grad(lambda x: 3.0)(1.0) == 0.0


def test_non_numeric_arguments_are_rejected():
    with pytest.raises(TypeError, match="argument 0 must be a real number"):
        grad(f)("1.0")


def test_inner_and_outer_variables_are_not_confused():
    # d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1, even though y is given the value of x.
    assert grad(lambda x: x * grad(lambda y: x + y)(x))(1.0) == 1.0


def test_an_inner_derivative_may_depend_on_an_outer_variable():
    # d/dx [d/dy (x·y)] = d/dx x = 1
    assert grad(lambda x: grad(lambda y: x * y)(3.0))(2.0) == 1.0


def test_grad_does_not_touch_the_grad_of_nodes_it_closes_over():
    w = Value(3.0)
    assert grad(lambda x: w * x)(2.0) == 3.0
    assert w.grad == 0.0


def test_grad_of_a_function_of_values_returns_values():
    x = Value(2.0)
    slope = grad(lambda v: v * v)(x)
    assert isinstance(slope, Value) and slope.data == 4.0


def test_detach_stops_gradients():
    x = Value(2.0)
    y = x * detach(x)
    y.backward()
    assert x.grad == 2.0


@pytest.mark.parametrize(
    ("argnums", "error", "problem"),
    [
        (True, TypeError, "argnums must be an argument's position .* not bool"),
        ("0", TypeError, "not str: '0'"),
        ((0, 1.0), TypeError, "not float: 1.0"),
        ((), ValueError, "argnums is empty"),
    ],
)
def test_argnums_of_the_wrong_kind_are_refused_when_the_transform_is_made(argnums, error, problem):
    with pytest.raises(error, match=problem):
        grad(f, argnums)


@pytest.mark.parametrize("argnums", [(0, 0), (1, -1), (0, 1, 0)])
def test_argnums_naming_an_argument_twice_are_refused(argnums):
    with pytest.raises(ValueError, match=r"names argument .* twice"):
        value_and_grad(lambda x, y: x * y, argnums)(1.0, 2.0)


@given(st.integers(1, 4), st.lists(st.integers(-6, 6), min_size=1, max_size=4))
def test_argnums_in_range_and_distinct_are_accepted_and_others_named(count, argnums):
    def g(*xs):
        return sum(xs[1:], xs[0]) * xs[0]

    in_range = all(-count <= p < count for p in argnums)
    distinct = len({p % count for p in argnums}) == len(argnums)
    transform = grad(g, tuple(argnums))
    if not in_range:
        with pytest.raises(TypeError, match="argnums names argument"):
            transform(*[1.0] * count)
    elif not distinct:
        with pytest.raises(ValueError, match="twice"):
            transform(*[1.0] * count)
    else:
        assert len(transform(*[1.0] * count)) == len(argnums)


def test_grad_needs_a_function():
    with pytest.raises(TypeError, match="grad needs a function to transform, not float"):
        grad(1.5)


# -- arguments not differentiated ------------------------------------------------------------------
def log_of_the_last(x, y, z):
    return x * y + z.log()  # a method of z, which not every argnums differentiates by


def test_an_argument_not_differentiated_by_arrives_as_a_constant_value():
    assert grad(log_of_the_last, argnums=0)(0.2, 0.4, 0.6) == pytest.approx(0.4, rel=1e-15)
    assert jacobian(log_of_the_last, argnums=(0, 2))(0.2, 0.4, 0.6) == [
        [pytest.approx(0.4, rel=1e-15), pytest.approx(1 / 0.6, rel=1e-15)]
    ]


def test_an_argument_not_differentiated_by_gets_no_gradient_and_keeps_an_outer_ones():
    seen = []

    def spy(x, y):
        seen.append(y)
        return x * y.exp()

    assert grad(grad(spy, 0), 1)(0.5, 0.0) == pytest.approx(1.0, rel=1e-15)  # ∂²/∂y∂x = e^y
    assert isinstance(seen[0], Value)
    assert seen[0].grad == 0.0


def test_arguments_that_are_no_numbers_pass_as_they_are():
    def scaled(x, factors, square):
        return sum(factors) * (x * x if square else x)

    assert grad(scaled)(3.0, [1.0, 2.0], True) == 18.0
    assert grad(scaled)(3.0, (1.0, 2.0), False) == 3.0


TRANSFORMS = {
    "grad": lambda f, argnums: grad(f, argnums),
    "value_and_grad": lambda f, argnums: lambda *xs: value_and_grad(f, argnums)(*xs)[1],
    "jacobian forward": lambda f, argnums: jacobian(f, argnums, mode="forward"),
    "jacobian reverse": lambda f, argnums: jacobian(f, argnums, mode="reverse"),
    "hessian": lambda f, argnums: hessian(f, argnums),
}


def _flat(result):
    return [x for row in result for x in (row if isinstance(row, list) else [row])]


def _columns(result, positions, transform):
    """The entries of a transform by every argument that belong to the arguments ``positions``,
    as one flat list."""
    if transform in ("grad", "value_and_grad"):
        return [result[p] for p in positions]
    if transform == "hessian":
        return [row[q] for row in (result[p] for p in positions) for q in positions]
    return [row[p] for row in result for p in positions]


@given(
    st.sampled_from(sorted(TRANSFORMS)),
    ag.expressions(n_inputs=st.integers(2, 3), max_steps=5),
    st.data(),
)
def test_any_f_that_works_with_every_argument_differentiated_works_with_any_argnums(
    transform, expression, data
):
    def f(*xs):
        return expression(*(x.tanh() for x in xs))  # a method of every argument

    point = data.draw(st.tuples(*[st.floats(-2, 2)] * expression.n_inputs))
    positions = data.draw(st.permutations(range(expression.n_inputs)))
    chosen = tuple(positions[: data.draw(st.integers(1, expression.n_inputs))])
    everything = tuple(range(expression.n_inputs))
    whole = TRANSFORMS[transform](f, everything)(*point)
    assert _flat(TRANSFORMS[transform](f, chosen)(*point)) == pytest.approx(
        _columns(whole, chosen, transform), rel=1e-12, abs=1e-300, nan_ok=True
    )

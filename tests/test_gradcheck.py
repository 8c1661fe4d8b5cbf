"""gradcheck: agrees with correct derivatives, catches wrong ones, names what disagrees."""

from __future__ import annotations

import math

import pytest

from autograd import GradcheckError, Value, central_difference, gradcheck
from autograd.gradcheck import derivative_checks
from autograd.ops import Op
from autograd.value import _apply


class WrongCube(Op):
    """x³ with a deliberately wrong derivative 3x (should be 3x²), and a right one of its own."""

    name = symbol = "wrong_cube"

    def forward(self, m, x):
        return x * x * x

    def derivatives(self, m, out, x):
        return (3.0 * x,)


def wrong_cube(x: Value) -> Value:
    return _apply(WrongCube(), x)


def test_correct_derivatives_pass_and_return_true():
    assert gradcheck(lambda x, y: (x * y).tanh() + y.exp() / x, [0.5, 1.2]) is True
    assert gradcheck(lambda x, y: (x * y).tanh() + y.exp() / x, [0.5, 1.2], order=2) is True


def test_central_difference_is_second_order_accurate():
    estimate = central_difference(lambda x: x.exp(), [0.0], 0, eps=1e-3)
    assert abs(estimate - 1.0) < 1e-6  # error ≈ ε²/6


def test_a_wrong_first_derivative_is_caught_and_named():
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x, y: wrong_cube(x) + y, [2.0, 1.0])
    error = caught.value
    assert error.input == "x" and error.order == 1
    assert error.analytic == 6.0
    assert error.numeric == pytest.approx(12.0, rel=1e-6)
    assert "∂f/∂x" in str(error) and "analytic 6.0" in str(error) and "numeric 11.99" in str(error)


def test_a_function_that_hides_a_dependency_is_caught():
    with pytest.raises(GradcheckError, match="∂f/∂x"):
        gradcheck(lambda x: x * x.detach(), [1.5])


def test_a_wrong_second_derivative_is_caught_only_at_order_two():
    class WrongSecond(Op):
        """sin x with derivative cos x evaluated, in create_graph mode, through a wrong graph."""

        name = symbol = "wrong_second"

        def forward(self, m, x):
            return m.sin(x)

        def derivatives(self, m, out, x):
            # Right value, wrong dependence on x: its own derivative would be 0, not −sin x.
            return (math.cos(float(x)),)

    def f(x):
        return _apply(WrongSecond(), x)

    assert gradcheck(f, [0.3], order=1)
    with pytest.raises(GradcheckError) as caught:
        gradcheck(f, [0.3], order=2)
    assert caught.value.order == 2 and "∂²f/∂x²" in str(caught.value)


def test_inputs_without_parameter_names_are_called_x0_x1():
    with pytest.raises(GradcheckError, match="∂f/∂x1"):
        gradcheck(lambda *xs: xs[0] + wrong_cube(xs[1]), [1.0, 2.0])


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="order must be a positive integer"):
        gradcheck(lambda x: x, [1.0], order=0)
    with pytest.raises(ValueError, match="needs at least one input"):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match="input 0 must be a real number"):
        gradcheck(lambda x: x, ["a"])
    with pytest.raises(ValueError, match="not finite"):
        gradcheck(lambda x: x.exp(), [1000.0])


def test_derivative_checks_list_every_derivative_with_its_name():
    checks = list(derivative_checks(lambda x, y: x * x * y, [3.0, 2.0], order=2))
    assert [c.name for c in checks] == [
        "∂f/∂x",
        "∂f/∂y",
        "∂²f/∂x²",
        "∂²f/∂y∂x",
        "∂²f/∂x∂y",
        "∂²f/∂y²",
    ]
    assert [c.analytic for c in checks] == [12.0, 9.0, 4.0, 6.0, 6.0, 0.0]
    assert all(c.agrees() for c in checks)
    assert checks[3].input == "y" and checks[3].order == 2


def test_a_third_derivative_is_named_and_checked():
    checks = list(derivative_checks(lambda x: x**4, [1.5], order=3))
    assert checks[-1].name == "∂³f/∂x³"
    assert checks[-1].analytic == pytest.approx(24 * 1.5)
    assert checks[-1].agrees()

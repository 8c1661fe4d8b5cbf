"""gradcheck: agrees with correct derivatives, catches wrong ones, names what disagrees."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import GradcheckError, Op, Value, central_difference, gradcheck
from autograd.gradcheck import derivative_checks


class WrongCube(Op):
    """x³ with a deliberately wrong derivative 3x (should be 3x²), and a right one of its own."""

    name = symbol = "wrong_cube"

    def forward(self, m, x):
        return x * x * x

    def derivatives(self, m, out, x):
        return (3.0 * x,)


wrong_cube = WrongCube()


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
            # On Value nodes, the right value with the wrong dependence on x: a number, whose
            # own derivative is 0, not −sin x.
            return (math.cos(x.data),) if isinstance(x, Value) else (m.cos(x),)

    def f(x):
        return WrongSecond()(x)

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


# -- its own arguments ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "error", "problem"),
    [
        ({"eps": 0.0}, ValueError, "eps must be a finite number > 0, got 0.0"),
        ({"eps": -1e-6}, ValueError, "eps must be a finite number > 0"),
        ({"eps": math.inf}, ValueError, "eps must be a finite number"),
        ({"eps": math.nan}, ValueError, "eps must be a finite number"),
        ({"eps": "small"}, TypeError, "eps must be a number, not str"),
        ({"atol": -1e-5}, ValueError, "atol must be a finite number ≥ 0"),
        ({"atol": math.nan}, ValueError, "atol must be a finite number"),
        ({"rtol": math.inf}, ValueError, "rtol must be a finite number"),
        ({"rtol": -0.1}, ValueError, "rtol must be a finite number ≥ 0"),
        ({"order": True}, ValueError, "order must be a positive integer"),
        ({"order": 1.0}, ValueError, "order must be a positive integer"),
    ],
)
def test_gradcheck_names_a_bad_option(options, error, problem):
    with pytest.raises(error, match=problem):
        gradcheck(lambda x: x * x, [1.0], **options)


def test_central_difference_checks_its_arguments():
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        central_difference(lambda x: x, [1.0], 0, eps=0.0)
    with pytest.raises(IndexError, match="index must name one of the 1 inputs, got 1"):
        central_difference(lambda x: x, [1.0], 1)


# -- a meaningless finite difference is not a disagreement ----------------------------------------
def test_the_difference_is_divided_by_the_step_actually_taken():
    # 1e10 ± 1e-6 rounds to 1e10 ± 2⁻¹⁹ (the spacing there is 2⁻¹⁹ ≈ 1.9e-6): x's slope is 1.
    assert central_difference(lambda x: x, [1e10], 0, eps=1e-6) == 1.0


def test_a_step_below_the_spacing_of_floats_cannot_be_checked():
    (check,) = derivative_checks(lambda x: x * 3.0, [1e10], eps=1e-7)
    assert check.problem is not None and "below the spacing of floats at x = 1e+10" in check.problem
    with pytest.raises(ValueError, match=r"cannot check ∂f/∂x at .* below the spacing"):
        gradcheck(lambda x: x * 3.0, [1e10], eps=1e-7)


def test_a_step_that_overflows_cannot_be_checked():
    with pytest.raises(ValueError, match=r"x ± ε overflows"):
        gradcheck(lambda x: x * 0.5, [1e308], eps=1e308)


def test_a_function_that_overflows_beside_the_point_cannot_be_checked():
    with pytest.raises(ValueError, match=r"f overflows at x \+ ε = 710"):
        gradcheck(lambda x: x.exp(), [709.5], eps=0.5)


def test_a_difference_that_overflows_cannot_be_checked():
    with pytest.raises(ValueError, match=r"f\(x \+ ε\) − f\(x − ε\) overflows"):
        gradcheck(lambda x: x * 1e308, [0.0], eps=1.5)


def test_a_step_out_of_the_domain_cannot_be_checked():
    with pytest.raises(ValueError, match=r"x − ε = -9.99e-07 is out of the domain: log"):
        gradcheck(lambda x: x.log(), [1e-9])


def test_rounding_larger_than_the_tolerance_cannot_be_checked():
    # f = (x + 1e10) − 1e10 is x, but its intermediate 1e10 + x carries a rounding of 2e-6.
    (check,) = derivative_checks(lambda x: (x + 1e10) - 1e10, [1.0])
    assert check.rounding > 1.0 and check.problem is None
    assert "rounding in f can move the finite difference" in (check.undecided() or "")
    with pytest.raises(ValueError, match=r"cannot check .* rounding"):
        gradcheck(lambda x: (x + 1e10) - 1e10, [1.0])


def test_a_step_too_large_for_how_fast_the_slope_changes_cannot_be_checked():
    # cos(x⁻²) turns fast near 0: at 0.02 the difference with ε = 1e-6 is 1% off, and halving
    # the step shows it; a smaller step checks it.
    with pytest.raises(ValueError, match=r"changes by about .* when the step is halved"):
        gradcheck(lambda x: (x**-2).cos(), [0.02])
    assert gradcheck(lambda x: (x**-2).cos(), [0.02], eps=1e-9)


def test_a_difference_that_does_not_settle_cannot_be_checked():
    with pytest.raises(ValueError, match="does not settle as the step is halved"):
        gradcheck(lambda x: (x**-2).cos(), [0.005])


def test_a_real_disagreement_is_still_one_with_its_errors_estimated():
    (check,) = derivative_checks(wrong_cube, [2.0])
    assert check.rounding < 1e-8 and check.truncation < 1e-4 and check.undecided() is None
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: wrong_cube(x), [2.0])


def test_the_errors_are_estimated_only_where_a_derivative_disagrees():
    (check,) = derivative_checks(lambda x: x * x, [0.5])
    assert check.agrees() and check.rounding == 0.0 and check.truncation == 0.0


def checked(f, point, eps):
    """ "checked" when gradcheck agrees, "refused" when it cannot check (a ValueError saying
    so); a disagreement (GradcheckError) fails the test."""
    try:
        assert gradcheck(f, point, eps=eps)
    except ValueError as refusal:
        assert "cannot check" in str(refusal)
        return "refused"
    return "checked"


def test_a_fast_turning_function_is_never_reported_as_a_disagreement():
    """Near 0, cos(x⁻²) turns fast: the check is refused or passes, but a correct derivative is
    never called wrong (the old check said it was). Where one step turns it by many radians
    (2ε/x³ ≫ 1) the samples alias and no finite difference can tell: those are left out. Most
    of the points drawn are checked, not refused."""
    outcomes = []

    @given(st.floats(0.002, 0.2), st.sampled_from([1e-8, 1e-6, 1e-4]))
    def never_wrong(x, eps):
        assume(2 * eps / x**3 <= 4)
        outcomes.append(checked(lambda v: (v**-2).cos(), [x], eps))

    never_wrong()
    assert outcomes.count("checked") > len(outcomes) / 2, outcomes


def test_a_correct_derivative_is_never_reported_as_a_disagreement():
    """At huge points a step may vanish or rounding may swamp it: the check is then refused with a
    reason, but a correct derivative is never called wrong (the old check said it was). Most
    of the points drawn are checked, not refused."""
    functions = {
        "x * 3": lambda v: v * 3.0,
        "x * x": lambda v: v * v,
        "x + 1e12": lambda v: v + 1e12,
        "sqrt(x)": lambda v: v.sqrt(),
        "x ** 0.5 * 2": lambda v: v**0.5 * 2.0,
    }
    outcomes = []

    @given(
        st.floats(1e8, 1e300),
        st.sampled_from([1e-9, 1e-6, 1e-3]),
        st.sampled_from(["relative"] * 3 + ["absolute"]),
        st.sampled_from(sorted(functions)),
    )
    def never_wrong(x, eps, step, form):
        # An absolute step is below the spacing of floats at most huge points (refused); a
        # step relative to x can be checked, so three draws in four take one.
        assume(form != "x * x" or x < 1e154)
        outcomes.append(checked(functions[form], [x], eps * x if step == "relative" else eps))

    never_wrong()
    assert outcomes.count("checked") > len(outcomes) / 2, outcomes

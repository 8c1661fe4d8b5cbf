"""check_op and op_test: property tests of an op, which pass on every built-in op and catch wrong
derivatives, shrunk to a small counterexample."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import settings

from autograd import GradcheckError, Op, Value, ops
from autograd.eager import MATH as EAGER
from autograd.symbols import Symbol
from autograd.testing import check_op, op_test

#: Examples per built-in op: enough to cover each op's domain, few enough for a fast suite.
#: (The counts within which a wrong op must be caught, below, are what those tests test.)
EXAMPLES = examples(0.15)

BUILTIN = {
    **{name: getattr(ops, name) for name in dir(ops) if isinstance(getattr(ops, name), Op)},
    "SQUARE": ops.PowConst(2.0),
    "CUBE": ops.PowConst(3.0),
    "ROOT": ops.PowConst(0.5),
    "RSQRT": ops.PowConst(-0.5),
    "POWER_REAL": ops.PowConst(1.7),
    "RECIPROCAL_SQUARE": ops.PowConst(-2.0),
    "CONSTANT": ops.PowConst(0.0),
    "LEAKY_RELU": ops.LeakyRelu(0.1),
}


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_every_builtin_op_passes_check_op(name):
    check_op(BUILTIN[name], max_examples=EXAMPLES)


class Softsign(Op):
    """x/(1 + |x|);  d/dx = (1 − |out|)², and d²/dx² = −2 sign(x)/(1 + |x|)³ has a kink at 0."""

    name = symbol = "softsign"

    def forward(self, m, x):
        return x / (1.0 + m.abs(x))

    def derivatives(self, m, out, x):
        return ((1.0 - m.abs(out)) * (1.0 - m.abs(out)),)

    def margin(self, x):
        return abs(x)


#: A user's whole test, in one line.
test_softsign = op_test(Softsign(), max_examples=EXAMPLES)


class WrongCube(Op):
    """x³ with a typo in its derivative: 3x instead of 3x²."""

    name = symbol = "cube"

    def forward(self, m, x):
        return x * x * x

    def derivatives(self, m, out, x):
        return (3.0 * x,)


def test_a_wrong_derivative_is_caught_and_shrunk_to_the_op_alone():
    with pytest.raises(GradcheckError) as caught:
        check_op(WrongCube(), max_examples=100)
    error = caught.value
    (x,) = error.point
    assert error.op == "cube" and error.order == 1 and error.input == "x0"
    assert error.analytic == 3 * x and error.numeric == pytest.approx(3 * x * x, rel=1e-6)
    assert "f(x0) = cube(x0)" in str(error)
    assert abs(x) <= 3 and 4 * x == round(4 * x), "shrunk to a simple number"


def test_an_op_that_shares_its_symbol_is_named_by_its_own_name():
    class TanhCut(ops.Tanh):
        """tanh, whose derivative forgets the square: 1 − out instead of 1 − out²."""

        def derivatives(self, m, out, x):
            return (1.0 - out,)

    with pytest.raises(GradcheckError) as caught:
        check_op(TanhCut(), order=1, max_examples=100)
    assert repr(TanhCut()) == repr(ops.TANH) == "tanh"
    assert caught.value.op == "TanhCut"
    assert str(caught.value).startswith("check_op(TanhCut (tanh)): ")


def test_a_wrong_derivative_by_the_second_input_is_caught():
    class WrongPower(Op):
        """xʸ with ∂/∂y written as xʸ (missing ln x)."""

        name = symbol = "wrong_pow"

        def forward(self, m, x, y):
            return m.power(x, y)

        def derivatives(self, m, out, x, y):
            return (y * m.power(x, y - 1.0), out)

        def domain(self, x, y):
            return None if x > 0 else "needs x > 0"

        def margin(self, x, y):
            return x

    with pytest.raises(GradcheckError) as caught:
        check_op(WrongPower(), max_examples=100)
    assert caught.value.input == "x1" or "x1" in str(caught.value)


def test_a_wrong_forward_is_caught():
    class WrongTanh(Op):
        """tanh's derivative, but a forward of x − x³/3 (tanh's series, cut short)."""

        name = symbol = "wrong_tanh"

        def forward(self, m, x):
            return x - x * x * x / 3.0

        def derivatives(self, m, out, x):
            return (1.0 - m.tanh(x) * m.tanh(x),)

    with pytest.raises(GradcheckError, match="disagrees with its finite difference"):
        check_op(WrongTanh(), max_examples=100)


class ConstantOnValues(Op):
    """sin x whose derivative, on Value nodes only, is the number cos x: right first
    derivatives, but create_graph sees a constant, so the second derivative is 0."""

    name = symbol = "sin_cut"

    def forward(self, m, x):
        return m.sin(x)

    def derivatives(self, m, out, x):
        return (math.cos(x.data),) if isinstance(x, Value) else (m.cos(x),)


def test_a_wrong_second_derivative_is_caught_at_order_two():
    with pytest.raises(GradcheckError) as caught:
        check_op(ConstantOnValues(), max_examples=100)
    assert caught.value.order == 2 and "∂²f/∂x0²" in str(caught.value)


def test_order_one_checks_first_derivatives_only():
    check_op(ConstantOnValues(), order=1, max_examples=EXAMPLES)


def test_a_replay_that_disagrees_with_eager_backward_is_caught():
    class OtherWhenCompiled(Op):
        """3x², but the code written for the replay says 2x²."""

        name = symbol = "cube_replayed_wrong"

        def forward(self, m, x):
            return x * x * x

        def derivatives(self, m, out, x):
            return (2.0 * x * x,) if isinstance(x, Symbol) and m is not EAGER else (3.0 * x * x,)

    with pytest.raises(GradcheckError, match="the compiled replay gives"):
        check_op(OtherWhenCompiled(), max_examples=100)


def test_a_broken_rule_is_named_at_once_not_shrunk():
    class TwoTerms(Op):
        name = "two_terms"

        def forward(self, m, x):
            return x

        def derivatives(self, m, out, x):
            return (1.0, 1.0)

    with pytest.raises(TypeError, match="returned 2 terms for 1 input"):
        check_op(TwoTerms())


def test_an_op_with_no_point_in_range_is_reported():
    class FarAway(Op):
        name = "far_away"

        def forward(self, m, x):
            return m.log(x)

        def derivatives(self, m, out, x):
            return (1.0 / x,)

        def domain(self, x):
            return None if x > 10 else "needs x > 10"

    with pytest.raises(ValueError, match="found too few points in"):
        check_op(FarAway(), max_examples=10)
    check_op(FarAway(), max_examples=examples(0.05), min_value=11.0, max_value=20.0)


def test_an_op_of_any_arity_is_checked_with_the_arity_given():
    check_op(ops.LINEAR, arity=5, max_examples=examples(0.05))
    with pytest.raises(TypeError, match="takes 1 input, got 2"):
        check_op(Softsign(), arity=2)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"order": 0}, "order must be a positive integer"),
        ({"max_examples": 0}, "max_examples must be a positive integer"),
        ({"min_value": 1.0, "max_value": 1.0}, "min_value must be below max_value"),
        ({"atol": -1.0}, "atol must be a finite number ≥ 0"),
        ({"rtol": math.nan}, "rtol must be a finite number"),
    ],
)
def test_bad_options_are_named(options, problem):
    with pytest.raises(ValueError, match=problem):
        check_op(Softsign(), **options)


def test_a_kink_the_op_does_not_declare_is_found():
    class SoftsignWithoutMargin(Softsign):
        def margin(self, x):
            return math.inf

    with pytest.raises(GradcheckError, match="∂²f/∂x0²"):
        check_op(SoftsignWithoutMargin(), max_examples=200)


def test_check_op_needs_an_op():
    with pytest.raises(TypeError, match="check_op needs an op"):
        check_op(lambda x: x)  # type: ignore[arg-type]


def test_op_test_is_a_test_function_named_after_the_op():
    test = op_test(WrongCube(), max_examples=20)
    assert test.__name__ == "test_cube" and "cube" in (test.__doc__ or "")
    with pytest.raises(GradcheckError):
        test()


def test_hypothesis_is_imported_only_by_testing_and_strategies():
    script = (
        "import sys, autograd, autograd.gradcheck, autograd.functional, autograd.forward; "
        "assert 'hypothesis' not in sys.modules; "
        "autograd.testing.check_op; assert 'hypothesis' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_no_property_fixes_its_number_of_examples():
    """Example counts come from the Hypothesis profile (conftest.examples), so that the thorough
    profile raises them all; a settings(max_examples=<a number>) in a test would not follow."""
    folder = Path(__file__).parent
    fixed = [
        f"{path.name}: {match.group(0)}"
        for path in sorted(folder.glob("test_*.py"))
        for match in re.finditer(r"settings\(\s*max_examples=\d+", path.read_text())
    ]
    assert fixed == []


def test_the_number_of_examples_is_a_share_of_the_profile_s():
    assert examples(0.5, at_least=1) == round(settings.default.max_examples / 2)
    assert examples(1e-9, at_least=4) == 4

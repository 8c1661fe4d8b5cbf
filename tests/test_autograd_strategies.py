"""The shipped Hypothesis strategies draw well-defined graphs on which the engine is right."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, gradcheck, strategies, topological_order


@given(strategies.expressions_with_points())
def test_every_drawn_expression_passes_gradcheck_to_second_order(case):
    expression, point = case
    assert gradcheck(expression, point, order=2), str(expression)


@given(strategies.expressions_with_points(n_inputs=3, max_steps=12))
def test_drawn_points_are_well_conditioned(case):
    expression, point = case
    root = expression(*point)
    assert all(
        math.isfinite(node.data) and abs(node.data) <= 1e4 for node in topological_order(root)
    )


@given(strategies.expressions(n_inputs=2, max_steps=10))
def test_expressions_reuse_results_and_read_as_programs(expression):
    assert expression.n_inputs == 2 and 1 <= len(expression.steps) <= 10
    text = str(expression)
    assert text.startswith("t0 = ") and text.count("=") == len(expression.steps)


@given(strategies.expressions(forms=["add", "mul"]), st.data())
def test_forms_can_be_restricted(expression, data):
    assert {step.form for step in expression.steps} <= {"add", "mul"}


def test_expression_checks_its_arity():
    expression = strategies.Expression(2, (strategies.Step("add", (0, 1)),))
    assert expression(1.0, Value(2.0)).data == 3.0
    with pytest.raises(TypeError, match="takes 2 inputs, got 1"):
        expression(1.0)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_unknown_forms_are_rejected():
    with pytest.raises(ValueError, match="unknown forms"):
        strategies.expressions(forms=["nope"]).example()


def test_kinks_are_not_well_conditioned():
    at_relu_kink = strategies.Expression(1, (strategies.Step("relu", (0,)),))
    assert not at_relu_kink.is_well_conditioned((0.0,))
    assert at_relu_kink.is_well_conditioned((0.5,))

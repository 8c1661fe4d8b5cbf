"""Losses and penalties: exact values against hand computation, stability on large logits,
gradients against finite differences, and clear errors for targets that make no sense."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value, gradcheck


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# -- mean squared error -------------------------------------------------------------------------
def test_mse_is_the_mean_of_squared_differences():
    # ((1 − 0)² + (2 − 4)²) / 2 = (1 + 4) / 2
    assert nn.mse_loss([Value(1.0), Value(2.0)], [0.0, 4.0]).data == 2.5


def test_mse_of_two_outputs_is_half_the_sum_of_squares_as_in_the_worked_example():
    o, t = [0.75136507, 0.772928465], [0.01, 0.99]
    half_sum = 0.5 * sum((ti - oi) ** 2 for oi, ti in zip(o, t, strict=True))
    assert nn.mse_loss(o, t).data == pytest.approx(half_sum, rel=1e-15)


def test_mse_takes_a_single_prediction_and_target():
    assert nn.mse_loss(Value(3.0), 1.0).data == 4.0


def test_mse_gradient_matches_finite_differences():
    assert gradcheck(lambda a, b: nn.mse_loss([a, b], [0.3, -1.2]), [0.7, 0.1])


def test_mse_needs_one_target_per_prediction():
    with pytest.raises(ValueError, match="one target per output, got 2 and 3"):
        nn.mse_loss([1.0, 2.0], [1.0, 2.0, 3.0])


# -- binary cross-entropy on logits ----------------------------------------------------------
def test_binary_cross_entropy_equals_the_textbook_formula():
    logits, targets = [0.0, 2.0, -1.5], [1, 0, 1]
    textbook = (
        -sum(
            t * math.log(sigmoid(z)) + (1 - t) * math.log(1 - sigmoid(z))
            for z, t in zip(logits, targets, strict=True)
        )
        / 3
    )
    assert nn.binary_cross_entropy(logits, targets).data == pytest.approx(textbook, rel=1e-12)


def test_binary_cross_entropy_at_logit_zero_is_ln_2():
    assert nn.binary_cross_entropy(Value(0.0), 1).data == pytest.approx(math.log(2), rel=1e-15)


@pytest.mark.parametrize(("z", "t", "loss"), [(1000.0, 0, 1000.0), (-1000.0, 1, 1000.0)])
def test_binary_cross_entropy_is_finite_for_confidently_wrong_logits(z, t, loss):
    assert nn.binary_cross_entropy(Value(z), t).data == pytest.approx(loss)


@pytest.mark.parametrize(("z", "t"), [(1000.0, 1), (-1000.0, 0)])
def test_binary_cross_entropy_is_zero_for_confidently_right_logits(z, t):
    assert nn.binary_cross_entropy(Value(z), t).data == 0.0


def test_binary_cross_entropy_gradient_is_sigmoid_minus_target():
    z = Value(0.8)
    nn.binary_cross_entropy(z, 1).backward()
    assert z.grad == pytest.approx(sigmoid(0.8) - 1, rel=1e-12)


def test_binary_cross_entropy_gradient_matches_finite_differences():
    assert gradcheck(lambda a, b: nn.binary_cross_entropy([a, b], [1, 0]), [0.4, -2.0])


def test_binary_cross_entropy_rejects_targets_outside_0_1():
    with pytest.raises(ValueError, match=r"targets must be a number in \[0, 1\], got 2"):
        nn.binary_cross_entropy([0.5], [2])


# -- softmax, log-softmax and cross-entropy -------------------------------------------------
def test_softmax_is_exponentials_over_their_sum():
    z = [1.0, 2.0, 3.0]
    norm = sum(math.exp(v) for v in z)
    assert [p.data for p in nn.softmax(z)] == pytest.approx([math.exp(v) / norm for v in z])


def test_softmax_of_huge_logits_is_finite_and_sums_to_one():
    probabilities = [p.data for p in nn.softmax([1000.0, 1000.0, -1000.0])]
    assert probabilities == pytest.approx([0.5, 0.5, 0.0])


def test_log_softmax_is_logit_minus_log_sum_exp():
    z = [1.0, 2.0, 3.0]
    lse = math.log(sum(math.exp(v) for v in z))
    assert [p.data for p in nn.log_softmax(z)] == pytest.approx([v - lse for v in z], rel=1e-14)


def test_log_softmax_of_huge_equal_logits_is_minus_ln_of_their_count():
    assert [p.data for p in nn.log_softmax([1000.0, 1000.0])] == [-math.log(2)] * 2


def test_log_softmax_gradient_matches_finite_differences():
    assert gradcheck(lambda a, b, c: nn.log_softmax([a, b, c])[1], [0.5, -1.0, 2.0])


def test_cross_entropy_is_minus_log_of_the_target_probability():
    z = [1.0, 2.0, 3.0]
    expected = -(3.0 - math.log(sum(math.exp(v) for v in z)))
    assert nn.cross_entropy(z, 2).data == pytest.approx(expected, rel=1e-14)


def test_cross_entropy_is_finite_for_a_confidently_wrong_logit():
    assert nn.cross_entropy([1000.0, 0.0], 1).data == pytest.approx(1000.0)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    z = [Value(0.2), Value(-0.4), Value(1.1)]
    nn.cross_entropy(z, 0).backward()
    p = [q.data for q in nn.softmax([0.2, -0.4, 1.1])]
    assert [v.grad for v in z] == pytest.approx([p[0] - 1, p[1], p[2]], rel=1e-12)


@given(st.lists(st.floats(-50, 50), min_size=2, max_size=5), st.data())
def test_for_any_logits_the_cross_entropy_gradient_is_softmax_minus_one_hot(logits, data):
    target = data.draw(st.integers(0, len(logits) - 1))
    z = [Value(v) for v in logits]
    nn.cross_entropy(z, target).backward()
    p = [q.data for q in nn.softmax(logits)]
    one_hot = [float(i == target) for i in range(len(logits))]
    assert [v.grad for v in z] == pytest.approx(
        [pi - ti for pi, ti in zip(p, one_hot, strict=True)], abs=1e-12
    )


@given(st.lists(st.floats(-1000, 1000), min_size=1, max_size=5))
def test_for_any_logits_softmax_sums_to_one_and_matches_exp_log_softmax(logits):
    p = [q.data for q in nn.softmax(logits)]
    assert sum(p) == pytest.approx(1.0)
    assert [math.exp(q.data) for q in nn.log_softmax(logits)] == pytest.approx(p, abs=1e-12)


def test_cross_entropy_gradient_matches_finite_differences():
    assert gradcheck(lambda a, b, c: nn.cross_entropy([a, b, c], 1), [0.5, -1.0, 2.0])


@pytest.mark.parametrize("target", [-1, 3])
def test_cross_entropy_rejects_a_target_that_is_not_a_class(target):
    with pytest.raises(
        ValueError, match=f"cross_entropy target {target} is not a class of 3 logits"
    ):
        nn.cross_entropy([1.0, 2.0, 3.0], target)


def test_cross_entropy_needs_an_integer_target():
    with pytest.raises(TypeError, match="cross_entropy target must be an int"):
        nn.cross_entropy([1.0, 2.0], 1.0)  # type: ignore[arg-type]


# -- hinge ----------------------------------------------------------------------------------
def test_hinge_is_the_mean_margin_violation():
    # max(0, 1 − 2) + max(0, 1 − 0.5) + max(0, 1 + 1) = 0 + 0.5 + 2
    assert nn.hinge_loss([2.0, 0.5, -1.0], [1, 1, 1]).data == pytest.approx(2.5 / 3)


def test_hinge_is_zero_beyond_the_margin_on_the_right_side():
    assert nn.hinge_loss([3.0, -1.0], [1, -1]).data == 0.0


def test_hinge_gradient_is_minus_target_inside_the_margin_over_n():
    s = [Value(0.5), Value(2.0)]
    nn.hinge_loss(s, [-1, 1]).backward()
    assert [v.grad for v in s] == [0.5, 0.0]


def test_hinge_rejects_zero_one_targets():
    with pytest.raises(ValueError, match=r"targets must be -1 or \+1, got 0"):
        nn.hinge_loss([0.5], [0])


# -- penalties ----------------------------------------------------------------------------
def test_l2_penalty_is_lambda_times_the_sum_of_squares():
    w = [Value(1.0), Value(-2.0), Value(0.5)]
    assert nn.l2_penalty(w, 0.1).data == pytest.approx(0.1 * (1 + 4 + 0.25))


def test_l1_penalty_is_lambda_times_the_sum_of_magnitudes():
    w = [Value(1.0), Value(-2.0), Value(0.5)]
    assert nn.l1_penalty(w, 0.1).data == pytest.approx(0.1 * 3.5)


def test_penalty_gradients_are_2_lambda_w_and_lambda_sign_w():
    w = [Value(1.5), Value(-2.0)]
    (nn.l2_penalty(w, 0.1) + nn.l1_penalty(w, 0.01)).backward()
    assert [v.grad for v in w] == pytest.approx([0.2 * 1.5 + 0.01, 0.2 * -2.0 - 0.01])


@pytest.mark.parametrize("strength", [-0.1, math.inf, math.nan])
def test_penalty_strength_must_be_finite_and_non_negative(strength):
    with pytest.raises(ValueError, match="strength λ"):
        nn.l2_penalty([Value(1.0)], strength)

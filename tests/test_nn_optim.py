"""Optimizers: one or two steps against hand computation, for each variant, and clear errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd import Value


def parameter(data: float = 1.0, grad: float = 0.5) -> Value:
    w = Value(data)
    w.grad = grad
    return w


def test_sgd_steps_against_the_gradient():
    w = parameter()
    nn.SGD([w], lr=0.1).step()
    assert w.data == 1.0 - 0.1 * 0.5


def test_sgd_momentum_accumulates_a_velocity():
    w = parameter()
    optimizer = nn.SGD([w], lr=0.1, momentum=0.9)
    optimizer.step()  # v = 0.5, w = 1 − 0.05
    assert w.data == pytest.approx(0.95)
    optimizer.step()  # v = 0.9·0.5 + 0.5 = 0.95, w = 0.95 − 0.095
    assert w.data == pytest.approx(0.855)


def test_sgd_nesterov_steps_with_the_look_ahead_gradient():
    w = parameter()
    nn.SGD([w], lr=0.1, momentum=0.9, nesterov=True).step()
    # v = 0.5; step g + μv = 0.5 + 0.45 = 0.95
    assert w.data == pytest.approx(1.0 - 0.095)


def test_weight_decay_adds_lambda_w_to_the_gradient():
    w = parameter()
    nn.SGD([w], lr=0.1, weight_decay=0.1).step()
    assert w.data == pytest.approx(1.0 - 0.1 * (0.5 + 0.1 * 1.0))


def test_rmsprop_divides_by_the_root_mean_square_gradient():
    w = parameter()
    nn.RMSprop([w], lr=0.01, alpha=0.99, eps=1e-8).step()
    # s = 0.01·0.25 = 0.0025, √s = 0.05, step = 0.01·0.5 / (0.05 + 1e-8)
    assert w.data == pytest.approx(1.0 - 0.005 / (0.05 + 1e-8), rel=1e-15)


def test_adam_first_step_moves_by_lr_whatever_the_gradient_size():
    w = parameter(grad=123.0)
    nn.Adam([w], lr=0.1).step()
    # m̂ = g and v̂ = g² on the first step, so the step is η·g/(|g| + ε) ≈ η
    assert w.data == pytest.approx(0.9, rel=1e-9)


def test_adam_second_step_uses_bias_corrected_moments():
    w = parameter()
    optimizer = nn.Adam([w], lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    optimizer.step()
    w.grad = -0.5
    optimizer.step()
    m = 0.9 * (0.1 * 0.5) + 0.1 * -0.5  # -0.005
    v = 0.999 * (0.001 * 0.25) + 0.001 * 0.25
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    first = 0.1 * 0.5 / (0.5 + 1e-8)
    assert w.data == pytest.approx(1.0 - first - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8))


def test_an_optimizer_follows_a_schedule():
    w = parameter(grad=1.0)
    optimizer = nn.SGD([w], lr=nn.StepDecay(1.0, step_size=2, gamma=0.5))
    positions = []
    for _ in range(4):
        assert optimizer.learning_rate == nn.StepDecay(1.0, 2, 0.5)(optimizer.steps)
        optimizer.step()
        positions.append(w.data)
    assert positions == [0.0, -1.0, -1.5, -2.0]


def test_zero_grad_resets_every_gradient():
    params = [parameter(), parameter(grad=-3.0)]
    nn.Adam(params).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_a_training_step_lowers_the_loss():
    w = Value(3.0)
    optimizer = nn.SGD([w], lr=0.1)
    before = (w * w).data
    optimizer.zero_grad()
    (w * w).backward()
    optimizer.step()
    assert (w * w).data < before


@pytest.mark.parametrize("lr", [0.0, -1.0, math.nan])
def test_learning_rate_must_be_positive(lr):
    with pytest.raises(ValueError, match="learning rate"):
        nn.SGD([Value(1.0)], lr=lr)


def test_an_optimizer_needs_parameters():
    with pytest.raises(ValueError, match="at least one parameter"):
        nn.SGD([], lr=0.1)


def test_parameters_must_be_values():
    with pytest.raises(TypeError, match="parameters must be Values, not float"):
        nn.SGD([1.0], lr=0.1)  # type: ignore[list-item]


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError, match="Nesterov momentum needs a momentum > 0"):
        nn.SGD([Value(1.0)], lr=0.1, nesterov=True)


def test_adam_betas_must_be_below_one():
    with pytest.raises(ValueError, match=r"beta1 must be a number in \[0, 1\), got 1.0"):
        nn.Adam([Value(1.0)], betas=(1.0, 0.999))


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: nn.SGD(ps, lr=0.1),
        lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda ps: nn.RMSprop(ps, lr=0.01, weight_decay=0.1),
        lambda ps: nn.Adam(ps, lr=nn.StepDecay(0.1, step_size=2, gamma=0.5), weight_decay=0.01),
    ],
    ids=["sgd", "nesterov", "rmsprop", "adam"],
)
def test_a_step_on_an_array_of_gradients_is_the_step_on_each_parameter(make):
    """step_from computes step's update on every parameter at once; the state reads as lists
    of floats, so that steps of either kind follow each other."""
    rows = [
        [0.5, -2.0, 0.0, 3.0],
        [-0.1, 0.2, 1e-3, -4.0],
        [2.0, 0.0, -0.5, 0.25],
        [-1.0, 0.5, 4.0, 0.0],
    ]
    eager = [parameter(data=d) for d in (1.0, -0.5, 2.0, 0.0)]
    on_arrays = [parameter(data=d) for d in (1.0, -0.5, 2.0, 0.0)]
    first, second = make(eager), make(on_arrays)
    for k, grads in enumerate(rows):
        for p, g in zip(eager, grads, strict=True):
            p.grad = g
        first.step()
        if k == 1:  # a step on floats between steps on arrays
            for p, g in zip(on_arrays, grads, strict=True):
                p.grad = g
            second.step()
        else:
            second.step_from(np.array(grads))
        assert [p.data for p in on_arrays] == pytest.approx([p.data for p in eager], rel=1e-15)
        assert [p.grad for p in on_arrays] == [p.grad for p in eager]
    assert second.steps == first.steps == 4
    for name in second.state:
        assert all(type(x) is float for x in getattr(second, name))


def test_an_optimizer_still_has_no_attributes_but_its_own():
    optimizer = nn.Adam([Value(1.0)])
    optimizer.step_from(np.array([0.5]))
    with pytest.raises(AttributeError, match="'Adam' object has no attribute 'velocity'"):
        _ = optimizer.velocity


def test_only_this_module_s_updates_step_on_arrays():
    class SignSGD(nn.SGD):
        def _update(self, i: int, g: float, lr: float) -> float:
            return math.copysign(lr, g)  # math: floats only

    assert nn.Adam([Value(1.0)]).steps_on_arrays
    assert not SignSGD([Value(1.0)], lr=0.1).steps_on_arrays

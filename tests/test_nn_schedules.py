"""Learning-rate schedules: η_t at chosen steps against their formulas."""

from __future__ import annotations

import math

import pytest

import nn


def test_step_decay_multiplies_by_gamma_every_step_size_steps():
    schedule = nn.StepDecay(0.8, step_size=3, gamma=0.5)
    assert [schedule(t) for t in range(7)] == [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2]


def test_exponential_decay_multiplies_by_gamma_every_step():
    schedule = nn.ExponentialDecay(1.0, gamma=0.9)
    assert [schedule(t) for t in range(3)] == pytest.approx([1.0, 0.9, 0.81])


def test_linear_decay_runs_in_a_straight_line_then_stays():
    schedule = nn.LinearDecay(1.0, end_lr=0.1, steps=10)
    assert [schedule(t) for t in (0, 5, 10, 20)] == pytest.approx([1.0, 0.55, 0.1, 0.1])


def test_cosine_decay_is_half_a_cosine_wave_then_stays():
    schedule = nn.CosineDecay(1.0, steps=10, min_lr=0.2)
    assert schedule(0) == 1.0
    assert schedule(5) == pytest.approx(0.6)
    assert schedule(10) == pytest.approx(0.2)
    assert schedule(30) == pytest.approx(0.2)
    assert schedule(2) == pytest.approx(0.2 + 0.4 * (1 + math.cos(math.pi * 0.2)))


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.StepDecay(1.0, step_size=0),
        lambda: nn.ExponentialDecay(-1.0, 0.9),
        lambda: nn.LinearDecay(1.0, -0.1, 10),
        lambda: nn.CosineDecay(1.0, steps=0),
    ],
)
def test_schedules_reject_impossible_settings(make):
    with pytest.raises(ValueError, match="must be a"):
        make()

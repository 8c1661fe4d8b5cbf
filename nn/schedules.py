"""Learning-rate schedules: the learning rate η_t to use at step t = 0, 1, 2, …

Large steps early move fast; small steps late settle into a minimum instead of bouncing around
it. A schedule is any callable t ↦ η_t; pass one as an optimizer's ``lr`` and it follows it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from autograd.numbers import finite_float
from nn.checks import integer


@dataclass(frozen=True)
class StepDecay:
    """η_t = η₀ · γ^⌊t / s⌋: multiply the rate by γ every ``step_size`` (s) steps."""

    lr: float
    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        finite_float(self.lr, "lr", above=0)
        integer(self.step_size, "step_size")
        finite_float(self.gamma, "gamma", above=0)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** (step // self.step_size)


@dataclass(frozen=True)
class ExponentialDecay:
    """η_t = η₀ · γᵗ: multiply the rate by γ after every step."""

    lr: float
    gamma: float

    def __post_init__(self) -> None:
        finite_float(self.lr, "lr", above=0)
        finite_float(self.gamma, "gamma", above=0)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma**step


@dataclass(frozen=True)
class LinearDecay:
    """η_t = η₀ + (η_end − η₀) · min(t, T)/T: a straight line from η₀ to η_end over T steps,
    then η_end."""

    lr: float
    end_lr: float
    steps: int

    def __post_init__(self) -> None:
        finite_float(self.lr, "lr", above=0)
        finite_float(self.end_lr, "end_lr", at_least=0)
        integer(self.steps, "steps")

    def __call__(self, step: int) -> float:
        return self.lr + (self.end_lr - self.lr) * min(step, self.steps) / self.steps


@dataclass(frozen=True)
class CosineDecay:
    """η_t = η_min + ½(η₀ − η_min)(1 + cos(π · min(t, T)/T)): half a cosine wave from η₀ down
    to η_min over T steps, then η_min."""

    lr: float
    steps: int
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        finite_float(self.lr, "lr", above=0)
        integer(self.steps, "steps")
        finite_float(self.min_lr, "min_lr", at_least=0)

    def __call__(self, step: int) -> float:
        progress = min(step, self.steps) / self.steps
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1.0 + math.cos(math.pi * progress))

"""How a neuron's first weights are drawn (its bias starts at 0).

* ``uniform``: wᵢ ~ U(−1, 1), as micrograd does;
* ``xavier`` (Glorot): wᵢ ~ U(−a, a) with a = √(6 / (n_in + n_out)), which keeps the variance of
  z = Σ wᵢxᵢ + b about the same from layer to layer for tanh and sigmoid;
* ``he`` (Kaiming): wᵢ ~ N(0, 2 / n_in), which does the same for ReLU, that zeroes half of its
  inputs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from nn.choices import choose

Scheme = Callable[[random.Random, int, int], float]


def _uniform(rng: random.Random, fan_in: int, fan_out: int) -> float:
    return rng.uniform(-1.0, 1.0)


def _xavier(rng: random.Random, fan_in: int, fan_out: int) -> float:
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound)


def _he(rng: random.Random, fan_in: int, fan_out: int) -> float:
    return rng.gauss(0.0, math.sqrt(2.0 / fan_in))


#: name -> how to draw one weight of a neuron with ``fan_in`` inputs in a layer ``fan_out`` wide.
SCHEMES: dict[str, Scheme] = {"uniform": _uniform, "xavier": _xavier, "he": _he}


def initial_weights(scheme: str, fan_in: int, fan_out: int, rng: random.Random) -> list[float]:
    """``fan_in`` weights drawn with ``scheme``."""
    weight = choose(SCHEMES, scheme, "initialisation")
    return [weight(rng, fan_in, fan_out) for _ in range(fan_in)]

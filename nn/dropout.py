"""Dropout: during training, each input is dropped at random, so that no neuron can rely on one
particular other neuron.

Inverted dropout, as in PyTorch: in training each xᵢ becomes mᵢxᵢ / (1 − p) with
mᵢ ~ Bernoulli(1 − p) (kept with probability 1 − p), so E[output] = x; in evaluation the input
passes unchanged.
"""

from __future__ import annotations

from typing import Any

from autograd.numbers import finite_float
from nn.module import Module
from nn.scalars import Inputs, Outputs, as_list, as_value, single
from nn.seeding import Seed, make_rng


class Dropout(Module):
    """Drop each input with probability ``p`` in training mode; the identity in evaluation."""

    def __init__(self, p: float = 0.5, *, seed: Seed = None):
        super().__init__()
        self.p = finite_float(p, "the dropout probability p", at_least=0, below=1)
        self._rng = make_rng(seed)

    def forward(self, x: Inputs) -> Outputs:
        xs = [as_value(v) for v in as_list(x)]
        if not self.training or self.p == 0.0:
            return single(xs)
        keep = 1.0 / (1.0 - self.p)
        return single([v * (keep if self._rng.random() >= self.p else 0.0) for v in xs])

    def config(self) -> dict[str, Any]:
        return {"p": self.p}

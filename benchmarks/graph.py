"""The same training step written op by op, once, for any library's scalars.

Each neuron is micrograd's: z = b + Σ wᵢ·xᵢ as one ``+`` and one ``*`` node per input, then ReLU
on the hidden layers. No n-ary node (``linear``, ``total``) and no neural-network module: this is
the engine alone, the same graph on every library.
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Callable
from typing import Any

from benchmarks.moons import SEED, SIZES, Step, demo_step
from benchmarks.peers import Scalars

#: Per layer, per neuron: (weights, bias).
Layers = list[list[tuple[list[Any], Any]]]


def initial_parameters(seed: int = SEED) -> list[list[tuple[list[float], float]]]:
    """Weights uniform in [−1, 1] and biases 0, as micrograd draws them."""
    rng = random.Random(seed)
    return [
        [([rng.uniform(-1.0, 1.0) for _ in range(nin)], 0.0) for _ in range(nout)]
        for nin, nout in itertools.pairwise(SIZES)
    ]


def score(layers: Layers, point: list[Any]) -> Any:
    """The MLP's output for one point: ReLU on hidden layers, linear output."""
    x = point
    last = len(layers) - 1
    for depth, layer in enumerate(layers):
        zs = [sum((w * xi for w, xi in zip(ws, x, strict=True)), b) for ws, b in layer]
        x = zs if depth == last else [z.relu() for z in zs]
    return x[0]


def model(lib: Scalars) -> tuple[Callable[[list[Any]], Any], list[Any]]:
    """The op-by-op MLP on ``lib``'s scalars, from :func:`initial_parameters`, and its
    parameters."""
    layers: Layers = [
        [([lib.parameter(w) for w in ws], lib.parameter(b)) for ws, b in layer]
        for layer in initial_parameters()
    ]
    parameters = [p for layer in layers for ws, b in layer for p in (*ws, b)]
    return functools.partial(score, layers), parameters


def step(lib: Scalars) -> Step:
    """A training step of the op-by-op MLP on ``lib``'s scalars."""
    return demo_step(lib, *model(lib))

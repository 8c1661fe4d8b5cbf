"""The activation functions a neuron can apply to its weighted sum z, by name.

A name (not a function) is what a model file stores, so each activation has one.
"""

from __future__ import annotations

from collections.abc import Callable

from autograd import Value
from nn.choices import choose

Activation = Callable[[Value], Value]


def _linear(z: Value) -> Value:
    return z


def _leaky_relu(z: Value) -> Value:
    return z.leaky_relu()


#: name -> function, each with its formula: σ(z) = 1/(1 + e⁻ᶻ), tanh z, max(0, z), z.
ACTIVATIONS: dict[str, Activation] = {
    "relu": Value.relu,  # max(0, z)
    "tanh": Value.tanh,  # (eᶻ − e⁻ᶻ)/(eᶻ + e⁻ᶻ)
    "sigmoid": Value.sigmoid,  # σ(z) = 1/(1 + e⁻ᶻ)
    "leaky_relu": _leaky_relu,  # z for z > 0, 0.01·z otherwise
    "linear": _linear,  # z itself: a score or a logit
}


def activation(name: str) -> Activation:
    """The activation called ``name``; a ``ValueError`` lists the known names otherwise."""
    return choose(ACTIVATIONS, name, "activation")

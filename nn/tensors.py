"""Parameters laid out as PyTorch's tensors: nested lists of ``Value`` leaves with PyTorch's names.

A ``Linear`` layer's weight is ``weight[o][i]``, a nested list of ``Value`` nodes, where PyTorch
has one tensor ``weight`` of shape (out, in). Each entry is a parameter of its own, named by
the tensor's name and its index: ``weight[2][0]``; in a ``Sequential`` it is
``0.weight[2][0]``. :func:`entries` turns a state whose values are whole tensors (PyTorch's
``state_dict()``, NumPy arrays, nested lists) into those names, so that weights copy across:
``model.load_state_dict(torch_model.state_dict())``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

from autograd import Value
from nn.shapes import Shape, as_nested, flatten, reshape, shape_of


def uniform_tensor(shape: Shape, fan_in: int, rng: random.Random, name: str) -> Any:
    """A nested list of ``shape`` of new parameters drawn from U(−1/√fan_in, 1/√fan_in) in
    reading order, PyTorch's default for the weights and biases of ``Linear`` and ``Conv2d``
    (its Kaiming-uniform with a = √5 gives the same bound); each labelled ``name[i][j]…``."""
    bound = 1.0 / math.sqrt(fan_in)
    values = [Value(rng.uniform(-bound, bound), label=label) for label in _names(name, shape)]
    return reshape(values, shape)


def _names(name: str, shape: Shape) -> list[str]:
    """The name of every entry of a tensor of ``shape``, in reading order: ``weight[0][0]``, …"""
    indices: list[str] = [name]
    for length in shape:
        indices = [f"{prefix}[{i}]" for prefix in indices for i in range(length)]
    return indices


def named_entries(name: str, tensor: Any) -> list[tuple[str, Any]]:
    """Each entry of the nested list ``tensor`` with its name: ``("weight[2][0]", w)``."""
    return list(zip(_names(name, shape_of(tensor, name)), flatten(tensor), strict=True))


def entries(state: Mapping[str, object]) -> dict[str, object]:
    """``state`` with every whole tensor (a nested list, or anything with ``tolist``: a NumPy
    array, a PyTorch tensor) replaced by its entries, ``weight`` by ``weight[0][0]``, …;
    single numbers kept as they are."""
    found: dict[str, object] = {}
    for name, value in state.items():
        nested = as_nested(value)
        if isinstance(nested, list | tuple):
            found.update(named_entries(name, nested))
        else:
            found[name] = nested
    return found


def weight_and_bias(weight: Any, bias: list[Value] | None) -> list[tuple[str, Value]]:
    """The named parameters of a layer with a tensor ``weight`` and a ``bias`` (or None)."""
    return named_entries("weight", weight) + (named_entries("bias", bias) if bias else [])

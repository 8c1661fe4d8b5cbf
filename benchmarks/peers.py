"""The libraries compared, each behind the same small interface for scalar code written once.

chainrule is always there; micrograd comes with the ``bench`` extra; PyTorch is optional (used
when the user has it). Each library makes scalars its own way; :class:`Scalars` says how, so that
the op-by-op MLP and the long chain are one piece of code run on every library.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Display names, in the order the tables list them.
CHAINRULE = "chainrule"
MICROGRAD = "micrograd"
TORCH = "PyTorch (0-d tensors)"
FLOATS = "raw Python floats"


@dataclass(frozen=True)
class Scalars:
    """How one library makes and updates scalar nodes."""

    name: str
    #: A leaf whose gradient is wanted (a weight, a bias).
    parameter: Callable[[float], Any]
    #: A leaf that is only read (a data point).
    constant: Callable[[float], Any]
    #: Forget a parameter's gradient before the next backward pass.
    zero_grad: Callable[[Any], None]
    #: One step of gradient descent on a parameter, w ← w − η ∂L/∂w.
    descend: Callable[[Any, float], None]


def has(module: str) -> bool:
    """Whether ``module`` can be imported."""
    return importlib.util.find_spec(module) is not None


def version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _set_grad(value: Any) -> Callable[[Any], None]:
    def zero_grad(p: Any) -> None:
        p.grad = value

    return zero_grad


def _descend_data(p: Any, lr: float) -> None:
    p.data -= lr * p.grad


def chainrule() -> Scalars:
    from autograd import Value

    return Scalars(CHAINRULE, Value, Value, _set_grad(0.0), _descend_data)


def micrograd() -> Scalars:
    from micrograd.engine import Value

    return Scalars(MICROGRAD, Value, Value, _set_grad(0), _descend_data)


def torch_scalars() -> Scalars:
    """0-d float64 tensors (float64, so that every library computes the same numbers)."""
    import torch

    def parameter(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    def constant(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64)

    def descend(p: Any, lr: float) -> None:
        with torch.no_grad():
            p -= lr * p.grad

    return Scalars(TORCH, parameter, constant, _set_grad(None), descend)


def available(include_torch: bool = True) -> list[Scalars]:
    """chainrule, then each peer that is installed."""
    found = [chainrule()]
    if has("micrograd"):
        found.append(micrograd())
    if include_torch and has("torch"):
        found.append(torch_scalars())
    return found


def versions() -> dict[str, str | None]:
    return {
        "chainrule": version("chainrule"),
        "micrograd": version("micrograd"),
        "torch": version("torch"),
    }

"""chainrule's engine: scalar reverse-mode automatic differentiation, readable in an afternoon.

>>> from autograd import Value
>>> x = Value(2.0)
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad          # dy/dx = 2x + 3
7.0

``import autograd`` imports no third-party module: Graphviz is imported by ``draw_graph`` and
Hypothesis by ``autograd.strategies``, each only when used.
"""

from __future__ import annotations

import importlib
from typing import Any

from autograd.backprop import backward, backward_steps, chain_rule, topological_order
from autograd.compiled import Compiled, StructureError, TracingError, compile
from autograd.errors import AnomalyError, DomainError, GradcheckError
from autograd.functional import detach, grad, value_and_grad
from autograd.gradcheck import central_difference, gradcheck
from autograd.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad, scope
from autograd.value import Value, linear, total

__all__ = [
    "AnomalyError",
    "Compiled",
    "DomainError",
    "GradcheckError",
    "StructureError",
    "TracingError",
    "Value",
    "backprop_frames",
    "backward",
    "backward_steps",
    "central_difference",
    "chain_rule",
    "compile",
    "detach",
    "detect_anomaly",
    "draw_graph",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "linear",
    "no_grad",
    "scope",
    "strategies",
    "topological_order",
    "total",
    "value_and_grad",
]

#: Names whose module needs a third-party package, imported on first use: name -> module.
_LAZY = {
    "strategies": "autograd.strategies",
    "draw_graph": "autograd.draw",
    "backprop_frames": "autograd.draw",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'autograd' has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    return module if module.__name__.endswith(name) else getattr(module, name)

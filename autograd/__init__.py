"""chainrule's engine: scalar reverse-mode automatic differentiation, readable in an afternoon.

>>> from autograd import Value
>>> x = Value(2.0)
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad          # dy/dx = 2x + 3
7.0

Reading the engine, in this order:

1. :mod:`autograd.value`: a node. ``Value.__init__`` makes a leaf; ``_apply`` makes every other
   node, computing its value and its local derivatives from the op's rule (each op of a fixed
   number of inputs does it in a function written from its rule, :mod:`autograd.eager`).
2. :mod:`autograd.ops`: the rules, one class per op: ``Tanh.forward`` gives tanh x and
   ``Tanh.derivatives`` gives 1 − tanh² x, over the namespace :class:`autograd.ops.Math`.
   Your own op is a subclass of :class:`autograd.ops.Op` written the same way.
3. :mod:`autograd.backprop`: the loop. ``topological_order`` sorts the graph, ``chain_rule``
   passes each gradient on (∂L/∂v += ∂L/∂u · ∂u/∂v) and ``backward`` runs it from the root.

Then, as needed: :mod:`autograd.forward` (forward mode, the same loop the other way),
:mod:`autograd.functional` (``grad``, ``jvp``, ``jacobian``, ``hessian``, ``hvp``, composable),
:mod:`autograd.gradcheck` (finite differences), :mod:`autograd.testing` (``check_op``: property
tests of an op), :mod:`autograd.modes` (``no_grad``, anomaly detection, scopes),
:mod:`autograd.draw` (Graphviz drawings and the explorer page, :func:`explore`) and
:mod:`autograd.replay` (the compiled replay).

``import autograd`` imports no third-party module: Graphviz is imported by ``draw_graph`` and
Hypothesis by ``autograd.strategies`` and ``autograd.testing``, each only when used.
"""

from __future__ import annotations

import importlib
from typing import Any

from autograd.backprop import backward, backward_steps, chain_rule, topological_order
from autograd.errors import AnomalyError, DomainError, GradcheckError, StructureError, TracingError
from autograd.functional import detach, grad, hessian, hvp, jacobian, jvp, value_and_grad
from autograd.gradcheck import central_difference, gradcheck
from autograd.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad, scope
from autograd.ops import Op
from autograd.replay import Compiled, compile
from autograd.value import Value, linear, total

__all__ = [
    "AnomalyError",
    "Compiled",
    "DomainError",
    "Explorer",
    "GradcheckError",
    "Op",
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
    "explore",
    "grad",
    "gradcheck",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "linear",
    "no_grad",
    "scope",
    "strategies",
    "testing",
    "topological_order",
    "total",
    "value_and_grad",
]

#: Names whose module needs a third-party package, imported on first use: name -> module.
_LAZY = {
    "strategies": "autograd.strategies",
    "testing": "autograd.testing",
    "draw_graph": "autograd.draw",
    "backprop_frames": "autograd.draw",
    "explore": "autograd.draw",
    "Explorer": "autograd.draw",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'autograd' has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    return module if module.__name__.endswith(name) else getattr(module, name)

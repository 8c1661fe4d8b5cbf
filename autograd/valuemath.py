"""The op table's namespace on ``Value`` nodes: evaluating a rule here records a graph.

``backward(create_graph=True)`` evaluates each op's ``derivatives`` (:mod:`autograd.ops`) in this
namespace, so the gradients it produces are ``Value`` nodes and can be differentiated again. Steps
and signs are constants (their own derivative is zero almost everywhere), so they come back as
floats; a closed step is :data:`CLOSED`, which keeps the gradient it stops in the graph.

The edge rules are the float namespace's: a rule's division by a zero output is IEEE's ±inf
(:class:`autograd.ops.Power` takes no domain), NaN propagates, and a closed mask gives 0 for
every gradient, so every order of derivative answers where the first order does.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from autograd.floatmath import FloatMath
from autograd.ops import MASKED, Math, Power

if TYPE_CHECKING:
    from autograd.value import Value


class ValueMath:
    """Each function calls the ``Value`` method of the same name."""

    @staticmethod
    def abs(x: Value) -> Value:
        return abs(x)

    @staticmethod
    def exp(x: Value) -> Value:
        return x.exp()

    @staticmethod
    def log(x: Value) -> Value:
        return x.log()

    @staticmethod
    def sqrt(x: Value) -> Value:
        return x.sqrt()

    @staticmethod
    def power(x: Value, y: Value | float) -> Value:
        """xʸ; for a constant y, :class:`autograd.ops.Power`, with the float rule's IEEE answers
        where ``x ** y`` raises (0 ** −1 is inf: a rule's division by a zero output)."""
        if isinstance(y, float | int):
            return _power(float(y))(x)
        return x**y

    @staticmethod
    def tanh(x: Value) -> Value:
        return x.tanh()

    @staticmethod
    def sigmoid(x: Value) -> Value:
        return x.sigmoid()

    @staticmethod
    def softplus(x: Value) -> Value:
        return x.softplus()

    @staticmethod
    def sin(x: Value) -> Value:
        return x.sin()

    @staticmethod
    def cos(x: Value) -> Value:
        return x.cos()

    @staticmethod
    def relu(x: Value) -> Value:
        return x.relu()

    @staticmethod
    def step(x: Value) -> float:
        return 1.0 if FloatMath.step(x.data) == 1.0 else CLOSED

    @staticmethod
    def sign(x: Value) -> float:
        return FloatMath.sign(x.data)


class _ClosedMask(float):
    """relu′ = 0 on ``Value`` gradients: the float namespace's cut (0 · g = 0 for every g, inf
    and NaN included), and times a ``Value`` g a node of g's graph (:class:`autograd.ops.Masked`)
    rather than a constant, so that a derivative taken again passes 0 back through the mask,
    as PyTorch's does."""

    def __mul__(self, other: Any) -> Any:
        return 0.0 if isinstance(other, float | int) else MASKED(other)

    __rmul__ = __mul__


#: relu's closed mask on Values: see :class:`_ClosedMask`.
CLOSED = _ClosedMask(0.0)


@functools.lru_cache(maxsize=64)
def _power(exponent: float) -> Power:
    """The rule of xᶜ inside a rule, made once per exponent (−1 and ½ are the common ones)."""
    return Power(exponent)


#: The namespace ``backward(create_graph=True)`` evaluates local derivatives in.
VALUES: Math = ValueMath()

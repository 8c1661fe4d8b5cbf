"""The op table's namespace on ``Value`` nodes: evaluating a rule here records a graph.

``backward(create_graph=True)`` evaluates each op's ``derivatives`` (:mod:`autograd.ops`) in this
namespace, so the gradients it produces are ``Value`` nodes and can be differentiated again. Steps
and signs are constants (their own derivative is zero almost everywhere), so they come back as
floats.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograd.floatmath import FloatMath
from autograd.ops import Math

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
        return FloatMath.step(x.data)

    @staticmethod
    def sign(x: Value) -> float:
        return FloatMath.sign(x.data)


#: The namespace ``backward(create_graph=True)`` evaluates local derivatives in.
VALUES: Math = ValueMath()

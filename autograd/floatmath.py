"""Float arithmetic for the op table, following IEEE float rules and numerically stable.

Python's ``math`` raises where IEEE 754 answers: ``math.exp(1000)`` raises ``OverflowError``,
``math.sin(inf)`` raises ``ValueError`` and ``0.0 ** -1`` raises ``ZeroDivisionError``. The engine
promises float rules instead (inf and NaN propagate, anomaly mode can report them), so every
function here returns the IEEE answer. Domain checks (log of −1, …) are not made here: each op
states its own domain next to its formula in :mod:`autograd.ops`.

:class:`FloatMath` is one of the three namespaces the op table is evaluated in (``m`` in
:mod:`autograd.ops`, declared there as :class:`autograd.ops.Math`); the others work on ``Value``
graphs (:mod:`autograd.valuemath`) and on generated source code (:mod:`autograd.symbols`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd.ops import Math


class FloatMath:
    """The op table's namespace on floats: IEEE answers where ``math`` would raise."""

    @staticmethod
    def abs(x: float) -> float:
        """|x|."""
        return math.fabs(x)

    @staticmethod
    def exp(x: float) -> float:
        """eˣ, which overflows to inf rather than raising."""
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf

    @staticmethod
    def log(x: float) -> float:
        """ln x; ln 0 = −inf and ln of a negative number is NaN, as in IEEE arithmetic."""
        if x > 0 or x != x:
            return math.log(x)
        return -math.inf if x == 0 else math.nan

    @staticmethod
    def sqrt(x: float) -> float:
        """√x; NaN for negative x."""
        return math.sqrt(x) if x >= 0 or x != x else math.nan

    @staticmethod
    def power(x: float, y: float) -> float:
        """xʸ with IEEE answers: 0 ** −1 = inf, (−0) ** −1 = −inf, overflow to ±inf,
        (−8) ** (1/3) = NaN. An infinity keeps the sign of x when y is an odd integer, as in
        IEEE 754's pow (and NumPy, JavaScript and PyTorch): 1/(2√x) at x = −0 is −inf.

        x² is x·x, exactly rounded, as the generated code writes it (:mod:`autograd.symbols`)
        and as PyTorch squares: the C library's pow can be one unit in the last place off
        (3.6493348346502824e16 ** 2)."""
        if y == 2.0:
            return x * x
        try:
            result = x**y
        except (ZeroDivisionError, OverflowError):
            odd_integer = float(y).is_integer() and int(y) % 2 == 1
            return math.copysign(math.inf, x) if odd_integer else math.inf
        return math.nan if isinstance(result, complex) else result

    @staticmethod
    def tanh(x: float) -> float:
        """tanh x = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ); ``math.tanh`` is already stable at ±1000."""
        return math.tanh(x)

    @staticmethod
    def sigmoid(x: float) -> float:
        """σ(x) = 1/(1 + e⁻ˣ), computed from e^(−|x|) so that it never overflows."""
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)

    @staticmethod
    def softplus(x: float) -> float:
        """softplus(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^(−|x|)), stable for large |x|."""
        return max(x, 0.0) + math.log1p(math.exp(-math.fabs(x))) if x == x else x

    @staticmethod
    def sin(x: float) -> float:
        """sin x; NaN at ±inf."""
        return math.sin(x) if math.isfinite(x) else math.nan

    @staticmethod
    def cos(x: float) -> float:
        """cos x; NaN at ±inf."""
        return math.cos(x) if math.isfinite(x) else math.nan

    @staticmethod
    def relu(x: float) -> float:
        """max(x, 0); NaN stays NaN, as in PyTorch (a plain ``x if x > 0 else 0`` maps it to 0)."""
        return 0.0 if x <= 0 else x

    @staticmethod
    def step(x: float) -> float:
        """The Heaviside step: 1 for x > 0, else 0 (the derivative of relu, taken as 0 at 0 and
        at NaN). Its 0 is :data:`CUT`: a mask, which stops even an infinite gradient."""
        return 1.0 if x > 0 else CUT

    @staticmethod
    def sign(x: float) -> float:
        """sign x ∈ {−1, 0, 1} (the derivative of |x|, taken as 0 at 0)."""
        return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


class _Cut(float):
    """A local derivative that is 0 because a branch cuts the path (relu for x ≤ 0, x⁰).

    ``CUT · g`` is 0 for every upstream gradient g, inf and NaN included, where a plain
    0 · inf would be NaN. This is PyTorch's convention: its relu passes the gradient through a
    mask rather than multiplying it, so √(relu(x)) has gradient 0, not NaN, at x = −1, where
    √'(0) = inf. A zero that is computed (∂(x·y)/∂x at y = 0) is an ordinary 0: 0 · inf is NaN
    there, in PyTorch too. The product is a plain 0.0, so the cut never reaches a ``.grad``.
    """

    def __mul__(self, other: object) -> float:
        return 0.0

    __rmul__ = __mul__


#: The zero of a mask: see :class:`_Cut`.
CUT = _Cut(0.0)

#: The namespace eager ``backward()`` and every new node's value are computed in.
FLOATS: Math = FloatMath()

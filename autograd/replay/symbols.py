"""Symbols: numbers in generated code, whose arithmetic writes source instead of computing.

Evaluating an op's rule (:mod:`autograd.ops`) on symbols turns the rule into a line of code;
the code writer (:mod:`autograd.replay.writer`) does that for every node of a traced graph. The
generated code calls the functions of a runtime namespace: floats for one example, NumPy arrays
for a batch (both below).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from autograd.floatmath import FLOATS
from autograd.numbers import as_float
from autograd.ops import MATH_FUNCTIONS

# Operator precedence of the generated code, loosest first; parentheses only where needed, so
# that long sums stay flat (Python limits how deeply parentheses may nest).
ADD, MUL, UNARY, POWER, ATOM = range(5)


class Retrace(Exception):
    """A guard failed during a one-example replay: trace again for this input."""


@dataclass(frozen=True)
class Symbol:
    """A number in generated code: the source text that computes it, and how tightly it binds.

    Arithmetic on symbols writes source code, so evaluating an op's rule on symbols turns the
    rule into code. ``constant`` is set for literal numbers, so that ``g * 1.0`` is written ``g``.
    """

    code: str
    precedence: int = ATOM
    constant: float | None = None

    def __add__(self, other: Operand) -> Symbol:
        return _binary(self, "+", other)

    def __radd__(self, other: Operand) -> Symbol:
        return _binary(other, "+", self)

    def __sub__(self, other: Operand) -> Symbol:
        return _binary(self, "-", other)

    def __rsub__(self, other: Operand) -> Symbol:
        return _binary(other, "-", self)

    def __mul__(self, other: Operand) -> Symbol:
        return _binary(self, "*", other)

    def __rmul__(self, other: Operand) -> Symbol:
        return _binary(other, "*", self)

    def __truediv__(self, other: Operand) -> Symbol:
        return _binary(self, "/", other)

    def __rtruediv__(self, other: Operand) -> Symbol:
        return _binary(other, "/", self)

    def __neg__(self) -> Symbol:
        if self.constant is not None:
            return constant(-self.constant)
        return Symbol(f"-{wrap(self, UNARY)}", UNARY)

    def __abs__(self) -> Symbol:
        return call("abs", self)


Operand = Symbol | float


def constant(x: float) -> Symbol:
    """A literal number, written with ``repr`` (inf and nan are names in the generated code)."""
    x = float(x)
    code = repr(x) if math.isfinite(x) else ("inf" if x > 0 else "-inf" if x < 0 else "nan")
    return Symbol(code, ATOM if code[0] != "-" else UNARY, x)


def call(function: str, *arguments: Operand) -> Symbol:
    return Symbol(f"{function}({', '.join(symbol_of(a).code for a in arguments)})", ATOM)


def symbol_of(x: Operand) -> Symbol:
    return x if isinstance(x, Symbol) else constant(as_float(x, "a constant"))


def wrap(x: Symbol, precedence: int) -> str:
    return x.code if x.precedence >= precedence else f"({x.code})"


def _binary(left: Operand, op: str, right: Operand) -> Symbol:
    a, b = symbol_of(left), symbol_of(right)
    if op == "+" and a.constant == 0.0:
        return b
    if op in "+-" and b.constant == 0.0:
        return a
    if op == "*" and a.constant == 1.0:
        return b
    if op in "*/" and b.constant == 1.0:
        return a
    if op == "*" and a.constant == -1.0:
        return -b
    precedence = ADD if op in "+-" else MUL
    # Left-associative: the right operand needs parentheses at equal precedence.
    return Symbol(f"{wrap(a, precedence)} {op} {wrap(b, precedence + 1)}", precedence)


class SymbolMath:
    """The op table's namespace on symbols: evaluating a rule here writes its code.

    ``scalar=True`` writes branches inline (``x if x > 0.0 else 0.0``), the fastest form for
    floats; otherwise functions of the array namespace are called.
    """

    def __init__(self, scalar: bool):
        self.scalar = scalar

    # Most functions are calls of the runtime namespace's function of the same name.
    def abs(self, x: Operand) -> Symbol:
        return call("abs", x)

    def exp(self, x: Operand) -> Symbol:
        return call("exp", x)

    def log(self, x: Operand) -> Symbol:
        return call("log", x)

    def sqrt(self, x: Operand) -> Symbol:
        return call("sqrt", x)

    def tanh(self, x: Operand) -> Symbol:
        return call("tanh", x)

    def sigmoid(self, x: Operand) -> Symbol:
        return call("sigmoid", x)

    def softplus(self, x: Operand) -> Symbol:
        return call("softplus", x)

    def sin(self, x: Operand) -> Symbol:
        return call("sin", x)

    def cos(self, x: Operand) -> Symbol:
        return call("cos", x)

    def sign(self, x: Operand) -> Symbol:
        return call("sign", x)

    def power(self, x: Operand, y: Operand) -> Symbol:
        exponent = symbol_of(y).constant
        if exponent == 1.0:
            return symbol_of(x)
        if exponent == 2.0 and symbol_of(x).precedence == ATOM:
            return symbol_of(x) * symbol_of(x)
        return call("power", x, y)

    def relu(self, x: Operand) -> Symbol:
        s = symbol_of(x)
        return Symbol(f"({s.code} if {s.code} > 0.0 else 0.0)") if self.scalar else call("relu", s)

    def step(self, x: Operand) -> Symbol:
        s = symbol_of(x)
        return Symbol(f"(1.0 if {s.code} > 0.0 else 0.0)") if self.scalar else call("step", s)


def array_namespace() -> dict[str, Any]:
    """NumPy versions of the runtime functions, for batch replay (NumPy is imported only here)."""
    import numpy as np

    def sigmoid(x: Any) -> Any:
        return np.exp(-np.logaddexp(0.0, -x))  # σ(x) = e^(−softplus(−x)), stable both ways

    return {
        "exp": np.exp,
        "log": np.log,
        "sqrt": np.sqrt,
        "power": np.power,
        "tanh": np.tanh,
        "sigmoid": sigmoid,
        "softplus": lambda x: np.logaddexp(0.0, x),
        "sin": np.sin,
        "cos": np.cos,
        "abs": np.abs,
        "sign": np.sign,
        "relu": lambda x: np.maximum(x, 0.0),
        "step": lambda x: np.asarray(np.asarray(x) > 0, dtype=float),
        "holds": np.all,
        "inf": math.inf,
        "nan": math.nan,
        "retrace": Retrace,
    }


def float_namespace() -> dict[str, Any]:
    """The runtime functions for one example: the op table's float namespace."""
    names: dict[str, Any] = {name: getattr(FLOATS, name) for name in MATH_FUNCTIONS}
    # Call math's own functions where FloatMath's only adds IEEE handling that they don't need.
    names.update(tanh=math.tanh, sin=math.sin, cos=math.cos)
    names.update(holds=bool, inf=math.inf, nan=math.nan, retrace=Retrace)
    return names

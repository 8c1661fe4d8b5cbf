"""Symbols: numbers in generated code, whose arithmetic writes source instead of computing.

Evaluating an op's rule (:mod:`autograd.ops`) on symbols turns the rule into a line of code;
the code writers (:mod:`autograd.replay.writer`, :mod:`autograd.replay.batch`) do that for every
node of a traced graph, and :mod:`autograd.eager` once per op for the eager engine. The
generated code calls the functions of a runtime namespace (:mod:`autograd.replay.runtime`):
floats for one example, NumPy arrays for a batch.
"""

from __future__ import annotations

import math

from autograd.numbers import as_float

# Operator precedence of the generated code, loosest first; parentheses only where needed, so
# that long sums stay flat (Python limits how deeply parentheses may nest).
ADD, MUL, UNARY, POWER, ATOM = range(5)


class Symbol:
    """A number in generated code: the source text that computes it, and how tightly it binds.

    Arithmetic on symbols writes source code, so evaluating an op's rule on symbols turns the
    rule into code. ``constant`` is set for literal numbers, so that ``g * 1.0`` is written ``g``.

    A flat sum ``a + b - c …`` keeps its terms as pieces (``"a"``, ``" + b"``, ``" - c"``) in a
    list that the next ``+`` extends, so a sum of n terms is written in time linear in n (an
    optimisation: joining the text at every ``+`` takes quadratic time, minutes for a neuron
    of 100,000 inputs), and a writer can split a long sum over several lines (:meth:`terms`).
    """

    __slots__ = ("_code", "_length", "_pieces", "constant", "precedence")

    def __init__(self, code: str, precedence: int = ATOM, constant: float | None = None):
        self._code: str | None = code
        self.precedence = precedence
        self.constant = constant
        self._pieces: list[str] | None = None
        self._length = 0

    @property
    def code(self) -> str:
        if self._code is None:
            assert self._pieces is not None
            self._code = "".join(self._pieces[: self._length])
        return self._code

    def terms(self) -> list[str]:
        """The pieces of a flat sum (the first term, then ``" + term"`` or ``" - term"``), or
        the whole code as one piece."""
        return self._pieces[: self._length] if self._pieces is not None else [self.code]

    def __repr__(self) -> str:
        return f"Symbol({self.code!r})"

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


def is_name(x: Symbol) -> bool:
    """Whether ``x`` is a plain name (or number) that needs no line of its own."""
    return x._pieces is None and x.code.isidentifier()


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
    if op in "+-":
        return _extended(a, f" {op} {wrap(b, ADD + 1)}")
    # Left-associative: the right operand needs parentheses at equal precedence.
    return Symbol(f"{wrap(a, MUL)} {op} {wrap(b, MUL + 1)}", MUL)


def _extended(sum_: Symbol, piece: str) -> Symbol:
    """``sum_`` with one more term: the same list of pieces when ``sum_`` is its latest
    version, else a copy."""
    pieces = sum_._pieces
    if pieces is None:
        pieces = [wrap(sum_, ADD)]
    elif sum_._length != len(pieces):
        pieces = pieces[: sum_._length]
    pieces.append(piece)
    result = Symbol("", ADD)
    result._code, result._pieces, result._length = None, pieces, len(pieces)
    return result


class SymbolMath:
    """The op table's namespace on symbols: evaluating a rule here writes its code.

    ``scalar=True`` writes branches inline (``0.0 if x <= 0.0 else x``), the fastest form for
    floats; otherwise functions of the array namespace are called. ``mask`` is how the zero of
    ``step`` is written: ``0.0`` in a replay, ``CUT`` (:data:`autograd.floatmath.CUT`) in the
    eager functions (:mod:`autograd.eager`), whose local derivatives backprop multiplies later.
    """

    def __init__(self, scalar: bool, mask: str = "0.0"):
        self.scalar = scalar
        self.mask = mask

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

    # The inline forms below compute what FloatMath.relu and FloatMath.step compute, NaN
    # included (a comparison with NaN is false, so relu keeps it and step gives 0): tests check
    # the replays against eager at NaN.
    def relu(self, x: Operand) -> Symbol:
        s = symbol_of(x)
        return Symbol(f"(0.0 if {s.code} <= 0.0 else {s.code})") if self.scalar else call("relu", s)

    def step(self, x: Operand) -> Symbol:
        s = symbol_of(x)
        if not self.scalar:
            return call("step", s)
        return Symbol(f"(1.0 if {s.code} > 0.0 else {self.mask})")

"""Symbols: numbers in generated code, whose arithmetic writes source instead of computing.

Evaluating an op's rule (:mod:`autograd.ops`) on symbols turns the rule into a line of code;
this is the one place where that happens, for two target languages (:class:`Target`):

* Python: the code writers (:mod:`autograd.replay.writer`, :mod:`autograd.replay.batch`) do it
  for every node of a traced graph, and :mod:`autograd.eager` once per op for the eager engine.
  The code calls the functions of a runtime namespace (:mod:`autograd.replay.runtime`): floats
  for one example, NumPy arrays for a batch.
* JavaScript: the explorer page (:mod:`autograd.draw.javascript`) does it once per op, so that
  the browser recomputes a graph with the engine's rules; the code calls the page's object ``m``.

The two languages share the operators ``+ - * /``, their precedence and the parentheses they
need; a target says how to spell the rest: numbers, calls and branches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autograd.floatmath import CUT
from autograd.numbers import as_float

if TYPE_CHECKING:
    from autograd.ops import Op

# Operator precedence of the generated code, loosest first; parentheses only where needed, so
# that long sums stay flat (Python limits how deeply parentheses may nest).
ADD, MUL, UNARY, POWER, ATOM = range(5)


_BRANCHES = "the rule branches on the value of an operand"


class NotWritable(TypeError):
    """A rule does something besides arithmetic and ``m``'s functions (a comparison, a call of
    ``math``, ``float()`` of an operand, …), so it cannot be written as code."""


@dataclass(frozen=True)
class Target:
    """A language the symbols are written in: how it spells what the languages do not share.

    ``infinity`` and ``nan`` name those numbers (every finite float is written with ``repr``,
    which both languages read back as the same double); ``namespace`` prefixes a call of a
    runtime function; ``branch`` is the conditional expression, with ``{test}``, ``{then}``
    and ``{otherwise}`` to fill in.
    """

    infinity: str
    nan: str
    namespace: str
    branch: str

    def number(self, x: float) -> str:
        """``x`` as a literal of the language."""
        if math.isnan(x):
            return self.nan
        if math.isinf(x):
            return self.infinity if x > 0 else f"-{self.infinity}"
        return repr(x)


PYTHON = Target("inf", "nan", "", "({then} if {test} else {otherwise})")
JAVASCRIPT = Target("Infinity", "NaN", "m.", "({test} ? {then} : {otherwise})")


class Symbol:
    """A number in generated code: the source text that computes it, and how tightly it binds.

    Arithmetic on symbols writes source code in their ``target`` language, so evaluating an
    op's rule on symbols turns the rule into code. ``constant`` is set for literal numbers, so
    that ``g * 1.0`` is written ``g``.

    A flat sum ``a + b - c …`` keeps its terms as pieces (``"a"``, ``" + b"``, ``" - c"``) in a
    list that the next ``+`` extends, so a sum of n terms is written in time linear in n (an
    optimisation: joining the text at every ``+`` takes quadratic time, minutes for a neuron
    of 100,000 inputs), and a writer can split a long sum over several lines (:meth:`terms`).
    """

    __slots__ = ("_code", "_length", "_pieces", "constant", "precedence", "target")

    def __init__(
        self,
        code: str,
        precedence: int = ATOM,
        constant: float | None = None,
        target: Target = PYTHON,
    ):
        self._code: str | None = code
        self.precedence = precedence
        self.constant = constant
        self.target = target
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
            return constant(-self.constant, self.target)
        # The operand in parentheses unless it is an atom, so that −(−x) is never written --x
        # (a decrement in JavaScript).
        return Symbol(f"-{wrap(self, ATOM)}", UNARY, target=self.target)

    def __abs__(self) -> Symbol:
        return call(self.target, "abs", self)

    # Code is written once for every value of the operands: a rule that branches on an
    # operand's value, or turns it into a Python float, cannot be written.
    def __bool__(self) -> bool:
        raise NotWritable(_BRANCHES)

    def __lt__(self, other: Operand) -> bool:
        raise NotWritable(_BRANCHES)

    __le__ = __gt__ = __ge__ = __lt__

    def __float__(self) -> float:
        raise NotWritable("the rule turns an operand into a Python float")


Operand = Symbol | float


def constant(x: float, target: Target = PYTHON) -> Symbol:
    """A literal number (inf and nan are names in the generated code)."""
    x = float(x)
    code = target.number(x)
    return Symbol(code, ATOM if code[0] != "-" else UNARY, x, target)


def call(target: Target, function: str, *arguments: Operand) -> Symbol:
    """A call of the runtime function ``function``: ``tanh(x0)``, ``m.tanh(x[0])``."""
    written = ", ".join(symbol_of(a, target).code for a in arguments)
    return Symbol(f"{target.namespace}{function}({written})", ATOM, target=target)


def symbol_of(x: Operand, target: Target = PYTHON) -> Symbol:
    """An operand as a symbol: a symbol as it is, a number as a constant of ``target``."""
    return x if isinstance(x, Symbol) else constant(as_float(x, "a constant"), target)


def wrap(x: Symbol, precedence: int) -> str:
    return x.code if x.precedence >= precedence else f"({x.code})"


def is_name(x: Symbol) -> bool:
    """Whether ``x`` is a plain name (or number) that needs no line of its own."""
    return x._pieces is None and x.code.isidentifier()


def _binary(left: Operand, op: str, right: Operand) -> Symbol:
    """``left op right``, folded where IEEE arithmetic agrees: x + 0, x − 0, x · 1 and x / 1
    are x; 0 + x and 1 · x are x; −1 · x is −x."""
    target = left.target if isinstance(left, Symbol) else symbol_of(right).target
    a, b = symbol_of(left, target), symbol_of(right, target)
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
    return Symbol(f"{wrap(a, MUL)} {op} {wrap(b, MUL + 1)}", MUL, target=target)


def _extended(sum_: Symbol, piece: str) -> Symbol:
    """``sum_`` with one more term: the same list of pieces when ``sum_`` is its latest
    version, else a copy."""
    pieces = sum_._pieces
    if pieces is None:
        pieces = [wrap(sum_, ADD)]
    elif sum_._length != len(pieces):
        pieces = pieces[: sum_._length]
    pieces.append(piece)
    result = Symbol("", ADD, target=sum_.target)
    result._code, result._pieces, result._length = None, pieces, len(pieces)
    return result


class SymbolMath:
    """The op table's namespace on symbols: evaluating a rule here writes its code in
    ``target``'s language.

    ``scalar=True`` writes branches inline (``0.0 if x <= 0.0 else x``), the fastest form for
    floats; otherwise functions of the runtime namespace are called. ``mask`` is how the zero of
    ``step`` is written: ``0.0`` in a replay, ``CUT`` (:data:`autograd.floatmath.CUT`) in the
    eager functions (:mod:`autograd.eager`), whose local derivatives backprop multiplies later.
    """

    def __init__(self, scalar: bool, mask: str = "0.0", target: Target = PYTHON):
        self.scalar = scalar
        self.mask = mask
        self.target = target

    # Most functions are calls of the runtime namespace's function of the same name.
    def abs(self, x: Operand) -> Symbol:
        return call(self.target, "abs", x)

    def exp(self, x: Operand) -> Symbol:
        return call(self.target, "exp", x)

    def log(self, x: Operand) -> Symbol:
        return call(self.target, "log", x)

    def sqrt(self, x: Operand) -> Symbol:
        return call(self.target, "sqrt", x)

    def tanh(self, x: Operand) -> Symbol:
        return call(self.target, "tanh", x)

    def sigmoid(self, x: Operand) -> Symbol:
        return call(self.target, "sigmoid", x)

    def softplus(self, x: Operand) -> Symbol:
        return call(self.target, "softplus", x)

    def sin(self, x: Operand) -> Symbol:
        return call(self.target, "sin", x)

    def cos(self, x: Operand) -> Symbol:
        return call(self.target, "cos", x)

    def sign(self, x: Operand) -> Symbol:
        return call(self.target, "sign", x)

    def power(self, x: Operand, y: Operand) -> Symbol:
        base, exponent = symbol_of(x, self.target), symbol_of(y, self.target).constant
        if exponent == 1.0:
            return base
        if exponent == 2.0 and base.precedence == ATOM:
            return base * base
        return call(self.target, "power", x, y)

    # The inline forms below compute what FloatMath.relu and FloatMath.step compute, NaN
    # included (a comparison with NaN is false, so relu keeps it and step gives 0): tests check
    # the replays against eager at NaN.
    def relu(self, x: Operand) -> Symbol:
        s = symbol_of(x, self.target)
        if not self.scalar:
            return call(self.target, "relu", s)
        return self._branch(f"{s.code} <= 0.0", "0.0", s.code)

    def step(self, x: Operand) -> Symbol:
        s = symbol_of(x, self.target)
        if not self.scalar:
            return call(self.target, "step", s)
        return self._branch(f"{s.code} > 0.0", "1.0", self.mask)

    def _branch(self, test: str, then: str, otherwise: str) -> Symbol:
        code = self.target.branch.format(test=test, then=then, otherwise=otherwise)
        return Symbol(code, target=self.target)


def written_rule(op: Op, m: SymbolMath, inputs: Sequence[Symbol]) -> tuple[Symbol, list[Symbol]]:
    """``op``'s value and its local derivatives ``∂out/∂xᵢ`` on ``inputs``, written by
    evaluating its rule in ``m``: the derivatives call the value ``out``, and a derivative that
    is the mask :data:`autograd.floatmath.CUT` is written as ``m.mask``.

    Raises :class:`NotWritable` when the rule does something that cannot be written as code
    or gives the wrong number of derivatives.
    """
    try:
        out = symbol_of(op.forward(m, *inputs), m.target)
        local = op.derivatives(m, Symbol("out", target=m.target), *inputs)
        derivatives = [
            Symbol(m.mask, target=m.target) if d is CUT else symbol_of(d, m.target) for d in local
        ]
    except NotWritable:
        raise
    except Exception as error:  # a user's rule may fail on operands it does not expect
        raise NotWritable(f"{type(error).__name__}: {error}") from None
    if len(derivatives) != len(inputs):
        raise NotWritable(f"the rule gives {len(derivatives)} derivatives for {len(inputs)} inputs")
    return out, derivatives

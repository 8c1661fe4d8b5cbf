"""The op table as JavaScript, so that the explorer page recomputes a graph with the engine's rules.

Evaluating an op's rule (:mod:`autograd.ops`) on :class:`Script` operands writes the rule as
JavaScript, the way the compiled replay's symbols write it as Python: the page is one more
interpreter of the same table, and cannot disagree with ``backward()``. :class:`ScriptMath` is
the namespace ``m`` the rule is evaluated in; the code it writes calls the functions of
:data:`RUNTIME` (an object named ``m`` in the page), which give the IEEE answers of
:class:`autograd.floatmath.FloatMath`.

A rule is written once per op and number of inputs, as one function of the inputs' values::

    function (x) { var out = m.tanh(x[0]); return [out, [1 - out * out]]; }

Nothing here knows an op by name: a user's own :class:`autograd.ops.Op` is written the same way,
as long as its rule only does arithmetic and calls ``m``'s functions.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

from autograd.ops import MATH_FUNCTIONS, Op

# Operator precedence in the written code, loosest first: parentheses only where needed.
SUM, PRODUCT, UNARY, ATOM = range(4)


_BRANCHES = "the rule branches on the value of an operand"


class NotWritable(TypeError):
    """A rule does something besides arithmetic and ``m``'s functions (a comparison, a call of
    ``math``, ``float()`` of an operand, …), so it cannot be written as JavaScript."""


def _operators(symbol: str) -> tuple[Callable[..., Script], Callable[..., Script]]:
    """``a <symbol> b`` with a ``Script`` on the left, and with it on the right."""

    def forward(self: Script, other: object) -> Script:
        return _binary(self, symbol, operand(other))

    def reflected(self: Script, other: object) -> Script:
        return _binary(operand(other), symbol, self)

    return forward, reflected


@dataclass(frozen=True)
class Script:
    """A number in written JavaScript: the code that computes it and how tightly it binds.

    ``constant`` is set for literal numbers, so that ``g * 1`` is written ``g``.
    """

    code: str
    precedence: int = ATOM
    constant: float | None = None

    __add__, __radd__ = _operators("+")
    __sub__, __rsub__ = _operators("-")
    __mul__, __rmul__ = _operators("*")
    __truediv__, __rtruediv__ = _operators("/")

    def __neg__(self) -> Script:
        if self.constant is not None:
            return literal(-self.constant)
        # Parenthesised below the unary level, so that −(−x) is never written --x.
        return Script(f"-{_wrap(self, ATOM)}", UNARY)

    def __pos__(self) -> Script:
        return self

    def __abs__(self) -> Script:
        return call("abs", self)

    def __pow__(self, other: object) -> Script:
        return call("power", self, operand(other))

    def __rpow__(self, other: object) -> Script:
        return call("power", operand(other), self)

    def __bool__(self) -> bool:
        raise NotWritable(_BRANCHES)

    def __lt__(self, other: object) -> bool:
        raise NotWritable(_BRANCHES)

    __le__ = __gt__ = __ge__ = __lt__

    def __float__(self) -> float:
        raise NotWritable("the rule turns an operand into a Python float")


def literal(x: float) -> Script:
    """A number as JavaScript reads it: ``repr`` round-trips through JavaScript's parser to
    the same double; infinities and NaN have names of their own."""
    if math.isnan(x):
        return Script("NaN", ATOM, x)
    if math.isinf(x):
        return Script("Infinity" if x > 0 else "-Infinity", ATOM if x > 0 else UNARY, x)
    code = repr(float(x))
    return Script(code, UNARY if code.startswith("-") else ATOM, float(x))


def operand(x: object) -> Script:
    """A rule's operand as code: a ``Script`` as it is, a Python number as a literal."""
    if isinstance(x, Script):
        return x
    if isinstance(x, numbers.Real):
        return literal(float(x))
    raise NotWritable(f"the rule computes with a {type(x).__name__}, not a number")


def call(function: str, *arguments: Script) -> Script:
    """A call of one of the runtime's functions: ``m.tanh(x[0])``."""
    return Script(f"m.{function}({', '.join(a.code for a in arguments)})", ATOM)


def _wrap(x: Script, precedence: int) -> str:
    return x.code if x.precedence >= precedence else f"({x.code})"


def _binary(a: Script, symbol: str, b: Script) -> Script:
    kept = _unchanged(a, symbol, b)
    if kept is not None:
        return kept
    precedence = SUM if symbol in "+-" else PRODUCT
    # Left-associative: the right operand needs parentheses at equal precedence.
    return Script(f"{_wrap(a, precedence)} {symbol} {_wrap(b, precedence + 1)}", precedence)


def _unchanged(a: Script, symbol: str, b: Script) -> Script | None:
    """What ``a symbol b`` is without computing, where IEEE arithmetic agrees: x + 0, x − 0,
    x · 1 and x / 1 are x; 0 + x and 1 · x are x; −1 · x is −x. Otherwise ``None``."""
    neutral = 0.0 if symbol in "+-" else 1.0
    if b.constant == neutral:
        return a
    if symbol in "+*" and a.constant == neutral:
        return b
    if symbol == "*" and a.constant == -1.0:
        return -b
    return None


class ScriptMath:
    """The op table's namespace on ``Script`` operands: each function writes a call of the
    runtime function of the same name."""

    def abs(self, x: Script) -> Script:
        return call("abs", operand(x))

    def exp(self, x: Script) -> Script:
        return call("exp", operand(x))

    def log(self, x: Script) -> Script:
        return call("log", operand(x))

    def sqrt(self, x: Script) -> Script:
        return call("sqrt", operand(x))

    def power(self, x: Script, y: Script) -> Script:
        return call("power", operand(x), operand(y))

    def tanh(self, x: Script) -> Script:
        return call("tanh", operand(x))

    def sigmoid(self, x: Script) -> Script:
        return call("sigmoid", operand(x))

    def softplus(self, x: Script) -> Script:
        return call("softplus", operand(x))

    def sin(self, x: Script) -> Script:
        return call("sin", operand(x))

    def cos(self, x: Script) -> Script:
        return call("cos", operand(x))

    def relu(self, x: Script) -> Script:
        return call("relu", operand(x))

    def step(self, x: Script) -> Script:
        return call("step", operand(x))

    def sign(self, x: Script) -> Script:
        return call("sign", operand(x))


SCRIPTS = ScriptMath()

#: The runtime functions the written rules call, in JavaScript, each with the IEEE answer that
#: :class:`autograd.floatmath.FloatMath` gives (JavaScript's ``Math`` already answers inf and NaN
#: where Python's ``math`` raises).
RUNTIME: dict[str, str] = {
    "abs": "Math.abs",
    "exp": "Math.exp",
    "log": "Math.log",
    "sqrt": "Math.sqrt",
    # Python's ** gives 1 for 1 ** y and (−1) ** ±inf (JavaScript's Math.pow gives NaN).
    "power": "function (x, y) { if (x === 1 || (x === -1 && Math.abs(y) === Infinity)) "
    "{ return 1; } return Math.pow(x, y); }",
    "tanh": "Math.tanh",
    "sigmoid": "function (x) { if (x >= 0) { return 1 / (1 + Math.exp(-x)); } "
    "var e = Math.exp(x); return e / (1 + e); }",
    "softplus": "function (x) { return x === x "
    "? Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) : x; }",
    "sin": "Math.sin",
    "cos": "Math.cos",
    "relu": "function (x) { return x <= 0 ? 0 : x; }",
    "step": "function (x) { return x > 0 ? 1 : 0; }",
    "sign": "function (x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }",
}


def runtime() -> str:
    """The runtime as a JavaScript object literal."""
    return "{\n" + ",\n".join(f"  {name}: {RUNTIME[name]}" for name in MATH_FUNCTIONS) + "\n}"


def rule_function(op: Op, arity: int) -> str:
    """``op``'s rule for ``arity`` inputs as a JavaScript function of the array of their
    values, returning ``[value, [∂out/∂x0, ∂out/∂x1, …]]``.

    Raises :class:`NotWritable` when the rule does something JavaScript cannot be written for.
    """
    xs = [Script(f"x[{i}]") for i in range(arity)]
    try:
        out = operand(op.forward(SCRIPTS, *xs))
        local = [operand(d) for d in op.derivatives(SCRIPTS, Script("out"), *xs)]
    except NotWritable:
        raise
    except Exception as error:  # a user's rule may fail on operands it does not expect
        raise NotWritable(f"{type(error).__name__}: {error}") from None
    if len(local) != arity:
        raise NotWritable(f"the rule gives {len(local)} derivatives for {arity} inputs")
    derivatives = ", ".join(d.code for d in local)
    return f"function (x) {{ var out = {out.code}; return [out, [{derivatives}]]; }}"

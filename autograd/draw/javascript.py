"""The op table as JavaScript, so that the explorer page recomputes a graph with the engine's rules.

The rules are written by the one code writer, :mod:`autograd.symbols`, with JavaScript as its
target (:data:`autograd.symbols.JAVASCRIPT`), the way the compiled replay and the eager engine
write them as Python: the page is one more interpreter of the same table, and cannot disagree
with ``backward()``. What is the page's own is here: the runtime functions the written code
calls (:data:`RUNTIME`, an object named ``m`` in the page), which give the IEEE answers of
:class:`autograd.floatmath.FloatMath`, and the form of a rule in the page, one function of the
inputs' values per op and number of inputs::

    function (x) { var out = m.tanh(x[0]); return [out, [1.0 - out * out]]; }

Nothing here knows an op by name: a user's own :class:`autograd.ops.Op` is written the same way,
as long as its rule only does arithmetic and calls ``m``'s functions.
"""

from __future__ import annotations

from autograd.ops import MATH_FUNCTIONS, Op
from autograd.symbols import JAVASCRIPT, Symbol, SymbolMath, written_rule

#: The op table's namespace for the page: every function a call of the runtime's.
MATH = SymbolMath(scalar=False, target=JAVASCRIPT)

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

    Raises :class:`autograd.symbols.NotWritable` when the rule does something JavaScript cannot
    be written for.
    """
    xs = [Symbol(f"x[{i}]", target=JAVASCRIPT) for i in range(arity)]
    out, local = written_rule(op, MATH, xs)
    derivatives = ", ".join(d.code for d in local)
    return f"function (x) {{ var out = {out.code}; return [out, [{derivatives}]]; }}"

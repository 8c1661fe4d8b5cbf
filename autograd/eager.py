"""Each op's eager function, written once from its rule: an optimisation of making a node.

``Value.__mul__``, ``Value.exp`` and the other operations are not written by hand. The rule of
each op (:mod:`autograd.ops`) is evaluated once on symbols (:mod:`autograd.symbols`), as the
compiled replay evaluates it for every node of a graph, and so written as a short Python
function that computes the value and the local derivatives inline and fills the new node,
without calling the rule through a namespace at every operation. For ``ops.MUL``
(``print(ops.MUL.eager_source)``)::

    def apply(a, b):
        if not isinstance(a, Value):
            a = constant(a, 'input 0 of *')
        if not isinstance(b, Value):
            b = constant(b, 'input 1 of *')
        x0 = a.data
        x1 = b.data
        node = new(Value)
        node.data = out = x0 * x1
        node.grad = 0.0
        mode = MODE.get()
        if mode is DEFAULT:
            node._a = a
            node._b = b
            node._da = x1
            node._db = x0
            node._origin = rule
            return node
        return recorded(node, rule, mode, (a, b), (x1, x0) if mode.recording else ())

The inputs and their local derivatives go into the node's own slots ``_a``, ``_b``, ``_da``,
``_db``, so that a node is one object (see :class:`autograd.Value`). Outside any mode switch
(``no_grad``, a scope, anomaly mode) the node is filled on the spot; inside one,
:func:`autograd.value.recorded` fills it, the one place that knows the modes. The function does
what ``autograd.value._apply`` does by calling the rule, which remains for ops of any number of
inputs (``linear``, ``total``) and for rules that cannot be written as code; the rule stays the
only place a derivative is written, and a user's ``Op`` of a fixed number of inputs gets its
function at its first use. Where the rule calls ``exp``, ``log``, ``sqrt``, ``tanh``, ``sin``,
``cos`` or ``abs``, the value is computed with ``math``'s C function first, and with the rule's
IEEE one only where ``math`` raises (:data:`MATH_FIRST`).

Measured by ``python -m benchmarks.microgpt`` (CPU time, three runs on a shared machine), in
nanoseconds per operation beside microgpt's forty-line ``Value``: ``Value * Value`` 261–273
against 290–313, ``+`` 257–280 against 258–277, ``x.exp()`` 223–247 against 253–258, ``x.log()``
322–433 against 324–372, ``x ** 2`` 333–386 against 364–380, ``x.relu()`` 216–266 against
372–448.
"""

from __future__ import annotations

import builtins
import linecache
import math
import textwrap
from collections.abc import Callable
from typing import Any, NamedTuple

from autograd import ops
from autograd.floatmath import CUT, FLOATS
from autograd.ops import MATH_FUNCTIONS, Op, Operand
from autograd.symbols import NotWritable, Symbol, SymbolMath, call, written_rule

#: The rule's functions, written inline where that computes the same float (relu, step with
#: the mask :data:`CUT`), else calls of :class:`autograd.floatmath.FloatMath`.
MATH = SymbolMath(scalar=True, mask="CUT")


class _MathFirst(SymbolMath):
    """:data:`MATH`, but calling ``math``'s own function where it gives the same float as
    :class:`autograd.floatmath.FloatMath`'s whenever it does not raise. ``math`` raises where
    IEEE 754 answers (``math.exp(1000)``, ``math.log(0.0)``, ``math.sin(inf)``), and there the
    eager function computes the value again with FloatMath's. (An optimisation: a C function
    instead of a Python one, about 50 ns of the 300 of ``x.exp()``.)"""

    def abs(self, x: Operand) -> Symbol:
        return call(self.target, "math_fabs", x)

    def exp(self, x: Operand) -> Symbol:
        return call(self.target, "math_exp", x)

    def log(self, x: Operand) -> Symbol:
        return call(self.target, "math_log", x)

    def sqrt(self, x: Operand) -> Symbol:
        return call(self.target, "math_sqrt", x)

    def tanh(self, x: Operand) -> Symbol:
        return call(self.target, "math_tanh", x)

    def sin(self, x: Operand) -> Symbol:
        return call(self.target, "math_sin", x)

    def cos(self, x: Operand) -> Symbol:
        return call(self.target, "math_cos", x)


MATH_FIRST = _MathFirst(scalar=True, mask="CUT")

#: The names of the generated code that are the same for every op.
FLOAT_NAMES: dict[str, Any] = {name: getattr(FLOATS, name) for name in MATH_FUNCTIONS}
FLOAT_NAMES.update(CUT=CUT, inf=float("inf"), nan=float("nan"))
FLOAT_NAMES.update(
    {
        f"math_{name}": getattr(math, name)
        for name in ("fabs", "exp", "log", "sqrt", "tanh", "sin", "cos")
    }
)


class Form(NamedTuple):
    """How an eager function is called: its parameters, which of them are the op's inputs in
    the op's argument order, and which may be numbers, to be made constants."""

    parameters: tuple[str, ...]
    inputs: tuple[str, ...]
    lifted: tuple[str, ...]


#: ``x.exp()``; ``x * y`` (``y`` may be a number); ``2 * x`` (reflected: ``x.__rmul__(2)``).
UNARY = Form(("self",), ("self",), ())
LEFT = Form(("self", "other"), ("self", "other"), ("other",))
RIGHT = Form(("self", "other"), ("other", "self"), ("other",))


def called(arity: int) -> Form:
    """``op(a, b, …)``: any input may be a number."""
    names = tuple("ab"[i] if arity <= 2 else f"a{i}" for i in range(arity))
    return Form(names, names, names)


def write(op: Op, name: str, form: Form) -> str | None:
    """The source of ``op``'s eager function ``name`` called as ``form``; ``None`` when the
    rule does more than arithmetic and ``m``'s functions, so that it cannot be written."""
    xs = [Symbol(f"x{i}") for i in range(len(form.inputs))]
    try:
        out, local = written_rule(op, MATH, xs)
    except NotWritable:  # a rule that branches on or converts its operands: interpreted instead
        return None
    nodes, locals_ = _tuple(form.inputs), _tuple([d.code for d in local])
    lines = [f"def {name}({', '.join(form.parameters)}):"]
    for parameter in form.lifted:
        what = (
            f"input {form.inputs.index(parameter)} of {op.name}"
            if form.lifted == form.parameters
            else "the other operand"
        )
        lines += [f"    if not isinstance({parameter}, Value):"]
        lines += [f"        {parameter} = constant({parameter}, {what!r})"]
    lines += [f"    {x.code} = {node}.data" for x, node in zip(xs, form.inputs, strict=True)]
    if op.has_domain:
        lines += [f"    problem = rule.domain({', '.join(x.code for x in xs)})"]
        lines += ["    if problem is not None:", "        raise domain_error(rule, problem)"]
    lines += ["    node = new(Value)", *_forward(op, xs, out)]
    lines += [
        "    node.grad = 0.0",
        "    mode = MODE.get()",
        "    if mode is DEFAULT:",
        *(f"        {line}" for line in _linked(form.inputs, [d.code for d in local])),
        "        node._origin = rule",
        "        return node",
        f"    return recorded(node, rule, mode, {nodes}, {locals_} if mode.recording else ())",
    ]
    return "\n".join(lines) + "\n"


def _forward(op: Op, xs: list[Symbol], out: Symbol) -> list[str]:
    """The lines that compute the node's value ``out``: first with :data:`MATH_FIRST`'s
    functions, where the rule calls some, then, if one of them raised, with the rule's own."""
    first = written_rule(op, MATH_FIRST, xs)[0]
    if first.code == out.code:
        return [f"    node.data = out = {out.code}"]
    return [
        "    try:",
        f"        out = {first.code}",
        "    except (ArithmeticError, ValueError):",
        f"        out = {out.code}",
        "    node.data = out",
    ]


def _linked(inputs: tuple[str, ...], local: list[str]) -> list[str]:
    """The lines that keep the inputs and their local derivatives in the node's slots, as
    ``autograd.value._link`` does (see :class:`autograd.Value`)."""
    if not inputs:
        return ["node._a = node._b = None"]
    if len(inputs) == 1:
        return [f"node._a = {inputs[0]}", "node._b = None", f"node._da = {local[0]}"]
    if len(inputs) == 2:
        return [
            f"node._a = {inputs[0]}",
            f"node._b = {inputs[1]}",
            f"node._da = {local[0]}",
            f"node._db = {local[1]}",
        ]
    return [f"node._a = {_tuple(inputs)}", "node._b = MANY", f"node._da = {_tuple(local)}"]


def define(source: str, name: str, op: Op, names: dict[str, Any]) -> Callable[..., Any]:
    """The function ``name`` that ``source`` defines, for ``rule`` = ``op``, its other names
    (``Value``, ``MODE``, ``recorded``, …) looked up in ``names`` when it runs."""
    maker = "def make(rule):\n" + textwrap.indent(source, "    ") + f"    return {name}\n"
    filename = f"<eager {name} of {op!r}>"
    # Kept where tracebacks and debuggers look for source, so that they show the function.
    linecache.cache[filename] = (len(maker), None, maker.splitlines(keepends=True), filename)
    made: dict[str, Any] = {}
    # The source is written from the op's rule on symbols: names, operators, repr() of floats.
    exec(builtins.compile(maker, filename, "exec"), names, made)
    function: Callable[..., Any] = made["make"](op)
    return function


def source(op: Op) -> str | None:
    """``op``'s eager function as ``op(a, b, …)`` calls it (``op.eager_source``), or ``None``
    for an op of any number of inputs, which is interpreted."""
    return None if op.arity is None else write(op, "apply", called(op.arity))


ops.written_with(source)


def _tuple(items: tuple[str, ...] | list[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"

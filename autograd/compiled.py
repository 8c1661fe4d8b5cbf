"""Trace once, replay fast: a graph turned into straight-line Python source code.

A training step builds the same graph again for every example. ``compile(fn, params)`` calls
``fn`` once on ``Value`` inputs, records the graph it builds, and writes it out as a Python
function of plain numbers: one line per op for the forward pass, one per chain-rule term for the
backward pass. The lines come from the op table itself (:mod:`autograd.ops`): each rule's
``forward`` and ``derivatives`` are evaluated on *symbols*, objects whose arithmetic writes code
instead of computing, so the replay cannot disagree with ``backward()``.

The same source runs on floats (one example) or on NumPy arrays (a whole batch at once).

What a replay can follow, and what it cannot:

* Ops whose branch is inside the op (``relu``, ``abs``, ``leaky_relu``) are replayed exactly.
* A Python ``if`` on a comparison of Values (``if score > 0:``) is recorded as a *guard*: when a
  later input makes the comparison come out the other way, the function is traced again for that
  input (one example), or a :class:`StructureError` is raised (a batch, which needs one graph
  for all of its examples).
* ``float(v)`` on a traced Value raises :class:`TracingError`: the number leaves the graph.
* Reading ``v.data`` directly, randomness (dropout) and any leaf created inside ``fn`` are frozen
  at trace time: they are constants of the replay. Compile a model in ``eval()`` mode, and build
  the graph only from Value operations on the inputs and the parameters.
"""

from __future__ import annotations

import builtins
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd import floatmath
from autograd.backprop import topological_order
from autograd.errors import UsageError
from autograd.modes import TRACER
from autograd.ops import Op
from autograd.value import Value, as_float

__all__ = ["Compiled", "StructureError", "TracingError", "compile"]

# Operator precedence of the generated code, loosest first; parentheses only where needed, so
# that long sums stay flat (Python limits how deeply parentheses may nest).
ADD, MUL, UNARY, POWER, ATOM = range(5)


class TracingError(UsageError, ValueError):
    """``fn`` did something during tracing that a replay could not repeat."""


class StructureError(TracingError):
    """The traced graph does not apply to these inputs (a guard came out differently)."""


class _Retrace(Exception):
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
        return Symbol(f"-{_wrap(self, UNARY)}", UNARY)

    def __abs__(self) -> Symbol:
        return call("abs", self)


Operand = Symbol | float


def constant(x: float) -> Symbol:
    """A literal number, written with ``repr`` (inf and nan are names in the generated code)."""
    x = float(x)
    code = repr(x) if math.isfinite(x) else ("inf" if x > 0 else "-inf" if x < 0 else "nan")
    return Symbol(code, ATOM if code[0] != "-" else UNARY, x)


def call(function: str, *arguments: Operand) -> Symbol:
    return Symbol(f"{function}({', '.join(_symbol(a).code for a in arguments)})", ATOM)


def _symbol(x: Operand) -> Symbol:
    return x if isinstance(x, Symbol) else constant(as_float(x, "a constant"))


def _wrap(x: Symbol, precedence: int) -> str:
    return x.code if x.precedence >= precedence else f"({x.code})"


def _binary(left: Operand, op: str, right: Operand) -> Symbol:
    a, b = _symbol(left), _symbol(right)
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
    return Symbol(f"{_wrap(a, precedence)} {op} {_wrap(b, precedence + 1)}", precedence)


class SymbolMath:
    """The op table's namespace on symbols: evaluating a rule here writes its code.

    ``scalar=True`` writes branches inline (``x if x > 0.0 else 0.0``), the fastest form for
    floats; otherwise functions of the array namespace are called.
    """

    def __init__(self, scalar: bool):
        self.scalar = scalar

    def __getattr__(self, name: str) -> Callable[..., Symbol]:
        # exp, log, sqrt, tanh, sigmoid, softplus, sin, cos, abs: calls of the runtime namespace.
        return lambda *xs: call(name, *xs)

    def power(self, x: Operand, y: Operand) -> Symbol:
        exponent = _symbol(y).constant
        if exponent == 1.0:
            return _symbol(x)
        if exponent == 2.0 and _symbol(x).precedence == ATOM:
            return _symbol(x) * _symbol(x)
        return call("power", x, y)

    def relu(self, x: Operand) -> Symbol:
        s = _symbol(x)
        return Symbol(f"({s.code} if {s.code} > 0.0 else 0.0)") if self.scalar else call("relu", s)

    def step(self, x: Operand) -> Symbol:
        s = _symbol(x)
        return Symbol(f"(1.0 if {s.code} > 0.0 else 0.0)") if self.scalar else call("step", s)


def _array_namespace() -> dict[str, Any]:
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
        "retrace": _Retrace,
    }


def _float_namespace() -> dict[str, Any]:
    names = {name: getattr(floatmath, name) for name in floatmath.__all__}
    # Call math's own functions where floatmath's only adds IEEE handling that they don't need.
    names.update(tanh=math.tanh, sin=math.sin, cos=math.cos)
    names.update(holds=bool, inf=math.inf, nan=math.nan, retrace=_Retrace)
    return names


@dataclass
class _Guard:
    left: Value
    symbol: str
    right: Value | float
    outcome: bool


@dataclass
class _Recorder:
    """The tracer: collects the comparisons ``fn`` makes while it is traced."""

    guards: list[_Guard] = field(default_factory=list)

    def compared(self, left: Value, symbol: str, right: Any, outcome: bool) -> None:
        self.guards.append(_Guard(left, symbol, right, outcome))

    def converted(self, value: Value) -> None:
        raise TracingError(
            "compile: fn called float() on a traced Value, so what it computes next may depend "
            "on the input's value in a way a replay cannot follow; use Value operations "
            "(relu, abs, comparisons) instead"
        )


@dataclass
class Trace:
    """One traced graph, and the replays written from it (each compiled on first use).

    A replay for floats (``scalar``) or arrays, with gradients of the first output or without
    (``gradients=False``, for evaluating several outputs).
    """

    outputs: list[Value]
    inputs: list[Value]
    params: list[Value]
    guards: list[_Guard]
    #: Whether ``fn`` returned a list of Values rather than one Value.
    returns_list: bool = False
    _sources: dict[tuple[bool, bool], str] = field(default_factory=dict)
    _functions: dict[tuple[bool, bool], Callable[..., Any]] = field(default_factory=dict)

    def source(self, *, scalar: bool = True, gradients: bool = True) -> str:
        key = (scalar, gradients)
        if key not in self._sources:
            self._sources[key] = _write(self, scalar=scalar, gradients=gradients)
        return self._sources[key]

    def function(self, *, scalar: bool, gradients: bool = True) -> Callable[..., Any]:
        key = (scalar, gradients)
        if key not in self._functions:
            namespace = _float_namespace() if scalar else _array_namespace()
            self._functions[key] = _define(
                self.source(scalar=scalar, gradients=gradients), namespace
            )
        return self._functions[key]


def _define(source: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    # The source is built only from the traced graph: node numbers, op-table rules and
    # repr() of floats, never text from the user.
    scope = dict(namespace)
    exec(builtins.compile(source, "<chainrule replay>", "exec"), scope)
    function: Callable[..., Any] = scope["replay"]
    return function


def _write(trace: Trace, *, scalar: bool, gradients: bool) -> str:
    """The replay's source: ``replay(seed, x0 … xn, p0 … pm)`` returns the first output and
    its gradients ``(∂/∂p0 … ∂/∂pm)``, or, without gradients, the tuple of all outputs.
    """
    inputs, params, guards, root = trace.inputs, trace.params, trace.guards, trace.outputs[0]
    m = SymbolMath(scalar)
    names: dict[Value, Symbol] = {}
    for i, x in enumerate(inputs):
        names[x] = Symbol(f"x{i}")
    for j, p in enumerate(params):
        names[p] = Symbol(f"p{j}")
    order = topological_order(
        [
            *trace.outputs,
            *(g.left for g in guards),
            *(g.right for g in guards if isinstance(g.right, Value)),
        ]
    )
    lines: list[str] = []
    computed: list[tuple[Value, Op]] = []
    values = (Symbol(f"v{k}") for k in itertools.count())
    for node in order:
        if node in names:
            continue
        if node.rule is None:  # a leaf that is neither input nor parameter: a constant
            names[node] = constant(node.data)
            continue
        forward = node.rule.forward(m, *(names[i] for i in node.inputs))
        computed.append((node, node.rule))
        if _is_name(forward):  # e.g. a sum of one term: the same number, no new line
            names[node] = forward
            continue
        names[node] = next(values)
        lines.append(f"{names[node].code} = {forward.code}")
    for guard in guards:
        right = names[guard.right] if isinstance(guard.right, Value) else constant(guard.right)
        test = f"{names[guard.left].code} {guard.symbol} {right.code}"
        lines.append(f"if {'not ' if guard.outcome else ''}holds({test}): raise retrace")

    arguments = ", ".join(
        ["seed", *(f"x{i}" for i in range(len(inputs))), *(f"p{j}" for j in range(len(params)))]
    )
    if not gradients:
        body = "".join(f"    {line}\n" for line in lines)
        returned = ", ".join(names[output].code for output in trace.outputs)
        return f"def replay({arguments}):\n{body}    return ({returned},)\n"

    # Backward: reverse topological order; each gradient is complete before it is passed on.
    needs_grad = _depends_on(order, set(params))
    grads: dict[Value, Symbol] = {root: Symbol("seed")}
    fresh = (Symbol(f"g{k}") for k in itertools.count())
    for node, rule in reversed(computed):
        upstream = grads.get(node)
        if upstream is None:
            continue
        local = rule.derivatives(m, names[node], *(names[i] for i in node.inputs))
        for child, derivative in zip(node.inputs, local, strict=True):
            if child not in needs_grad:
                continue
            term = _symbol(derivative) * upstream
            if child in grads:
                # A new name rather than +=: names may be shared (below), and += would change a
                # NumPy array in place for every name it has.
                total, grads[child] = grads[child], next(fresh)
                lines.append(f"{grads[child].code} = {total.code} + {_wrap(term, ADD + 1)}")
            elif _is_name(term):  # ∂L/∂child is a gradient already computed: share its name
                grads[child] = term
            else:
                grads[child] = next(fresh)
                lines.append(f"{grads[child].code} = {term.code}")
    value = names[root].code
    results = ", ".join(grads[p].code if p in grads else "0.0" for p in params)
    body = "".join(f"    {line}\n" for line in lines)
    trailing_comma = "," if params else ""
    return f"def replay({arguments}):\n{body}    return {value}, ({results}{trailing_comma})\n"


def _is_name(symbol: Symbol) -> bool:
    return symbol.code.isidentifier()


def _depends_on(order: Sequence[Value], sources: set[Value]) -> set[Value]:
    """The nodes through which a gradient can reach one of ``sources``."""
    reached = set(sources)
    for node in order:
        if node not in reached and any(i in reached for i in node.inputs):
            reached.add(node)
    return reached


def trace(fn: Callable[..., Any], params: Sequence[Value], example: Sequence[float]) -> Trace:
    """Call ``fn`` on ``Value`` inputs holding ``example`` and record the graph it builds."""
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(example)]
    recorder = _Recorder()
    token = TRACER.set(recorder)
    try:
        result = fn(*inputs)
    finally:
        TRACER.reset(token)
    outputs = [result] if isinstance(result, Value) else list(result) if _is_list(result) else []
    if not outputs or not all(isinstance(output, Value) for output in outputs):
        raise TracingError(
            "compile: fn must return a Value (or a list of Values), "
            f"but it returned {type(result).__name__}"
        )
    return Trace(outputs, inputs, list(params), recorder.guards, returns_list=_is_list(result))


class Compiled:
    """``fn`` traced once and replayed; see :func:`compile`."""

    def __init__(self, fn: Callable[..., Value | Sequence[Value]], params: Iterable[Value]):
        self.fn = fn
        self.params = list(params)
        for index, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"compile: params[{index}] must be a Value, not {type(p).__name__}")
        self._trace: Trace | None = None
        #: How many times ``fn`` has been traced (again when a guard came out differently).
        self.traces = 0

    @property
    def source(self) -> str:
        """The generated Python source of the one-example replay (after the first call)."""
        if self._trace is None:
            raise TracingError("compile: nothing traced yet; call the compiled function once")
        return self._trace.source(scalar=True, gradients=len(self._trace.outputs) == 1)

    def __call__(self, *inputs: Any, scale: float = 1.0) -> float:
        """The loss at these inputs; adds scale · ∂loss/∂p into ``p.grad`` for every parameter.

        With sequences or arrays of equal length, the loss is the mean over the batch and the
        gradient is the gradient of that mean. ``scale`` weighs the gradient, e.g. by a group's
        share of a larger batch; the loss is returned unscaled.
        """
        scale = as_float(scale, "scale")
        arguments, count = _arguments(inputs)
        if count is None:
            value, gradients = self._replay(arguments, scale, gradients=True)
            if not math.isfinite(value):
                return self._eager(arguments, scale)
        else:
            import numpy as np

            seed = np.full(count, scale / count)
            value, gradients = self._replay(arguments, seed, gradients=True)
            value = float(np.mean(np.broadcast_to(value, (count,))))
            gradients = _batch_sums(np, gradients, count)
        for p, g in zip(self.params, gradients, strict=True):
            p.grad += g
        return float(value)

    def evaluate(self, *inputs: Any) -> Any:
        """``fn``'s output(s) at these inputs, without gradients.

        For one example: a float, or a list of floats when ``fn`` returns a list. For a batch
        (equal-length sequences or arrays): a list with one such result per example.
        """
        arguments, count = _arguments(inputs)
        outputs = self._replay(arguments, 1.0, gradients=False)
        if count is None:
            return _shaped([float(v) for v in outputs], self._returns_list)
        import numpy as np

        rows = np.stack([np.broadcast_to(v, (count,)) for v in outputs], axis=1)
        return [_shaped(row.tolist(), self._returns_list) for row in rows]

    @property
    def _returns_list(self) -> bool:
        assert self._trace is not None
        return self._trace.returns_list

    def _replay(self, arguments: Sequence[Any], seed: Any, *, gradients: bool) -> Any:
        """Run the replay on one example (floats) or a batch (arrays), tracing when needed; a
        batch is traced on its first example."""
        scalar = all(isinstance(a, float) for a in arguments)
        first = list(arguments) if scalar else [float(a[0]) for a in arguments]
        trace = self._current(first)
        if gradients and len(trace.outputs) != 1:
            raise TracingError(
                f"compile: fn returned {len(trace.outputs)} Values; gradients need one (a loss); "
                "use evaluate() for several outputs"
            )
        data = [p.data for p in self.params]
        if scalar:
            try:
                return trace.function(scalar=True, gradients=gradients)(seed, *arguments, *data)
            except _Retrace:
                self._retrace(first)
                return self._current(first).function(scalar=True, gradients=gradients)(
                    seed, *arguments, *data
                )
        import numpy as np

        with np.errstate(all="ignore"):
            try:
                return trace.function(scalar=False, gradients=gradients)(seed, *arguments, *data)
            except _Retrace:
                raise StructureError(
                    "compile: the traced graph depends on a comparison of Values that comes out "
                    "differently for some examples of this batch; a batch replay needs one graph "
                    "for all examples (use an op with the branch inside it, such as relu or abs, "
                    "or call the compiled function one example at a time)"
                ) from None

    def _current(self, example: Sequence[float]) -> Trace:
        if self._trace is None:
            self._retrace(example)
        assert self._trace is not None
        if len(self._trace.inputs) != len(example):
            raise TracingError(
                f"compile: fn was traced with {len(self._trace.inputs)} inputs, "
                f"called with {len(example)}"
            )
        return self._trace

    def _retrace(self, example: Sequence[float]) -> None:
        self._trace = trace(self.fn, self.params, example)
        self.traces += 1

    def _eager(self, example: Sequence[float], scale: float) -> float:
        """Run ``fn`` itself, so that domain errors and NaNs are reported exactly as without
        compile (the replay computes with IEEE floats and does not stop on them)."""
        root = self.fn(*map(Value, example))
        assert isinstance(root, Value)  # _replay checked that there is one output
        root.backward(scale)
        return float(root.data)


def _batch_sums(np: Any, gradients: Sequence[Any], count: int) -> list[float]:
    """Each gradient summed over the batch, the per-example arrays in one stacked sum (one NumPy
    call rather than one per parameter). A plain number is the same for every example."""
    sums = [0.0 if np.shape(g) == (count,) else float(g) * count for g in gradients]
    per_example = [i for i, g in enumerate(gradients) if np.shape(g) == (count,)]
    if per_example:
        totals = np.stack([gradients[i] for i in per_example]).sum(axis=1)
        for i, total in zip(per_example, totals.tolist(), strict=True):
            sums[i] = total
    return sums


def _is_list(x: Any) -> bool:
    return isinstance(x, (list, tuple))


def _shaped(values: list[float], as_list: bool) -> Any:
    return values if as_list else values[0]


def _arguments(inputs: Sequence[Any]) -> tuple[list[Any], int | None]:
    """One example as floats (and no batch size), or a batch as one float array per input,
    checked to be 1-D, non-empty and of equal length (and its size)."""
    if inputs and all(_is_number(x) for x in inputs):
        return [as_float(x, f"input {i}") for i, x in enumerate(inputs)], None
    import numpy as np

    arrays = [np.asarray(c, dtype=float) for c in inputs]
    if not arrays or any(a.ndim != 1 for a in arrays) or len({len(a) for a in arrays}) != 1:
        shapes = [a.shape for a in arrays]
        raise ValueError(
            "compile: a batch is one equal-length sequence (or 1-D array) per input, "
            f"got shapes {shapes}"
        )
    if len(arrays[0]) == 0:
        raise ValueError("compile: the batch is empty")
    return arrays, len(arrays[0])


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) or (hasattr(x, "ndim") and x.ndim == 0)


def compile(fn: Callable[..., Value | Sequence[Value]], params: Iterable[Value]) -> Compiled:
    """Trace ``fn`` (a function of Values returning one Value) and replay it at raw-Python speed.

    ``compiled(x1, x2, ...)`` with numbers returns ``fn``'s value as a float and adds
    ∂fn/∂p into ``p.grad`` for every ``p`` in ``params``, as ``fn(...).backward()`` would.
    Parameter values are read from ``p.data`` at every call, so optimizers just work.
    ``compiled(X1, X2, ...)`` with equal-length sequences or NumPy arrays evaluates the whole batch
    at once and returns the mean, accumulating the gradient of the mean. ``compiled.source``
    is the generated code. The graph is traced on the first call.
    """
    return Compiled(fn, params)

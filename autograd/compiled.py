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
    """One traced graph, as source code for floats and for arrays (compiled on first use)."""

    n_inputs: int
    scalar_source: str
    array_source: str
    _functions: dict[bool, Callable[..., Any]] = field(default_factory=dict)

    def function(self, scalar: bool) -> Callable[..., Any]:
        if scalar not in self._functions:
            namespace = _float_namespace() if scalar else _array_namespace()
            source = self.scalar_source if scalar else self.array_source
            self._functions[scalar] = _define(source, namespace)
        return self._functions[scalar]


def _define(source: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    # The source is built only from the traced graph: node numbers, op-table rules and
    # repr() of floats, never text from the user.
    scope = dict(namespace)
    exec(builtins.compile(source, "<chainrule replay>", "exec"), scope)
    function: Callable[..., Any] = scope["replay"]
    return function


def _write(
    root: Value,
    inputs: Sequence[Value],
    params: Sequence[Value],
    guards: list[_Guard],
    scalar: bool,
) -> str:
    """The replay's source: ``replay(seed, x0 … xn, p0 … pm) -> (value, (∂/∂p0 … ∂/∂pm))``."""
    m = SymbolMath(scalar)
    names: dict[Value, Symbol] = {}
    for i, x in enumerate(inputs):
        names[x] = Symbol(f"x{i}")
    for j, p in enumerate(params):
        names[p] = Symbol(f"p{j}")
    order = _order(
        [root, *(g.left for g in guards), *(g.right for g in guards if isinstance(g.right, Value))]
    )
    lines: list[str] = []
    computed: list[tuple[Value, Op]] = []
    for node in order:
        if node in names:
            continue
        if node.rule is None:  # a leaf that is neither input nor parameter: a constant
            names[node] = constant(node.data)
            continue
        name = Symbol(f"v{len(computed)}")
        forward = node.rule.forward(m, *(names[i] for i in node.inputs))
        lines.append(f"{name.code} = {forward.code}")
        names[node] = name
        computed.append((node, node.rule))
    for guard in guards:
        right = names[guard.right] if isinstance(guard.right, Value) else constant(guard.right)
        test = f"{names[guard.left].code} {guard.symbol} {right.code}"
        lines.append(f"if {'not ' if guard.outcome else ''}holds({test}): raise retrace")

    # Backward: reverse topological order; each gradient is complete before it is passed on.
    needs_grad = _depends_on(order, set(params))
    gradients: dict[Value, Symbol] = {root: Symbol("seed")}
    for node, rule in reversed(computed):
        upstream = gradients.get(node)
        if upstream is None:
            continue
        local = rule.derivatives(m, names[node], *(names[i] for i in node.inputs))
        for child, derivative in zip(node.inputs, local, strict=True):
            if child not in needs_grad:
                continue
            term = _symbol(derivative) * upstream
            if child in gradients:
                # Not +=, which would change a NumPy array that another gradient shares.
                total = gradients[child]
                lines.append(f"{total.code} = {total.code} + {_wrap(term, ADD + 1)}")
            else:
                gradients[child] = Symbol(f"g{len(gradients)}")
                lines.append(f"{gradients[child].code} = {term.code}")
    value = names[root].code
    results = ", ".join(gradients[p].code if p in gradients else "0.0" for p in params)
    arguments = ", ".join(
        ["seed", *(f"x{i}" for i in range(len(inputs))), *(f"p{j}" for j in range(len(params)))]
    )
    body = "".join(f"    {line}\n" for line in lines)
    trailing_comma = "," if params else ""
    return f"def replay({arguments}):\n{body}    return {value}, ({results}{trailing_comma})\n"


def _order(roots: Iterable[Value]) -> list[Value]:
    """Topological order of everything the roots depend on, inputs first."""
    order: list[Value] = []
    seen: set[Value] = set()
    for root in roots:
        for node in topological_order(root):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


def _depends_on(order: Sequence[Value], sources: set[Value]) -> set[Value]:
    """The nodes through which a gradient can reach one of ``sources``."""
    reached = set(sources)
    for node in order:
        if node not in reached and any(i in reached for i in node.inputs):
            reached.add(node)
    return reached


def trace(fn: Callable[..., Value], params: Sequence[Value], example: Sequence[float]) -> Trace:
    """Call ``fn`` on ``Value`` inputs holding ``example`` and write out the graph it builds."""
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(example)]
    recorder = _Recorder()
    token = TRACER.set(recorder)
    try:
        root = fn(*inputs)
    finally:
        TRACER.reset(token)
    if not isinstance(root, Value):
        raise TracingError(
            f"compile: fn must return a Value, but it returned {type(root).__name__}"
        )
    return Trace(
        n_inputs=len(inputs),
        scalar_source=_write(root, inputs, params, recorder.guards, scalar=True),
        array_source=_write(root, inputs, params, recorder.guards, scalar=False),
    )


class Compiled:
    """``fn`` traced once and replayed; see :func:`compile`."""

    def __init__(self, fn: Callable[..., Value], params: Iterable[Value]):
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
        return self._trace.scalar_source

    def __call__(self, *inputs: Any, scale: float = 1.0) -> float:
        """The loss at these inputs; adds scale · ∂loss/∂p into ``p.grad`` for every parameter.

        With sequences or arrays of equal length, the loss is the mean over the batch and the
        gradient is the gradient of that mean. ``scale`` weighs the gradient, e.g. by a group's
        share of a larger batch; the loss is returned unscaled.
        """
        scale = as_float(scale, "scale")
        if inputs and all(_is_number(x) for x in inputs):
            return self._one([as_float(x, f"input {i}") for i, x in enumerate(inputs)], scale)
        return self._batch(inputs, scale)

    def _current(self, example: Sequence[float]) -> Trace:
        if self._trace is None:
            self._retrace(example)
        assert self._trace is not None
        if self._trace.n_inputs != len(example):
            raise TracingError(
                f"compile: fn was traced with {self._trace.n_inputs} inputs, "
                f"called with {len(example)}"
            )
        return self._trace

    def _retrace(self, example: Sequence[float]) -> None:
        self._trace = trace(self.fn, self.params, example)
        self.traces += 1

    def _one(self, example: list[float], scale: float) -> float:
        replay = self._current(example).function(scalar=True)
        data = [p.data for p in self.params]
        try:
            value, gradients = replay(scale, *example, *data)
        except _Retrace:
            self._retrace(example)
            replay = self._current(example).function(scalar=True)
            value, gradients = replay(scale, *example, *data)
        if not math.isfinite(value):
            return self._eager(example, scale)
        for p, g in zip(self.params, gradients, strict=True):
            p.grad += g
        return float(value)

    def _eager(self, example: Sequence[float], scale: float) -> float:
        """Run ``fn`` itself, so that domain errors and NaNs are reported exactly as without
        compile (the replay computes with IEEE floats and does not stop on them)."""
        root = self.fn(*map(Value, example))
        root.backward(scale)
        return root.data

    def _batch(self, columns: Sequence[Any], scale: float) -> float:
        import numpy as np

        arrays = [np.asarray(c, dtype=float) for c in columns]
        if not arrays or any(a.ndim != 1 for a in arrays) or len({len(a) for a in arrays}) != 1:
            shapes = [a.shape for a in arrays]
            raise ValueError(
                "compile: a batch is one equal-length sequence (or 1-D array) per input, "
                f"got shapes {shapes}"
            )
        count = len(arrays[0])
        if count == 0:
            raise ValueError("compile: the batch is empty")
        trace = self._current([float(a[0]) for a in arrays])
        seed = np.full(count, scale / count)
        with np.errstate(all="ignore"):
            try:
                value, gradients = trace.function(scalar=False)(
                    seed, *arrays, *(p.data for p in self.params)
                )
            except _Retrace:
                raise StructureError(
                    "compile: the traced graph depends on a comparison of Values that comes out "
                    "differently for some examples of this batch; a batch replay needs one graph "
                    "for all examples (use an op with the branch inside it, such as relu or abs, "
                    "or call the compiled function one example at a time)"
                ) from None
        for p, g in zip(self.params, gradients, strict=True):
            p.grad += float(np.sum(g))
        return float(np.mean(np.broadcast_to(value, (count,))))


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) or (hasattr(x, "ndim") and x.ndim == 0)


def compile(fn: Callable[..., Value], params: Iterable[Value]) -> Compiled:
    """Trace ``fn`` (a function of Values returning one Value) and replay it at raw-Python speed.

    ``compiled(x1, x2, ...)`` with numbers returns ``fn``'s value as a float and adds
    ∂fn/∂p into ``p.grad`` for every ``p`` in ``params``, as ``fn(...).backward()`` would.
    Parameter values are read from ``p.data`` at every call, so optimizers just work.
    ``compiled(X1, X2, ...)`` with equal-length sequences or NumPy arrays evaluates the whole batch
    at once and returns the mean, accumulating the gradient of the mean. ``compiled.source``
    is the generated code. The graph is traced on the first call.
    """
    return Compiled(fn, params)

"""The code writer: a traced graph written out as straight-line Python.

One line per op for the forward pass and one per chain-rule term for the backward pass, each
written by evaluating the op's rule on symbols (:mod:`autograd.replay.symbols`).
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.backprop import topological_order
from autograd.errors import TracingError
from autograd.ops import Math, Op
from autograd.replay.symbols import (
    ADD,
    Symbol,
    SymbolMath,
    array_namespace,
    constant,
    float_namespace,
    symbol_of,
    wrap,
)
from autograd.tracer import TRACER
from autograd.value import Value


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
            namespace = float_namespace() if scalar else array_namespace()
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
    m: Math = SymbolMath(scalar)
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

    # Backward: the loop of autograd.backprop.chain_rule, written out instead of run. Its line
    # `child.grad += derivative * node.grad` becomes one line of code per term below; a
    # gradient's first term gets a name of its own, later ones a new name for the sum.
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
            term = symbol_of(derivative) * upstream
            if child in grads:
                # A new name rather than +=: names may be shared (below), and += would change a
                # NumPy array in place for every name it has.
                total, grads[child] = grads[child], next(fresh)
                lines.append(f"{grads[child].code} = {total.code} + {wrap(term, ADD + 1)}")
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
    outputs = [result] if isinstance(result, Value) else list(result) if is_list(result) else []
    if not outputs or not all(isinstance(output, Value) for output in outputs):
        raise TracingError(
            "compile: fn must return a Value (or a list of Values), "
            f"but it returned {type(result).__name__}"
        )
    return Trace(outputs, inputs, list(params), recorder.guards, returns_list=is_list(result))


def is_list(x: Any) -> bool:
    return isinstance(x, (list, tuple))

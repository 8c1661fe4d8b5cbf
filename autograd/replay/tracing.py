"""Tracing: ``fn`` called once on ``Value`` inputs, its graph recorded, and the replays written
from that graph (each compiled by Python on first use)."""

from __future__ import annotations

import builtins
import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.collector import paused_collector
from autograd.errors import TracingError
from autograd.ops import BatchMean
from autograd.replay.batch import write_batch
from autograd.replay.runtime import array_namespace, float_namespace
from autograd.replay.writer import Graph, Guard, depends_on, write
from autograd.tracer import TRACER
from autograd.value import Value


@dataclass
class _Recorder:
    """The tracer: collects the comparisons ``fn`` makes while it is traced."""

    guards: list[Guard] = field(default_factory=list)

    def compared(self, left: Value, symbol: str, right: Any, outcome: bool) -> None:
        self.guards.append(Guard(left, symbol, right, outcome))

    def converted(self, value: Value) -> None:
        raise TracingError(
            "compile: fn called float() on a traced Value, so what it computes next may depend "
            "on the input's value in a way a replay cannot follow; use Value operations "
            "(relu, abs, comparisons) instead"
        )


@dataclass
class Trace:
    """One traced graph, and the replays written from it, each compiled on first use: for one
    example (floats) or a batch (NumPy arrays), with the gradients of the first output or
    without (``gradients=False``, for evaluating several outputs)."""

    graph: Graph
    _sources: dict[tuple[bool, bool], str] = field(default_factory=dict)
    _functions: dict[tuple[bool, bool], Callable[..., Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @functools.cached_property
    def couples_examples(self) -> bool:
        """Whether the graph takes a statistic of the whole batch (a mean over its examples,
        :class:`autograd.ops.BatchMean`, of numbers that depend on the inputs), so that a batch
        replay's examples are not independent rows."""
        varying = depends_on(self.graph.order(), set(self.graph.inputs))
        return any(isinstance(node.rule, BatchMean) for node in varying)

    def source(self, *, batch: bool = False, gradients: bool = True) -> str:
        key = (batch, gradients)
        with self._lock, paused_collector():
            if key not in self._sources:
                self._sources[key] = _write(self.graph, batch=batch, gradients=gradients)
            return self._sources[key]

    def function(self, *, batch: bool = False, gradients: bool = True) -> Callable[..., Any]:
        key = (batch, gradients)
        function = self._functions.get(key)
        if function is None:
            source = self.source(batch=batch, gradients=gradients)
            namespace = array_namespace() if batch else float_namespace()
            with paused_collector():
                function = self._functions.setdefault(key, _define(source, namespace))
        return function


def _write(graph: Graph, *, batch: bool, gradients: bool) -> str:
    return (write_batch if batch else write)(graph, gradients=gradients)


def _define(source: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    # The source is built only from the traced graph: node numbers, op-table rules and
    # repr() of floats, never text from the user.
    scope = dict(namespace)
    exec(builtins.compile(source, "<chainrule replay>", "exec"), scope)
    function: Callable[..., Any] = scope["replay"]
    return function


def trace(fn: Callable[..., Any], params: Sequence[Value], example: Sequence[float]) -> Trace:
    """Call ``fn`` on ``Value`` inputs holding ``example`` and record the graph it builds.

    Tracing, writing and compiling a large graph make millions of objects, none in a reference
    cycle: the garbage collector is paused meanwhile (an optimisation, as in ``backward()``;
    a graph of 10⁶ nodes otherwise takes half as long again, its full passes walking the
    growing graph).
    """
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(example)]
    recorder = _Recorder()
    token = TRACER.set(recorder)
    try:
        with paused_collector():
            result = fn(*inputs)
    finally:
        TRACER.reset(token)
    returns_list = isinstance(result, (list, tuple))
    outputs = [result] if isinstance(result, Value) else list(result) if returns_list else []
    if not outputs or not all(isinstance(output, Value) for output in outputs):
        raise TracingError(
            "compile: fn must return a Value (or a list of Values), "
            f"but it returned {type(result).__name__}"
        )
    return Trace(Graph(outputs, inputs, list(params), recorder.guards, returns_list))

"""Trace once, replay fast: a graph turned into straight-line Python source code.

A training step builds the same graph again for every example. ``compile(fn, params)`` calls
``fn`` once on ``Value`` inputs, records the graph it builds, and writes it out as a Python
function of plain numbers: one line per op for the forward pass, one per chain-rule term for the
backward pass. The lines come from the op table itself (:mod:`autograd.ops`): each rule's
``forward`` and ``derivatives`` are evaluated on *symbols*, objects whose arithmetic writes code
instead of computing, so the replay cannot disagree with ``backward()``.

The same graph replays on floats (one example) or on NumPy arrays (a whole batch at once, where
a layer of neurons becomes one matrix product: :mod:`autograd.replay.batch`).

What a replay can follow, and what it cannot:

* Ops whose branch is inside the op (``relu``, ``abs``, ``leaky_relu``) are replayed exactly.
* A Python ``if`` on a comparison of Values (``if score > 0:``) is recorded as a *guard*: when a
  later input makes the comparison come out the other way, the function is traced again for that
  input (one example; the latest traces are kept, so a function that flips between two branches
  is traced twice, not at every call), or, for a batch whose examples disagree, a
  :class:`StructureError` is raised (a batch needs one graph for all of its examples).
* ``float(v)`` on a traced Value raises :class:`TracingError`: the number leaves the graph.
* Reading ``v.data`` directly, randomness (dropout) and any leaf created inside ``fn`` are frozen
  at trace time: they are constants of the replay. Compile a model in ``eval()`` mode, and build
  the graph only from Value operations on the inputs and the parameters.

Edges are the eager engine's: an example whose loss is not finite, or at which an op with a
domain (log, sqrt, division, powers) gives a non-finite value or derivative, is computed by the
eager engine instead, so NaN, inf and ``DomainError`` come out as without ``compile`` (for a
batch, the error names the example). A compiled function may be called from several threads at
once; the gradients of concurrent calls all add up.

A graph may take a statistic of the whole batch (:class:`autograd.ops.BatchMean`, batch
normalisation's mean and variance): the batch replay computes it over its rows, so those rows are
no longer independent, and an example outside an op's domain cannot be computed alone by the
eager engine: the error names it. ``with_aux`` replays a loss and gives back its other outputs
(such statistics) beside it.
"""

from __future__ import annotations

import itertools
import math
import operator
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from autograd.backprop import gradients as eager_gradients
from autograd.errors import DomainError, StructureError, TracingError
from autograd.numbers import as_float
from autograd.replay.runtime import Outside, Retrace
from autograd.replay.tracing import Trace, trace
from autograd.value import Value

__all__ = ["Compiled", "StructureError", "TracingError", "compile"]

#: How many traces a compiled function keeps (the latest first), for a function whose guards
#: flip between a few branches.
KEPT_TRACES = 8

#: Errors a one-example replay can meet in Python's float arithmetic, where the eager engine
#: answers with IEEE numbers or a DomainError (x / 0.0, math.sin(inf)).
_FLOAT_ERRORS = (Outside, ArithmeticError, ValueError)

R = TypeVar("R")
_DATA = operator.attrgetter("data")


def compile(fn: Callable[..., Value | Sequence[Value]], params: Iterable[Value]) -> Compiled:
    """Trace ``fn`` (a function of Values returning one Value) and replay it at raw-Python speed.

    ``compiled(x1, x2, ...)`` with numbers returns ``fn``'s value as a float and adds
    ∂fn/∂p into ``p.grad`` for every ``p`` in ``params``, as ``fn(...).backward()`` would.
    Parameter values are read from ``p.data`` at every call, so optimizers just work.
    ``compiled(X1, X2, ...)`` with equal-length sequences or NumPy arrays evaluates the whole batch
    at once and returns the mean, accumulating the gradient of the mean. ``compiled.source``
    is the generated code (``compiled.batch_source`` that of a batch). The graph is traced on
    the first call.
    """
    return Compiled(fn, params)


class Compiled:
    """``fn`` traced once and replayed; see :func:`compile`."""

    def __init__(self, fn: Callable[..., Value | Sequence[Value]], params: Iterable[Value]):
        self.fn = fn
        given = list(params)
        for index, p in enumerate(given):
            if not isinstance(p, Value):
                raise TypeError(f"compile: params[{index}] must be a Value, not {type(p).__name__}")
        #: Each parameter once (a parameter listed twice still gets its gradient once).
        self.params = list(dict.fromkeys(given))
        self._traces: list[Trace] = []  # the latest first
        self._tracing = threading.RLock()  # re-entrant: fn may call the compiled function
        self._accumulating = threading.Lock()
        #: How many times ``fn`` has been traced (again when a guard came out differently).
        self.traces = 0
        #: Whether ``fn`` has been replayed as a loss with auxiliary outputs (``with_aux``).
        self._aux = False

    @property
    def source(self) -> str:
        """The generated Python source of the one-example replay (after the first call)."""
        return self._source(batch=False)

    @property
    def batch_source(self) -> str:
        """The generated Python source of the batch replay, on NumPy arrays."""
        return self._source(batch=True)

    def _source(self, *, batch: bool) -> str:
        if not self._traces:
            raise TracingError("compile: nothing traced yet; call the compiled function once")
        latest = self._traces[0]
        # Several outputs are evaluated, or a loss and its auxiliary outputs (with_aux).
        gradients = len(latest.graph.outputs) == 1 or self._aux
        return latest.source(batch=batch, gradients=gradients)

    def __call__(self, *inputs: Any, scale: float = 1.0) -> float:
        """The loss at these inputs; adds scale · ∂loss/∂p into ``p.grad`` for every parameter.

        With sequences or arrays of equal length, the loss is the mean over the batch and the
        gradient is the gradient of that mean. ``scale`` weighs the gradient, e.g. by a group's
        share of a larger batch; the loss is returned unscaled.
        """
        return self._with_gradients(inputs, scale, aux=False)[0]

    def with_aux(self, *inputs: Any, scale: float = 1.0) -> tuple[float, list[Any]]:
        """As a call, for an ``fn`` that returns several Values: the first one (a loss), whose
        gradient is added into ``p.grad``, and the values of the others, its auxiliary outputs
        (a batch's statistics, say), each a float for one example, one number per example (an
        array) for a batch."""
        return self._with_gradients(inputs, scale, aux=True)

    def loss_and_gradient(self, *inputs: Any, scale: float = 1.0) -> tuple[float, Any]:
        """The loss at these inputs and scale · ∂loss/∂p for every parameter, in the order of
        ``params``, as a call computes them but not added into ``p.grad``: a sequence of floats
        for one example, one NumPy array for a batch (which an optimizer can step on at once,
        :meth:`nn.Optimizer.step_from`)."""
        value, gradients, _ = self._replayed(inputs, scale, aux=False)
        return value, gradients

    def loss_gradient_and_aux(self, *inputs: Any, scale: float = 1.0) -> _Result:
        """:meth:`loss_and_gradient` for an ``fn`` that returns several Values, as
        :meth:`with_aux`: the loss, its gradient and the values of the other outputs."""
        return self._replayed(inputs, scale, aux=True)

    def _with_gradients(
        self, inputs: Sequence[Any], scale: float, *, aux: bool
    ) -> tuple[float, list[Any]]:
        value, gradients, others = self._replayed(inputs, scale, aux=aux)
        if not isinstance(gradients, Sequence):  # a batch's array: floats add faster
            gradients = gradients.tolist()
        with self._accumulating:  # p.grad += g is a read and a write: one thread at a time
            for p, g in zip(self.params, gradients):  # noqa: B905 (one per parameter; plain zip)
                p.grad += g
        return value, others

    def _replayed(self, inputs: Sequence[Any], scale: float, *, aux: bool) -> _Result:
        scale = as_float(scale, "scale")
        self._aux = self._aux or aux
        arguments, count = _arguments(inputs)
        if count is None:
            return self._one(arguments, scale, aux)
        return self._batch(arguments, count, scale, aux)

    def evaluate(self, *inputs: Any) -> Any:
        """``fn``'s output(s) at these inputs, without gradients.

        For one example: a float, or a list of floats when ``fn`` returns a list. For a batch
        (equal-length sequences or arrays): a list with one such result per example.
        """
        arguments, count = _arguments(inputs)
        if count is None:
            rows = [self._outputs_one(arguments)]
        else:
            rows = self._outputs_batch(arguments, count)
        as_list = self._traces[0].graph.returns_list
        shaped = [row if as_list else row[0] for row in rows]
        return shaped if count is not None else shaped[0]

    # -- one example -------------------------------------------------------------------------
    def _one(self, example: list[float], scale: float, aux: bool) -> _Result:
        data = [p.data for p in self.params]

        def replay(trace: Trace) -> tuple[Any, ...] | None:
            self._check_one_output(trace, aux)
            try:
                result: tuple[Any, ...] = trace.function()(scale, *example, *data)
            except _FLOAT_ERRORS:
                return None
            return result

        result = self._applying(example, replay)
        if result is None or not math.isfinite(result[0]):
            return self._eager(example, scale)
        return result[0], result[1], list(result[2]) if len(result) > 2 else []

    def _outputs_one(self, example: list[float]) -> list[float]:
        data = [p.data for p in self.params]

        def replay(trace: Trace) -> Sequence[float] | None:
            try:
                outputs: Sequence[float] = trace.function(gradients=False)(1.0, *example, *data)
            except _FLOAT_ERRORS:
                return None
            return outputs

        outputs = self._applying(example, replay)
        return self._eager_outputs(example) if outputs is None else [float(v) for v in outputs]

    def _applying(self, example: Sequence[float], replay: Callable[[Trace], R]) -> R:
        """``replay`` of the first kept trace that applies to ``example``, else of a new one."""
        try:
            return self._kept_or_new(example, lambda: example, replay)
        except Retrace:
            raise TracingError(
                "compile: fn compared Values differently when traced again on the same input; "
                "a replay needs fn to build the same graph for the same input (no randomness)"
            ) from None

    def _kept_or_new(
        self,
        inputs: Sequence[Any],
        first: Callable[[], Sequence[float]],
        replay: Callable[[Trace], R],
    ) -> R:
        """``replay`` of the first kept trace whose guards hold (it raises Retrace otherwise),
        else of a new trace of the example ``first()`` (read only then), which may raise
        Retrace itself."""
        tried: list[Trace] = []
        for result in self._first_kept(inputs, replay, tried):
            return result
        with self._tracing:
            # Another thread may have traced this very branch while this one waited.
            for result in self._first_kept(inputs, replay, tried):
                return result
            new = self._trace(first())
        return replay(new)

    def _first_kept(
        self, inputs: Sequence[Any], replay: Callable[[Trace], R], tried: list[Trace]
    ) -> list[R]:
        """``[replay(trace)]`` for the first kept trace not in ``tried`` whose guards hold, or
        nothing; the traces tried are added to ``tried``."""
        for kept in tuple(self._traces):  # a copy: other threads may trace meanwhile
            if any(kept is other for other in tried):
                continue
            self._check_inputs(kept, inputs)
            tried.append(kept)
            try:
                return [replay(kept)]
            except Retrace:
                continue
        return []

    def _trace(self, example: Sequence[float]) -> Trace:
        with self._tracing:
            new = trace(self.fn, self.params, example)
            self._traces = [new, *self._traces[: KEPT_TRACES - 1]]
            self.traces += 1
        return new

    def _eager(self, example: Sequence[float], scale: float) -> _Result:
        """``fn`` run by the eager engine, so that domain errors and NaNs are reported exactly
        as without compile (the replay computes with IEEE floats and does not stop on them)."""
        result = self.fn(*map(Value, example))
        root, *others = [result] if isinstance(result, Value) else result
        gradients = [scale * g for g in eager_gradients(root, self.params)]
        return root.data, gradients, [o.data for o in others]

    def _eager_outputs(self, example: Sequence[float]) -> list[float]:
        result = self.fn(*map(Value, example))
        return [v.data for v in ([result] if isinstance(result, Value) else result)]

    # -- a batch -----------------------------------------------------------------------------
    def _batch(self, columns: list[Any], count: int, scale: float, aux: bool) -> _Result:
        import numpy as np

        data = self._parameters(np)
        weight = scale / count  # each example's share of the mean
        replayed: list[Trace] = []

        def replay(trace: Trace, columns: list[Any]) -> Any:
            self._check_one_output(trace, aux)
            replayed[:] = [trace]
            with np.errstate(all="ignore"):
                return trace.function(batch=True)(np.full(len(columns[0]), weight), *columns, data)

        value, check, gradient, *others = self._applying_batch(columns, replay)
        others = list(others[0]) if others else []
        if math.isfinite(_total(np, check)):  # every example's check is 0, none is NaN
            mean = _total(np, value) / count if np.ndim(value) else value  # a uniform value
            return float(mean), gradient, _per_example(np, others, count)
        outside = _outside(np, check, count)
        _check_separable(replayed[0], outside)
        # The examples outside are computed by the eager engine, the others replayed again.
        loss, total = 0.0, np.zeros(len(self.params))
        rows = np.zeros((len(others), count))
        inside = [c[~outside] for c in columns]
        if len(inside[0]):
            value, _, gradient, *others = self._applying_batch(inside, replay)
            others = list(others[0]) if others else []
            loss += float(np.sum(np.broadcast_to(value, (len(inside[0]),))))
            total += gradient
            if others:
                rows[:, ~outside] = _per_example(np, others, len(inside[0]))
        for i in np.flatnonzero(outside):
            example = [float(c[i]) for c in columns]
            value, gradient, aside = _naming(int(i), self._eager, example, weight)
            loss += value
            total += gradient
            rows[:, i] = aside
        return loss / count, total, list(rows)

    def _outputs_batch(self, columns: list[Any], count: int) -> list[list[float]]:
        import numpy as np

        data = self._parameters(np)

        replayed: list[Trace] = []

        def replay(trace: Trace, columns: list[Any]) -> Any:
            replayed[:] = [trace]
            with np.errstate(all="ignore"):
                return trace.function(batch=True, gradients=False)(1.0, *columns, data)

        check, outputs = self._applying_batch(columns, replay)
        rows: list[list[float]] = np.stack(
            [np.broadcast_to(v, (count,)) for v in outputs], axis=1
        ).tolist()
        outside = _outside(np, check, count)
        if outside.any():
            _check_separable(replayed[0], outside)
        for i in np.flatnonzero(outside):
            rows[i] = _naming(int(i), self._eager_outputs, [float(c[i]) for c in columns])
        return rows

    def _parameters(self, np: Any) -> Any:
        """The parameters' values as an array, read from ``p.data`` now."""
        return np.fromiter(map(_DATA, self.params), float, len(self.params))

    def _applying_batch(self, columns: list[Any], replay: Callable[[Trace, list[Any]], R]) -> R:
        """``replay`` of the first kept trace whose guards hold for every example, else of a new
        trace of the first example; :class:`StructureError` if that one does not hold either."""

        def first() -> list[float]:
            return [float(c[0]) for c in columns]

        def on_batch(trace: Trace) -> R:
            return replay(trace, columns)

        try:
            result: R = _naming(0, self._kept_or_new, columns, first, on_batch)
            return result
        except Retrace:
            raise StructureError(
                "compile: the traced graph depends on a comparison of Values that comes out "
                "differently for some examples of this batch; a batch replay needs one graph "
                "for all examples (use an op with the branch inside it, such as relu or abs, "
                "or call the compiled function one example at a time)"
            ) from None

    def _check_one_output(self, trace: Trace, aux: bool) -> None:
        """Gradients need one output, a loss (followed by others only ``with_aux``)."""
        if len(trace.graph.outputs) != 1 and not aux:
            raise TracingError(
                f"compile: fn returned {len(trace.graph.outputs)} Values; gradients need one "
                "(a loss); use evaluate() for several outputs, or with_aux() for a loss followed "
                "by others"
            )

    def _check_inputs(self, kept: Trace, example: Sequence[Any]) -> None:
        if len(kept.graph.inputs) != len(example):
            raise TracingError(
                f"compile: fn was traced with {len(kept.graph.inputs)} inputs, "
                f"called with {len(example)}"
            )


def _check_separable(trace: Trace, outside: Any) -> None:
    """Refuse to hand the examples ``outside`` (a mask, some of them true) to the eager engine
    one by one when the graph takes statistics of the whole batch, which one example alone
    would not reproduce."""
    if trace.couples_examples:
        first = int(outside.nonzero()[0][0])
        raise DomainError(
            f"example {first} of the batch: an op gave a number that is not finite or is "
            "outside its domain, and the graph takes statistics of the whole batch, so that "
            "example cannot be computed on its own by the eager engine to say which; "
            "call fn without compile to find it"
        )


#: A loss, its gradients (a sequence of floats for one example, an array for a batch) and its
#: auxiliary outputs.
_Result = tuple[float, Any, list[Any]]


def _per_example(np: Any, outputs: Sequence[Any], count: int) -> list[Any]:
    """Outputs of a batch replay as one array of ``count`` numbers each (a uniform output is
    one number, the same for every example)."""
    arrays = []
    for output in outputs:
        # An assignment broadcasts a uniform output: an optimisation (0.3 µs where
        # np.broadcast_to, written in Python, and a copy take 2.8 µs).
        array = np.empty(count)
        array[...] = output
        arrays.append(array)
    return arrays


def _naming(index: int, run: Callable[..., R], *arguments: Any) -> R:
    """``run(*arguments)`` for one example of a batch; its DomainError names the example."""
    try:
        return run(*arguments)
    except DomainError as error:
        raise DomainError(f"example {index} of the batch: {error}") from None


def _total(np: Any, x: Any) -> Any:
    """The sum of an array (np.add.reduce: NumPy's sum without its Python wrapper)."""
    return np.add.reduce(x, axis=None)


def _outside(np: Any, check: Any, count: int) -> Any:
    """The examples at which a batch replay's check is not finite."""
    return ~np.isfinite(np.broadcast_to(check, (count,)))


def _arguments(inputs: Sequence[Any]) -> tuple[list[Any], int | None]:
    """One example as floats (and no batch size), or a batch as one float array per input,
    checked to be 1-D, non-empty and of equal length (and its size)."""
    if all(_is_number(x) for x in inputs):
        return [as_float(x, f"input {i}") for i, x in enumerate(inputs)], None
    import numpy as np

    # map and one set of shapes: an optimisation (101 columns in 0.011 ms, where a loop and two
    # passes over them to check their dimensions and lengths took 0.016 ms).
    arrays = list(map(np.asarray, inputs, itertools.repeat(float)))
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1 or len(shape := shapes.pop()) != 1:
        raise ValueError(
            "compile: a batch is one equal-length sequence (or 1-D array) per input, "
            f"got shapes {[a.shape for a in arrays]}"
        )
    if shape[0] == 0:
        raise ValueError("compile: the batch is empty")
    return arrays, shape[0]


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) or (hasattr(x, "ndim") and x.ndim == 0)

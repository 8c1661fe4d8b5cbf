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

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd.errors import StructureError, TracingError
from autograd.numbers import as_float
from autograd.replay.symbols import Retrace
from autograd.replay.writer import Trace, trace
from autograd.value import Value

__all__ = ["Compiled", "StructureError", "TracingError", "compile"]


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
            except Retrace:
                self._retrace(first)
                return self._current(first).function(scalar=True, gradients=gradients)(
                    seed, *arguments, *data
                )
        import numpy as np

        with np.errstate(all="ignore"):
            try:
                return trace.function(scalar=False, gradients=gradients)(seed, *arguments, *data)
            except Retrace:
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

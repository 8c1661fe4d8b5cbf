"""What generated code runs with: the functions its lines call, for floats and for NumPy arrays.

The one-example replay calls the op table's own float functions (:mod:`autograd.floatmath`);
the batch replay calls their NumPy counterparts below, which give the same answers, NaN and inf
included (tests compare both replays with the eager engine at such points). NumPy is imported
only when a batch is replayed.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from autograd.floatmath import FLOATS
from autograd.ops import MATH_FUNCTIONS


class Retrace(Exception):
    """A guard failed: the traced graph does not apply to this input."""


class Outside(Exception):
    """An op with a domain gave a non-finite value or derivative in a one-example replay: the
    example is computed by the eager engine, which checks the op's domain."""


def float_namespace() -> dict[str, Any]:
    """The runtime functions for one example: the op table's float namespace."""
    names: dict[str, Any] = {name: getattr(FLOATS, name) for name in MATH_FUNCTIONS}
    # Call math's own functions where FloatMath's only adds IEEE handling that they don't need
    # (math.sin(inf) raises ValueError, and the replay then hands the example to eager).
    names.update(tanh=math.tanh, sin=math.sin, cos=math.cos)
    names.update(inf=math.inf, nan=math.nan, retrace=Retrace, outside=Outside)
    return names


def array_namespace() -> dict[str, Any]:
    """NumPy versions of the runtime functions, for the batch replay, and the array helpers the
    batch writer (:mod:`autograd.replay.batch`) calls."""
    import numpy as np

    def sigmoid(x: Any) -> Any:
        """σ(x) = 1/(1 + e⁻ˣ): within 4e-16 of FloatMath.sigmoid relatively (and 0 for
        x < −709.78, where e⁻ˣ overflows and FloatMath's is below 1e-308; log's and division's
        checks hand such examples to the eager engine). One exponential: five times faster than
        e^(−softplus(−x)) on an LSTM's gates."""
        if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
            return 1.0 / (1.0 + np.exp(-x))
        e = np.negative(x)  # the same steps in one new array, not four
        np.exp(e, out=e)
        e += 1.0
        return np.reciprocal(e, out=e)

    # NaN stays NaN, as in FloatMath.relu (np.fmax would give 0); a partial calls NumPy directly.
    relu = functools.partial(np.maximum, 0.0)

    def step(x: Any) -> Any:
        return _integers(np.greater(x, 0.0))  # 0 at NaN, as FloatMath.step

    def sign(x: Any) -> Any:
        return _integers(np.greater(x, 0.0)) - _integers(np.less(x, 0.0))  # 0 at NaN too

    def _integers(mask: Any) -> Any:
        """A mask as 0s and 1s that arithmetic treats as numbers: the booleans' own bytes read
        as small integers (an optimisation: no new array, and a product with it costs what a
        product with the mask does, a third less than converting to floats first)."""
        return mask.view(np.int8) if isinstance(mask, np.ndarray) else float(mask)

    def columns(*xs: Any) -> Any:
        """The examples' numbers as a matrix, one column per argument (numbers repeated), in
        column order; each column written in turn (a tenth of np.stack of the arguments
        broadcast)."""
        matrix = np.empty((max(np.size(x) for x in xs), len(xs)), order="F")
        for j, x in enumerate(xs):
            matrix[:, j] = x
        return matrix

    def stack(*xs: Any) -> Any:
        """Arrays of one number per example as a matrix, one column per array (a transposed
        view: one C call, where np.stack makes several)."""
        return np.array(xs).T

    def repeat(x: Any, width: int) -> Any:
        """One number per example, repeated along its row: a matrix of ``width`` columns."""
        return np.broadcast_to(x[:, None], (len(x), width))

    def widened(matrix: Any, *numbers: float) -> Any:
        """A matrix with one more column per number, each the number in every row."""
        extra = np.broadcast_to(np.array(numbers), (len(matrix), len(numbers)))
        return np.concatenate([matrix, extra], axis=1)

    def gathered_sums(x: Any, touches: Any) -> Any:
        """Column c of the result is Σₜ x[:, touches[t][c]], where the index ``len(x[0])`` is a
        column of zeros: each input's gradient summed over the windows that picked it. (One
        np.take per row of ``touches``, at most a window's size: several times faster than
        np.add.at or an array index.)"""
        padded = np.concatenate([x, np.zeros((len(x), 1))], axis=1)
        total = np.take(padded, touches[0], axis=1)
        for touch in touches[1:]:
            total += np.take(padded, touch, axis=1)
        return total

    def placed(x: Any, width: int, columns: slice) -> Any:
        """The transpose of picking evenly spaced columns: a matrix of ``width`` columns, zero
        but for ``columns``, which hold ``x``'s."""
        whole = np.zeros((len(x), width))
        whole[:, columns] = x
        return whole

    def batch_mean(x: Any) -> Any:
        """(1/N) Σₙ xₙ over the N examples of the batch (the rows of an array, for each of its
        columns), given to every example (a number, the same for all of them, is its own
        mean)."""
        if np.ndim(x) == 0:
            return x
        return np.repeat(np.add.reduce(x, axis=0, keepdims=True) / len(x), len(x), axis=0)

    def take(matrix: Any, index: Any, axis: int) -> Any:
        """np.take; columns picked from a matrix in column order stay in column order (the
        matrix's transpose's rows picked)."""
        if axis == 1 and matrix.flags.f_contiguous:
            return matrix.T.take(index, 0).T
        return matrix.take(index, axis)

    def sigmoid_from_tanh(u: Any) -> Any:
        """σ(z) = (1 + u)/2 from u = tanh(z/2), in one new array (the sigmoid of a layer
        computed by one tanh, :func:`autograd.replay.batch.one_tanh_layers`)."""
        half = np.multiply(u, 0.5)
        half += 0.5
        return half

    def tanh_chain(z: Any, gradient: Any) -> Any:
        """(1 − z·z) ⊙ ∂L/∂Z for z = tanh(a): Tanh's derivative in the op table times the
        gradient, the same operations in the same order, in one new array (an optimisation)."""
        if getattr(gradient, "shape", None) != z.shape:
            return (1.0 - z * z) * gradient
        term = z * z
        np.subtract(1.0, term, out=term)
        return np.multiply(term, gradient, out=term)

    def sigmoid_chain(z: Any, gradient: Any) -> Any:
        """z·(1 − z) ⊙ ∂L/∂Z for z = σ(a): Sigmoid's derivative in the op table times the
        gradient, the same operations in the same order, in one new array (an optimisation)."""
        if getattr(gradient, "shape", None) != z.shape:
            return z * (1.0 - z) * gradient
        term = np.subtract(1.0, z)
        np.multiply(z, term, out=term)
        return np.multiply(term, gradient, out=term)

    def never(test: Any) -> bool:
        return not np.any(test)

    def batch_sums(*xs: Any) -> Any:
        """Each per-example array summed over the batch, in one stacked sum."""
        return np.stack(xs).sum(axis=1)

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
        "sign": sign,
        "relu": relu,
        "step": step,
        "always": np.all,
        "never": never,
        "sigmoid_from_tanh": sigmoid_from_tanh,
        "tanh_chain": tanh_chain,
        "sigmoid_chain": sigmoid_chain,
        "columns": columns,
        "stack": stack,
        "empty": np.empty,
        "repeat": repeat,
        "widened": widened,
        "gathered_sums": gathered_sums,
        "placed": placed,
        "take": take,
        "array": np.array,
        "batch_sum": functools.partial(np.add.reduce, axis=None),
        "batch_sums": batch_sums,
        "batch_mean": batch_mean,
        "row_sums": functools.partial(np.add.reduce, axis=1),
        "column_sums": functools.partial(np.add.reduce, axis=0),
        "concatenate": np.concatenate,
        "bincount": np.bincount,
        "inf": math.inf,
        "nan": math.nan,
        "retrace": Retrace,
    }

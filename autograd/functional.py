"""Function transforms: derivatives of Python functions, in reverse and in forward mode.

* ``grad(f)`` is the function x ↦ ∂f/∂x (reverse mode, :mod:`autograd.backprop`);
* ``jvp(f, primals, tangents)`` pushes a direction through f (forward mode,
  :mod:`autograd.forward`);
* ``jacobian(f)`` and ``hessian(f)`` build whole matrices from them, ``hvp`` a Hessian-vector
  product.

All of them run on the same local derivatives, and they compose: ``grad(grad(f))(x)`` is
f''(x), and a ``jvp`` of a ``grad`` is a Hessian-vector product. A transform called inside
another one (or on ``Value`` arguments) sees that it is being traced and returns ``Value``s with
a graph of their own (``create_graph=True``), which the outer transform differentiates again.
At the outermost level the results are plain floats.

Every transform calls ``f`` with ``Value``s for all its numeric arguments: those it
differentiates by (``argnums``) as variables, the others as constants, leaves no gradient is taken
for. So ``f`` may call methods on any argument (``z.log()``), and an ``f`` that works with one
``argnums`` works with every other. Arguments that are no numbers (a bool, a list, a model) are
passed as they are.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from autograd import ops
from autograd.backprop import gradients, topological_order
from autograd.forward import tangents as forward_tangents
from autograd.numbers import as_float
from autograd.value import Value, _apply

#: How many transforms are tracing the current call.
_DEPTH: ContextVar[int] = ContextVar("chainrule_transform_depth", default=0)

Argnums = int | Sequence[int]
Function = Callable[..., Any]

MODES = ("forward", "reverse")


def value_and_grad(f: Function, argnums: Argnums = 0) -> Callable[..., tuple[Any, Any]]:
    """Turn ``f`` into a function returning ``(f(*args), ∂f/∂args[argnums])``.

    ``argnums`` is one position (the gradient is one number) or a sequence of distinct positions
    (a tuple of gradients); negative positions count from the end. Each differentiated argument
    becomes a fresh node, so a derivative taken inside another never confuses the two variables;
    the other numbers arrive as constant ``Value``s, so ``f`` may call their methods too.
    """
    _check_function(f, "value_and_grad")
    _check_argnums(argnums)

    @functools.wraps(f)
    def transformed(*args: Any) -> tuple[Any, Any]:
        positions = _positions(argnums, len(args))
        traced = _traced(args)
        inputs = _inputs(args, positions)
        out = _call(f, inputs)
        found = _gradients(out, [inputs[p] for p in positions], traced)
        value = out if traced or not isinstance(out, Value) else out.data
        return value, found[0] if isinstance(argnums, int) else tuple(found)

    return transformed


def grad(f: Function, argnums: Argnums = 0) -> Callable[..., Any]:
    """Turn ``f`` into the function that returns ∂f/∂args[argnums]; composable to any order."""
    _check_function(f, "grad")
    with_value = value_and_grad(f, argnums)

    @functools.wraps(f)
    def derivative(*args: Any) -> Any:
        return with_value(*args)[1]

    return derivative


def jvp(f: Function, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(*primals), its derivative along tangents)``, a Jacobian-vector product.

    The derivative of output i is Σⱼ ∂fᵢ/∂xⱼ · tⱼ, computed in one forward sweep over the graph f
    builds (:func:`autograd.forward.tangents`): each node's tangent is Σ local derivative ×
    input tangent. For ``f`` returning one Value both results are numbers; for a list of Values
    (or numbers, which are constants) both are lists.
    """
    _check_function(f, "jvp")
    points = _sequence(primals, "primals", "jvp")
    directions = _sequence(tangents, "tangents", "jvp")
    if len(directions) != len(points):
        raise ValueError(
            f"jvp got {len(points)} primals and {len(directions)} tangents: give one tangent "
            "per primal"
        )
    traced = _traced([*points, *directions])
    inputs = _inputs(points, range(len(points)), "primal")
    outputs, as_list = _outputs(_call(f, inputs), "jvp")
    seeds = {
        x: _direction(t, i, traced) for i, (x, t) in enumerate(zip(inputs, directions, strict=True))
    }
    found = _along(_order(outputs), outputs, seeds, traced)
    values = [_result(y, traced) for y in outputs]
    return (values, found) if as_list else (values[0], found[0])


def jacobian(
    f: Function, argnums: int | Sequence[int] | None = None, *, mode: str | None = None
) -> Callable[..., list[list[Any]]]:
    """Turn ``f`` into the function returning its Jacobian J[i][j] = ∂fᵢ/∂x_{argnums[j]}.

    One row per output of ``f`` (a single Value gives one row), one column per argument in
    ``argnums`` (every argument when ``None``). Both modes run over the one graph ``f`` builds:
    forward mode fills one column per sweep, reverse mode one row per backward pass. By default
    (``mode=None``) the cheaper is taken: forward mode when there are no more columns than rows,
    reverse mode otherwise (so the Jacobian of a loss, one row, is one backward pass);
    ``mode="forward"`` or ``"reverse"`` chooses.
    """
    _check_function(f, "jacobian")
    _check_argnums(argnums)
    if mode is not None and mode not in MODES:
        raise ValueError(f"mode must be 'forward', 'reverse' or None, not {mode!r}")

    @functools.wraps(f)
    def matrix(*args: Any) -> list[list[Any]]:
        positions = _positions(argnums, len(args))
        traced = _traced(args)
        inputs = _inputs(args, positions)
        outputs, _ = _outputs(_call(f, inputs), "jacobian")
        variables = [inputs[p] for p in positions]
        chosen = mode or ("forward" if len(variables) <= len(outputs) else "reverse")
        if chosen == "reverse":
            return [_gradients(y, variables, traced) for y in outputs]
        order = _order(outputs)
        columns = [_along(order, outputs, {x: 1.0}, traced) for x in variables]
        return [list(row) for row in zip(*columns, strict=True)]

    return matrix


def hessian(f: Function, argnums: int | Sequence[int] | None = None) -> Callable[..., Any]:
    """Turn a scalar ``f`` into the function returning its Hessian H[i][j] = ∂²f/∂xᵢ∂xⱼ, over the
    arguments in ``argnums`` (every argument when ``None``).

    Forward over reverse: the Jacobian, in forward mode, of the gradient, in reverse mode. One
    backward pass builds the gradient's graph (``create_graph``), then one forward sweep over it
    per column gives that column of H.
    """
    _check_function(f, "hessian")
    _check_argnums(argnums)
    scalar = _scalar(f, "hessian")

    @functools.wraps(f)
    def matrix(*args: Any) -> list[list[Any]]:
        positions = _positions(argnums, len(args))
        return jacobian(grad(scalar, positions), positions, mode="forward")(*args)

    return matrix


def hvp(f: Function, primals: Sequence[Any], tangents: Sequence[Any]) -> list[Any]:
    """The Hessian of a scalar ``f`` at ``primals`` times ``tangents``: (H·t)ᵢ = Σⱼ ∂²f/∂xᵢ∂xⱼ · tⱼ.

    Forward over reverse, without forming H: one ``jvp`` of the gradient.
    """
    _check_function(f, "hvp")
    everything = tuple(range(len(_sequence(primals, "primals", "hvp"))))
    gradient = grad(_scalar(f, "hvp"), everything)
    product: list[Any] = jvp(lambda *xs: list(gradient(*xs)), primals, tangents)[1]
    return product


def detach(x: Value) -> Value:
    """A new leaf with the same data as ``x``: gradients do not flow through it."""
    return x.detach()


# -- arguments -----------------------------------------------------------------------------------
def _check_function(f: object, transform: str) -> None:
    if not callable(f):
        raise TypeError(f"{transform} needs a function to transform, not {type(f).__name__}")


def _check_argnums(argnums: object) -> None:
    """``argnums`` is None, an int or a sequence of ints (bools are refused: True is not 1)."""
    entries = argnums if isinstance(argnums, (list, tuple)) else [argnums]
    for entry in entries:
        if entry is None and argnums is None:
            continue
        if not isinstance(entry, int) or isinstance(entry, bool):
            raise TypeError(
                "argnums must be an argument's position (an int) or a sequence of positions, "
                f"not {type(entry).__name__}: {entry!r}"
            )
    if isinstance(argnums, (list, tuple)) and not argnums:
        raise ValueError("argnums is empty: name at least one argument to differentiate by")


def _positions(argnums: int | Sequence[int] | None, count: int) -> tuple[int, ...]:
    """The argument positions ``argnums`` names, each checked to be in range and named once."""
    if argnums is None:
        return tuple(range(count))
    given = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for position in given:
        if not -count <= position < count:
            raise TypeError(
                f"argnums names argument {position}, but the function got {count} "
                f"argument{'' if count == 1 else 's'}: differentiating by argument {position} "
                f"needs at least {position + 1 if position >= 0 else -position} arguments"
            )
    positions = tuple(p % count for p in given)
    for i, position in enumerate(positions):
        if position in positions[:i]:
            raise ValueError(
                f"argnums names argument {position} twice ({list(given)!r}): "
                "each argument can be differentiated by once"
            )
    return positions


def _sequence(values: object, name: str, transform: str) -> list[Any]:
    if not isinstance(values, (list, tuple)):
        raise TypeError(
            f"{transform}: {name} must be a list or tuple of numbers, e.g. [2.0], "
            f"not {type(values).__name__}"
        )
    if not values:
        raise ValueError(f"{transform}: {name} is empty; f needs at least one argument")
    return list(values)


def _direction(tangent: Any, index: int, traced: bool) -> Any:
    return (
        tangent if traced and isinstance(tangent, Value) else as_float(tangent, f"tangent {index}")
    )


def _outputs(result: Any, transform: str) -> tuple[list[Any], bool]:
    """f's result as a list of outputs, and whether f returned a list."""
    if isinstance(result, (list, tuple)):
        outputs, as_list = list(result), True
    else:
        outputs, as_list = [result], False
    for i, y in enumerate(outputs):
        if not isinstance(y, Value):
            as_float(y, f"{transform}: output {i} of the function" if as_list else "the result")
    if as_list and not outputs:
        raise ValueError(f"{transform}: the function returned an empty list")
    return outputs, as_list


def _scalar(f: Function, transform: str) -> Function:
    """``f``, checked to return one number when called."""

    @functools.wraps(f)
    def checked(*args: Any) -> Any:
        out = f(*args)
        if isinstance(out, (list, tuple)):
            raise TypeError(
                f"{transform} needs f to return one number (a scalar), but it returned a "
                f"{type(out).__name__} of {len(out)}"
            )
        return out

    return checked


# -- tracing -------------------------------------------------------------------------------------
def _traced(args: Sequence[Any]) -> bool:
    """Whether the results must be Values: inside another transform, or given Values."""
    return _DEPTH.get() > 0 or any(isinstance(a, Value) for a in args)


def _inputs(args: Sequence[Any], positions: Sequence[int], what: str = "argument") -> list[Any]:
    """The arguments as ``f`` receives them: each one at ``positions`` a fresh variable node, each
    other number a constant node, so that ``f`` may call a ``Value``'s methods (``z.log()``) on
    any argument whichever it is differentiated by. A ``Value`` not differentiated by passes as it
    is (an outer transform may be differentiating by it), and so does anything that is no number
    (a bool, a list, a model)."""
    inputs = [_constant(arg) for arg in args]
    for position in positions:
        inputs[position] = _variable(args[position], f"{what} {position}")
    return inputs


def _constant(arg: Any) -> Any:
    """A number as a new leaf that no gradient is taken for; anything else as it is."""
    return Value(arg) if isinstance(arg, numbers.Real) and not isinstance(arg, bool) else arg


def _variable(arg: Any, what: str) -> Value:
    if isinstance(arg, Value):
        return _apply(ops.IDENTITY, arg)
    return Value(as_float(arg, what))


def _call(f: Function, inputs: Sequence[Any]) -> Any:
    token = _DEPTH.set(_DEPTH.get() + 1)
    try:
        return f(*inputs)
    finally:
        _DEPTH.reset(token)


def _result(y: Any, traced: bool) -> Any:
    if isinstance(y, Value):
        return y if traced else y.data
    return as_float(y)


def _gradients(out: Any, variables: list[Value], traced: bool) -> list[Any]:
    """∂out/∂variable for each variable, by one backward pass."""
    if not isinstance(out, Value):
        as_float(out, "the function's result")
        return [0.0] * len(variables)
    found = gradients(out, variables, create_graph=traced)
    return found if traced else [float(g) for g in found]


def _order(outputs: Sequence[Any]) -> list[Value]:
    return topological_order([y for y in outputs if isinstance(y, Value)])


def _along(
    order: Sequence[Value], outputs: Sequence[Any], seeds: dict[Value, Any], traced: bool
) -> list[Any]:
    """The derivative of each output along the direction ``seeds``, by one forward sweep."""
    found = forward_tangents(order, seeds, create_graph=traced)
    results = [found.get(y, 0.0) if isinstance(y, Value) else 0.0 for y in outputs]
    return results if traced else [float(t) for t in results]

"""``Value``: one number in a computation graph, and the operations that build the graph.

Every operation makes a new ``Value`` that remembers its inputs (in argument order), which op
made it, and the local derivative of its value with respect to each input, computed from the op
table (:mod:`autograd.ops`) at the same time as the value itself. ``backward()`` then only has to
multiply and add (:mod:`autograd.backprop`).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Sequence
from typing import Any, SupportsFloat

from autograd import ops
from autograd.backprop import backward, chain_rule
from autograd.errors import AnomalyError, DomainError
from autograd.floatmath import FLOATS
from autograd.modes import MODE
from autograd.numbers import as_float, is_finite
from autograd.rulecheck import check_rule
from autograd.tracer import TRACER

#: What arithmetic accepts beside a ``Value``.
Number = int | float


class Value:
    """A scalar that remembers how it was computed, so that it can be differentiated.

    ``data`` is its value, ``grad`` the derivative of the last ``backward()`` root with respect
    to it (0.0 until then), ``label`` free text for drawings. ``==`` and ``hash`` are identity, so
    nodes can live in sets and dicts; ``<``, ``<=``, ``>``, ``>=`` compare ``data``.
    """

    __slots__ = ("_inputs", "_local", "_rule", "data", "grad", "label", "scope")

    data: float
    grad: Any
    label: str
    #: The scope the node was made in (see :func:`autograd.scope`), '' outside any.
    scope: str
    _inputs: tuple[Value, ...]
    _local: tuple[float, ...]
    _rule: ops.Op | None

    def __init__(self, data: SupportsFloat, label: str = ""):
        """A leaf: a number that was not computed from other nodes."""
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, not {type(label).__name__}")
        self._fill(as_float(data), label, MODE.get().scope, (), (), None)

    def _fill(
        self,
        data: float,
        label: str,
        scope: str,
        inputs: tuple[Value, ...],
        local: tuple[float, ...],
        rule: ops.Op | None,
    ) -> None:
        """Set every field of a new node: a leaf (no inputs) or the result of ``rule``."""
        self.data = data
        self.grad = 0.0
        self.label = label
        self.scope = scope
        self._inputs = inputs
        self._local = local
        self._rule = rule

    # -- what the node is -------------------------------------------------------------------
    @property
    def op(self) -> str:
        """The operation that made this node ('' for a leaf)."""
        return "" if self._rule is None else repr(self._rule)

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in argument order (empty for a leaf)."""
        return self._inputs

    @property
    def local_derivatives(self) -> tuple[float, ...]:
        """∂self/∂input for each input, evaluated when this node was computed."""
        return self._local

    @property
    def rule(self) -> ops.Op | None:
        """The op-table entry that made this node (``None`` for a leaf)."""
        return self._rule

    # -- micrograd's names, so that code written for micrograd runs unchanged -----------------
    @property
    def _prev(self) -> set[Value]:
        """The set of this node's inputs (micrograd's name; :attr:`inputs` keeps their order)."""
        return set(self._inputs)

    @property
    def _op(self) -> str:
        """micrograd's name for :attr:`op`."""
        return self.op

    def _backward(self) -> None:
        """One step of the chain rule by hand: add ∂self/∂input · ``self.grad`` into each
        input's ``.grad`` (nothing for a leaf), as micrograd's ``_backward`` does."""
        chain_rule([self])

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        tracer = TRACER.get()
        if tracer is not None:
            tracer.converted(self)
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    # -- comparisons look at data; equality stays identity -----------------------------------
    def __lt__(self, other: Value | Number) -> bool:
        return _compare(self, "<", other)

    def __le__(self, other: Value | Number) -> bool:
        return _compare(self, "<=", other)

    def __gt__(self, other: Value | Number) -> bool:
        return _compare(self, ">", other)

    def __ge__(self, other: Value | Number) -> bool:
        return _compare(self, ">=", other)

    __hash__ = object.__hash__

    # -- arithmetic, with numbers on either side ---------------------------------------------
    def __add__(self, other: Value | Number) -> Value:
        return _apply(ops.ADD, self, _lift(other))

    def __radd__(self, other: Number) -> Value:
        return _apply(ops.ADD, _lift(other), self)

    def __sub__(self, other: Value | Number) -> Value:
        return _apply(ops.SUB, self, _lift(other))

    def __rsub__(self, other: Number) -> Value:
        return _apply(ops.SUB, _lift(other), self)

    def __mul__(self, other: Value | Number) -> Value:
        return _apply(ops.MUL, self, _lift(other))

    def __rmul__(self, other: Number) -> Value:
        return _apply(ops.MUL, _lift(other), self)

    def __truediv__(self, other: Value | Number) -> Value:
        return _apply(ops.DIV, self, _lift(other))

    def __rtruediv__(self, other: Number) -> Value:
        return _apply(ops.DIV, _lift(other), self)

    def __pow__(self, exponent: Value | Number) -> Value:
        if isinstance(exponent, Value):
            return _apply(ops.POW, self, exponent)
        return _apply(_power_rule(as_float(exponent, "the exponent")), self)

    def __rpow__(self, base: Number) -> Value:
        return _apply(ops.POW, _lift(base), self)

    def __neg__(self) -> Value:
        return _apply(ops.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _apply(ops.ABS, self)

    # -- functions ---------------------------------------------------------------------------
    def exp(self) -> Value:
        """eˣ."""
        return _apply(ops.EXP, self)

    def log(self) -> Value:
        """ln x (x > 0)."""
        return _apply(ops.LOG, self)

    def sqrt(self) -> Value:
        """√x (x ≥ 0)."""
        return _apply(ops.SQRT, self)

    def tanh(self) -> Value:
        """tanh x."""
        return _apply(ops.TANH, self)

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e⁻ˣ)."""
        return _apply(ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x)."""
        return _apply(ops.RELU, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, slope·x otherwise."""
        return _apply(_leaky_relu_rule(as_float(slope, "slope")), self)

    def softplus(self) -> Value:
        """ln(1 + eˣ)."""
        return _apply(ops.SOFTPLUS, self)

    def sin(self) -> Value:
        """sin x."""
        return _apply(ops.SIN, self)

    def cos(self) -> Value:
        """cos x."""
        return _apply(ops.COS, self)

    def detach(self) -> Value:
        """A new leaf with the same data: gradients do not flow through it."""
        return Value(self.data, self.label)

    # -- backprop ------------------------------------------------------------------------------
    def backward(self, grad: Value | Number = 1.0, *, create_graph: bool = False) -> None:
        """Fill in ``.grad`` of every node this one depends on: ∂self/∂node, times ``grad``.

        Gradients accumulate (calling twice adds, as in PyTorch); reset them with ``zero_grad``
        or ``node.grad = 0.0``. With ``create_graph=True`` the gradients are ``Value`` nodes with
        a graph of their own, so they can be differentiated again. The chain rule itself is
        :func:`autograd.backprop.chain_rule`.
        """
        backward(self, grad, create_graph=create_graph)


COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _compare(left: Value, symbol: str, right: Value | Number) -> bool:
    """``left.data <symbol> right``; a compiled trace records the outcome as a guard."""
    other = (
        right.data
        if isinstance(right, Value)
        else as_float(right, "the other side of a comparison")
    )
    outcome: bool = COMPARISONS[symbol](left.data, other)
    tracer = TRACER.get()
    if tracer is not None:
        tracer.compared(left, symbol, right, outcome)
    return outcome


def _lift(x: Value | Number) -> Value:
    return x if isinstance(x, Value) else Value(as_float(x, "the other operand"))


@ops.applied_with
def apply(op: ops.Op, *inputs: Value | Number) -> Value:
    """``op(*inputs)``: the op applied to Values or numbers (numbers become constants).

    The op's rule is checked the first time it is applied to this many inputs
    (:func:`autograd.rulecheck.check_rule`), so that a mistake in it is named at once; after
    that, each call only lifts numbers and makes the node.
    """
    if len(inputs) not in op._checked_arities:
        check_rule(op, len(inputs))
        op._checked_arities = (*op._checked_arities, len(inputs))
    for x in inputs:
        if not isinstance(x, Value):
            inputs = tuple(_lift_input(op, i, x) for i, x in enumerate(inputs))
            break
    return _apply(op, *inputs)  # type: ignore[arg-type]  # every input is a Value now


def _lift_input(op: ops.Op, index: int, x: Value | Number) -> Value:
    return x if isinstance(x, Value) else Value(as_float(x, f"input {index} of {op.name}"))


def _apply(op: ops.Op, *inputs: Value) -> Value:
    """Evaluate ``op``'s rule on the inputs' data and record the result as a new node."""
    mode = MODE.get()
    # One or two inputs make almost every node: their rule is called with plain arguments, as
    # building a list of the data and calling with *xs costs as much again as the operation.
    # (An optimisation; the general case below does the same.)
    if len(inputs) == 2:
        a, b = inputs[0].data, inputs[1].data
        if op.has_domain:
            _check_domain(op, a, b)
        out = op.forward(FLOATS, a, b)
        local = op.derivatives(FLOATS, out, a, b) if mode.recording else ()
    elif len(inputs) == 1:
        a = inputs[0].data
        if op.has_domain:
            _check_domain(op, a)
        out = op.forward(FLOATS, a)
        local = op.derivatives(FLOATS, out, a) if mode.recording else ()
    else:
        xs = [node.data for node in inputs]
        if op.has_domain:
            _check_domain(op, *xs)
        out = op.forward(FLOATS, *xs)
        local = op.derivatives(FLOATS, out, *xs) if mode.recording else ()
    node = _new_value(Value)
    if mode.recording:
        node._fill(out, "", mode.scope, inputs, local, op)
        if mode.detect_anomaly:
            _check_finite(op, [x.data for x in inputs], out, local)
    else:
        node._fill(out, "", mode.scope, (), (), None)
    return node


def _check_domain(op: ops.Op, *xs: float) -> None:
    problem = op.domain(*xs)
    if problem is not None:
        raise DomainError(f"{op.name}: {problem}")


#: A node is made without ``Value.__init__``, whose checks its data needs only from users.
#: (An optimisation: both fill the node with ``Value._fill``.)
_new_value = object.__new__


@functools.lru_cache(maxsize=64)
def _power_rule(exponent: float) -> ops.PowConst:
    """The rule of x ** exponent, made once per exponent (``x ** 2`` is common in a loss)."""
    return ops.PowConst(exponent)


@functools.lru_cache(maxsize=64)
def _leaky_relu_rule(slope: float) -> ops.LeakyRelu:
    """The rule of leaky_relu(slope), made once per slope."""
    return ops.LeakyRelu(slope)


def _check_finite(op: ops.Op, xs: Sequence[float], out: float, local: Sequence[float]) -> None:
    if not all(map(is_finite, xs)):
        return
    if not is_finite(out):
        raise AnomalyError(f"{op!r} produced {out!r} from finite inputs {list(xs)!r}")
    for i, d in enumerate(local):
        if not is_finite(d):
            raise AnomalyError(
                f"{op!r} has local derivative {d!r} for input {i} at finite inputs {list(xs)!r}"
            )


def linear(
    weights: Sequence[Value | Number], inputs: Sequence[Value | Number], bias: Value | Number = 0.0
) -> Value:
    """A neuron's weighted sum z = Σ wᵢxᵢ + b, recorded as one node."""
    if len(weights) != len(inputs):
        raise ValueError(
            f"linear needs as many weights as inputs, got {len(weights)} weights "
            f"and {len(inputs)} inputs"
        )
    return _apply(ops.LINEAR, *_lift_all(weights), *_lift_all(inputs), _lift(bias))


def total(values: Iterable[Value | Number]) -> Value:
    """The sum Σ xᵢ of many values, recorded as one node (0 for no values)."""
    terms = _lift_all(values)
    return _apply(ops.TOTAL, *terms) if terms else Value(0.0)


def _lift_all(xs: Iterable[Value | Number]) -> list[Value]:
    # Mostly Values already: testing each here costs a third of a call to _lift per item.
    return [x if isinstance(x, Value) else _lift(x) for x in xs]

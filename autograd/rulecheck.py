"""Checking an op's rule before its first node, so that a mistake in it is named at once.

A rule (:class:`autograd.ops.Op`) is evaluated on floats, on ``Value`` nodes and on the symbols
of the compiled replay. Whatever it does on its operands must therefore work on all three: the
arithmetic ``+ − × ÷``, unary ``−`` and ``abs()`` with numbers and other operands, and the
functions of the namespace ``m`` (:class:`autograd.ops.Math`). :func:`check_rule` evaluates the
rule once on *probes*, operands that allow exactly that and refuse the rest, and checks that
``derivatives`` gives one term per input. Without it, ``math.sin(x)`` in a rule would give right
first derivatives and silently wrong second ones (``float(x)`` cuts x out of the graph), and
``x ** 2`` or ``if x > 0`` would fail only when the op is compiled.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from typing import Any, NoReturn

from autograd.ops import MATH_FUNCTIONS, Math, Op

_ALLOWED = (
    "a rule may use + - * / and unary - on its operands and numbers, abs(), and the functions "
    f"of m ({', '.join(MATH_FUNCTIONS)})"
)


class _Refused(Exception):
    """Something a rule did to a probe that not every namespace allows."""


def check_rule(op: Op, count: int) -> None:
    """Raise a ``TypeError`` naming ``op`` and the problem if its rule cannot be applied to
    ``count`` inputs the same way on floats, ``Value`` nodes and symbols."""
    if op.arity is not None and count != op.arity:
        raise TypeError(f"{_named(op)} takes {_many(op.arity, 'input')}, got {count}")
    xs = [_Probe() for _ in range(count)]
    m = _ProbeMath()
    out = _evaluate(op, "forward", lambda: op.forward(m, *xs))
    if not _is_operand(out):
        raise TypeError(
            f"{_named(op)}: forward returned {type(out).__name__}; it must return the op's value"
        )
    terms = _evaluate(op, "derivatives", lambda: op.derivatives(m, out, *xs))
    if not isinstance(terms, (tuple, list)):
        raise TypeError(
            f"{_named(op)}: derivatives returned {type(terms).__name__}; it must return a tuple "
            "with one local derivative per input, e.g. (3 * x * x,) for one input"
        )
    if len(terms) != count:
        raise TypeError(
            f"{_named(op)}: derivatives returned {_many(len(terms), 'term')} for "
            f"{_many(count, 'input')}; it must return one ∂out/∂xᵢ per input"
        )
    for index, term in enumerate(terms):
        if not _is_operand(term):
            raise TypeError(
                f"{_named(op)}: derivative {index} is {type(term).__name__}, not a number or an "
                "expression in the operands"
            )


def _evaluate(op: Op, method: str, evaluate: Callable[[], Any]) -> Any:
    try:
        return evaluate()
    except _Refused as refusal:
        raise TypeError(f"{_named(op)}: {method} uses {refusal}; {_ALLOWED}") from None
    except (TypeError, AttributeError, ValueError, ArithmeticError) as error:
        raise TypeError(
            f"{_named(op)}: {method} fails on a symbolic operand ({error}); {_ALLOWED}"
        ) from None


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _named(op: Op) -> str:
    return f"op {title(op)} ({type(op).__name__})"


def title(op: Op) -> str:
    """How messages name an op: by its name, which is its own, then its symbol when that reads
    otherwise (``neg (-)``); two ops may share a symbol, never a name."""
    return op.name if repr(op) == op.name else f"{op.name} ({op!r})"


def _is_operand(x: object) -> bool:
    return isinstance(x, (_Probe, numbers.Real))


class _Probe:
    """An operand of a rule being checked: it allows what every namespace's operands allow."""

    __slots__ = ()

    def _arithmetic(self, other: object) -> _Probe:
        if not _is_operand(other):
            raise _Refused(f"arithmetic with {type(other).__name__}")
        return _Probe()

    __add__ = __radd__ = __sub__ = __rsub__ = _arithmetic
    __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _arithmetic

    def __neg__(self) -> _Probe:
        return _Probe()

    def __abs__(self) -> _Probe:
        return _Probe()

    def __pow__(self, other: object) -> NoReturn:
        raise _Refused("x ** y on an operand (write m.power(x, y))")

    __rpow__ = __pow__

    def __float__(self) -> NoReturn:
        raise _Refused(
            "float() on an operand, which math's functions call too (write m.sin(x), not "
            "math.sin(x)): the number would leave the graph"
        )

    __int__ = __index__ = __complex__ = __float__

    def __bool__(self) -> NoReturn:
        raise _Refused("an operand as a truth value (if x:, x and y)")

    def _compare(self, other: object) -> NoReturn:
        raise _Refused(
            "a comparison of an operand (x > 0): a rule has no branch of its own; the branch "
            "goes into m.step, m.sign, m.relu or m.abs"
        )

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _compare
    __hash__ = object.__hash__

    def __getattr__(self, name: str) -> NoReturn:
        raise _Refused(f"x.{name} on an operand, which not every namespace has (write m.{name}(x))")


#: How many arguments each function of ``m`` takes, from the protocol.
_PARAMETERS = {
    name: len(inspect.signature(getattr(Math, name)).parameters) - 1 for name in MATH_FUNCTIONS
}


class _ProbeMath:
    """The namespace ``m`` of a rule being checked: the functions of :class:`Math`, no others."""

    def __getattr__(self, name: str) -> Callable[..., _Probe]:
        if name not in _PARAMETERS:
            raise _Refused(f"m.{name}, which m does not have")

        def function(*arguments: object) -> _Probe:
            if len(arguments) != _PARAMETERS[name] or not all(map(_is_operand, arguments)):
                raise _Refused(
                    f"m.{name} with {len(arguments)} argument(s) "
                    f"({', '.join(type(a).__name__ for a in arguments)}); it takes "
                    f"{_PARAMETERS[name]} number(s)"
                )
            return _Probe()

        return function

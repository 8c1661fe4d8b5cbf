"""The errors the engine raises on purpose: each names what went wrong."""

from __future__ import annotations


class DomainError(ValueError):
    """An operation was asked for a value outside its domain (log of −1, 0 ** −1, √−4, x / 0)."""


class AnomalyError(ArithmeticError):
    """Anomaly mode caught the first operation that produced NaN or infinity."""


class GradcheckError(AssertionError):
    """An analytic derivative disagrees with its finite-difference estimate.

    Attributes name the input (``input``), the two derivatives (``analytic``, ``numeric``), the
    order of the derivative that was checked (``order``), the point (``point``) and, from
    :func:`autograd.testing.check_op`, the op's name (``op``, '' otherwise).
    """

    def __init__(
        self,
        message: str,
        *,
        input: str,
        analytic: float,
        numeric: float,
        order: int,
        point: tuple[float, ...] = (),
        op: str = "",
    ):
        super().__init__(message)
        self.input = input
        self.analytic = analytic
        self.numeric = numeric
        self.order = order
        self.point = point
        self.op = op


class TracingError(ValueError):
    """``compile``: the function did something while traced that a replay could not repeat."""


class StructureError(TracingError):
    """``compile``: the traced graph does not apply to these inputs (a guard came out
    differently)."""

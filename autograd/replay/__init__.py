"""The compiled replay: a graph traced once and written out as straight-line Python.

Read it top-down:

* :mod:`autograd.replay.compiled`: :func:`compile` and :class:`Compiled`, what a user calls;
* :mod:`autograd.replay.writer`: the code writer, which traces ``fn`` and writes one line per op
  and one per chain-rule term;
* :mod:`autograd.replay.symbols`: the symbols those lines are computed with, and the runtime
  namespaces (floats, NumPy) the code runs in.
"""

from __future__ import annotations

from autograd.errors import StructureError, TracingError
from autograd.replay.compiled import Compiled, compile

__all__ = ["Compiled", "StructureError", "TracingError", "compile"]

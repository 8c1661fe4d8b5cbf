"""The compiled replay: a graph traced once and written out as straight-line Python.

The words mean one thing each: to *compile* a function (:func:`compile`, ``fit(compile=True)``,
``chainrule train --compile``) is to *trace* it once (call it on ``Value`` inputs and record the
graph it builds) and write that graph out as code; every later call is a *replay* of that code.

Read it top-down:

* :mod:`autograd.replay.compiled`: :func:`compile` and :class:`Compiled`, what a user calls;
* :mod:`autograd.replay.tracing`: ``fn`` called once on ``Value`` inputs and its graph recorded;
* :mod:`autograd.replay.writer`: the code writer, which writes one line per op and one per
  chain-rule term, for one example on floats;
* :mod:`autograd.replay.batch`: the same for a batch on NumPy arrays, where the fused layers
  that :mod:`autograd.replay.layers` finds in the graph (a layer's neurons, a convolution's
  kernel over its windows) become matrix products, and ops over them array operations;
* :mod:`autograd.symbols` (shared with the eager engine and the explorer page): the symbols
  those lines are computed with, and :mod:`autograd.replay.runtime`, the functions the lines
  call.
"""

from __future__ import annotations

from autograd.errors import StructureError, TracingError
from autograd.replay.compiled import Compiled, compile

__all__ = ["Compiled", "StructureError", "TracingError", "compile"]

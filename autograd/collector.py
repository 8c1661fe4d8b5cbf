"""Pausing Python's cyclic garbage collector while the engine walks a large graph.

An optimisation, kept out of the chain rule. Measured by ``make bench`` (depth): from 10⁴ to 10⁶
nodes the time per node of forward + backward grows 1.2× with the collector paused during
backward, 1.6× at its defaults, whose full passes walk the growing graph.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator


class _Collector:
    """Who has paused the garbage collector, so that it comes back as it was after the last."""

    lock = threading.Lock()
    pauses = 0
    was_enabled = False


@contextlib.contextmanager
def paused_collector() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block, then restore it as it was.

    A graph of ``Value`` nodes holds no reference cycles (a node refers only to older nodes), so
    the collector finds nothing in it; but each full collection walks every live node, which can
    double the time of a backward pass through a large graph. The engine pauses it only around
    its own work (``backward``), never beyond. Pauses may nest and overlap across threads: the
    collector is restored when the last one ends, also when the block raises.
    """
    with _Collector.lock:
        if _Collector.pauses == 0:
            _Collector.was_enabled = gc.isenabled()
            gc.disable()
        _Collector.pauses += 1
    try:
        yield
    finally:
        with _Collector.lock:
            _Collector.pauses -= 1
            if _Collector.pauses == 0 and _Collector.was_enabled:
                gc.enable()

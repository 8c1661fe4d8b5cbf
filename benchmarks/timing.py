"""Interleaved timing: every contestant runs in every round, in a rotating order.

Machines are noisy, so the suite reports ratios measured side by side, not absolute times: in
each round every contestant runs a block of ``repeat`` calls, and its time is the median over the
rounds of the block's time per call. A block is timed as a whole, so that the garbage collector's
occasional full passes are charged to the library whose objects made them; between blocks an
untimed ``gc.collect()`` clears what the previous library left, and one untimed warm-up call
brings the library to its steady state. A block of fast calls goes on until it has lasted
``MIN_BLOCK_SECONDS``, so that a tenth of a millisecond is timed as precisely as a second.
The collector itself stays at its defaults.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The shortest a timed block lasts: calls are repeated until then.
MIN_BLOCK_SECONDS = 0.05


@dataclass
class Contestant:
    """One library's way of doing the work: ``setup`` returns the call to time."""

    name: str
    setup: Callable[[], Callable[[], Any]]


@dataclass
class Timing:
    """A contestant's seconds per call, one per round; or why it could not run."""

    name: str
    seconds: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds and not self.error else None


def interleaved(
    contestants: list[Contestant], *, rounds: int, repeat: int = 1, warmup: int = 1
) -> dict[str, Timing]:
    """Time every contestant in every round; a contestant that raises is dropped, with why."""
    timings = {c.name: Timing(c.name) for c in contestants}
    calls: dict[str, Callable[[], Any]] = {}
    for c in contestants:
        try:
            calls[c.name] = c.setup()
        except Exception as error:  # a peer that cannot even start is reported, not fatal
            timings[c.name].error = _describe(error)
    for r in range(rounds):
        for c in contestants[r % len(contestants) :] + contestants[: r % len(contestants)]:
            timing = timings[c.name]
            if timing.error is None:
                try:
                    timing.seconds.append(_block(calls[c.name], repeat, warmup))
                except Exception as error:  # e.g. micrograd's RecursionError on a deep graph
                    timing.error = _describe(error)
    return timings


def _block(call: Callable[[], Any], repeat: int, warmup: int) -> float:
    gc.collect()
    for _ in range(warmup):
        call()
    calls = 0
    start = time.perf_counter()
    while calls < repeat or time.perf_counter() - start < MIN_BLOCK_SECONDS:
        call()
        calls += 1
    return (time.perf_counter() - start) / calls


def _describe(error: BaseException) -> str:
    message = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {message}" if message else type(error).__name__

"""Work run in several threads at once, each thread's exception collected for the test."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_in_threads(
    work: Callable[[int], object], count: int, *, timeout: float
) -> list[BaseException]:
    """``work(k)`` in each of ``count`` threads, started together; the exceptions they raised.
    A thread still running ``timeout`` seconds after the others were joined fails the test."""
    errors: list[BaseException] = []
    start = threading.Barrier(count, timeout=60)

    def thread(k: int) -> None:
        start.wait()
        try:
            work(k)
        except BaseException as error:  # reported to the test, whatever it is
            errors.append(error)

    threads = [threading.Thread(target=thread, args=(k,)) for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread never finished"
    return errors

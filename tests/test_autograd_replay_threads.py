"""A compiled function called from several threads at once: right values, every gradient
counted, no internal exception, whichever branch each thread's input takes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from support.threads import run_in_threads as in_threads

from autograd import Value, compile

THREADS = 8
CALLS = 150


@contextmanager
def frequent_thread_switches() -> Iterator[None]:
    """Make Python switch threads as often as it can, so that races show up."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def run_in_threads(work: Callable[[int], None]) -> list[BaseException]:
    """``work(k)`` in each of THREADS threads, started together while Python switches threads
    as often as it can; the exceptions they raised."""
    with frequent_thread_switches():
        return in_threads(work, THREADS, timeout=120)


def branching(w: Value) -> Callable[[Value], Value]:
    def fn(x: Value) -> Value:
        z = w * x
        return z * z if z > 0 else -z  # a guard: the branch depends on the input

    return fn


def test_threads_whose_inputs_take_different_branches_get_the_right_values():
    w = Value(2.0)
    compiled = compile(branching(w), [w])
    wrong: list[tuple[float, float]] = []

    def work(k: int) -> None:
        for i in range(CALLS):
            x = float(i % 5 + 1) * (1 if (i + k) % 2 else -1)
            expected = (2 * x) ** 2 if x > 0 else -2 * x
            value = compiled(x)
            if value != expected:
                wrong.append((x, value))

    assert run_in_threads(work) == []
    assert wrong == []
    assert compiled.traces == 2  # each branch traced once, not once per thread or per call


def test_gradients_of_concurrent_calls_all_add_up():
    w = Value(2.0)
    compiled = compile(lambda x: w * w * x, [w])

    def work(k: int) -> None:
        for _ in range(CALLS):
            compiled(3.0)  # ∂(w²x)/∂w = 2wx = 12

    assert run_in_threads(work) == []
    assert w.grad == 12.0 * THREADS * CALLS


def test_concurrent_batches_give_each_thread_its_own_mean():
    w = Value(0.5)
    compiled = compile(lambda x, y: (w * x - y) ** 2, [w])
    results: dict[int, float] = {}

    def work(k: int) -> None:
        xs, ys = [float(k), 1.0, 2.0], [1.0, float(k), 0.0]
        for _ in range(20):
            results[k] = compiled(xs, ys)

    assert run_in_threads(work) == []
    for k, value in results.items():
        expected = ((0.5 * k - 1) ** 2 + (0.5 - k) ** 2 + 1.0) / 3
        assert value == pytest.approx(expected, rel=1e-12)


def test_tracing_again_from_several_threads_keeps_the_graphs_apart():
    w = Value(3.0)

    def fn(x: Value) -> Value:
        return (w * x).relu() if x > 0 else (w * x).sin()

    compiled = compile(fn, [w])
    wrong: list[float] = []

    def work(k: int) -> None:
        for i in range(CALLS):
            x = (i % 7 - 3) + 0.5
            value = compiled.evaluate(x)
            eager = fn(Value(x)).data
            if value != eager:
                wrong.append(x)

    assert run_in_threads(work) == []
    assert wrong == []

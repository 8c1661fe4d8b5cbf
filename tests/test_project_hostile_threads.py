"""Threads and contexts: one ``no_grad()`` or ``scope()`` object entered from several threads (or
asyncio tasks) at once works, and each gets its own state back in any order of leaving; a scope
made in one place and entered in another is named by the nesting where it is entered."""

from __future__ import annotations

import asyncio
import threading

from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from support.threads import run_in_threads

from autograd import Value, detect_anomaly, enable_grad, is_grad_enabled, no_grad, scope
from autograd.modes import MODE

SWITCHES = {
    "no_grad": no_grad,
    "enable_grad": enable_grad,
    "detect_anomaly": detect_anomaly,
    "scope": lambda: scope("shared"),
}
names = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=8)


@settings(max_examples=examples(0.2))
@given(
    st.sampled_from(sorted(SWITCHES)),
    st.integers(2, 6).flatmap(lambda n: st.permutations(range(n))),
)
def test_one_switch_entered_by_several_threads_at_once_gives_each_its_own_mode_back(
    kind, leaving_order
):
    """Every thread enters the same switch, all are inside together, then they leave one by one
    in the drawn order; each finds its own mode inside and gets its own mode back."""
    switch = SWITCHES[kind]()
    count = len(leaving_order)
    everyone_inside = threading.Barrier(count, timeout=10)
    turns = [threading.Event() for _ in range(count)]
    turn_of = {thread: position for position, thread in enumerate(leaving_order)}

    def body(i: int) -> None:
        before = MODE.get()
        with scope(f"thread {i}"):
            outer = MODE.get()
            with switch:
                everyone_inside.wait()
                inside = MODE.get()
                if kind == "scope":
                    assert inside.scope == f"thread {i}/shared"
                else:
                    assert inside != outer or kind == "enable_grad"
                # A wait that timed out would not be the leaving order drawn.
                assert turns[turn_of[i]].wait(30), f"thread {i} never had its turn"
            assert MODE.get() == outer
            if turn_of[i] + 1 < count:
                turns[turn_of[i] + 1].set()
        assert MODE.get() == before

    turns[0].set()
    assert run_in_threads(body, count, timeout=30) == []


@given(st.lists(names, max_size=4), st.integers(0, 4), names)
def test_a_scope_made_in_one_place_is_named_by_where_it_is_entered(path, made_at, name):
    """The scope object is made at depth ``made_at`` of ``path`` and entered at its deepest."""
    made_at = min(made_at, len(path))
    made = None
    entered = []

    def descend(depth: int) -> None:
        nonlocal made
        if depth == made_at:
            made = scope(name)
        if depth == len(path):
            assert made is not None
            with made:
                entered.append(Value(1.0).scope)
            return
        with scope(path[depth]):
            descend(depth + 1)

    descend(0)
    assert entered == ["/".join([*path, name])]


@given(st.lists(names, min_size=2, max_size=6, unique=True))
def test_one_scope_object_entered_in_several_threads_names_each_by_its_own_nesting(outers):
    shared = scope("Neuron 1")
    seen: dict[int, str] = {}
    inside = threading.Barrier(len(outers), timeout=10)

    def body(i: int) -> None:
        with scope(outers[i]), shared:
            inside.wait()
            seen[i] = Value(0.0).scope

    assert run_in_threads(body, len(outers), timeout=30) == []
    assert seen == {i: f"{outer}/Neuron 1" for i, outer in enumerate(outers)}


@given(st.integers(2, 6).flatmap(lambda n: st.permutations(range(n))))
def test_one_no_grad_entered_by_interleaved_tasks_gives_each_task_its_mode_back(leaving_order):
    switch = no_grad()
    count = len(leaving_order)
    entered: list[int] = []

    async def task(i: int, turns: list[asyncio.Event], everyone: asyncio.Event) -> bool:
        with switch:
            entered.append(i)
            if len(entered) == count:
                everyone.set()
            await everyone.wait()
            recording_inside = is_grad_enabled()
            await turns[leaving_order.index(i)].wait()
        if leaving_order.index(i) + 1 < count:
            turns[leaving_order.index(i) + 1].set()
        return not recording_inside and is_grad_enabled()

    async def everything() -> list[bool]:
        turns = [asyncio.Event() for _ in range(count)]
        turns[0].set()
        everyone = asyncio.Event()  # set when every task is inside
        tasks = asyncio.gather(*(task(i, turns, everyone) for i in range(count)))
        return await asyncio.wait_for(tasks, 60)  # a task that waits in vain fails the test

    assert asyncio.run(everything()) == [True] * count


@given(st.integers(2, 8))
def test_a_decorated_function_called_from_several_threads_at_once_records_nothing(count):
    inside = threading.Barrier(count, timeout=10)

    @no_grad()
    def square(x: Value) -> Value:
        inside.wait()
        return x * x

    results: list[Value] = []
    assert (
        run_in_threads(lambda i: results.append(square(Value(float(i)))), count, timeout=30) == []
    )
    assert all(result.inputs == () for result in results)
    assert is_grad_enabled()

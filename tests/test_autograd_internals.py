"""Engine internals that speed it up: the collector pause is scoped, and the fast paths agree
with the general one."""

from __future__ import annotations

import gc
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, ops
from autograd.backprop import backward
from autograd.collector import paused_collector
from autograd.value import _apply


@pytest.fixture
def collector_enabled():
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


@pytest.mark.usefixtures("collector_enabled")
def test_the_collector_is_paused_inside_and_restored_after():
    with paused_collector():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_the_collector_is_restored_when_the_block_raises():
    with pytest.raises(ZeroDivisionError), paused_collector():
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_a_collector_the_user_disabled_stays_disabled():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with paused_collector():
            pass
        assert not gc.isenabled()
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.usefixtures("collector_enabled")
def test_nested_pauses_restore_the_collector_only_at_the_outermost_end():
    with paused_collector():
        with paused_collector():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_overlapping_pauses_in_two_threads_restore_the_collector_when_the_last_ends():
    first_inside, second_done = threading.Event(), threading.Event()
    seen_by_first = []

    def first():
        with paused_collector():
            first_inside.set()
            second_done.wait(timeout=10)
            seen_by_first.append(gc.isenabled())

    thread = threading.Thread(target=first)
    thread.start()
    first_inside.wait(timeout=10)
    with paused_collector():
        pass
    second_done.set()
    assert not gc.isenabled()  # the first thread is still inside its pause
    thread.join(timeout=10)
    assert seen_by_first == [False]  # the second pause ending did not restore it early
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_backward_restores_the_collector_also_when_it_raises():
    x = Value(2.0)
    (x * x).backward()
    assert gc.isenabled()
    with pytest.raises(TypeError):
        backward(x * x, grad="not a number")  # type: ignore[arg-type]
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("op", "operation", "args"),
    [
        (ops.ADD, lambda x, y: x + y, (1.5, -2.0)),
        (ops.DIV, lambda x, y: x / y, (3.0, 4.0)),
        (ops.POW, lambda x, y: x**y, (2.0, 0.5)),
        (ops.TANH, lambda x: x.tanh(), (0.3,)),
    ],
)
def test_the_one_and_two_input_paths_agree_with_the_general_one(op, operation, args):
    xs = [Value(a) for a in args]
    general, quick = _apply(op, *xs), operation(*xs)
    assert quick.data == general.data
    assert quick.local_derivatives == general.local_derivatives
    assert quick.inputs == general.inputs and quick.rule is general.rule


def test_only_ops_with_a_domain_of_their_own_check_it():
    assert ops.LOG.has_domain and ops.DIV.has_domain and ops.PowConst(0.5).has_domain
    assert ops.PowConst(-1.0).has_domain and ops.PowConst(float("nan")).has_domain
    assert not ops.ADD.has_domain and not ops.MUL.has_domain and not ops.TANH.has_domain
    # x ** c for a whole c ≥ 0 is defined at every x
    assert not ops.PowConst(2.0).has_domain and not ops.PowConst(0.0).has_domain
    assert "domain" not in ops.PowConst(2.0).eager_source
    assert (Value(-3.0) ** 3).data == -27.0


@given(
    st.floats(min_value=-1e3, max_value=1e3),
    st.one_of(st.integers(-3, 4).map(float), st.sampled_from([0.5, -0.5, 2.5])),
)
def test_a_power_that_skips_its_domain_has_none(x, c):
    power = ops.PowConst(c)
    assert power.has_domain or power.domain(x) is None


def test_a_rule_made_for_an_exponent_is_reused():
    x = Value(3.0)
    assert (x**2).rule is (x**2).rule
    assert (x**2).op == "**2" and (x**3).rule is not (x**2).rule

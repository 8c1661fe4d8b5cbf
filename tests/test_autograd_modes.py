"""no_grad, detect_anomaly and scope: local to a thread and a context, restored on exceptions."""

from __future__ import annotations

import math
import threading

import pytest

from autograd import (
    AnomalyError,
    Value,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    scope,
)


def test_nothing_is_recorded_inside_no_grad():
    x = Value(2.0)
    with no_grad():
        y = x * x + 1
    assert y.data == 5.0 and y.inputs == () and y.op == ""
    assert is_grad_enabled()


def test_no_grad_as_a_decorator():
    @no_grad()
    def square(v):
        assert not is_grad_enabled()
        return v * v

    assert square(Value(3.0)).inputs == ()
    assert is_grad_enabled()


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert is_grad_enabled()


def test_enable_grad_records_inside_no_grad():
    x = Value(2.0)
    with no_grad(), enable_grad():
        y = x * x
    assert y.inputs == (x, x)


def test_no_grad_nests():
    with no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_in_one_thread_does_not_affect_another():
    inside = threading.Event()
    checked = threading.Event()
    seen = {}

    def quiet():
        with no_grad():
            inside.set()
            # A wait that timed out would not be the interleaving this test is about.
            seen["quiet waited"] = checked.wait(30)
            seen["quiet"] = (Value(1.0) * 2).inputs

    def loud():
        seen["loud waited"] = inside.wait(30)
        seen["loud"] = (Value(1.0) * 2).inputs
        checked.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=loud)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a thread never finished"
    assert seen["quiet waited"] and seen["loud waited"], "a thread waited in vain"
    assert seen["quiet"] == () and len(seen["loud"]) == 2


def test_a_thread_started_inside_no_grad_records_by_default():
    result = {}
    with no_grad():
        t = threading.Thread(target=lambda: result.update(inputs=(Value(1.0) + 1).inputs))
        t.start()
        t.join(60)
    assert not t.is_alive(), "the thread never finished"
    assert len(result["inputs"]) == 2


def test_anomaly_mode_names_the_first_op_that_produced_inf():
    x = Value(1000.0)
    with (
        detect_anomaly(),
        pytest.raises(AnomalyError, match=r"exp produced inf from finite inputs"),
    ):
        x.exp() * 0.0


def test_anomaly_mode_reports_a_non_finite_local_derivative():
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"sqrt has local derivative inf"):
        Value(0.0).sqrt()


def test_anomaly_mode_names_the_op_whose_backward_made_nan_or_inf():
    x = Value(1e200)
    y = x * x  # inf forward: allowed outside anomaly mode
    assert y.data == math.inf
    z = Value(1e200)
    w = z * 1e-200
    with detect_anomaly():
        out = w * w  # finite everywhere
    out.backward(1e300)  # outside anomaly mode, the overflow goes unreported
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"backward of '\*'"):
        out.backward(1e300)


def test_without_anomaly_mode_nan_follows_float_rules():
    assert math.isnan((Value(math.inf) - math.inf).data)


def test_scope_tags_nodes_and_nests():
    with scope("MLP"):
        with scope("Layer 1"):
            inner = Value(1.0) * 2
        outer = Value(1.0) + 1
    assert inner.scope == "MLP/Layer 1" and outer.scope == "MLP"
    assert (Value(1.0) + 1).scope == ""


def test_scope_needs_a_name():
    with pytest.raises(ValueError, match="non-empty name"):
        scope("")


@pytest.mark.parametrize("name", ["/", "MLP/Layer 1", "a/"])
def test_a_scope_name_cannot_hold_the_separator_of_nested_scopes(name):
    with pytest.raises(ValueError, match="cannot contain '/'"):
        scope(name)

"""microgpt's training loop runs on chainrule's Value with the numbers of microgpt's own Value."""

from __future__ import annotations

import pytest

from autograd import Value
from benchmarks import microgpt, report


def test_microgpt_trains_to_the_same_losses_and_samples_the_same_names():
    ours, our_names = microgpt.training(Value, steps=3)
    theirs, their_names = microgpt.training(microgpt.Reference, steps=3)
    assert ours == pytest.approx(theirs, rel=0, abs=1e-12)
    assert our_names == their_names and all(our_names)


def test_the_reference_value_differentiates_like_chainrule():
    a, b = Value(1.5), microgpt.Reference(1.5)
    for x in (a, b):
        ((x * x).exp() / (x + 1) - 3 * x + (x**-0.5).log()).backward()
    assert a.grad == pytest.approx(b.grad, rel=1e-12)


def test_the_generated_names_are_the_same_for_the_same_seed():
    assert microgpt.names(20, seed=1) == microgpt.names(20, seed=1)
    assert microgpt.names(20, seed=1) != microgpt.names(20, seed=2)
    assert all(name.isalpha() and name.islower() for name in microgpt.names(50))


def test_the_report_gives_microgpts_ratios():
    results = {
        "microgpt": {
            "step": {"chainrule": {"median": 0.1}, microgpt.REFERENCE: {"median": 0.15}},
            "ns": {"chainrule": {"*": 200.0}, microgpt.REFERENCE: {"*": 500.0}},
            "memory": {
                "chainrule": {"bytes_per_node": 150.0},
                microgpt.REFERENCE: {"bytes_per_node": 200.0},
            },
        }
    }
    table = report.microgpt_table(results)
    assert "| training step | 1.50× |" in table and "| `*` | 2.50× |" in table
    assert "0.75 of microgpt's" in table

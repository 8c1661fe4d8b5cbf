"""Dropout: drops and rescales in training, passes through in evaluation."""

from __future__ import annotations

import statistics

import pytest

import nn
from autograd import Value


def test_in_evaluation_dropout_passes_its_input_unchanged():
    dropout = nn.Dropout(0.5).eval()
    assert [v.data for v in dropout([1.0, 2.0, 3.0])] == [1.0, 2.0, 3.0]


def test_in_training_each_input_is_dropped_or_scaled_by_one_over_one_minus_p():
    outputs = [v.data for v in nn.Dropout(0.25, seed=0)([2.0] * 400)]
    assert set(outputs) == {0.0, 2.0 / 0.75}
    assert outputs.count(0.0) / 400 == pytest.approx(0.25, abs=0.06)


def test_dropout_keeps_the_expected_value():
    outputs = [v.data for v in nn.Dropout(0.5, seed=1)([1.0] * 2000)]
    assert statistics.mean(outputs) == pytest.approx(1.0, abs=0.1)


def test_the_same_seed_drops_the_same_inputs():
    first = [v.data for v in nn.Dropout(0.5, seed=3)([1.0] * 20)]
    assert [v.data for v in nn.Dropout(0.5, seed=3)([1.0] * 20)] == first


def test_a_dropped_input_gets_no_gradient_and_a_kept_one_is_scaled():
    xs = [Value(1.0) for _ in range(50)]
    outputs = nn.Dropout(0.5, seed=2)(xs)
    for out in outputs:
        out.backward()
    assert {x.grad for x in xs} == {0.0, 2.0}


def test_one_input_gives_one_value():
    assert isinstance(nn.Dropout(0.5).eval()(Value(1.0)), Value)


def test_an_mlp_with_dropout_is_deterministic_in_evaluation_only():
    model = nn.MLP(2, [32, 1], dropout=0.5, seed=0)
    model.eval()
    assert model([0.3, 0.4]).data == model([0.3, 0.4]).data
    model.train()
    assert len({model([0.3, 0.4]).data for _ in range(5)}) > 1


def test_dropout_adds_no_parameters():
    assert len(nn.MLP(2, [16, 16, 1], dropout=0.2).parameters()) == 337


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_p_must_be_a_probability_below_one(p):
    with pytest.raises(ValueError, match="dropout probability p must be"):
        nn.Dropout(p)

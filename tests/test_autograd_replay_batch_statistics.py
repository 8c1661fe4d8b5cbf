"""A statistic of the whole batch in a batch replay (``BatchMean``): its value is the mean over
the replay's rows, its chain rule the same mean of the gradients; and a loss replayed with
auxiliary outputs (``Compiled.with_aux``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import DomainError, Value, compile
from autograd.ops import BATCH_MEAN
from tests.conftest import examples


def standardised_loss(a: Value, b: Value, c: Value):
    """A loss of one example x that takes the batch's mean and variance of a·x, as batch
    normalisation does, and is not invariant to the scale of a."""

    def loss(x: Value) -> list[Value]:
        y = x * a + b
        mean = BATCH_MEAN(y)
        centred = y - mean
        variance = BATCH_MEAN(centred * centred)
        out = (centred * (variance + 1e-5) ** -0.5).sigmoid() * x + BATCH_MEAN(x * x) * c
        return [out, mean, variance]

    return loss


def reference(xs: np.ndarray, a: float, b: float, c: float) -> float:
    """The same loss, the mean over the batch, computed on arrays."""
    y = xs * a + b
    centred = y - y.mean()
    out = 1.0 / (1.0 + np.exp(-centred / np.sqrt(centred.var() + 1e-5))) * xs + (xs * xs).mean() * c
    return float(out.mean())


def test_a_batch_mean_is_a_reduction_over_the_rows_and_its_gradient_a_mean_too():
    a, b, c = Value(0.7), Value(0.2), Value(-0.4)
    compiled = compile(standardised_loss(a, b, c), [a, b, c])
    xs = np.array([0.3, -1.2, 2.0, 0.5])
    loss, (means, variances) = compiled.with_aux(xs)
    assert "batch_mean(" in compiled._traces[0].source(batch=True)
    assert loss == pytest.approx(reference(xs, 0.7, 0.2, -0.4), rel=1e-12)
    assert means == pytest.approx([np.mean(xs * 0.7 + 0.2)] * 4, rel=1e-12)
    assert variances == pytest.approx([np.var(xs * 0.7)] * 4, rel=1e-12)


@settings(max_examples=examples(0.5))
@given(
    st.lists(st.floats(-3, 3), min_size=2, max_size=6).filter(lambda xs: np.ptp(xs) > 0.1),
    st.tuples(st.floats(0.3, 2), st.floats(-1, 1), st.floats(-1, 1)),
)
def test_the_replayed_gradient_through_batch_means_is_the_finite_difference(xs, abc):
    """∂L/∂a, ∂L/∂b, ∂L/∂c of the batch replay against central differences of the same loss
    on arrays, so that the mean's chain rule (the seed's share of each example included) is
    checked, not only its value."""
    params = [Value(v) for v in abc]
    compiled = compile(standardised_loss(*params), params)
    batch = np.array(xs)
    loss, _ = compiled.with_aux(batch)
    assert loss == pytest.approx(reference(batch, *abc), rel=1e-9, abs=1e-12)
    eps = 1e-6
    for k, p in enumerate(params):
        up, down = list(abc), list(abc)
        up[k] += eps
        down[k] -= eps
        numeric = (reference(batch, *up) - reference(batch, *down)) / (2 * eps)
        assert p.grad == pytest.approx(numeric, rel=1e-4, abs=1e-6)


def test_a_batch_mean_of_one_example_is_the_example_itself():
    a, b, c = Value(0.7), Value(0.2), Value(-0.4)
    loss = standardised_loss(a, b, c)
    x = Value(1.5)
    out, mean, variance = loss(x)
    assert mean.data == 0.7 * 1.5 + 0.2 and variance.data == 0.0
    compiled = compile(loss, [a, b, c])
    value, (replayed_mean, replayed_variance) = compiled.with_aux(1.5)
    assert value == out.data and replayed_mean == mean.data and replayed_variance == 0.0


def test_with_aux_gives_the_other_outputs_beside_the_loss_and_its_gradients():
    w = Value(2.0)
    compiled = compile(lambda x: [x * w, x + w, w * w], [w])
    loss, (plus, square) = compiled.with_aux([1.0, 3.0])
    assert loss == 4.0 and w.grad == 2.0
    assert list(plus) == [3.0, 5.0] and list(square) == [4.0, 4.0]  # a uniform output repeated


def test_a_call_without_aux_still_refuses_several_outputs():
    w = Value(2.0)
    compiled = compile(lambda x: [x * w, x + w], [w])
    with pytest.raises(Exception, match="with_aux"):
        compiled([1.0, 3.0])


@pytest.mark.parametrize("evaluated", [False, True], ids=["loss", "outputs"])
def test_examples_outside_a_domain_are_not_split_off_a_batch_with_batch_statistics(evaluated):
    w = Value(1.0)
    compiled = compile(lambda x: (x * w - BATCH_MEAN(x * w) + 1.0).log(), [w])
    with pytest.raises(DomainError, match=r"example 0 of the batch: .*statistics of the whole"):
        (compiled.evaluate if evaluated else compiled)([0.0, 10.0])


def test_examples_outside_a_domain_get_their_aux_outputs_from_the_eager_engine():
    w = Value(1.0)
    compiled = compile(lambda x: [(x * w).sqrt(), x * w + 1.0], [w])
    loss, (shifted,) = compiled.with_aux([4.0, float("nan"), 9.0])
    assert np.isnan(loss)
    assert np.isnan(shifted[1]) and list(shifted[[0, 2]]) == [5.0, 10.0]

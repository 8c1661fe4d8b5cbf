"""Training on real-valued targets (regression) with the mean squared error, gradient clipping
in the loop, and the compiled replay of sequence models."""

from __future__ import annotations

import math
import re

import pytest

import nn
from nn.losses import squared_error
from nn.replay import CompiledLoss


@pytest.fixture(scope="module")
def adding():
    return nn.datasets.make_adding_problem(12, 4, seed=0), nn.datasets.make_adding_problem(
        6, 4, seed=1
    )


def _train(adding, cell="lstm", **options):
    (x, y), test = adding
    model = nn.RecurrentRegressor(cell, 2, 3, seed=0)
    settings = {"optimizer": nn.Adam(model.parameters(), lr=0.05), "loss": "mse", "steps": 4}
    settings |= {"batch_size": 4, "seed": 0, "test": test, "progress": False}
    return model, nn.fit(model, x, y, **settings | options)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_compiled_training_of_a_sequence_model_follows_the_eager_path(adding, cell):
    eager, eager_history = _train(adding, cell, clip_norm=0.5)
    replayed, replayed_history = _train(adding, cell, clip_norm=0.5, compile=True)
    _assert_trained_alike((eager, eager_history), (replayed, replayed_history))


def _assert_trained_alike(eager, replayed):
    """The same losses, weights and last gradients (clipped), to 1e-9."""
    (model, history), (other, other_history) = eager, replayed
    assert other_history.loss == pytest.approx(history.loss, abs=1e-9)
    assert other_history.test_loss == pytest.approx(history.test_loss, abs=1e-9)
    for a, b in zip(model.parameters(), other.parameters(), strict=True):
        assert b.data == pytest.approx(a.data, abs=1e-9)
        assert b.grad == pytest.approx(a.grad, abs=1e-9)


def _sgd_with_momentum_and_weight_decay(parameters):
    return nn.SGD(parameters, lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True)


def _rmsprop_on_the_lstm_alone(parameters):
    return nn.RMSprop(parameters[:-9], lr=0.01)  # not the head's 9 parameters


@pytest.mark.parametrize(
    "make",
    [_sgd_with_momentum_and_weight_decay, _rmsprop_on_the_lstm_alone],
    ids=["on-arrays", "on-floats"],
)
def test_compiled_training_follows_the_eager_path_with_any_optimizer(adding, make):
    """Compiled training steps on the replay's array of gradients where the optimizer steps
    every parameter of the model, and adds them into each ``w.grad`` otherwise."""
    runs = []
    for compile in (False, True):
        model = nn.RecurrentRegressor("lstm", 2, 3, seed=0)
        (x, y), test = adding
        history = nn.fit(
            model, x, y, optimizer=make(model.parameters()), loss="mse", steps=4,
            batch_size=4, seed=0, test=test, progress=False, clip_norm=0.5, compile=compile,
        )  # fmt: skip
        runs.append((model, history))
    _assert_trained_alike(*runs)


def test_regression_records_the_held_out_mean_squared_error_and_no_accuracy(adding):
    (x, y), (x_test, y_test) = adding
    untrained = nn.RecurrentRegressor("lstm", 2, 3, seed=0)
    first_batch = next(nn.datasets.batches(x, y, 4, seed=0))
    _, history = _train(adding)
    assert history.accuracy == [] and history.test_accuracy == []
    assert history.test_steps == [1, 2, 3, 4]
    assert history.test_loss[0] == pytest.approx(
        nn.mse_loss([untrained(s) for s in x_test], y_test).data
    )
    assert history.loss[0] == pytest.approx(
        nn.mse_loss([untrained(s) for s in first_batch[0]], first_batch[1]).data
    )


def test_clip_norm_bounds_every_update(adding):
    (x, y), _ = adding
    model = nn.RecurrentRegressor("rnn", 2, 3, seed=0)
    before = [p.data for p in model.parameters()]
    nn.fit(
        model,
        x,
        y,
        optimizer=nn.SGD(model.parameters(), lr=1.0),
        loss="mse",
        steps=1,
        clip_norm=1e-3,
        progress=False,
    )
    moved = math.sqrt(
        sum((p.data - b) ** 2 for p, b in zip(model.parameters(), before, strict=True))
    )
    assert moved == pytest.approx(1e-3, rel=1e-3)


def test_a_classification_loss_on_real_targets_is_refused(adding):
    with pytest.raises(ValueError, match=r"the hinge loss is for class labels; .* loss=.mse."):
        _train(adding, loss="hinge")


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_a_steps_gates_are_one_matrix_product_over_the_batch_forward_and_one_backward(cell):
    def products(length):
        x, y = nn.datasets.make_adding_problem(8, length, seed=0)
        loss = CompiledLoss(
            nn.RecurrentRegressor(cell, 2, 4, seed=0), squared_error, regression=True
        )
        loss(x, y)
        return len(re.findall(r" @ ", loss._compiled.batch_source))

    # Z_t = [X_t, H_{t−1}] Wᵀ + b forward and ∂L/∂[X_t, H_{t−1}] backward; ∂L/∂W is one
    # product for all the steps.
    assert products(3) - products(2) == products(4) - products(3) == 2

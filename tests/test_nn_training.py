"""The training loop: it learns, it records its history, it reports, and it checks its inputs."""

from __future__ import annotations

import random

import pytest

import nn
from autograd import Value
from nn import datasets


@pytest.fixture(scope="module")
def moons():
    x, y = datasets.make_moons(80, noise=0.1, seed=0)
    return datasets.train_test_split(x, y, test_fraction=0.25, seed=0)


def train_on(split, loss="hinge", steps=60, lr=1.0, **options):
    model = nn.MLP(2, [8, 8, 1], seed=0)
    optimizer = nn.SGD(model.parameters(), lr=nn.LinearDecay(lr, lr / 10, steps))
    history = nn.fit(
        model,
        split.x_train,
        split.y_train,
        optimizer=optimizer,
        loss=loss,
        steps=steps,
        progress=False,
        **options,
    )
    return model, history


def test_training_on_moons_reaches_high_accuracy_on_held_out_points(moons):
    model, _ = train_on(moons, batch_size=20, seed=0)
    assert nn.accuracy(model, moons.x_train, moons.y_train) >= 0.95
    assert nn.accuracy(model, moons.x_test, moons.y_test) >= 0.9


@pytest.mark.parametrize(("loss", "lr"), [("mse", 0.2), ("binary_cross_entropy", 0.5)])
def test_every_binary_loss_trains_a_classifier(moons, loss, lr):
    model, history = train_on(moons, loss=loss, steps=40, lr=lr, batch_size=20, seed=0)
    assert history.loss[-1] < history.loss[0]
    assert nn.accuracy(model, moons.x_train, moons.y_train) >= 0.85


def test_cross_entropy_trains_a_classifier_of_three_blobs():
    x, y = datasets.make_blobs(60, noise=0.3, seed=0, classes=3)
    model = nn.MLP(2, [3], seed=0)
    nn.fit(
        model,
        x,
        y,
        optimizer=nn.Adam(model.parameters(), lr=0.1),
        loss="cross_entropy",
        steps=30,
        progress=False,
    )
    assert nn.accuracy(model, x, y) == 1.0


def test_history_records_loss_and_accuracy_at_every_step(moons):
    _, history = train_on(moons, steps=5)
    assert len(history.loss) == len(history.accuracy) == 5
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)
    assert history.test_accuracy == history.test_steps == []


def test_held_out_accuracy_is_recorded_at_first_every_nth_and_last_step(moons):
    _, history = train_on(moons, steps=7, test=(moons.x_test, moons.y_test), test_every=3)
    assert history.test_steps == [1, 3, 6, 7]
    assert len(history.test_accuracy) == 4


def test_l2_penalty_is_part_of_the_recorded_loss(moons):
    _, plain = train_on(moons, steps=1)
    _, penalised = train_on(moons, steps=1, l2=0.1)
    model = nn.MLP(2, [8, 8, 1], seed=0)
    assert penalised.loss[0] == pytest.approx(
        plain.loss[0] + nn.l2_penalty(model.parameters(), 0.1).data
    )


def test_callback_is_called_after_every_step(moons):
    seen = []
    train_on(moons, steps=3, callback=lambda step, history: seen.append((step, len(history.loss))))
    assert seen == [(1, 1), (2, 2), (3, 3)]


def test_the_progress_bar_is_quiet_when_stderr_is_not_a_terminal(moons, capsys):
    model = nn.MLP(2, [4, 1], seed=0)
    nn.fit(
        model, moons.x_train, moons.y_train, optimizer=nn.SGD(model.parameters(), lr=0.1), steps=2
    )
    assert capsys.readouterr().err == ""


def test_the_progress_bar_shows_when_asked(moons, capsys):
    model = nn.MLP(2, [4, 1], seed=0)
    nn.fit(
        model,
        moons.x_train,
        moons.y_train,
        optimizer=nn.SGD(model.parameters(), lr=0.1),
        steps=2,
        progress=True,
    )
    shown = capsys.readouterr().err
    assert "training" in shown
    assert "loss=" in shown and "accuracy=" in shown


def test_a_loss_function_may_be_given_instead_of_a_name(moons):
    def squared_scores(outputs, labels):
        return nn.mse_loss(outputs, [0.0] * len(labels))

    _, history = train_on(moons, loss=squared_scores, steps=2)
    assert len(history.loss) == 2


@pytest.mark.parametrize("name", sorted(nn.LOSSES))
def test_a_loss_given_as_the_function_or_by_its_name_trains_alike(name):
    x, y = datasets.make_blobs(12, noise=0.3, seed=0, classes=3 if name == "cross_entropy" else 2)

    def history(loss):
        model = nn.MLP(2, [4, 3 if name == "cross_entropy" else 1], seed=0)
        optimizer = nn.SGD(model.parameters(), lr=0.1)
        return nn.fit(model, x, y, optimizer=optimizer, loss=loss, steps=3, progress=False)

    by_function = history(getattr(nn, name))
    assert nn.LOSSES[name] is getattr(nn, name)
    assert by_function.loss == history(name).loss


def test_the_batch_cross_entropy_is_the_mean_of_the_examples():
    logits, targets = [[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]], [0, 2]
    each = [nn.cross_entropy(z, t).data for z, t in zip(logits, targets, strict=True)]
    assert nn.cross_entropy(logits, targets).data == pytest.approx(sum(each) / 2, rel=1e-15)


def test_predictions_read_a_positive_score_as_label_1():
    assert nn.label_of(Value(0.3)) == 1
    assert nn.label_of(Value(-0.3)) == 0
    assert nn.label_of([Value(0.1), Value(2.0), Value(-1.0)]) == 1


def test_predict_labels_every_point():
    model = nn.Neuron(1, activation="linear")
    model.load_state_dict({"w1": 1.0, "b": 0.0})
    assert nn.predict(model, [[-2.0], [3.0]]) == [0, 1]


# -- errors -----------------------------------------------------------------------------------
def test_an_unknown_loss_lists_the_known_ones(moons):
    with pytest.raises(ValueError, match="unknown loss 'l2' \\(choose from hinge"):
        train_on(moons, loss="l2", steps=1)


def test_a_binary_loss_needs_one_output():
    model = nn.MLP(2, [2])
    with pytest.raises(ValueError, match="the hinge loss needs a model with one output"):
        nn.fit(model, [[0.0, 1.0]], [1], optimizer=nn.SGD(model.parameters(), lr=0.1), steps=1)


def test_a_binary_loss_needs_labels_0_and_1():
    model = nn.MLP(2, [1])
    with pytest.raises(ValueError, match="two classes \\(labels 0 and 1\\), got 2"):
        nn.fit(model, [[0.0, 1.0]], [2], optimizer=nn.SGD(model.parameters(), lr=0.1), steps=1)


def test_cross_entropy_needs_one_output_per_class():
    model = nn.MLP(2, [1])
    with pytest.raises(ValueError, match="one output per class"):
        nn.fit(
            model,
            [[0.0, 1.0]],
            [0],
            optimizer=nn.SGD(model.parameters(), lr=0.1),
            loss="cross_entropy",
            steps=1,
        )


@pytest.mark.parametrize(("option", "value"), [("steps", 0), ("batch_size", -1), ("test_every", 0)])
def test_counts_must_be_positive(moons, option, value):
    with pytest.raises(ValueError, match=f"{option} must be a positive integer"):
        train_on(moons, **{option: value})


def test_every_point_needs_a_label():
    model = nn.MLP(2, [1])
    with pytest.raises(ValueError, match="one label per point"):
        nn.fit(model, [[0.0, 1.0]], [0, 1], optimizer=nn.SGD(model.parameters(), lr=0.1))


def test_the_global_seed_makes_unseeded_models_reproducible(global_random_state):
    random.seed(1337)
    first = nn.MLP(2, [4, 1]).state_dict()
    random.seed(1337)
    assert nn.MLP(2, [4, 1]).state_dict() == first

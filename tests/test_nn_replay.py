"""Training with compiled replays gives the same losses and weights as the eager engine."""

from __future__ import annotations

import pytest

import nn
from chainrule.cli import main
from nn.replay import CompiledLoss, CompiledOutputs


def train(compile: bool, *, loss="hinge", classes=2, l1=0.0, l2=1e-3, batch_size=None):
    if classes == 2:
        x, y = nn.datasets.make_moons(40, noise=0.1, seed=3)
    else:
        x, y = nn.datasets.make_blobs(45, classes=classes, seed=3)
    model = nn.MLP(2, [8, 8, 1 if classes == 2 else classes], seed=5)
    optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = nn.fit(
        model,
        x,
        y,
        optimizer=optimizer,
        loss=loss,
        steps=12,
        l1=l1,
        l2=l2,
        batch_size=batch_size,
        seed=7,
        test=(x[:10], y[:10]),
        test_every=4,
        compile=compile,
    )
    return history, model.state_dict()


@pytest.mark.parametrize(
    "options",
    [
        {"loss": "hinge"},
        {"loss": "mse", "l1": 1e-3, "batch_size": 16},
        {"loss": "binary_cross_entropy", "batch_size": 8},
        {"loss": "cross_entropy", "classes": 3},
    ],
    ids=["hinge", "mse-l1-batches", "logistic-batches", "cross-entropy"],
)
def test_compiled_training_follows_the_eager_path(options):
    eager_history, eager_weights = train(False, **options)
    compiled_history, compiled_weights = train(True, **options)
    assert compiled_history.loss == pytest.approx(eager_history.loss, rel=1e-9, abs=1e-12)
    assert compiled_history.accuracy == eager_history.accuracy
    assert compiled_history.test_accuracy == eager_history.test_accuracy
    for name, value in eager_weights.items():
        assert compiled_weights[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_the_compiled_loss_of_a_batch_is_its_mean_plus_penalty():
    model = nn.MLP(2, [4, 1], seed=1)
    x, y = [[0.5, -1.0], [1.0, 2.0], [-0.3, 0.1]], [1, 0, 1]
    replayed = CompiledLoss(model, nn.OBJECTIVES["hinge"], l2=0.01)(x, y)
    eager = nn.OBJECTIVES["hinge"]([model(p) for p in x], y) + nn.l2_penalty(
        model.parameters(), 0.01
    )
    assert replayed == pytest.approx(eager.data, rel=1e-12)


def test_compiled_outputs_match_the_model():
    model = nn.MLP(2, [4, 3], seed=1)
    x = [[0.5, -1.0], [1.0, 2.0]]
    outputs = CompiledOutputs(model)(x)
    for point, row in zip(x, outputs, strict=True):
        assert row == pytest.approx([v.data for v in model(point)], rel=1e-12)


def test_dropout_cannot_be_compiled():
    model = nn.MLP(2, [4, 1], dropout=0.5, seed=1)
    with pytest.raises(ValueError, match="compile cannot replay dropout"):
        CompiledLoss(model, nn.OBJECTIVES["hinge"])


def test_chainrule_train_compile(tmp_path, capsys):
    code = main(["train", "--compile", "--steps", "30", "--out", str(tmp_path)])
    assert code == 0
    assert "test accuracy" in capsys.readouterr().out
    assert (tmp_path / "model.json").exists()

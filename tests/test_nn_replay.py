"""Training with compiled replays gives the same losses and weights as the eager engine."""

from __future__ import annotations

import pytest

import nn
from chainrule.cli import main
from nn.replay import CompiledLoss, CompiledOutputs, Points, _columns


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
    replayed = CompiledLoss(model, nn.LOSSES["hinge"], l2=0.01)(x, y)
    eager = nn.LOSSES["hinge"]([model(p) for p in x], y) + nn.l2_penalty(model.parameters(), 0.01)
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
        CompiledLoss(model, nn.LOSSES["hinge"])


def test_chainrule_train_compile(tmp_path, capsys):
    code = main(["train", "--compile", "--steps", "30", "--out", str(tmp_path)])
    assert code == 0
    assert "test accuracy" in capsys.readouterr().out
    assert (tmp_path / "model.json").exists()


@pytest.mark.parametrize(
    "loss, classes", [("cross_entropy", 3), ("cross_entropy", 5), ("hinge", 2)]
)
def test_one_trace_serves_every_class(loss, classes):
    x, y = nn.datasets.make_blobs(30, classes=classes, seed=2)
    model = nn.MLP(2, [6, classes if loss == "cross_entropy" else 1], seed=1)
    compiled_loss = CompiledLoss(model, nn.LOSSES[loss])
    for start in range(0, 30, 10):  # batches with different mixes of labels
        compiled_loss(x[start : start + 10], y[start : start + 10])
    assert compiled_loss._compiled is not None
    assert compiled_loss._compiled.traces == 1


def test_the_compiled_cross_entropy_of_a_batch_is_the_eager_one():
    x, y = nn.datasets.make_blobs(12, classes=4, seed=5)
    model = nn.MLP(2, [5, 4], seed=3)
    judge = nn.LOSSES["cross_entropy"]
    replayed = CompiledLoss(model, judge)(x, y)
    grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    eager = judge([model(p) for p in x], y)
    eager.backward()
    assert replayed == pytest.approx(eager.data, rel=1e-12)
    assert grads == pytest.approx([p.grad for p in model.parameters()], rel=1e-9, abs=1e-12)


def test_a_label_the_loss_refuses_gets_the_loss_s_own_error():
    model = nn.MLP(2, [4, 1], seed=1)
    with pytest.raises(ValueError, match=r"for two classes \(labels 0 and 1\), got 2"):
        CompiledLoss(model, nn.LOSSES["hinge"])([[0.5, 1.0], [1.0, 0.0]], [1, 2])


def test_a_label_that_is_no_class_index_of_the_model_is_refused():
    model = nn.MLP(2, [4, 3], seed=1)

    def lenient(outputs, labels):  # accepts any label, as a user's objective might
        return outputs[0][0] * 0.0 + sum(labels)

    with pytest.raises(ValueError, match=r"class indices 0 … 2 .* got 7"):
        CompiledLoss(model, lenient)([[0.5, 1.0]], [7])


def test_a_batch_picked_from_the_points_read_once_is_the_batch_read_alone():
    sequences = [[[0.5, 1.0], [0.25, 0.0]], [[1, 0], [2, 3]], [[0.0, -1.0], [4.5, 2.0]]]
    rows = [2, 0]
    picked = Points(sequences).columns(rows)
    alone = _columns([sequences[i] for i in rows])
    expected = [[0.0, 0.5], [-1.0, 1.0], [4.5, 0.25], [2.0, 0.0]]  # one row per input
    assert [list(c) for c in picked] == [list(c) for c in alone] == expected
    assert Points([[1.0], [2.0, 3.0]]).columns([0]) is None  # ragged: read batch by batch

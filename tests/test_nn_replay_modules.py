"""Compiled training of the modules that need more than one example's graph replayed row by
row: batch normalisation, whose statistics the replay takes over its batch, and Bayes by
backprop, whose noise the trainer draws for every example; the eager engine's losses,
parameters, running statistics and accuracies. What it cannot replay is refused by name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nn
from autograd import Value
from nn.replay import CompiledLoss, CompiledOutputs

TOLERANCE = 1e-9


def dense() -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(2, 6, seed=0),
        nn.BatchNorm1d(6),
        nn.Tanh(),
        nn.Linear(6, 5, seed=1),
        nn.BatchNorm1d(5, momentum=0.3),
        nn.Sigmoid(),
        nn.Linear(5, 3, seed=2),
    )


def convolutional() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 2, 3, seed=0),
        nn.BatchNorm2d(2, eps=1e-3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(18, 10, seed=1),
    )


def layer_normalised() -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(2, 6, seed=0), nn.LayerNorm(6), nn.Tanh(), nn.Linear(6, 3, seed=1)
    )


def bayesian() -> nn.Sequential:
    return nn.Sequential(nn.BayesLinear(2, 5, seed=3), nn.Tanh(), nn.BayesLinear(5, 3, seed=4))


def blobs() -> tuple[Any, Any]:
    return nn.datasets.make_blobs(48, seed=0, classes=3)


def digits() -> tuple[Any, Any]:
    x, y = nn.datasets.load_digits()
    return x[:40], y[:40]


def trained(make, data, compile: bool) -> tuple[nn.Module, nn.History]:
    x, y = data()
    model = make()
    history = nn.fit(
        model,
        x,
        y,
        optimizer=nn.SGD(model.parameters(), lr=0.2, momentum=0.9),
        loss="cross_entropy",
        steps=5,
        batch_size=12,
        seed=0,
        test=(x, y),
        test_every=2,
        compile=compile,
    )
    return model, history


@pytest.mark.parametrize(
    ("make", "data"),
    [(dense, blobs), (convolutional, digits), (layer_normalised, blobs), (bayesian, blobs)],
    ids=["batch-1d", "batch-2d", "layer", "bayes"],
)
def test_compiled_training_equals_eager_training(make, data):
    """For Bayes by backprop, the trainer draws each example's ε as an eager call would and
    gives them to the replay as inputs: the same draws."""
    eager, eager_history = trained(make, data, compile=False)
    compiled, compiled_history = trained(make, data, compile=True)
    np.testing.assert_allclose(compiled_history.loss, eager_history.loss, rtol=0, atol=TOLERANCE)
    parameters = [p.data for p in compiled.parameters()]
    np.testing.assert_allclose(
        parameters, [p.data for p in eager.parameters()], rtol=0, atol=TOLERANCE
    )
    for (name, ours), (_, theirs) in zip(
        compiled.named_buffers(), eager.named_buffers(), strict=True
    ):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOLERANCE, err_msg=name)
    assert all(any(b != 0.0 for b in buffer) for _, buffer in compiled.named_buffers())
    # Accuracies of the batches (training mode) and of the held-out set (running statistics).
    assert compiled_history.accuracy == eager_history.accuracy
    assert compiled_history.test_accuracy == eager_history.test_accuracy


def test_the_outputs_replay_reads_the_running_statistics_at_every_call():
    x, _ = blobs()
    model = dense()
    outputs = CompiledOutputs(model)
    outputs(x[:3])
    for module in (model[1], model[4]):
        module.running_mean[:] = [0.5 * c for c in range(module.num_features)]
        module.running_var[:] = [1.0 + c for c in range(module.num_features)]
    with nn.metrics.evaluating(model):
        expected = [[v.data for v in row] for row in model(x[:3])]
    np.testing.assert_allclose(outputs(x[:3]), expected, rtol=0, atol=1e-12)


def test_compiled_batch_norm_refuses_a_batch_of_one_as_eager_does():
    x, y = blobs()
    model = dense()
    loss = CompiledLoss(model, nn.LOSSES["cross_entropy"])
    loss(x[:4], y[:4])
    with pytest.raises(ValueError, match=r"BatchNorm1d\(num_features=6.*needs more than one"):
        loss(x[:1], y[:1])


@pytest.mark.parametrize(
    ("module", "why"),
    [
        (nn.Dropout(0.5, seed=0), r"dropout: 1: Dropout \(Dropout\(.*\)\) draws its random masks"),
    ],
    ids=["dropout"],
)
def test_compile_refuses_dropout_naming_the_module_and_why(module, why):
    model = nn.Sequential(nn.Linear(2, 4, seed=0), module, nn.Linear(4, 1, seed=1))
    with pytest.raises(ValueError, match=rf"compile cannot replay {why}"):
        CompiledLoss(model, nn.LOSSES["hinge"])


class Centred(nn.Module):
    """A module of a learner's own that couples the examples of a batch: each minus the
    batch's mean."""

    couples_examples = True

    def forward(self, x: Any) -> Any:
        mean = sum(row[0] for row in x) / len(x)
        return [[row[0] - mean] for row in x]

    def config(self) -> dict[str, Any]:
        return {}


def test_compile_refuses_other_modules_that_couple_examples_naming_them():
    model = nn.Sequential(nn.Linear(2, 1, seed=0), Centred())
    with pytest.raises(ValueError, match=r"compile cannot replay 1: Centred .* couples the exam"):
        CompiledLoss(model, nn.LOSSES["hinge"])


def test_a_traced_batch_norm_leaves_its_running_statistics_to_the_replay():
    model = dense()
    loss = CompiledLoss(model, nn.LOSSES["cross_entropy"])
    x, y = blobs()
    loss(x[:8], y[:8])
    batch = np.array([[v.data for v in model[0](p)] for p in x[:8]])
    # One update, by the batch's mean: the trace of one example changed nothing itself.
    np.testing.assert_allclose(model[1].running_mean, 0.1 * batch.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(
        model[1].running_var, 0.9 + 0.1 * batch.var(axis=0, ddof=1), atol=1e-12
    )
    assert isinstance(model[1].weight[0], Value)


def test_a_loss_compiled_in_evaluation_mode_reads_the_running_statistics_at_every_call():
    x, y = blobs()
    model = dense().eval()
    loss = CompiledLoss(model, nn.LOSSES["cross_entropy"])
    for shift in (0.0, 0.5):
        model[1].running_mean[:] = [shift * c for c in range(6)]
        replayed = loss(x[:5], y[:5])
        with nn.metrics.evaluating(model):
            eager = nn.cross_entropy(model(x[:5]), y[:5]).data
        assert replayed == pytest.approx(eager, rel=1e-12)


def test_a_compiled_loss_refuses_a_model_switched_to_another_mode():
    x, y = blobs()
    model = dense()
    loss = CompiledLoss(model, nn.LOSSES["cross_entropy"])
    loss(x[:5], y[:5])
    model.eval()
    with pytest.raises(ValueError, match="traced with the model in training mode, and the model"):
        loss(x[:5], y[:5])


def test_compile_refuses_a_bayes_linear_called_twice_per_example_naming_it():
    layer = nn.BayesLinear(3, 3, seed=0)
    model = nn.Sequential(nn.Linear(2, 3, seed=1), layer, nn.Tanh(), layer)
    loss = CompiledLoss(model, nn.LOSSES["cross_entropy"])
    x, y = blobs()
    with pytest.raises(ValueError, match=r"compile replays one call of 3: BayesLinear .* per ex"):
        loss(x[:4], y[:4])

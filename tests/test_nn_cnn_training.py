"""Training convolutional networks with nn.fit, eagerly and compiled: the same losses as
PyTorch (float64, Adam) step for step, from the same weights on the same batches."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

import nn


def small_cnn() -> tuple[nn.Sequential, torch.nn.Sequential]:
    ours = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(12, 10),
    )  # fmt: skip
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(12, 10),
    ).double()  # fmt: skip
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def torch_losses(model: torch.nn.Module, x, y, steps: int, batch_size: int, seed: int):
    """PyTorch's Adam on the batches nn.fit deals: shuffled epochs from ``random.Random(seed)``."""
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    rng = random.Random(seed)
    stream = (b for _ in range(steps) for b in nn.datasets.batches(x, y, batch_size, rng))
    losses = []
    for _ in range(steps):
        xb, yb = next(stream)
        optimizer.zero_grad()
        logits = model(torch.tensor(np.array(xb), dtype=torch.float64))
        loss = torch.nn.functional.cross_entropy(logits, torch.tensor(yb))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


# The compiled replay is what trains a CNN in practice: 20 steps of it; the eager engine, slower,
# for a few.
@pytest.mark.parametrize(
    ("compiled", "steps", "batch_size"), [(True, 20, 16), (False, 3, 8)], ids=["compiled", "eager"]
)
def test_a_digits_cnn_loses_what_torch_loses_step_for_step(compiled, steps, batch_size):
    x, y = nn.datasets.load_digits()
    x, y = x[:48], y[:48]
    ours, theirs = small_cnn()
    expected = torch_losses(theirs, x, y, steps=steps, batch_size=batch_size, seed=3)
    history = nn.fit(
        ours, x, y, optimizer=nn.Adam(ours.parameters(), lr=0.01), loss="cross_entropy",
        steps=steps, batch_size=batch_size, seed=3, compile=compiled,
    )  # fmt: skip
    assert len(history.loss) == steps
    assert np.allclose(history.loss, expected, rtol=0, atol=1e-9)
    assert len(set(expected)) == steps  # every step's batch and weights differ


def test_a_compiled_cnn_scores_held_out_images_as_the_eager_one_does():
    x, y = nn.datasets.load_digits()
    ours, _ = small_cnn()
    history = nn.fit(
        ours, x[:32], y[:32], optimizer=nn.SGD(ours.parameters(), lr=0.1), loss="cross_entropy",
        steps=2, test=(x[32:64], y[32:64]), compile=True,
    )  # fmt: skip
    assert history.test_accuracy[-1] == nn.accuracy(ours, x[32:64], y[32:64])


def test_an_mlp_of_linear_modules_trains_on_flat_digits_compiled():
    x, y = nn.datasets.load_digits(flat=True)
    model = nn.Sequential(nn.Linear(64, 16, seed=0), nn.Tanh(), nn.Linear(16, 10, seed=1))
    history = nn.fit(
        model, x[:200], y[:200], optimizer=nn.Adam(model.parameters(), lr=0.02),
        loss="cross_entropy", steps=30, batch_size=50, seed=0, compile=True,
    )  # fmt: skip
    assert history.loss[-1] < 0.5 * history.loss[0]

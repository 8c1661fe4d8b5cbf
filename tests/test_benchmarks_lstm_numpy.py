"""The hand-written NumPy LSTM step against PyTorch's nn.LSTM in float64, weights copied."""

import numpy as np
import pytest
import torch

import nn
from benchmarks import adding
from benchmarks.lstm_numpy import HandLSTM

INPUTS, HIDDEN, LR, CLIP = 2, 5, 5e-3, 1.0


def torch_model(seed: int) -> tuple[torch.nn.LSTM, torch.nn.Linear, list[torch.nn.Parameter]]:
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(INPUTS, HIDDEN, dtype=torch.float64)
    head = torch.nn.Linear(HIDDEN, 1, dtype=torch.float64)
    return lstm, head, [*lstm.parameters(), *head.parameters()]


def torch_loss(
    lstm: torch.nn.LSTM, head: torch.nn.Linear, x: np.ndarray, y: np.ndarray
) -> torch.Tensor:
    out, _ = lstm(torch.tensor(x).transpose(0, 1))
    return torch.mean((head(out[-1]).squeeze(-1) - torch.tensor(y)) ** 2)


def batch(seed: int, size: int = 6, length: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, (size, length, INPUTS)), rng.uniform(-1.0, 1.0, size)


def copied(parameters: list[torch.nn.Parameter], clip: float = CLIP) -> HandLSTM:
    return HandLSTM(
        INPUTS, HIDDEN, LR, clip, np.concatenate([p.detach().numpy().ravel() for p in parameters])
    )


def test_the_loss_and_every_gradient_equal_pytorch_s_on_one_batch():
    lstm, head, parameters = torch_model(1)
    hand = copied(parameters)
    x, y = batch(2)
    loss = torch_loss(lstm, head, x, y)
    loss.backward()
    assert abs(hand.loss_and_gradient(x, y) - loss.item()) < 1e-10
    for ours, theirs in zip(hand.grads, parameters, strict=True):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=0, atol=1e-10)


def test_the_number_of_parameters_is_checked():
    with pytest.raises(ValueError, match=r"HandLSTM\(2, 5\): expected 186 parameters"):
        HandLSTM(INPUTS, HIDDEN, LR, CLIP, np.zeros(185))


def test_adam_steps_with_clipping_give_pytorch_s_parameters():
    lstm, head, parameters = torch_model(3)
    hand = copied(parameters, clip=0.05)  # small enough that clipping scales every step
    optimizer = torch.optim.Adam(parameters, lr=LR)
    clipped = []
    for k in range(4):
        x, y = batch(10 + k, size=5 + k)
        optimizer.zero_grad()
        loss = torch_loss(lstm, head, x, y)
        loss.backward()
        clipped.append(float(torch.nn.utils.clip_grad_norm_(parameters, 0.05)) > 0.05)
        optimizer.step()
        assert abs(hand.step(x, y) - loss.item()) < 1e-10
    assert all(clipped)
    for ours, theirs in zip(hand.params, parameters, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=0, atol=1e-10)


def test_training_follows_chainrule_s_compiled_nn_fit_on_the_same_batches():
    x, y = nn.datasets.make_adding_problem(80, 6, seed=0)  # batches of 32, 32, 16, 32, …
    model = nn.RecurrentRegressor("lstm", 2, adding.HIDDEN, seed=0)
    hand = HandLSTM(2, adding.HIDDEN, adding.LR, adding.CLIP, [p.data for p in model.parameters()])
    trained = adding.fit_compiled("lstm", x, y, 5, lambda step, history: None)
    sequences, targets = np.array(x), np.array(y)
    stream = adding._batches(list(range(len(x))), y)
    for _ in range(5):
        chosen, _ = next(stream)
        hand.step(sequences[chosen], targets[chosen])
    theirs = np.array([p.data for p in trained.parameters()])
    np.testing.assert_allclose(hand.theta, theirs, rtol=0, atol=1e-10)
    assert np.abs(hand.theta - np.array([p.data for p in model.parameters()])).max() > 1e-3


def test_a_batch_s_loss_and_gradients_do_not_depend_on_the_batches_before():
    """The work arrays are reused from batch to batch of one shape: nothing carries over."""
    _, _, parameters = torch_model(4)
    fresh, reused = copied(parameters), copied(parameters)
    x, y = batch(5)
    expected = fresh.loss_and_gradient(x, y)
    for seed, size in ((6, 6), (7, 3), (8, 6)):
        reused.loss_and_gradient(*batch(seed, size=size))
    assert reused.loss_and_gradient(x, y) == expected
    np.testing.assert_array_equal(reused.grad, fresh.grad)

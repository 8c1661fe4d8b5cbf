"""BayesLinear (Bayes by backprop): the sampled weights, their gradients, the closed-form KL
against a Monte-Carlo estimate, seeding, model files, bad input."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch

import nn
from autograd import Value, total
from nn.bayesian import gaussian_kl
from nn.shapes import flatten as flat


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def test_training_mode_samples_w_equals_mu_plus_softplus_rho_times_a_fresh_epsilon():
    layer = nn.BayesLinear(2, 1, seed=3)
    rng = random.Random(3)
    for _ in range(3):  # the initial draws of the two μ of the weights and the bias μ
        rng.uniform(-1, 1)
    x = [0.5, -2.0]
    first, second = layer(x), layer(x)
    assert first.data != second.data  # fresh ε at each call
    mu = [p.data for p in flat(layer.weight_mu)] + [layer.bias_mu[0].data]
    sigma = softplus(nn.bayesian.INITIAL_RHO)
    eps = [rng.gauss(0.0, 1.0) for _ in range(3)]
    w = [m + sigma * e for m, e in zip(mu, eps, strict=True)]
    assert first.data == pytest.approx(w[0] * x[0] + w[1] * x[1] + w[2], abs=1e-14)


def test_gradients_reach_mu_and_rho_as_in_pytorch():
    layer = nn.BayesLinear(3, 2, seed=0)
    rng = np.random.default_rng(0)
    for p in layer.parameters():
        p.data = float(rng.normal())
    x = rng.normal(size=(4, 3))
    # The same ε: drawn by the layer's own generator, replayed for PyTorch.
    state = layer._rng.getstate()
    out = layer(x.tolist())
    loss = total([y * y for y in flat(out)]) + layer.kl()
    loss.backward()
    layer._rng.setstate(state)
    eps_w = torch.tensor(
        [[layer._rng.gauss(0.0, 1.0) for _ in range(3)] for _ in range(2)], dtype=torch.float64
    )
    eps_b = torch.tensor([layer._rng.gauss(0.0, 1.0) for _ in range(2)], dtype=torch.float64)
    tensors = {
        name: torch.tensor(
            np.array([p.data for p in flat(getattr(layer, name))]).reshape(shape),
            requires_grad=True,
        )
        for name, shape in [
            ("weight_mu", (2, 3)),
            ("weight_rho", (2, 3)),
            ("bias_mu", (2,)),
            ("bias_rho", (2,)),
        ]
    }
    w_sigma = torch.nn.functional.softplus(tensors["weight_rho"])
    b_sigma = torch.nn.functional.softplus(tensors["bias_rho"])
    w = tensors["weight_mu"] + w_sigma * eps_w
    b = tensors["bias_mu"] + b_sigma * eps_b
    tout = torch.tensor(x) @ w.T + b
    prior = torch.distributions.Normal(0.0, 1.0)
    kl = sum(
        torch.distributions.kl_divergence(torch.distributions.Normal(m, s), prior).sum()
        for m, s in [(tensors["weight_mu"], w_sigma), (tensors["bias_mu"], b_sigma)]
    )
    tloss = (tout**2).sum() + kl
    tloss.backward()
    assert loss.data == pytest.approx(tloss.item(), abs=1e-10)
    for name, tensor in tensors.items():
        ours = [p.grad for p in flat(getattr(layer, name))]
        np.testing.assert_allclose(ours, tensor.grad.numpy().ravel(), rtol=0, atol=1e-10)


def test_evaluation_mode_uses_the_means():
    layer = nn.BayesLinear(2, 1, seed=1).eval()
    w, b = [p.data for p in layer.weight_mu[0]], layer.bias_mu[0].data
    assert layer([1.0, 2.0]).data == pytest.approx(w[0] + 2 * w[1] + b, abs=1e-15)


def test_the_same_seed_samples_the_same_weights():
    outputs = [[v.data for v in nn.BayesLinear(3, 2, seed=7)([1.0, 2.0, 3.0])] for _ in range(2)]
    assert outputs[0] == outputs[1]


def test_closed_form_kl_matches_a_monte_carlo_estimate():
    """KL(q‖p) = E_q[log q(w) − log p(w)], estimated with 200,000 draws of w ~ q."""
    mu, rho, prior_sigma = 0.7, -0.3, 0.5
    sigma = softplus(rho)
    w = np.random.default_rng(0).normal(mu, sigma, size=200_000)
    log_q = -0.5 * ((w - mu) / sigma) ** 2 - math.log(sigma)
    log_p = -0.5 * (w / prior_sigma) ** 2 - math.log(prior_sigma)
    estimate = float(np.mean(log_q - log_p))
    closed = gaussian_kl(Value(mu), Value(rho).softplus(), prior_sigma).data
    standard_error = float(np.std(log_q - log_p)) / math.sqrt(w.size)
    assert abs(closed - estimate) < 4 * standard_error


def test_kl_sums_over_every_weight_and_bias():
    layer = nn.BayesLinear(2, 3, prior_sigma=2.0, seed=0)
    expected = sum(
        math.log(2.0 / softplus(rho.data)) + (softplus(rho.data) ** 2 + mu.data**2) / 8 - 0.5
        for mu, rho in zip(
            flat(layer.weight_mu) + layer.bias_mu,
            flat(layer.weight_rho) + layer.bias_rho,
            strict=True,
        )
    )
    assert layer.kl().data == pytest.approx(expected, abs=1e-12)


def test_save_then_load_keeps_mu_and_rho(tmp_path):
    layer = nn.BayesLinear(3, 2, prior_sigma=0.3, seed=0)
    layer.weight_rho[1][2].data = -1.25
    nn.save(layer, tmp_path / "bayes.json")
    loaded = nn.load(tmp_path / "bayes.json")
    assert isinstance(loaded, nn.BayesLinear) and loaded.prior_sigma == 0.3
    assert loaded.state_dict() == layer.state_dict()
    assert loaded.state_dict()["weight_rho[1][2]"] == -1.25


@pytest.mark.parametrize("sigma", [0.0, -1.0, math.inf])
def test_a_prior_sigma_that_is_not_positive_is_refused(sigma):
    with pytest.raises(ValueError, match="prior_sigma must be a finite number > 0"):
        nn.BayesLinear(2, 2, prior_sigma=sigma)


@pytest.mark.parametrize("x", [[1.0, 2.0], [[1.0, 2.0, 3.0, 4.0]], [[[1.0, 2.0, 3.0]]]])
def test_a_wrong_number_of_inputs_is_refused(x):
    with pytest.raises(
        ValueError,
        match=r"BayesLinear\(in_features=3, .*\) expects 3 numbers \[3\] "
        r"\(or a batch \[N\]\[3\]\), got",
    ):
        nn.BayesLinear(3, 1)(x)

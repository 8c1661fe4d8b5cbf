"""Bayes by backprop (Blundell et al. 2015, "Weight Uncertainty in Neural Networks"): a linear
layer whose every weight is a distribution rather than a number.

Each weight has a Gaussian posterior q(w) = N(μ, σ²) with σ = softplus(ρ) = log(1 + eʳʰᵒ) (so σ > 0
whatever ρ is). A forward pass in training mode samples the weights afresh,

    w = μ + softplus(ρ) · ε,   ε ~ N(0, 1),

the reparameterisation trick: the randomness sits in ε, so ∂w/∂μ = 1 and ∂w/∂ρ = ε·sigmoid(ρ)
and backprop reaches μ and ρ. Training minimises the variational free energy

    L = KL(q ‖ p) + E_q[−log p(data | w)],

estimated by one sample per step for the second term and the closed form :meth:`nn.BayesLinear.kl`
for the first, with the prior p(w) = N(0, s²) (``prior_sigma`` s). Many sampled passes give the
predictive distribution: its spread is the model's uncertainty. Compiled training
(``fit(..., compile=True)``) draws each example's ε as an eager call would and gives them to the
replay as inputs (:func:`noise_from`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from autograd import Value, linear, total
from autograd.numbers import finite_float
from nn.checks import integer
from nn.layers import MAX_PARAMETERS, check_size
from nn.linear import wrong_shape
from nn.module import Module
from nn.scalars import as_value, single
from nn.seeding import Seed, make_rng
from nn.shapes import Shape, as_nested, flatten, shape_of, shown_shape
from nn.tensors import named_entries, uniform_tensor

#: ρ's starting value: σ = softplus(−5) ≈ 0.0067, so training starts close to an ordinary
#: network and widens σ where the data leave the weights free.
INITIAL_RHO = -5.0


def gaussian_kl(mu: Value, sigma: Value, prior_sigma: float) -> Value:
    """KL(N(μ, σ²) ‖ N(0, s²)) = log(s/σ) + (σ² + μ²)/(2s²) − 1/2, as a node."""
    return (
        math.log(prior_sigma) - sigma.log() + (sigma * sigma + mu * mu) / (2 * prior_sigma**2) - 0.5
    )


#: The traced inputs that stand for each layer's noise ε, inside :func:`noise_from`.
_TRACED_NOISE: ContextVar[dict[BayesLinear, list[Value]] | None] = ContextVar(
    "chainrule_traced_noise", default=None
)


@contextmanager
def noise_from(inputs: dict[BayesLinear, list[Value]]) -> Iterator[None]:
    """Inside, a call of each layer in ``inputs`` in training mode takes its ε from the given
    Values (the inputs of a compiled loss's trace, which the trainer fills with draws of
    :meth:`BayesLinear.draw_noise` for every example) instead of drawing them; once each."""
    token = _TRACED_NOISE.set({layer: list(values) for layer, values in inputs.items()})
    try:
        yield
    finally:
        _TRACED_NOISE.reset(token)


class BayesLinear(Module):
    """A linear layer y = W x + b with Gaussian weights (PyTorch's layout: ``weight_mu`` and
    ``weight_rho`` are ``[out_features][in_features]``, ``bias_mu`` and ``bias_rho``
    ``[out_features]``).

    In training mode each call draws every weight and bias afresh (w = μ + softplus(ρ)·ε) from its
    own generator (``seed``), one draw per call, shared by every example of a batch; in
    evaluation mode the weights are their means μ. A call takes one example ``[in_features]`` or
    a batch ``[N][in_features]`` and returns ``[out_features]`` per example (one ``Value`` when
    ``out_features`` is 1, as :class:`nn.Linear`). μ starts as ``Linear``'s weights and biases
    do, uniform in ±1/√in_features, weights first; ρ at :data:`nn.bayesian.INITIAL_RHO`.
    """

    def __init__(
        self, in_features: int, out_features: int, prior_sigma: float = 1.0, seed: Seed = None
    ):
        super().__init__()
        self.in_features = integer(in_features, "in_features", high=MAX_PARAMETERS)
        self.out_features = integer(out_features, "out_features", high=MAX_PARAMETERS)
        check_size(
            2 * (self.in_features + 1) * self.out_features,
            f"BayesLinear({self.in_features}, {self.out_features})",
        )
        self.prior_sigma = finite_float(prior_sigma, "prior_sigma", above=0)
        self._rng = make_rng(seed)
        out, fan_in = self.out_features, self.in_features
        self.weight_mu: list[list[Value]] = uniform_tensor((out, fan_in), fan_in, self._rng, "μ")
        self.bias_mu: list[Value] = uniform_tensor((out,), fan_in, self._rng, "μb")
        self.weight_rho = [
            [Value(INITIAL_RHO, label="ρ") for _ in range(fan_in)] for _ in range(out)
        ]
        self.bias_rho = [Value(INITIAL_RHO, label="ρb") for _ in range(out)]

    def output_shape(self, shape: Shape) -> Shape:
        fits = shape == (self.in_features,) or (shape == () and self.in_features == 1)
        if not fits:
            wanted = shown_shape((self.in_features,))
            raise wrong_shape(
                self, f"{self.in_features} numbers {wanted} (or a batch [N]{wanted})", shape
            )
        return (self.out_features,) if self.out_features > 1 else ()

    def forward(self, x: Any) -> Any:
        data = as_nested(x)
        shape = shape_of(data, f"the input of {self!r}")
        batched = len(shape) == 2
        self.output_shape(shape[1:] if batched else shape)
        weights, biases = self._weights()
        outputs = []
        for example in data if batched else [data]:
            xs = [as_value(v) for v in flatten(example)]
            outputs.append(single([linear(w, xs, b) for w, b in zip(weights, biases, strict=True)]))
        return outputs if batched else outputs[0]

    def _weights(self) -> tuple[list[list[Value]], list[Value]]:
        """This call's weights and biases: sampled in training mode, the means in evaluation."""
        if not self.training:
            return self.weight_mu, self.bias_mu
        noise = iter(self._noise())
        weights = [
            [self._sample(mu, rho, next(noise)) for mu, rho in zip(mus, rhos, strict=True)]
            for mus, rhos in zip(self.weight_mu, self.weight_rho, strict=True)
        ]
        biases = [
            self._sample(mu, rho, next(noise))
            for mu, rho in zip(self.bias_mu, self.bias_rho, strict=True)
        ]
        return weights, biases

    @property
    def noise_size(self) -> int:
        """How many numbers ε a call in training mode draws: one per weight and bias."""
        return (self.in_features + 1) * self.out_features

    def draw_noise(self) -> list[float]:
        """A call's fresh ε ~ N(0, 1) from the layer's generator, in the order the call uses
        them: the weights row by row, then the biases."""
        return [self._rng.gauss(0.0, 1.0) for _ in range(self.noise_size)]

    def _noise(self) -> list[Value | float]:
        """This call's ε: drawn now, or, while a compiled loss is traced, the traced inputs
        that stand for them (:func:`noise_from`)."""
        given = (_TRACED_NOISE.get() or {}).get(self)
        if given is None:
            return list(self.draw_noise())
        if len(given) != self.noise_size:
            raise ValueError(
                f"compile replays one call of {self.name} ({self!r}) per example, each with "
                f"its own noise ε; this example calls it more than once"
            )
        taken: list[Value | float] = list(given)
        given.clear()
        return taken

    def _sample(self, mu: Value, rho: Value, epsilon: Value | float) -> Value:
        """w = μ + softplus(ρ)·ε."""
        return mu + rho.softplus() * epsilon

    def kl(self) -> Value:
        """KL(q ‖ p) = Σ over weights and biases of log(s/σ) + (σ² + μ²)/(2s²) − 1/2, with
        σ = softplus(ρ) and the prior's s = ``prior_sigma``."""
        pairs = [
            *zip(
                [mu for row in self.weight_mu for mu in row],
                [rho for row in self.weight_rho for rho in row],
                strict=True,
            ),
            *zip(self.bias_mu, self.bias_rho, strict=True),
        ]
        return total([gaussian_kl(mu, rho.softplus(), self.prior_sigma) for mu, rho in pairs])

    def own_parameters(self) -> list[tuple[str, Value]]:
        return [
            *named_entries("weight_mu", self.weight_mu),
            *named_entries("weight_rho", self.weight_rho),
            *named_entries("bias_mu", self.bias_mu),
            *named_entries("bias_rho", self.bias_rho),
        ]

    def config(self) -> dict[str, Any]:
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "prior_sigma": self.prior_sigma,
        }

"""Shared test set-up: Hypothesis profiles, thorough in CI but bounded in time.

``HYPOTHESIS_PROFILE=thorough`` runs many more examples, for a deliberate deep check.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import autograd

settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def global_random_state() -> Iterator[None]:
    """Let a test seed Python's module-level generator, as micrograd's demo does; restore it."""
    state = random.getstate()
    yield
    random.setstate(state)


@pytest.fixture
def graphviz_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every run of Graphviz's dot program during a test: the format asked for, in order."""
    import graphviz

    runs: list[str] = []
    pipe = graphviz.Digraph.pipe

    def counted(self: graphviz.Digraph, format: str | None = None, **kwargs: object) -> object:
        runs.append(str(format))
        return pipe(self, format, **kwargs)

    monkeypatch.setattr(graphviz.Digraph, "pipe", counted)
    return runs


@pytest.fixture
def agrees_with_torch() -> Callable[..., None]:
    """``agrees_with_torch(ours, theirs, x)``: copy the PyTorch module's weights into ours, run
    both on the one example ``x`` (a NumPy array; PyTorch's gets a batch dimension), and check
    the outputs and every parameter's gradient of the loss Σ cᵢ·outᵢ (fixed random cᵢ) to 1e-10,
    in float64."""
    import numpy as np
    import torch

    import nn
    from nn.shapes import flatten
    from nn.tensors import entries

    def check(ours: nn.Module, theirs: torch.nn.Module, x: np.ndarray) -> None:
        theirs = theirs.double()
        ours.load_state_dict(theirs.state_dict())
        out = theirs(torch.tensor(x[None], dtype=torch.float64))[0]
        mine = flatten(ours(x))
        expected = out.detach().numpy().ravel()
        assert np.allclose([v.data for v in mine], expected, rtol=0, atol=1e-10)
        weights = np.random.default_rng(0).uniform(-1, 1, expected.size).tolist()
        (out.reshape(-1) @ torch.tensor(weights, dtype=torch.float64)).backward()
        autograd.total([w * v for w, v in zip(weights, mine, strict=True)]).backward()
        grads = entries({k: p.grad for k, p in theirs.named_parameters()})
        named = dict(ours.named_parameters())
        assert set(grads) == set(named)
        for name, grad in grads.items():
            assert abs(named[name].grad - float(grad)) <= 1e-10, name  # type: ignore[arg-type]

    return check


Mean = tuple[float, list[float]]
Rows = Sequence[Sequence[float]]


@pytest.fixture(scope="session")
def eager_mean() -> Callable[..., Mean]:
    """``eager_mean(fn, params, rows)``: the mean of fn over the rows and its gradient, by the
    eager engine (the grads are left at 0)."""
    from autograd import total

    def mean_of(
        fn: Callable[..., Any], params: Sequence[Any], rows: Sequence[Sequence[float]]
    ) -> Mean:
        for p in params:
            p.grad = 0.0
        mean = total([fn(*row) for row in rows]) / len(rows)
        mean.backward()
        grads = [p.grad for p in params]
        for p in params:
            p.grad = 0.0
        return mean.data, grads

    return mean_of


@pytest.fixture(scope="session")
def replay_agrees(eager_mean: Callable[..., Mean]) -> Callable[..., Any]:
    """``replay_agrees(fn, params, rows)``: asserts that the batch replay of fn on the rows gives
    the eager engine's mean and gradients (to 1e-9); returns the compiled function. Session-wide,
    so that Hypothesis tests may use it."""
    import numpy as np

    from autograd import compile

    def agrees(
        fn: Callable[..., Any], params: Sequence[Any], rows: Sequence[Sequence[float]]
    ) -> Any:
        expected_value, expected_grads = eager_mean(fn, params, rows)
        compiled = compile(fn, params)
        value = compiled(*[np.array(column) for column in zip(*rows, strict=True)])
        grads = [p.grad for p in params]
        for p in params:
            p.grad = 0.0
        assert value == pytest.approx(expected_value, rel=1e-9, abs=1e-12)
        assert grads == pytest.approx(expected_grads, rel=1e-9, abs=1e-12)
        return compiled

    return agrees

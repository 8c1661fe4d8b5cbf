"""Shared test set-up: Hypothesis profiles, thorough in CI but bounded in time.

``HYPOTHESIS_PROFILE=thorough`` runs many more examples, for a deliberate deep check.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

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


def examples(share: float, *, at_least: int = 3) -> int:
    """The number of examples for a slow property: its share of the profile's ``max_examples``
    (so the thorough profile raises it too), and at least ``at_least``. Written where a test's
    settings are declared: ``@settings(max_examples=examples(0.05))``."""
    return max(at_least, round(settings.default.max_examples * share))


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

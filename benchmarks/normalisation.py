"""Batch normalisation's measured claim: a deep sigmoid network on the digits, with and without
``nn.BatchNorm1d``, the same seeds, batches and learning rate.

``python -m benchmarks.normalisation`` trains both (64 → 6 hidden layers of 32 sigmoids → 10,
cross-entropy, plain SGD) until the held-out accuracy reaches 90 % or the step budget ends,
scoring the held-out quarter every few steps, and writes the steps taken and the first layer's
gradient norms to ``benchmarks/normalisation.json``, which notebook 12 shows. The network with
batch normalisation trains in the eager engine (the compiled replay treats examples as
independent rows, and batch statistics couple them); the one without is trained by the replay,
which gives the same losses and gradients, faster.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import time
from pathlib import Path
from typing import Any

import nn
from autograd.atomic import write_atomically

HERE = Path(__file__).parent
RESULT = HERE / "normalisation.json"
HIDDEN = [32] * 6
LEARNING_RATE = 0.5
BATCH_SIZE = 32
TARGET = 0.9
TEST_EVERY = 20
SEED = 0


def network(batch_norm: bool) -> nn.Sequential:
    """64 → six sigmoid layers of 32 (each after a BatchNorm1d when asked) → 10 logits; the
    Linear layers' weights are the same with and without."""
    layers: list[nn.Module] = []
    sizes = [64, *HIDDEN]
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(fan_in, fan_out, seed=SEED + i))
        if batch_norm:
            layers.append(nn.BatchNorm1d(fan_out))
        layers.append(nn.Sigmoid())
    layers.append(nn.Linear(sizes[-1], 10, seed=SEED + len(HIDDEN)))
    return nn.Sequential(*layers)


class _Reached(Exception):
    """Raised by the callback to stop training once the target accuracy is reached."""


def run(batch_norm: bool, steps: int) -> dict[str, Any]:
    """Train one network; the step at which it first scored ≥ 90 % (None if it never did), the
    held-out accuracies, and the first layer's gradient norm ‖∂L/∂W₁‖ at every step."""
    x, y = nn.datasets.load_digits(flat=True)
    split = nn.datasets.train_test_split(x, y, test_fraction=0.25, seed=SEED)
    model = network(batch_norm)
    first = model[0]
    norms: list[float] = []
    seen: list[nn.History] = []

    def callback(step: int, history: nn.History) -> None:
        seen[:] = [history]
        norms.append(math.sqrt(sum(p.grad**2 for p in first.parameters())))
        if history.test_steps[-1] == step and history.test_accuracy[-1] >= TARGET:
            raise _Reached

    started = time.perf_counter()
    with contextlib.suppress(_Reached):
        nn.fit(
            model,
            split.x_train,
            split.y_train,
            optimizer=nn.SGD(model.parameters(), lr=LEARNING_RATE),
            loss="cross_entropy",
            steps=steps,
            batch_size=BATCH_SIZE,
            test=(split.x_test, split.y_test),
            test_every=TEST_EVERY,
            seed=SEED,
            callback=callback,
            compile=not batch_norm,
        )
    history = seen[0]
    reached = [
        s for s, a in zip(history.test_steps, history.test_accuracy, strict=True) if a >= TARGET
    ]
    return {
        "batch_norm": batch_norm,
        "steps_to_90": reached[0] if reached else None,
        "steps_run": len(history.loss),
        "test_steps": history.test_steps,
        "test_accuracy": history.test_accuracy,
        "loss": history.loss,
        "first_layer_gradient_norm": norms,
        "seconds": round(time.perf_counter() - started, 1),
    }


#: The step budgets: the eager engine trains the network with batch normalisation about ten
#: times slower than the replay trains the one without, so it gets fewer steps.
BUDGET = {True: 1000, False: 3000}


def main() -> int:
    results = {
        "setup": {
            "network": "64 → 6 × 32 sigmoid → 10, cross-entropy",
            "optimizer": f"SGD lr={LEARNING_RATE}",
            "batch_size": BATCH_SIZE,
            "test": "a quarter of the 1,797 digits held out (seed 0), scored every "
            f"{TEST_EVERY} steps",
            "step_budget": {"with": BUDGET[True], "without": BUDGET[False]},
        },
        "runs": [run(batch_norm, BUDGET[batch_norm]) for batch_norm in (True, False)],
    }
    write_atomically(RESULT, (json.dumps(results, indent=1) + "\n").encode("utf-8"))
    for r in results["runs"]:
        print(r["batch_norm"], r["steps_to_90"], r["steps_run"], r["seconds"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

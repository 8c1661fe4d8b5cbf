"""Batch normalisation's measured claim: a deep sigmoid network on the digits, with and without
``nn.BatchNorm1d``, the same seeds, batches and learning rate.

``python -m benchmarks.normalisation [--quick] [--record]`` (``make bench`` runs it after the
suite) trains both (64 → 6 hidden layers of 32 sigmoids → 10, cross-entropy, plain SGD) by the
compiled replay until the held-out accuracy reaches 90 % or the step budget ends, scoring the
held-out quarter every few steps, and times one training step of the network with batch
normalisation eager and compiled. The steps taken, the first layer's gradient norms and the
times go to ``benchmarks/results/normalisation.json`` and ``.md``; ``--record`` also writes
them to ``benchmarks/normalisation.json`` (which notebook 12 shows) and
``benchmarks/NORMALISATION.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import statistics
import time
from pathlib import Path
from typing import Any

import nn
from autograd.atomic import write_atomically
from nn.replay import CompiledLoss

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
            compile=True,
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


#: The step budget of each network (both are trained by the compiled replay).
BUDGET = 3000
QUICK_BUDGET = 600


def step_seconds(rounds: int = 5) -> dict[str, float]:
    """One training step (loss and gradients of a batch of 32) of the network with batch
    normalisation, eager and compiled: the median of ``rounds``, and the compiled one's first
    call (tracing and writing the replay) less a later one."""
    x, y = nn.datasets.load_digits(flat=True)
    xb, yb = x[:BATCH_SIZE], y[:BATCH_SIZE]
    model = network(batch_norm=True)
    loss = CompiledLoss(model, nn.LOSSES["cross_entropy"])

    def eager() -> None:
        nn.cross_entropy(nn.metrics.outputs_of(model, xb), yb).backward()

    started = time.perf_counter()
    loss(xb, yb)
    first = time.perf_counter() - started
    times: dict[str, list[float]] = {"eager": [], "compiled": []}
    for _ in range(rounds):
        for name, step in (("eager", eager), ("compiled", lambda: loss(xb, yb))):
            started = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(seconds) for name, seconds in times.items()}
    return {**medians, "compile": first - medians["compiled"]}


def table(results: dict[str, Any]) -> str:
    """The results as Markdown."""
    setup, step = results["setup"], results["step_seconds"]
    lines = [
        "# Batch normalisation: a deep sigmoid network on the digits",
        "",
        f"{setup['network']}, {setup['optimizer']}, batches of {setup['batch_size']}; "
        f"{setup['test']}; at most {setup['step_budget']:,} steps, both trained compiled.",
        "",
        "| network | steps to 90 % | last held-out accuracy | mean ‖∂L/∂W₁‖, first 20 steps "
        "| wall time |",
        "| --- | --- | --- | --- | --- |",
    ]
    for run in results["runs"]:
        reached = run["steps_to_90"]
        norms = run["first_layer_gradient_norm"][:20]
        lines.append(
            f"| {'with' if run['batch_norm'] else 'without'} batch normalisation | "
            f"{'not reached' if reached is None else reached} | "
            f"{run['test_accuracy'][-1]:.1%} | {sum(norms) / len(norms):.2e} | "
            f"{run['seconds']:.0f} s |"
        )
    lines += [
        "",
        f"One training step of the network with batch normalisation (batch of {BATCH_SIZE}): "
        f"eager {1000 * step['eager']:.0f} ms, compiled {1000 * step['compiled']:.1f} ms "
        f"({step['eager'] / step['compiled']:.0f}× faster; compiling took "
        f"{step['compile']:.2f} s once).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.normalisation", description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_BUDGET} steps at most")
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument(
        "--record",
        action="store_true",
        help="also write benchmarks/normalisation.json and benchmarks/NORMALISATION.md",
    )
    args = parser.parse_args(argv)
    budget = QUICK_BUDGET if args.quick else BUDGET
    results: dict[str, Any] = {
        "setup": {
            "network": "64 → 6 × 32 sigmoid → 10, cross-entropy",
            "optimizer": f"SGD lr={LEARNING_RATE}",
            "batch_size": BATCH_SIZE,
            "test": "a quarter of the 1,797 digits held out (seed 0), scored every "
            f"{TEST_EVERY} steps",
            "step_budget": budget,
        },
        "runs": [],
        "step_seconds": step_seconds(),
    }
    for batch_norm in (True, False):
        results["runs"].append(run(batch_norm, budget))
        r = results["runs"][-1]
        print(f"batch norm {batch_norm}: 90 % at step {r['steps_to_90']}, {r['seconds']} s")
    text = json.dumps(results, indent=1) + "\n"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / "normalisation.json", text.encode("utf-8"))
    write_atomically(out / "normalisation.md", table(results).encode("utf-8"))
    if args.record:
        write_atomically(RESULT, text.encode("utf-8"))
        write_atomically(HERE / "NORMALISATION.md", table(results).encode("utf-8"))
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The adding problem at length 50: chainrule's LSTM and tanh RNN, compiled, beside PyTorch's
``nn.LSTM`` and the same LSTM step by hand in NumPy (:mod:`benchmarks.lstm_numpy`, CPU time a
step only) on the same data and the same schedule; compile time against the length; and the
vanishing gradient, ‖∂L/∂h₁‖ / ‖∂L/∂h_T‖, at initialisation.

``python -m benchmarks.adding [--quick] [--steps N] [--pairs K]`` (``make bench`` runs it after
the suite, whose report has the CPU time of a step of each, :func:`per_step_cpu`). The whole
runs' wall times are compared run against run: PyTorch's and chainrule's LSTM in turn, K times,
each run in a fresh process of its own with one thread per matrix library
(:func:`wall_time_pairs`), so that both see the machine as it is at that moment.
The recipe: hidden size 8, Adam with lr 5e-3, batches of 32 from 2,000 training sequences, the
gradients' norm clipped at 1; test MSE on 500 held-out sequences (always predicting 1.0 gives
1/6 ≈ 0.167). PyTorch runs in its default float32, one batched tensor per step, as its users
would; chainrule in float64, a replay of the traced graph on the whole batch.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nn
from benchmarks.lstm_numpy import HandLSTM
from nn.losses import squared_error
from nn.replay import CompiledLoss, CompiledOutputs

HERE = Path(__file__).resolve().parent
HIDDEN, LR, BATCH, CLIP, TRAIN, TEST = 8, 5e-3, 32, 1.0, 2000, 500
#: The sequences' length.
LENGTH = 50


def data(length: int) -> tuple[Any, Any]:
    """The training and the held-out sequences, each with its targets."""
    return nn.datasets.make_adding_problem(TRAIN, length, seed=0), nn.datasets.make_adding_problem(
        TEST, length, seed=1
    )


def fit_compiled(
    cell: str, x: Any, y: Any, steps: int, callback: Callable[[int, nn.History], None]
) -> nn.RecurrentRegressor:
    """A model of ``cell`` trained by the recipe, compiled, calling ``callback`` after each
    step."""
    model = nn.RecurrentRegressor(cell, 2, HIDDEN, seed=0)
    nn.fit(
        model,
        x,
        y,
        optimizer=nn.Adam(model.parameters(), lr=LR),
        loss="mse",
        steps=steps,
        batch_size=BATCH,
        seed=0,
        progress=False,
        compile=True,
        clip_norm=CLIP,
        callback=callback,
    )
    return model


def chainrule_run(cell: str, length: int, steps: int) -> dict[str, float]:
    """Train ``cell`` compiled for ``steps`` steps: wall and CPU time, compile time, test
    MSE."""
    (x, y), (x_test, y_test) = data(length)
    first: list[float] = []
    started, cpu = time.perf_counter(), time.process_time()

    def note(step: int, _: nn.History) -> None:
        if step == 1:
            first.append(time.perf_counter() - started)

    model = fit_compiled(cell, x, y, steps, note)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    per_step = (seconds - first[0]) / max(1, steps - 1)
    test_mse = nn.metrics.mean_squared_error(CompiledOutputs(model)(x_test), y_test)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "per_step": per_step,
        "compile_seconds": first[0] - per_step,
        "test_mse": test_mse,
    }


def wall_time_pairs(length: int, steps: int, pairs: int) -> list[dict[str, Any]]:
    """``pairs`` whole runs of each LSTM, PyTorch's then chainrule's, in turn, each in a fresh
    process with one thread per matrix library: each pair's two runs (wall and CPU time, test
    MSE; chainrule's with its compile)."""
    from benchmarks.run import one_thread_apart

    found: list[dict[str, Any]] = []
    for k in range(pairs):
        pair: dict[str, Any] = {}
        for name, call in (
            ("torch", f"adding.torch_run({length}, {steps})"),
            ("chainrule", f"adding.chainrule_run('lstm', {length}, {steps})"),
        ):
            run = one_thread_apart(f"adding, {name}'s run {k + 1}", call)
            if run is None:
                raise SystemExit(f"adding: {name}'s whole run failed (its error is above)")
            pair[name] = run
        print(
            f"whole runs, pair {k + 1} of {pairs}: PyTorch {pair['torch']['seconds']:.2f} s, "
            f"chainrule {pair['chainrule']['seconds']:.2f} s",
            flush=True,
        )
        found.append(pair)
    return found


def median_run(pairs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The run of ``name`` whose wall time is the median of its runs (the lower middle one)."""
    runs = sorted((pair[name] for pair in pairs), key=lambda run: run["seconds"])
    return runs[(len(runs) - 1) // 2]


def torch_trainer(length: int) -> tuple[Callable[[], None], Callable[[Any], Any]]:
    """PyTorch's nn.LSTM and nn.Linear with the same recipe and the same batches: a function
    that takes one training step, and the predictions on some sequences."""
    import torch

    torch.manual_seed(0)
    torch.set_num_threads(1)  # small tensors: threads only add overhead on a shared machine
    (x, y), _ = data(length)
    lstm, head = torch.nn.LSTM(2, HIDDEN), torch.nn.Linear(HIDDEN, 1)
    parameters = [*lstm.parameters(), *head.parameters()]
    optimizer = torch.optim.Adam(parameters, lr=LR)
    stream = _batches(x, y)

    def predict(sequences: Any) -> Any:
        out, _ = lstm(torch.tensor(sequences, dtype=torch.float32).transpose(0, 1))
        return head(out[-1]).squeeze(-1)

    def step() -> None:
        xb, yb = next(stream)
        optimizer.zero_grad()
        loss = torch.mean((predict(xb) - torch.tensor(yb, dtype=torch.float32)) ** 2)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, CLIP)
        optimizer.step()

    return step, predict


def numpy_trainer(length: int) -> Callable[[], None]:
    """The same step written by hand in NumPy (:class:`benchmarks.lstm_numpy.HandLSTM`, float64)
    from chainrule's initial weights, on the same batches, the training set read into an array
    once: a function that takes one training step."""
    import numpy as np

    (x, y), _ = data(length)
    model = nn.RecurrentRegressor("lstm", 2, HIDDEN, seed=0)
    hand = HandLSTM(2, HIDDEN, LR, CLIP, [p.data for p in model.parameters()])
    sequences, targets = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)
    stream = _batches(list(range(len(x))), y)

    def step() -> None:
        chosen, _ = next(stream)
        hand.step(sequences[chosen], targets[chosen])

    return step


def torch_run(length: int, steps: int) -> dict[str, float]:
    """PyTorch's run: wall and CPU time, test MSE."""
    import torch

    step, predict = torch_trainer(length)
    _, (x_test, y_test) = data(length)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    with torch.no_grad():
        test_mse = float(torch.mean((predict(x_test) - torch.tensor(y_test)) ** 2))
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "per_step": seconds / steps,
        "test_mse": test_mse,
    }


def per_step_cpu(length: int, steps: int) -> dict[str, float]:
    """CPU time of a training step (median, ``time.process_time``), chainrule's compiled LSTM
    in ``nn.fit``, PyTorch's ``nn.LSTM`` and the step by hand in NumPy taking turns step by
    step, so that all see the same load on a shared machine; the first step (chainrule's
    compile) apart."""
    others = {"torch": torch_trainer(length)[0], "numpy": numpy_trainer(length)}
    (x, y), _ = data(length)
    ours: list[float] = []
    theirs: dict[str, list[float]] = {name: [] for name in others}
    since = [time.process_time()]

    def turn(step: int, _: nn.History) -> None:
        ours.append(time.process_time() - since[0])
        for name, other in others.items():
            started = time.process_time()
            other()
            theirs[name].append(time.process_time() - started)
        since[0] = time.process_time()

    fit_compiled("lstm", x, y, steps, turn)
    return {
        "chainrule": statistics.median(ours[1:]),
        **{name: statistics.median(times) for name, times in theirs.items()},
        "first_step": ours[0],
    }


def _batches(x: Any, y: Any) -> Any:
    """nn.fit's batches: shuffled epochs from the same seed."""
    import random

    rng = random.Random(0)
    while True:
        yield from nn.datasets.batches(x, y, BATCH, rng)


def compile_seconds(cell: str, length: int) -> float:
    """Tracing and writing one batch's loss: the first call less a later one."""
    (x, y), _ = data(length)
    loss = CompiledLoss(
        nn.RecurrentRegressor(cell, 2, HIDDEN, seed=0), squared_error, regression=True
    )
    started = time.perf_counter()
    loss(x[:BATCH], y[:BATCH])
    first = time.perf_counter() - started
    later = []
    for _ in range(3):
        started = time.perf_counter()
        loss(x[:BATCH], y[:BATCH])
        later.append(time.perf_counter() - started)
    return first - statistics.median(later)


def gradient_ratio(cell: str, length: int, sequences: int = 16) -> tuple[float, list[float]]:
    """‖∂L/∂h₁‖ / ‖∂L/∂h_T‖ at initialisation, the norms averaged over some sequences."""
    (x, y), _ = data(length)
    model = nn.RecurrentRegressor(cell, 2, HIDDEN, seed=0)
    runs = [nn.gradient_norms_through_time(model, x[i], y[i]) for i in range(sequences)]
    mean = [statistics.fmean(column) for column in zip(*runs, strict=True)]
    return mean[0] / mean[-1], mean


def per_step_summary(cpu: dict[str, float]) -> str:
    """The three steps' CPU times and chainrule's over each of the others', in one line."""
    return (
        f"chainrule {1000 * cpu['chainrule']:.2f} ms, PyTorch {1000 * cpu['torch']:.2f} ms, "
        f"NumPy by hand {1000 * cpu['numpy']:.2f} ms (chainrule ÷ PyTorch "
        f"{cpu['chainrule'] / cpu['torch']:.2f}×, chainrule ÷ NumPy by hand "
        f"{cpu['chainrule'] / cpu['numpy']:.2f}×)"
    )


def table(results: dict[str, Any]) -> str:
    """The results of one run as Markdown."""
    t, steps, pairs = results["length"], results["steps"], results["pairs"]
    torch = median_run(pairs, "torch")
    lines = [
        f"# The adding problem, T = {t}, {steps:,} steps",
        "",
        "Hidden size 8, Adam lr 5e-3, batches of 32 from 2,000 sequences, gradient norm clipped",
        "at 1; test MSE on 500 held-out sequences (always predicting 1.0: 0.167).",
        "",
        "| model | test MSE | wall time | CPU time | per step (wall) | compile |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for cell in ("lstm", "rnn"):
        run = median_run(pairs, "chainrule") if cell == "lstm" else results[cell]
        lines.append(
            f"| chainrule {cell.upper()}, compiled | {run['test_mse']:.4f} | "
            f"{run['seconds']:.1f} s | {run['cpu_seconds']:.1f} s | "
            f"{1000 * run['per_step']:.2f} ms | {run['compile_seconds']:.2f} s |"
        )
    lines.append(
        f"| PyTorch nn.LSTM (float32, 1 thread) | {torch['test_mse']:.4f} | "
        f"{torch['seconds']:.1f} s | {torch['cpu_seconds']:.1f} s | "
        f"{1000 * torch['per_step']:.2f} ms | |"
    )
    ours = [pair["chainrule"]["seconds"] for pair in pairs]
    theirs = [pair["torch"]["seconds"] for pair in pairs]
    each = ", ".join(f"{a:.2f} / {b:.2f} s" for a, b in zip(ours, theirs, strict=True))
    lines += [
        "",
        f"The LSTMs' rows are the median of {len(pairs)} whole runs of each, PyTorch's and "
        "chainrule's in turn, each in a fresh process with one thread per matrix library. "
        f"Run against run, chainrule / PyTorch: {each}; chainrule's over PyTorch's, median "
        f"{statistics.median(a / b for a, b in zip(ours, theirs, strict=True)):.2f}×, "
        f"chainrule faster in {sum(a < b for a, b in zip(ours, theirs, strict=True))} of "
        f"{len(pairs)}.",
    ]
    cpu = results["per_step_cpu"]
    lines += [
        "",
        f"CPU time a step, the three LSTMs taking turns ({cpu['steps']} steps, medians): "
        f"{per_step_summary(cpu)}.",
    ]
    lines += ["", "| length T | LSTM compile time |", "| --- | --- |"]
    lines += [f"| {n} | {s:.2f} s |" for n, s in results["compile_seconds"].items()]
    lines += ["", f"‖∂L/∂h₁‖ / ‖∂L/∂h_{t}‖ at initialisation (mean norms over 16 sequences):"]
    lines += [
        f"RNN {results['rnn_gradient_ratio']:.2e}, LSTM {results['lstm_gradient_ratio']:.2e}."
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.adding", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="300 steps, shorter compile sizes")
    parser.add_argument("--steps", type=int, default=0, help="training steps (default 3,000)")
    parser.add_argument("--length", type=int, default=LENGTH)
    parser.add_argument(
        "--pairs", type=int, default=0, help="whole LSTM runs of each library (default 5)"
    )
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument(
        "--record",
        action="store_true",
        help="also write this run's tables over benchmarks/ADDING.md",
    )
    parser.add_argument(
        "--per-step",
        action="store_true",
        help="only the CPU time of a step, chainrule's LSTM, PyTorch's and NumPy's by hand "
        "taking turns",
    )
    args = parser.parse_args(argv)
    if args.per_step:
        cpu = per_step_cpu(args.length, args.steps or 300)
        print(
            f"CPU per step: {per_step_summary(cpu)}; "
            f"chainrule's first step (compile) {cpu['first_step']:.2f} s"
        )
        return 0
    steps = args.steps or (300 if args.quick else 3000)
    lengths = (10, 25, 50) if args.quick else (10, 25, 50, 100)
    results: dict[str, Any] = {"length": args.length, "steps": steps}
    for cell in ("rnn", "lstm"):
        ratio, norms = gradient_ratio(cell, args.length)
        results[f"{cell}_gradient_ratio"] = ratio
        results[f"{cell}_gradient_norms"] = norms
        print(f"{cell}: ‖∂L/∂h₁‖/‖∂L/∂h_{args.length}‖ at initialisation = {ratio:.3g}", flush=True)
    compile_seconds("lstm", 2)  # the first compile of a process also loads NumPy: not counted
    results["compile_seconds"] = {n: compile_seconds("lstm", n) for n in lengths}
    print(f"LSTM compile seconds by length: {results['compile_seconds']}", flush=True)
    per_step = 100 if args.quick else 300
    results["per_step_cpu"] = {**per_step_cpu(args.length, per_step), "steps": per_step}
    print(f"CPU per step: {results['per_step_cpu']}", flush=True)
    pairs = args.pairs or (2 if args.quick else 5)
    results["pairs"] = wall_time_pairs(args.length, steps, pairs)
    results["rnn"] = chainrule_run("rnn", args.length, steps)
    print(f"chainrule rnn: {results['rnn']}", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "adding.json").write_text(json.dumps(results, indent=1))
    (out / "adding.md").write_text(table(results))
    if args.record:
        (HERE / "ADDING.md").write_text(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Run the suite: ``python -m benchmarks [--quick] [--rounds N] [--no-torch] [--record]``.

Workloads, each run on every library that is installed, interleaved:

* **train**: one training step of each library's own ``MLP(2, [16, 16, 1])`` on 100 moons points
  (:mod:`benchmarks.moons`), garbage collector at its defaults;
* **graph**: the same step with the MLP built op by op from raw scalars, the engine alone
  (:mod:`benchmarks.graph`);
* **chain**: forward and backward through a long chain of scalar ops (:mod:`benchmarks.chain`);
* **depth**: chainrule's chain at growing depths, up to 1,000,000 nodes, with the garbage
  collector at its defaults and paused (the engine's own cost);
* **memory**: bytes and collector-tracked objects per node (:mod:`benchmarks.memory`);
* **drawing**: Graphviz on the recurrent chain up to the size limit, and the explorer page's
  build time and size (:mod:`benchmarks.drawing`);
* **replay**: the training step by the compiled replay, one example at a time with floats and
  the whole batch with NumPy (:mod:`benchmarks.replay`), beside the raw-Python limit, the same
  step written by hand in NumPy (:mod:`benchmarks.arrays`), PyTorch with batched tensors
  (:mod:`benchmarks.tensors`) and micrograd's eager step;
* **fastest**: A. Rogozhnikov's "Fastest Autograd in the West" graph of many scalar ops
  (:mod:`benchmarks.fastest`), by chainrule eager, chainrule compiled (its compile time apart)
  and PyTorch 0-d tensors;
* **compile**: the compile time of that graph at growing sizes, up to 1,000,000 nodes;
* **microgpt**: a microgpt-style GPT's training step on chainrule's ``Value`` and on a ``Value``
  of microgpt's design, op by op and per node of memory (:mod:`benchmarks.microgpt`).
* **digits**: the digits CNN training step by the batch replay beside the same step by hand in
  NumPy (im2col) and in PyTorch's CPU modules, and its compile time (:mod:`benchmarks.digits`),
  in a process of its own with one thread per matrix library.
* **adding**: the adding problem's training step (T = 50), chainrule's compiled LSTM in
  ``nn.fit``, PyTorch's ``nn.LSTM`` and the step by hand in NumPy
  (:mod:`benchmarks.lstm_numpy`) taking turns step by step, CPU time of each
  (:func:`benchmarks.adding.per_step_cpu`; the full 3,000-step runs are
  ``python -m benchmarks.adding``), in a process of its own with one thread per matrix library.

The raw-Python limit (:mod:`benchmarks.floats`) runs beside train and graph. Results go to
``benchmarks/results/`` as ``results.json``, ``results.md`` and ``results.png``; ``--record`` also
writes the table to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd.collector import paused_collector
from benchmarks import (
    adding,
    arrays,
    chain,
    digits,
    drawing,
    fastest,
    floats,
    graph,
    memory,
    microgpt,
    moons,
    peers,
    replay,
    report,
    tensors,
)
from benchmarks.timing import Contestant, Timing, interleaved

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Settings:
    rounds: int
    chain_nodes: int
    depths: tuple[int, ...]
    depth_rounds: int
    #: The "fastest autograd" graph: its sizes in ops, and the rounds at each.
    fastest_ops: tuple[int, ...] = (10_000, 100_000)
    fastest_rounds: int = 3
    #: The graph sizes, in nodes, whose compile time is measured.
    compile_nodes: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
    #: Training steps of the adding problem's LSTM, each library's timed.
    adding_steps: int = 300


FULL = Settings(rounds=5, chain_nodes=30_000, depths=(10_000, 100_000, 1_000_000), depth_rounds=3)
QUICK = Settings(
    rounds=2,
    chain_nodes=3_000,
    depths=(1_000, 10_000, 100_000),
    depth_rounds=1,
    fastest_ops=(1_000, 10_000),
    fastest_rounds=1,
    compile_nodes=(1_000, 10_000, 100_000),
    adding_steps=100,
)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    settings = QUICK if args.quick else FULL
    if args.rounds:
        settings = dataclasses.replace(
            settings, rounds=args.rounds, depth_rounds=args.rounds, fastest_rounds=args.rounds
        )
    libs = peers.available(include_torch=not args.no_torch)
    by_name = {lib.name: lib for lib in libs}
    # Importing PyTorch alone makes some 140,000 objects that every full collection would walk,
    # slowing down whichever library collects most. Set them aside, as a long-running program's
    # imports would be: each library then pays only for the objects it makes itself.
    for module in ("nn", "micrograd.nn", "matplotlib.pyplot"):
        if peers.has(module.split(".")[0]):
            importlib.import_module(module)
    gc.collect()
    gc.freeze()
    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": machine(),
        "versions": peers.versions(),
        "settings": settings.__dict__,
        "peers": [lib.name for lib in libs],
    }

    _say(f"train: one step of each library's own MLP{moons.SIZES[1:]} on 100 moons points")
    own_steps: dict[str, Callable[[], Callable[[], float]]] = {
        peers.CHAINRULE: moons.chainrule_step
    }
    if peers.MICROGRAD in by_name:
        own_steps[peers.MICROGRAD] = moons.micrograd_step
    if peers.TORCH in by_name:  # PyTorch has no MLP of scalars of its own: the op-by-op one
        own_steps[peers.TORCH] = _bind(graph.step, by_name[peers.TORCH])
    own_steps[peers.FLOATS] = floats.step
    results["train"] = _timed(own_steps, rounds=settings.rounds, repeat=2)

    _say("graph: the same step, the MLP built op by op from raw scalars (the engine alone)")
    op_by_op: dict[str, Callable[[], Callable[[], float]]] = {
        lib.name: _bind(graph.step, lib) for lib in libs
    }
    op_by_op[peers.FLOATS] = floats.step
    results["graph_agrees"] = _losses_agree(op_by_op)
    results["graph"] = _timed(op_by_op, rounds=settings.rounds, repeat=2)

    _say(f"chain: forward and backward through a chain of {settings.chain_nodes:,} nodes")
    chains = {lib.name: _bind(chain.chain, lib, settings.chain_nodes) for lib in libs}
    results["chain"] = _timed(chains, rounds=settings.rounds, repeat=2)

    _say(f"depth: chainrule's chain at {', '.join(f'{d:,}' for d in settings.depths)} nodes")
    chainrule = by_name[peers.CHAINRULE]
    depths: dict[str, Callable[[], Callable[[], float]]] = {}
    for nodes in settings.depths:
        depths[f"{nodes:,} nodes"] = _bind(chain.chain, chainrule, nodes)
        depths[f"{nodes:,} nodes, paused"] = _bind(_collector_paused, chain.chain, chainrule, nodes)
    depth_timings = _timed(depths, rounds=settings.depth_rounds, repeat=1, warmup=0)
    results["depth"] = [
        {
            "nodes": nodes,
            "defaults": depth_timings[f"{nodes:,} nodes"],
            "paused": depth_timings[f"{nodes:,} nodes, paused"],
        }
        for nodes in settings.depths
    ]

    _say("replay: the training step replayed by autograd.compile, floats and NumPy batch")
    replays: dict[str, Callable[[], Callable[[], float]]] = {
        report.REPLAY_FLOATS: replay.one_at_a_time,
        report.REPLAY_BATCH: replay.whole_batch,
        peers.FLOATS: floats.step,
        report.NUMPY: arrays.step,
    }
    if peers.TORCH in by_name:
        replays[report.TORCH_BATCHED] = tensors.step
    results["replay_agrees"] = _losses_agree(replays)
    if peers.MICROGRAD in by_name:  # its own MLP and weights: a different loss
        replays[peers.MICROGRAD] = moons.micrograd_step
    results["replay"] = _timed(replays, rounds=settings.rounds, repeat=2)

    results["fastest"] = _fastest(settings, include_torch=peers.TORCH in by_name)
    results["compile"] = _compile_times(settings)
    results["digits"] = _digits(settings, include_torch=peers.TORCH in by_name)
    results["adding"] = _adding(settings) if peers.TORCH in by_name else None

    _say("microgpt: a GPT's training step on chainrule's Value and on microgpt's own design")
    results["microgpt"] = microgpt.measure(settings.rounds)
    for name, step in results["microgpt"]["step"].items():
        _say(f"  {name:48} {step['median']:.4f} s (median of {len(step['seconds'])})")

    _say("memory: bytes per node of the op-by-op training graph (tracemalloc)")
    results["memory"] = {
        lib.name: memory.per_node(lib) for lib in libs if lib.name in memory.INPUTS
    }

    _say("drawing: the recurrent chain drawn, and its explorer page built, up to 500 nodes")
    results["drawing"] = drawing.measure(rounds=settings.depth_rounds)

    results["goals"] = report.goals(results)
    results["seconds"] = round(time.perf_counter() - started, 1)
    table = report.markdown(results)
    print()
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (out / "results.md").write_text(table, encoding="utf-8")
    chart = report.chart(results, out / "results.png")
    if args.record:
        (HERE / "RESULTS.md").write_text(table, encoding="utf-8")
    _say(f"written: {out / 'results.json'}, {out / 'results.md'}" + (f", {chart}" if chart else ""))
    return 0


def _fastest(settings: Settings, *, include_torch: bool) -> list[dict[str, Any]]:
    """The "fastest autograd" graph at each size: times per forward and backward, compile time
    apart, and whether every library's gradients agree."""
    rows = []
    for ops in settings.fastest_ops:
        _say(f"fastest: A. Rogozhnikov's graph of {ops:,} scalar ops, forward and backward")
        compiled: list[tuple[Callable[[], float], float]] = []  # compiled once, kept

        def compiled_run(ops: int = ops, kept: list[Any] = compiled) -> Callable[[], float]:
            if not kept:
                kept.append(fastest.chainrule_compiled(ops))
            run: Callable[[], float] = kept[0][0]
            return run

        setups: dict[str, Callable[[], Callable[[], float]]] = {
            report.FASTEST_EAGER: _bind(fastest.chainrule_eager, ops),
            report.FASTEST_COMPILED: compiled_run,
        }
        if include_torch:
            setups[peers.TORCH] = _bind(fastest.torch_scalars, ops)
        timings = _timed(setups, rounds=settings.fastest_rounds, repeat=1)
        rows.append(
            {
                "ops": ops,
                "nodes": fastest.graph_nodes(ops),
                "timings": timings,
                "compile_seconds": compiled[0][1] if compiled else None,
                "agrees": _losses_agree(setups),
            }
        )
    return rows


def _compile_times(settings: Settings) -> list[dict[str, float]]:
    """Compile time of the "fastest autograd" graph at growing sizes, one measurement each, each
    in a fresh Python process: the memory earlier workloads left behind (several GB before the
    largest graph) would otherwise weigh on the largest compile, not its own work."""
    rows = []
    for nodes in settings.compile_nodes:
        ops = fastest.ops_for_nodes(nodes)
        script = (
            "import json; from benchmarks import fastest; "
            f"print(json.dumps(fastest.compile_seconds({ops})))"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=HERE.parent, capture_output=True, text=True
        )
        if done.returncode != 0:
            _say(f"compile: {nodes:,} nodes fails: {done.stderr.strip().splitlines()[-1]}")
            break
        row = json.loads(done.stdout)
        _say(f"compile: {row['nodes']:,} nodes in {row['seconds']:.2f} s")
        rows.append(row)
    return rows


def _digits(settings: Settings, *, include_torch: bool) -> dict[str, Any] | None:
    """The digits CNN step (:mod:`benchmarks.digits`), measured in a fresh process whose matrix
    libraries have one thread each (:func:`digits_measured`)."""
    _say(f"digits: the digits CNN step, batch of {digits.BATCH}, one thread each")
    row = one_thread_apart("digits", f"run.digits_measured({settings.rounds}, {include_torch})")
    if row is not None:
        _say(f"digits: compiled in {row['compile_seconds']:.2f} s")
    return row


def one_thread_apart(workload: str, call: str) -> dict[str, Any] | None:
    """The JSON result of ``call`` (of :mod:`benchmarks.run` or :mod:`benchmarks.adding`), run
    in a fresh process whose matrix libraries have one thread each; None if it fails (its error
    printed, the ``workload`` named)."""
    script = f"import json; from benchmarks import adding, run; print(json.dumps({call}))"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=HERE.parent,
        env={**os.environ, **digits.ONE_THREAD},
        stdout=subprocess.PIPE,
        text=True,
    )
    if done.returncode != 0:
        _say(f"{workload}: fails (its error is above)")
        return None
    row: dict[str, Any] = json.loads(done.stdout)
    return row


def _adding(settings: Settings) -> dict[str, Any] | None:
    """The adding problem's LSTM step, chainrule's and PyTorch's taking turns
    (:func:`benchmarks.adding.per_step_cpu`), in a fresh process with one thread per matrix
    library."""
    steps = settings.adding_steps
    _say(
        f"adding: {steps} LSTM training steps (T = {adding.LENGTH}): chainrule's, PyTorch's "
        "and NumPy's by hand"
    )
    row = one_thread_apart("adding", f"adding.per_step_cpu(adding.LENGTH, {steps})")
    if row is None:
        return None
    _say(f"adding: {adding.per_step_summary(row)}")
    return {**row, "steps": steps}


def digits_measured(rounds: int, include_torch: bool) -> dict[str, Any]:
    """The digits steps timed side by side, whether they compute the same losses for two steps,
    and the compile time (the median of three); run by :func:`_digits` in its own process."""
    if include_torch:
        import torch

        torch.set_num_threads(1)
    setups = digits.steps(include_torch=include_torch)
    return {
        "timings": _timed(setups, rounds=rounds, repeat=2),
        "agrees": _losses_agree(setups, calls=2),
        "compile_seconds": statistics.median(digits.compile_seconds() for _ in range(3)),
    }


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller graphs")
    parser.add_argument("--rounds", type=int, default=0, help="rounds per workload (median)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--out", default=str(HERE / "results"), help="where to write results")
    parser.add_argument(
        "--record", action="store_true", help="also write the table to benchmarks/RESULTS.md"
    )
    return parser.parse_args(argv)


def _bind(function: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    return lambda: function(*args)


def _collector_paused(make: Callable[..., Callable[[], float]], *args: Any) -> Callable[[], float]:
    """``make(*args)``, whose call runs with the garbage collector paused: the engine's own
    cost, without the collector's passes over the growing graph."""
    call = make(*args)

    def paused() -> float:
        with paused_collector():
            return call()

    return paused


def _timed(
    setups: dict[str, Callable[[], Callable[[], Any]]], *, rounds: int, repeat: int, warmup: int = 1
) -> dict[str, dict[str, Any]]:
    contestants = [Contestant(name, setup) for name, setup in setups.items()]
    timings = interleaved(contestants, rounds=rounds, repeat=repeat, warmup=warmup)
    for timing in timings.values():
        _say("  " + _line(timing))
    return {name: _as_json(timing) for name, timing in timings.items()}


def _line(timing: Timing) -> str:
    if timing.error:
        return f"{timing.name:48} fails: {timing.error}"
    return f"{timing.name:48} {timing.median:.4f} s (median of {len(timing.seconds)})"


def _as_json(timing: Timing) -> dict[str, Any]:
    return {"median": timing.median, "seconds": timing.seconds, "error": timing.error}


def _losses_agree(steps: dict[str, Callable[[], Callable[[], float]]], *, calls: int = 1) -> bool:
    """Whether every library's step computes the same losses in its first ``calls`` calls (a
    check that the work compared is the same work)."""
    losses = [[step() for _ in range(calls)] for step in (setup() for setup in steps.values())]
    return all(
        math.isclose(loss, first, rel_tol=1e-9)
        for row in losses
        for loss, first in zip(row, losses[0], strict=True)
    )


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.machine()}",
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)

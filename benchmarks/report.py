"""The results as goals met or not, Markdown tables and a bar chart.

Every ratio compares two medians from the same run: for a peer, how many times longer it took
than chainrule (above 1: chainrule is faster); for the raw-Python limit, how many times longer
chainrule took than plain floats.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks import digits, drawing
from benchmarks.peers import CHAINRULE, FLOATS, MICROGRAD, TORCH

#: The timed workloads, in table order: key -> what one call does.
WORKLOADS = {
    "train": "training step, each library's own MLP",
    "graph": "training step, MLP built op by op (engine alone)",
    "chain": "long scalar chain, forward + backward",
}

#: The compiled replay's two ways of running the training step (the "replay" workload), and the
#: batched contestants beside them.
REPLAY_FLOATS = "compiled replay, floats, one example at a time"
REPLAY_BATCH = "compiled replay, NumPy, whole batch"
NUMPY = "NumPy by hand, whole batch"
TORCH_BATCHED = "PyTorch, batched tensors"

#: chainrule's two ways of running the "fastest autograd" graph.
FASTEST_EAGER = "chainrule eager"
FASTEST_COMPILED = "chainrule compiled"

#: A per-node time at the deepest chain at most this many times the one at the shallowest
#: counts as linear growth.
LINEAR_TOLERANCE = 1.5


def median(results: dict[str, Any], workload: str, name: str) -> float | None:
    entry = results.get(workload, {}).get(name)
    return None if entry is None else entry["median"]


def speedup(results: dict[str, Any], workload: str, peer: str) -> float | None:
    """How many times longer ``peer`` took than chainrule on ``workload``."""
    ours, theirs = median(results, workload, CHAINRULE), median(results, workload, peer)
    return None if ours is None or theirs is None else theirs / ours


def limit_ratio(results: dict[str, Any], workload: str) -> float | None:
    """How many times longer chainrule took than plain floats on ``workload``."""
    ours, raw = median(results, workload, CHAINRULE), median(results, workload, FLOATS)
    return None if ours is None or raw is None else ours / raw


def memory_ratio(results: dict[str, Any]) -> float | None:
    memory = results.get("memory", {})
    if CHAINRULE not in memory or MICROGRAD not in memory:
        return None
    ours: float = memory[CHAINRULE]["bytes_per_node"]
    theirs: float = memory[MICROGRAD]["bytes_per_node"]
    return ours / theirs


def depth_growth(results: dict[str, Any], collector: str) -> float | None:
    """Time per node at the deepest chain over time per node at the shallowest, with the
    collector at its ``"defaults"`` or ``"paused"``."""
    depth = results.get("depth", [])
    if len(depth) < 2 or any(d[collector]["median"] is None for d in depth):
        return None
    per_node: list[float] = [d[collector]["median"] / d["nodes"] for d in depth]
    return per_node[-1] / per_node[0]


def ratio(results: dict[str, Any], workload: str, slower: str, faster: str) -> float | None:
    """How many times longer ``slower`` took than ``faster`` on ``workload``."""
    a, b = median(results, workload, slower), median(results, workload, faster)
    return None if a is None or b is None else a / b


def digits_ratio(results: dict[str, Any], slower: str, faster: str) -> float | None:
    """How many times longer ``slower`` took than ``faster`` on the digits CNN step."""
    timings = (results.get("digits") or {}).get("timings", {})
    a, b = _median_in(timings, slower), _median_in(timings, faster)
    return None if a is None or b is None else a / b


def adding_ratio(results: dict[str, Any]) -> float | None:
    """chainrule's compiled LSTM's CPU time a step of the adding problem over PyTorch's."""
    row = results.get("adding")
    return row["chainrule"] / row["torch"] if row else None


def compile_growth(results: dict[str, Any]) -> float | None:
    """Compile time per node at the largest graph over that at the one ten times smaller: the
    slope at large sizes (the smallest graphs fit in the CPU's caches, and compile faster)."""
    rows = results.get("compile", [])
    return rows[-1]["per_node"] / rows[-2]["per_node"] if len(rows) >= 2 else None


#: The engine microgpt's workload compares chainrule with (:mod:`benchmarks.microgpt`).
MICROGPT = "microgpt's Value"


def microgpt_ratio(results: dict[str, Any], what: str) -> float | None:
    """How many times longer microgpt's ``Value`` took than chainrule's: for ``"step"`` the
    training step, else one op (or ``"backward"``, per node); for ``"memory"`` chainrule's bytes
    per node over microgpt's."""
    gpt = results.get("microgpt")
    if not gpt:
        return None
    if what == "memory":
        ours, theirs = (gpt["memory"][n]["bytes_per_node"] for n in (CHAINRULE, MICROGPT))
        return float(ours / theirs)
    if what == "step":
        ours, theirs = (gpt["step"][n]["median"] for n in (CHAINRULE, MICROGPT))
    else:
        ours, theirs = (gpt["ns"][n][what] for n in (CHAINRULE, MICROGPT))
    return None if ours is None or theirs is None else float(theirs / ours)


def microgpt_table(results: dict[str, Any]) -> str:
    """microgpt's workload, ratios only, for the README."""
    lines = ["| microgpt's workload | microgpt's Value ÷ chainrule |", "| --- | --- |"]
    lines.append(f"| training step | {_times(microgpt_ratio(results, 'step'))} |")
    gpt = results.get("microgpt")
    for op in gpt["ns"][CHAINRULE] if gpt else ():
        what = "backward, per node" if op == "backward" else f"`{op}`"
        lines.append(f"| {what} | {_times(microgpt_ratio(results, op))} |")
    memory = microgpt_ratio(results, "memory")
    shown = "n/a" if memory is None else f"chainrule's is {memory:.2f} of microgpt's"
    lines.append(f"| memory per node | {shown} |")
    return "\n".join(lines)


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of the suite: its target, what was measured, and whether it is met."""
    deepest = results["depth"][-1]["nodes"] if results.get("depth") else 0
    sizes = [row["nodes"] for row in results.get("compile", [])][-2:]
    return [
        _goal(
            "training step, own MLP: faster than micrograd",
            speedup(results, "train", MICROGRAD),
            at_least=5.0,
        ),
        _goal(
            "op-by-op graph (engine alone): faster than micrograd",
            speedup(results, "graph", MICROGRAD),
            at_least=5.0,
        ),
        _goal(
            "long scalar chain: faster than PyTorch 0-d tensors",
            speedup(results, "chain", TORCH),
            at_least=20.0,
        ),
        _goal("memory per node: fraction of micrograd's", memory_ratio(results), at_most=1 / 3),
        _goal(
            f"{deepest:,}-node chain, time per node over the shallowest's, collector paused",
            depth_growth(results, "paused"),
            at_most=LINEAR_TOLERANCE,
        ),
        _goal(
            "the same, collector at its defaults",
            depth_growth(results, "defaults"),
            at_most=LINEAR_TOLERANCE,
        ),
        _goal(
            "compiled replay with floats: time over the same step by hand with floats",
            ratio(results, "replay", REPLAY_FLOATS, FLOATS),
            at_most=2.0,
        ),
        _goal(
            "compiled batch replay of the moons step: faster than micrograd's eager step",
            ratio(results, "replay", MICROGRAD, REPLAY_BATCH),
            at_least=500.0,
        ),
        _goal(
            "compiled batch replay: time over the same step by hand in NumPy",
            ratio(results, "replay", REPLAY_BATCH, NUMPY),
            at_most=2.0,
        ),
        _goal(
            "microgpt's training step: never slower than on microgpt's own Value",
            microgpt_ratio(results, "step"),
            at_least=1.0,
        ),
        _goal(
            "microgpt's training step: faster than on microgpt's own Value (the moonshot)",
            microgpt_ratio(results, "step"),
            at_least=1.5,
        ),
        _goal(
            "microgpt's workload: memory per node over microgpt's",
            microgpt_ratio(results, "memory"),
            at_most=1.0,
        ),
        _goal(
            "digits CNN step, batch replay: time over the same step by hand in NumPy (im2col)",
            digits_ratio(results, digits.REPLAY, digits.NUMPY),
            at_most=2.0,
        ),
        _goal(
            "adding problem (T = 50), compiled LSTM: CPU time a training step over PyTorch "
            "nn.LSTM's",
            adding_ratio(results),
            at_most=1.0,
        ),
        _goal(
            "compile time per node, "
            + (f"{sizes[-1]:,}-node graph over the {sizes[0]:,}-node one" if sizes else "n/a"),
            compile_growth(results),
            at_most=LINEAR_TOLERANCE,
        ),
    ]


def _goal(
    goal: str, measured: float | None, *, at_least: float | None = None, at_most: float = 0.0
) -> dict[str, Any]:
    if at_least is not None:
        target, met = f"≥ {at_least:g}×", measured is not None and measured >= at_least
    else:
        target, met = f"≤ {at_most:.2g}", measured is not None and measured <= at_most
    return {
        "goal": goal,
        "target": target,
        "measured": measured,
        "met": None if measured is None else met,
    }


def _times(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}×" if x >= 10 else f"{x:.2f}×"


def _seconds(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "not installed"
    if entry["error"]:
        return f"fails ({entry['error'].split(':')[0]})"
    seconds = entry["median"]
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def ratios_table(results: dict[str, Any]) -> str:
    """Ratios only, for the README."""
    lines = [
        "| workload | micrograd ÷ chainrule | PyTorch 0-d ÷ chainrule | chainrule ÷ raw floats |",
        "| --- | --- | --- | --- |",
    ]
    for key, title in WORKLOADS.items():
        limit = _times(limit_ratio(results, key)) if key != "chain" else "—"
        peers = [_ratio_cell(results, key, peer) for peer in (MICROGRAD, TORCH)]
        lines.append(f"| {title} | {peers[0]} | {peers[1]} | {limit} |")
    ratio = memory_ratio(results)
    cell = "n/a" if ratio is None else f"{ratio:.2f} of micrograd's"
    lines.append(f"| memory per node | {cell} | not measurable (C++) | — |")
    return "\n".join(lines)


def replay_ratios_table(results: dict[str, Any]) -> str:
    """The compiled replay's ratios, for the README."""
    lines = [
        "| the moons training step | micrograd ÷ it | PyTorch batched ÷ it | it ÷ raw floats "
        "| it ÷ NumPy by hand |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in (REPLAY_FLOATS, REPLAY_BATCH):
        cells = [
            _times(ratio(results, "replay", MICROGRAD, name)),
            _times(ratio(results, "replay", TORCH_BATCHED, name)),
            _times(ratio(results, "replay", name, FLOATS)),
            _times(ratio(results, "replay", name, NUMPY)),
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fastest_ratios_table(results: dict[str, Any]) -> str:
    """The "fastest autograd" graph's ratios, for the README: each way against PyTorch 0-d
    tensors, and the compile time in runs of the eager engine."""
    lines = [
        "| ops | PyTorch 0-d ÷ chainrule eager | PyTorch 0-d ÷ chainrule compiled "
        "| compile ÷ one eager run |",
        "| --- | --- | --- | --- |",
    ]
    for row in results.get("fastest", []):
        torch, eager, compiled = (
            _median_in(row["timings"], name) for name in (TORCH, FASTEST_EAGER, FASTEST_COMPILED)
        )
        seconds = row["compile_seconds"]
        cells = [
            _times(None if torch is None or eager is None else torch / eager),
            _times(None if torch is None or compiled is None else torch / compiled),
            _times(None if seconds is None or eager is None else seconds / eager),
        ]
        lines.append(f"| {row['ops']:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def digits_ratios_table(results: dict[str, Any]) -> str:
    """The digits CNN step's ratios and compile time, for the README."""
    row = results.get("digits") or {}
    seconds = row.get("compile_seconds")
    cells = [
        _times(digits_ratio(results, digits.REPLAY, digits.NUMPY)),
        _times(digits_ratio(results, digits.TORCH, digits.REPLAY)),
        "n/a" if seconds is None else f"{seconds:.2f} s",
    ]
    return "\n".join(
        [
            "| the digits CNN training step | it ÷ NumPy by hand (im2col) | PyTorch CPU ÷ it "
            "| compile |",
            "| --- | --- | --- | --- |",
            f"| {digits.REPLAY} | " + " | ".join(cells) + " |",
        ]
    )


def _median_in(timings: dict[str, Any], name: str) -> float | None:
    entry = timings.get(name)
    return None if entry is None else entry["median"]


def _ratio_cell(results: dict[str, Any], workload: str, peer: str) -> str:
    entry = results.get(workload, {}).get(peer)
    if entry is None:
        return "not installed"
    if entry["error"]:
        return f"fails ({entry['error'].split(':')[0]})"
    return _times(speedup(results, workload, peer))


def markdown(results: dict[str, Any]) -> str:
    m, v = results["machine"], results["versions"]
    settings = results["settings"]
    peers_shown = ", ".join(f"{name} {v[name]}" for name in ("micrograd", "torch") if v.get(name))
    out = [
        "# Benchmark results",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['system']}, "
        f"{m['implementation']} {m['python']}; chainrule {v.get('chainrule')}"
        + (f", {peers_shown}" if peers_shown else "")
        + f". Medians of {settings['rounds']} interleaved rounds; {results['seconds']} s in all. "
        "Reproduce with `make bench`.",
        "",
        "## Ratios",
        "",
        "Above 1: chainrule is that many times faster than the peer; the last column is how far",
        "chainrule is from the same step written by hand with floats.",
        "",
        ratios_table(results),
        "",
        microgpt_table(results),
        "",
        "## Goals",
        "",
        "| goal | target | measured | met |",
        "| --- | --- | --- | --- |",
    ]
    for goal in results["goals"]:
        measured = goal["measured"]
        cell = "n/a" if measured is None else f"{measured:.2f}"
        met = {True: "yes", False: "**no**", None: "not measured"}[goal["met"]]
        out.append(f"| {goal['goal']} | {goal['target']} | {cell} | {met} |")
    out += [
        "",
        "## Times (median per call)",
        "",
        f"| workload | {CHAINRULE} | {MICROGRAD} | {TORCH} | {FLOATS} |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key, title in WORKLOADS.items():
        entries = results.get(key, {})
        cells = [_seconds(entries.get(name)) for name in (CHAINRULE, MICROGRAD, TORCH, FLOATS)]
        if key == "chain":
            title += f" ({settings['chain_nodes']:,} nodes)"
            cells[3] = "—"
        out.append(f"| {title} | " + " | ".join(cells) + " |")
    agree = "yes" if results.get("graph_agrees") else "**no**"
    out += ["", f"Every library's op-by-op step computes the same loss: {agree}.", ""]
    out += _replay_section(results)
    out += _fastest_section(results)
    out += _compile_section(results)
    out += _digits_section(results)
    out += _adding_section(results)
    out += [
        "## Depth (chainrule)",
        "",
        "Time per node stays flat when the engine works alone; with the collector at its",
        "defaults, its full passes over the growing graph during the forward pass add a share",
        "that grows as the graph outgrows the CPU's caches.",
        "",
        "| nodes | collector at defaults | per node | collector paused | per node |",
        "| --- | --- | --- | --- | --- |",
    ]
    for d in results.get("depth", []):
        cells = []
        for collector in ("defaults", "paused"):
            timing = d[collector]
            seconds = timing["median"]
            per_node = "—" if seconds is None else f"{seconds / d['nodes'] * 1e9:.0f} ns"
            cells += [_seconds(timing), per_node]
        out.append(f"| {d['nodes']:,} | " + " | ".join(cells) + " |")
    out += [
        "",
        "## Memory (op-by-op training graph after backward)",
        "",
        "| library | bytes per node | objects the collector tracks per node | nodes |",
        "| --- | --- | --- | --- |",
    ]
    for name, mem in results.get("memory", {}).items():
        out.append(
            f"| {name} | {mem['bytes_per_node']:.0f} | {mem['tracked_per_node']:.2f} | "
            f"{mem['nodes']:,} |"
        )
    if "drawing" in results:
        out += ["", *drawing.markdown(results["drawing"])]
    return "\n".join(out) + "\n"


def _replay_section(results: dict[str, Any]) -> list[str]:
    agree = "yes" if results.get("replay_agrees") else "**no**"
    out = [
        "## Compiled replay (the training step, traced once)",
        "",
        "| how | median per step | micrograd ÷ it | it ÷ raw floats | it ÷ NumPy by hand |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in (REPLAY_FLOATS, REPLAY_BATCH, FLOATS, NUMPY, TORCH_BATCHED, MICROGRAD):
        entry = results.get("replay", {}).get(name)
        cells = [
            _seconds(entry),
            _times(ratio(results, "replay", MICROGRAD, name)),
            _times(ratio(results, "replay", name, FLOATS)),
            _times(ratio(results, "replay", name, NUMPY)),
        ]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out += [
        "",
        "Every step but micrograd's starts from the same weights and computes the same loss: "
        f"{agree}.",
        "",
    ]
    return out


def _fastest_section(results: dict[str, Any]) -> list[str]:
    rows = results.get("fastest", [])
    if not rows:
        return []
    out = [
        '## A. Rogozhnikov\'s "Fastest Autograd in the West" graph (forward and backward)',
        "",
        "| ops (nodes in chainrule's graph) | how | median per run | PyTorch 0-d ÷ it | compile |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        timings = row["timings"]
        torch = _median_in(timings, TORCH)
        for name in (FASTEST_EAGER, FASTEST_COMPILED, TORCH):
            entry = timings.get(name)
            mine = _median_in(timings, name)
            against = _times(None if torch is None or mine is None else torch / mine)
            compiled = row["compile_seconds"] if name == FASTEST_COMPILED else None
            compile_cell = "—" if compiled is None else f"{compiled:.1f} s"
            size = f"{row['ops']:,} ({row['nodes']:,})"
            out.append(f"| {size} | {name} | {_seconds(entry)} | {against} | {compile_cell} |")
    agree = all(row["agrees"] for row in rows)
    out += ["", f"Every library computes the same gradients: {'yes' if agree else '**no**'}.", ""]
    return out


def _compile_section(results: dict[str, Any]) -> list[str]:
    rows = results.get("compile", [])
    if not rows:
        return []
    out = [
        "## Compile time (trace, write, Python's compiler) of that graph, CPU time",
        "",
        "| nodes | ops | compile | per node |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        per_node = f"{row['per_node'] * 1e6:.0f} µs"
        out.append(f"| {row['nodes']:,} | {row['ops']:,} | {row['seconds']:.2f} s | {per_node} |")
    return [*out, ""]


def _digits_section(results: dict[str, Any]) -> list[str]:
    row = results.get("digits")
    if not row:
        return []
    out = [
        "## The digits CNN training step (batch of 64, one thread each)",
        "",
        "| how | median per step | it ÷ NumPy by hand | PyTorch CPU ÷ it |",
        "| --- | --- | --- | --- |",
    ]
    for name in (digits.REPLAY, digits.NUMPY, digits.TORCH):
        cells = [
            _seconds(row["timings"].get(name)),
            _times(digits_ratio(results, name, digits.NUMPY)),
            _times(digits_ratio(results, digits.TORCH, name)),
        ]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    agree = "yes" if row["agrees"] else "**no**"
    return [
        *out,
        "",
        f"Compile (trace, write, Python's compiler, one step): {row['compile_seconds']:.2f} s. "
        f"Every step starts from the same weights and computes the same losses: {agree}.",
        "",
    ]


def _adding_section(results: dict[str, Any]) -> list[str]:
    row = results.get("adding")
    if not row:
        return []
    numpy = row.get("numpy")  # results recorded before the step by hand was timed lack it
    by_hand = (
        [f"| NumPy by hand (float64, benchmarks/lstm_numpy.py) | {numpy * 1e3:.2f} ms |"]
        if numpy
        else []
    )
    versus_hand = (
        f"; chainrule ÷ NumPy by hand: {_times(row['chainrule'] / numpy)}" if numpy else ""
    )
    return [
        "## The adding problem's LSTM training step (T = 50, hidden 8, batch of 32)",
        "",
        "| library | CPU time a step (median) |",
        "| --- | --- |",
        f"| chainrule, compiled, in nn.fit (Adam, clipping) | {row['chainrule'] * 1e3:.2f} ms |",
        f"| PyTorch nn.LSTM (float32, one thread) | {row['torch'] * 1e3:.2f} ms |",
        *by_hand,
        "",
        f"{row['steps']} steps each, taking turns step by step; chainrule ÷ PyTorch: "
        f"{_times(adding_ratio(results))}{versus_hand}. chainrule's first step (tracing and "
        "compiling) took "
        f"{row['first_step']:.2f} s. The whole 3,000-step runs, run against run: "
        "`python -m benchmarks.adding` (benchmarks/ADDING.md).",
        "",
    ]


def chart(results: dict[str, Any], path: Path) -> Path | None:
    """A bar chart of the ratios (log scale), or ``None`` when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    labels, values, colours = [], [], []
    for key, title in WORKLOADS.items():
        for peer, colour in ((MICROGRAD, "tab:orange"), (TORCH, "tab:red")):
            ratio = speedup(results, key, peer)
            if ratio is not None:
                labels.append(f"{title}\nvs {peer}")
                values.append(ratio)
                colours.append(colour)
        limit = limit_ratio(results, key)
        if limit is not None:
            labels.append(f"{title}\nraw floats (limit)")
            values.append(1 / limit)
            colours.append("tab:grey")
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(labels) + 1.5))
    positions = list(range(len(labels)))[::-1]
    ax.barh(positions, values, color=colours)
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 2, max(values) * 3)  # room for the labels
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(positions, labels, fontsize=8)
    for y, value in zip(positions, values, strict=True):
        ax.annotate(f"{value:.2g}×", (value, y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)  # fmt: skip
    ax.set_xlabel("chainrule's speed relative to each (above 1: chainrule is faster)")
    m = results["machine"]
    ax.set_title(f"chainrule vs peers — {m['cpu']}, Python {m['python']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path

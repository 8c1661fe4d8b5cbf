"""Drawing and the explorer page: time and size as graphs grow to the size limit.

* the recurrent chain (h ← h·w, then tanh, one weight w used at every other step): the shape on
  which Graphviz's layout once grew with the square of the graph and more, now bounded;
* the explorer page of that chain: the time to build it (one Graphviz layout included) and its
  size in bytes.
"""

from __future__ import annotations

import time
from typing import Any

from autograd import Value, explore
from autograd.draw import draw_graph, render

CHAIN_NODES = (100, 200, 300, 400, 500)
PAGE_NODES = (10, 100, 500)


def recurrent_chain(nodes: int) -> Value:
    """A chain of ``nodes`` nodes that uses one weight at every other step, like an RNN."""
    w, h = Value(0.9, label="w"), Value(0.5, label="h0")
    for step in range(nodes - 2):
        h = h * w if step % 2 == 0 else h.tanh()
    h.backward()
    return h


def _seconds(call: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def measure(rounds: int) -> dict[str, Any]:
    """The median over ``rounds`` of each drawing's seconds, and each page's size."""
    chain = []
    for nodes in CHAIN_NODES:
        root = recurrent_chain(nodes)
        times = sorted(
            _seconds(lambda r=root: render(draw_graph(r), "svg"))[0] for _ in range(rounds)
        )
        chain.append({"nodes": nodes, "seconds": times[len(times) // 2]})
    pages = []
    for nodes in PAGE_NODES:
        root = recurrent_chain(nodes)
        runs = [_seconds(lambda r=root: explore(r).html) for _ in range(rounds)]
        times = sorted(seconds for seconds, _ in runs)
        pages.append(
            {"nodes": nodes, "seconds": times[len(times) // 2], "bytes": len(runs[0][1].encode())}
        )
    return {"chain": chain, "pages": pages}


def markdown(results: dict[str, Any]) -> list[str]:
    """The drawing section of the report."""
    out = [
        "## Drawing (recurrent chain: one weight used at every other step)",
        "",
        "| nodes | draw_graph + SVG |",
        "| --- | --- |",
    ]
    out += [f"| {row['nodes']} | {row['seconds']:.2f} s |" for row in results["chain"]]
    out += ["", "| explorer page of | build time | page size |", "| --- | --- | --- |"]
    out += [
        f"| {row['nodes']} nodes | {row['seconds']:.2f} s | {row['bytes'] / 1e6:.2f} MB |"
        for row in results["pages"]
    ]
    return out

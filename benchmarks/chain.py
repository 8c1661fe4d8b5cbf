"""The long scalar chain: y ← ReLU(a·y + b), repeated, then backward through all of it.

Three nodes per link (``*``, ``+``, ReLU), each depending on the one before: the deepest graph
there is for its size. A recursive graph walk fails on it (micrograd stops near 1,000 nodes);
an iterative one should take time in proportion to its depth.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.peers import Scalars

#: Nodes made by one link of the chain.
NODES_PER_LINK = 3


def chain(lib: Scalars, nodes: int) -> Callable[[], float]:
    """Build a chain of about ``nodes`` nodes on ``lib``'s scalars and backpropagate through it;
    y settles at 2, and every derivative stays finite."""
    a, b = lib.parameter(0.5), lib.parameter(1.0)
    links = max(nodes // NODES_PER_LINK, 1)

    def run() -> float:
        y = x = lib.parameter(0.1)
        for _ in range(links):
            y = (y * a + b).relu()
        y.backward()
        return float(x.grad)

    return run

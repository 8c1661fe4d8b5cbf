"""Memory per node: the bytes a graph holds, measured with ``tracemalloc``, over its nodes.

The graph is the op-by-op training graph (:mod:`benchmarks.graph`) after backward, with its
gradients. ``tracemalloc`` sees what Python allocates; PyTorch allocates its tensors and its
graph in C++, out of its sight, so PyTorch is not measured here. Also counted: objects the
garbage collector tracks per node, which it walks at every full collection.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterable
from typing import Any

from benchmarks import graph
from benchmarks.moons import demo_loss
from benchmarks.peers import CHAINRULE, MICROGRAD, Scalars

#: How each library's node names the nodes it was computed from.
INPUTS: dict[str, Callable[[Any], Iterable[Any]]] = {
    CHAINRULE: lambda node: node.inputs,
    MICROGRAD: lambda node: node._prev,
}


def count_nodes(root: Any, inputs: Callable[[Any], Iterable[Any]]) -> int:
    seen = {root}
    stack = [root]
    while stack:
        for child in inputs(stack.pop()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


def per_node(lib: Scalars) -> dict[str, float]:
    """Bytes and GC-tracked objects per node of the training graph, after backward."""
    model, parameters = graph.model(lib)
    make_loss = demo_loss(lib, model, parameters)
    gc.collect()
    objects_before = len(gc.get_objects())
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        loss = make_loss()
        loss.backward()
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    tracked = len(gc.get_objects()) - objects_before
    nodes = count_nodes(loss, INPUTS[lib.name])
    return {"nodes": nodes, "bytes_per_node": held / nodes, "tracked_per_node": tracked / nodes}

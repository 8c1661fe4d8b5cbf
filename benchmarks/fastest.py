"""A. Rogozhnikov's "Fastest Autograd in the West" workload (2023): many scalar ops in one graph.

Starting from 100 inputs, each op appends to a list of nodes, in turn:

* softplus of the node 10 from the end;
* the sum of 4 nodes (30, 25, 20 and 15 from the end);
* the product of the nodes 20 and 10 from the end;
* the softmax of the last 4 nodes, which appends 4 nodes;

then backward from the last node, for the gradient with respect to the 100 inputs. The article
times it for 10,000 ops, and so do we, with 100,000 too; each library writes it with its own
ops (chainrule's softmax is e^(zᵢ − m)/Σⱼ e^(zⱼ − m), so one op is several nodes here).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

#: The inputs the graph starts from: 0, 0.01, …, 0.99 (the article uses 0 … 99).
INPUTS = 100


def initial_values() -> list[float]:
    return [i / INPUTS for i in range(INPUTS)]


def run_graph(
    nodes: list[Any],
    ops: int,
    softplus: Callable[[Any], Any],
    add_up: Callable[[Sequence[Any]], Any],
    softmax: Callable[[Sequence[Any]], Sequence[Any]],
) -> Any:
    """The workload on any library's scalars; the last node."""
    for op in range(ops):
        kind = op % 4
        if kind == 0:
            nodes.append(softplus(nodes[-10]))
        elif kind == 1:
            nodes.append(add_up(nodes[-30:-10:5]))
        elif kind == 2:
            nodes.append(nodes[-20] * nodes[-10])
        else:
            nodes.extend(softmax(nodes[-4:]))
    return nodes[-1]


def _chainrule_graph(leaves: list[Any], ops: int) -> Any:
    from autograd import total

    def softmax(zs: Sequence[Any]) -> list[Any]:
        # The shift by the largest input keeps e^z finite; it is a constant (its data).
        m = max(z.data for z in zs)
        exps = [(z - m).exp() for z in zs]
        norm = total(exps)
        return [e / norm for e in exps]

    return run_graph(list(leaves), ops, lambda v: v.softplus(), total, softmax)


def chainrule_eager(ops: int) -> Callable[[], float]:
    """Build the graph with ``Value``s and backpropagate, every time. Each run returns Σ|∂L/∂xᵢ|
    over the inputs, which every library should agree on."""
    from autograd import Value

    leaves = [Value(x) for x in initial_values()]

    def run() -> float:
        for leaf in leaves:
            leaf.grad = 0.0
        root = _chainrule_graph(leaves, ops)
        root.backward()
        return sum(abs(leaf.grad) for leaf in leaves)

    return run


def chainrule_compiled(ops: int) -> tuple[Callable[[], float], float]:
    """The graph traced once and replayed with floats; and the CPU seconds the first call took
    to trace, write and compile it (CPU time, as a shared machine's other processes would add
    to the wall-clock time; the two are the same on a quiet machine)."""
    import time

    from autograd import Value, compile

    leaves = [Value(x) for x in initial_values()]
    compiled = compile(lambda: _chainrule_graph(leaves, ops), leaves)
    started = time.process_time()
    compiled()  # the first call traces, writes and compiles
    seconds = time.process_time() - started

    def run() -> float:
        for leaf in leaves:
            leaf.grad = 0.0
        compiled()
        return sum(abs(leaf.grad) for leaf in leaves)

    return run, seconds


def torch_scalars(ops: int) -> Callable[[], float]:
    """PyTorch with 0-d float64 tensors, as the article's PyTorch version (which is float32)."""
    import torch

    def softmax(zs: Sequence[Any]) -> Any:
        return torch.softmax(torch.stack(list(zs)), dim=0).unbind()

    def run() -> float:
        leaves = torch.tensor(initial_values(), dtype=torch.float64, requires_grad=True)
        root = run_graph(
            list(leaves.unbind()), ops, torch.nn.functional.softplus, lambda xs: sum(xs), softmax
        )
        root.backward()
        assert leaves.grad is not None
        return float(leaves.grad.abs().sum())

    return run


def graph_nodes(ops: int) -> int:
    """How many nodes chainrule's graph of ``ops`` ops has (inputs included)."""
    from autograd import Value, topological_order

    return len(topological_order(_chainrule_graph([Value(x) for x in initial_values()], ops)))


#: Nodes per op in chainrule's graph: a softplus, a sum and a product are a node each, a softmax
#: 17 (4 constant shifts, 4 subtractions, 4 exponentials, their sum, 4 divisions); a few of the
#: nodes are never reached from the last one.
NODES_PER_OP = 4.75


def ops_for_nodes(nodes: int) -> int:
    """The number of ops whose graph has about ``nodes`` nodes."""
    return max(4, math.ceil((nodes - INPUTS) / NODES_PER_OP))


def compile_seconds(ops: int) -> dict[str, float]:
    """CPU seconds to trace, write and compile the graph of ``ops`` ops, and its size."""
    _, seconds = chainrule_compiled(ops)
    nodes = graph_nodes(ops)
    return {"ops": ops, "nodes": nodes, "seconds": seconds, "per_node": seconds / nodes}

"""The graph walk: topological order and the chain rule. It knows no op.

For a root L and a node v, the chain rule sums over the nodes u that use v:

    ∂L/∂v = Σᵤ ∂L/∂u · ∂u/∂v

Visiting nodes in reverse topological order guarantees that every ∂L/∂u is complete before it
is passed on. Each node carries its local derivatives ∂u/∂v (computed with its value, see
:mod:`autograd.ops`); with ``create_graph=True`` they are evaluated again on ``Value`` nodes, so
the gradients get a graph of their own and can be differentiated again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from autograd.errors import AnomalyError
from autograd.modes import MODE, paused_collector
from autograd.value import Value, ValueMath, as_float


def topological_order(root: Value | Iterable[Value]) -> list[Value]:
    """Every node ``root`` depends on, each after all of its inputs, ending with ``root``.

    Several roots give one order for all of them, each node once. Iterative depth-first
    search, so a graph of any depth works at the default recursion limit. The order is
    deterministic: roots and inputs are visited in the order given.
    """
    roots = [root] if isinstance(root, Value) else list(root)
    order: list[Value] = []
    visited: set[Value] = set()
    for start in roots:
        if start in visited:
            continue
        visited.add(start)
        # Each entry is a node with an iterator over its inputs: the loop resumes that iterator
        # where it stopped, and appends the node once it runs out, that is after all of its
        # inputs. (One entry per node, pushed once: about twice as fast as pushing every node
        # twice.)
        stack = [(start, iter(start._inputs))]
        while stack:
            node, inputs = stack[-1]
            for child in inputs:
                if child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child._inputs)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def chain_rule(
    root: Value, seed: Any = 1.0, *, create_graph: bool = False
) -> Iterator[tuple[Value, Any]]:
    """Yield ``(node, ∂root/∂node · seed)`` for every node, root first, in reverse topological
    order; each node's gradient has been passed on to its inputs when it is yielded.

    The node's ``.grad`` is not touched: :func:`backward` accumulates, :func:`autograd.grad`
    only reads.
    """
    order = _seeded_order(root, seed)
    anomaly = MODE.get().detect_anomaly
    if not create_graph:
        # Floats are passed on through the whole graph first, in one plain loop: half the time
        # of passing on each node's gradient between the steps of this generator.
        _pass_on_floats(order, anomaly)
    for node in reversed(order):
        upstream = node._upstream
        node._upstream = 0.0
        if create_graph and node._op is not None:
            local = node._op.derivatives(ValueMath, node, *node._inputs)
            for child, derivative in zip(node._inputs, local, strict=True):
                child._upstream = _plus(child._upstream, _times(derivative, upstream))
            if anomaly:
                _check_gradients(node, upstream)
        yield node, upstream


def _seeded_order(root: Value, seed: Any) -> list[Value]:
    """The topological order, every gradient so far at 0 but the root's, which is ``seed``."""
    order = topological_order(root)
    for node in order:
        node._upstream = 0.0
    root._upstream = seed
    return order


def _pass_on_floats(order: list[Value], anomaly: bool) -> None:
    """The chain rule with the local derivatives stored in the nodes: from the root down, each
    node's gradient, complete when its turn comes, is passed on to its inputs."""
    for node in reversed(order):
        upstream = node._upstream
        # A plain zip: every rule gives one derivative per input, and passing `strict` (True or
        # False) takes zip's slow keyword path, a third of this loop. A leaf has no inputs.
        for child, derivative in zip(node._inputs, node._local):  # noqa: B905
            child._upstream += derivative * upstream
        if anomaly:
            _check_gradients(node, upstream)


def backward_steps(
    root: Value, grad: Value | float = 1.0, *, create_graph: bool = False
) -> Iterator[Value]:
    """Backprop one chain-rule application at a time.

    Each step takes the next node in reverse topological order, adds its gradient into its
    ``.grad`` and passes it on to its inputs; then the node is yielded, so that a notebook can
    draw the graph between steps. Exhausting the iterator leaves exactly what ``backward()``
    leaves.
    """
    for node, gradient in chain_rule(root, _seed(grad), create_graph=create_graph):
        node.grad = _plus(node.grad, gradient) if create_graph else node.grad + gradient
        yield node


def backward(root: Value, grad: Value | float = 1.0, *, create_graph: bool = False) -> None:
    """Accumulate ∂root/∂node · grad into ``.grad`` of every node ``root`` depends on."""
    with paused_collector():
        if create_graph:
            deque(backward_steps(root, grad, create_graph=True), maxlen=0)
            return
        # What backward_steps does, all at once: without two generator steps per node, the
        # whole backward pass takes a tenth less time.
        order = _seeded_order(root, _seed(grad))
        _pass_on_floats(order, MODE.get().detect_anomaly)
        for node in order:
            node.grad += node._upstream
            node._upstream = 0.0


def _seed(grad: Value | float) -> Value | float:
    return grad if isinstance(grad, Value) else as_float(grad, "grad")


def _times(derivative: Any, upstream: Any) -> Any:
    """derivative · upstream, without recording a multiplication by the constant 1."""
    if isinstance(derivative, float) and derivative == 1.0:
        return upstream
    if isinstance(upstream, float) and upstream == 1.0:
        return derivative
    return derivative * upstream


def _plus(total: Any, term: Any) -> Any:
    """total + term, without recording an addition to the constant 0."""
    if isinstance(total, float) and total == 0.0:
        return term
    return total + term


def _check_gradients(node: Value, upstream: Any) -> None:
    if not _finite(upstream):
        return
    for index, child in enumerate(node._inputs):
        if not _finite(child._upstream):
            raise AnomalyError(
                f"backward of {node.op!r} made the gradient of its input {index} "
                f"{float(child._upstream)!r} from a finite upstream gradient {float(upstream)!r}"
            )


def _finite(x: Any) -> bool:
    value = float(x)
    return value - value == 0.0

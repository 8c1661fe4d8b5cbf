"""Backpropagation: the topological order of a graph, and the chain rule applied along it.

For a root L and a node v, the chain rule sums over the nodes u that use v:

    ∂L/∂v = Σᵤ ∂L/∂u · ∂u/∂v

Every node stores its local derivatives ∂u/∂v, computed with its value (:mod:`autograd.ops`),
so :func:`chain_rule` only multiplies and adds. Visiting the nodes in reverse topological order
guarantees that every ∂L/∂u is complete before it is passed on. The loop knows no op: it reads
what :class:`Node` declares, and :class:`autograd.Value` provides.

:func:`topological_order` and :func:`chain_rule` are the algorithm, and what ``backward_steps``,
``create_graph=True`` and anomaly mode run. A plain ``backward()`` on Values runs the same two
passes written for the fields of ``Value`` (an optimisation, :class:`Unrolled`): the same order
and the same sums, in about half the time.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar, runtime_checkable

from autograd.collector import paused_collector
from autograd.errors import AnomalyError
from autograd.modes import MODE
from autograd.numbers import as_float, is_finite
from autograd.ops import Op
from autograd.valuemath import VALUES


@runtime_checkable
class Node(Protocol):
    """What backprop needs of a node of the graph (``Value`` is the one implementation)."""

    #: ∂root/∂node: a float, or a ``Node`` with ``create_graph=True``.
    grad: Any
    data: float

    @property
    def inputs(self) -> tuple[Node, ...]:
        """The nodes this one was computed from, in argument order (empty for a leaf)."""

    @property
    def _local(self) -> tuple[float, ...]:
        """∂self/∂input for each input, as floats, computed with the node's value."""

    @property
    def rule(self) -> Op | None:
        """The op that made the node (``None`` for a leaf)."""

    @property
    def op(self) -> str:
        """How the op reads ('' for a leaf)."""


#: Any kind of node: the functions below give back the kind they are given.
N = TypeVar("N", bound=Node)


def topological_order(root: N | Iterable[N]) -> list[N]:
    """Every node ``root`` depends on, each after all of its inputs, ending with ``root``.

    Several roots give one order for all of them, each node once. Iterative depth-first
    search, so a graph of any depth works at the default recursion limit. The order is
    deterministic: roots and inputs are visited in the order given.
    """
    roots = list(root) if isinstance(root, Iterable) else [root]
    order: list[Any] = []
    visited: set[Any] = set()
    for start in roots:
        if start in visited:
            continue
        visited.add(start)
        # Each entry is a node with an iterator over its inputs: the loop resumes that iterator
        # where it stopped, and appends the node once it runs out, that is after all of its
        # inputs. (One entry per node, pushed once: about twice as fast as pushing every node
        # twice.)
        stack: list[tuple[Any, Iterator[Any]]] = [(start, iter(start.inputs))]
        while stack:
            node, inputs = stack[-1]
            for child in inputs:
                if child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child.inputs)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def chain_rule(nodes: Sequence[Node], *, create_graph: bool = False) -> None:
    """Pass each node's gradient on to its inputs, the last node first.

    For each input v of a node u, the share of ∂L/∂v that flows through u is added in:

        ∂L/∂v += ∂L/∂u · ∂u/∂v

    Given a topological order (:func:`topological_order`), every node's gradient is complete
    when its turn comes. With ``create_graph=True`` the local derivatives ∂u/∂v are computed
    again on ``Value`` nodes, so that the gradients get a graph of their own. A local
    derivative that is 0 because a branch cuts the path (relu for x ≤ 0) is
    :data:`autograd.floatmath.CUT`, whose product with any gradient, inf included, is 0.
    """
    anomaly = MODE.get().detect_anomaly
    for node in reversed(nodes):
        local = node._local if not create_graph else differentiable_local_derivatives(node)
        for child, derivative in zip(node.inputs, local):  # noqa: B905 (one term per input)
            child.grad += derivative * node.grad
        if anomaly:
            _check_gradients(node)


def backward(root: Node, grad: Any = 1.0, *, create_graph: bool = False) -> None:
    """Add ∂root/∂node · grad into ``.grad`` of every node ``root`` depends on.

    Calling it twice adds twice, as in PyTorch. With ``create_graph=True`` the gradients are
    ``Value`` nodes with a graph of their own, which can be differentiated again.
    """
    with paused_collector():
        order, apply = _passes(root, create_graph)
        with _fresh_gradients(order, _seed(grad), create_graph, keep=True):
            apply(order)


class Unrolled(NamedTuple):
    """:func:`topological_order` and :func:`chain_rule` written for one kind of node, reading
    its fields directly: the same order and the same sums, in less time. (An optimisation of
    ``backward()`` and ``gradients()``, used for a plain pass: no ``create_graph``, no anomaly
    mode. ``autograd.value`` registers Value's; a test checks they agree with the two above.)"""

    order: Callable[[Any], list[Any]]
    chain_rule: Callable[[Sequence[Any]], None]


_UNROLLED: dict[type, Unrolled] = {}


def unrolled_for(kind: type, order: Unrolled) -> None:
    """Register the unrolled passes of the nodes of type ``kind`` (see :class:`Unrolled`)."""
    _UNROLLED[kind] = order


def _passes(root: N, create_graph: bool) -> tuple[list[N], Callable[[Sequence[N]], None]]:
    """The topological order of ``root`` and the chain rule to apply along it."""
    unrolled = _UNROLLED.get(type(root))
    if unrolled is None or create_graph or MODE.get().detect_anomaly:
        return topological_order(root), functools.partial(chain_rule, create_graph=create_graph)
    return unrolled.order(root), unrolled.chain_rule


def backward_steps(root: N, grad: Any = 1.0, *, create_graph: bool = False) -> Iterator[N]:
    """Backprop one chain-rule application at a time.

    Each step takes the next node in reverse topological order and passes its gradient, now
    complete, on to its inputs; then the node is yielded, so that a notebook can draw the graph
    between steps. While it runs, each ``.grad`` holds the sum so far of this backward pass;
    exhausting the iterator leaves exactly what ``backward()`` leaves.
    """
    order = topological_order(root)
    with _fresh_gradients(order, _seed(grad), create_graph, keep=True):
        for node in reversed(order):
            chain_rule([node], create_graph=create_graph)
            yield node


def gradients(root: N, nodes: Sequence[N], *, create_graph: bool = False) -> list[Any]:
    """∂root/∂node for each of ``nodes`` (0.0 for a node ``root`` does not depend on); every
    ``.grad`` is left as it was."""
    with paused_collector():
        order, apply = _passes(root, create_graph)
        reached = set(order)
        with _fresh_gradients(order, 1.0, create_graph, keep=False):
            apply(order)
            return [node.grad if node in reached else 0.0 for node in nodes]


def differentiable_local_derivatives(node: Node) -> tuple[Any, ...]:
    """The node's local derivatives computed again from its rule, on ``Value`` nodes."""
    if node.rule is None:
        return ()
    local = node.rule.derivatives(VALUES, node, *node.inputs)
    # An optimisation: ONE * g is g itself, so a gradient that flows through a sum is not
    # multiplied by the constant 1 in the gradient's graph.
    return tuple(ONE if type(d) is float and d == 1.0 else d for d in local)


@contextlib.contextmanager
def _fresh_gradients(
    order: Sequence[Node], seed: Any, create_graph: bool, *, keep: bool
) -> Iterator[None]:
    """Run one backward pass on gradients of its own, started at 0 and at ``seed`` for the root.

    Afterwards each node's earlier ``.grad`` comes back, with this pass's gradient added when
    ``keep`` (``backward`` accumulates, as in PyTorch); if the pass fails, it comes back alone.
    """
    earlier = [node.grad for node in order]
    # An optimisation: on a fresh graph (every gradient 0, the usual case) nothing needs to be
    # put aside and added back, which saves two passes over the graph, a tenth of backward().
    fresh = not create_graph and not any(earlier)
    if not fresh:
        zero = ZERO if create_graph else 0.0
        for node in order:
            node.grad = zero
    order[-1].grad = seed
    try:
        yield
    except BaseException:
        keep = False
        raise
    finally:
        # Plain zips: `strict` takes zip's slow keyword path, a third of these loops.
        if not keep:
            for node, before in zip(order, earlier):  # noqa: B905
                node.grad = before
        elif create_graph:
            for node, before in zip(order, earlier):  # noqa: B905
                # Adding to 0 would only add a node to the gradient's graph.
                if not (type(before) is float and before == 0.0):
                    node.grad = before + node.grad
        elif not fresh:
            for node, before in zip(order, earlier):  # noqa: B905
                node.grad += before


class _One(float):
    """The constant 1 (an optimisation for ``create_graph``): ``ONE * x`` is ``x`` itself."""

    def __mul__(self, other: Any) -> Any:
        return other

    __rmul__ = __mul__


class _Zero(float):
    """The constant 0 (an optimisation for ``create_graph``): ``ZERO + x`` is ``x`` itself, so
    a gradient's graph does not start with an addition to 0."""

    def __add__(self, other: Any) -> Any:
        return other

    __radd__ = __add__


ONE, ZERO = _One(1.0), _Zero(0.0)


def _seed(grad: Any) -> Any:
    return grad if isinstance(grad, Node) else as_float(grad, "grad")


def _check_gradients(node: Node) -> None:
    """Anomaly mode: the node passed a non-finite gradient on from a finite one."""
    if not is_finite(node.grad):
        return
    for index, child in enumerate(node.inputs):
        if not is_finite(child.grad):
            raise AnomalyError(
                f"backward of {node.op!r} made the gradient of its input {index} "
                f"{float(child.grad)!r} from a finite upstream gradient {float(node.grad)!r}"
            )

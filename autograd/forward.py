"""Forward mode: tangents pushed from the inputs towards the outputs, on the same local derivatives.

Backprop (:mod:`autograd.backprop`) passes ∂L/∂u from each node back to its inputs. Forward
mode goes the other way: given a direction, a *tangent* v̇ for each input, it computes the
tangent of every node, its derivative along that direction,

    u̇ = Σᵥ ∂u/∂v · v̇

summed over the inputs v of u. Visiting the nodes in topological order guarantees that every v̇
is complete before it is used. The local derivatives ∂u/∂v are the ones every node stores,
computed from the op table (:mod:`autograd.ops`) with its value, so forward and reverse mode
cannot disagree.

One forward sweep gives the derivatives of every output along one direction; one backward pass
gives the derivatives of one output along every direction. Forward mode therefore wins for few
inputs and many outputs, reverse mode for many inputs and one output, a loss. The transforms
built on it (``jvp``, ``jacobian``, ``hessian``, ``hvp``) are in :mod:`autograd.functional`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from autograd.backprop import N, differentiable_local_derivatives


def tangents(
    order: Sequence[N], seeds: Mapping[N, Any], *, create_graph: bool = False
) -> dict[N, Any]:
    """The tangent of every node of ``order`` that depends on a seeded node, seeds included.

    ``order`` is a topological order (:func:`autograd.topological_order`) and ``seeds`` maps
    nodes to their tangents, the direction. A node that depends on no seed has tangent 0 and is
    left out. With ``create_graph=True`` the local derivatives are computed again on ``Value``
    nodes, as in ``backward(create_graph=True)``, so the tangents are Values with a graph of
    their own and can be differentiated again.
    """
    tangent: dict[N, Any] = dict(seeds)
    for node in order:
        if node in tangent or not any(v in tangent for v in node.inputs):
            continue
        local = node._local if not create_graph else differentiable_local_derivatives(node)
        total: Any = None
        for v, derivative in zip(node.inputs, local):  # noqa: B905 (one term per input)
            if v in tangent:
                term = derivative * tangent[v]
                total = term if total is None else total + term
        tangent[node] = total
    return tangent

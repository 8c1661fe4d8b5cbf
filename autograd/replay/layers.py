"""Fused layers in a traced graph: groups of nodes that a batch replay computes as one array
operation.

A *fused layer* (:class:`FusedLayer`; not ``nn.Layer``, the module, though a module's layer is
what it usually finds) is a set of ``linear`` nodes zⱼ = Σᵢ wⱼᵢxᵢ + bⱼ on the same inputs x (the
same nodes, in the same order), each with a weight row and a bias of its own that depend on no
input: for a batch of examples, one row per example, it is one matrix product Z = X Wᵀ + b. An
*elementwise group* applies one op to every member of a group, member j to member j (and to
operands shared by all members), for example relu over a layer: one array operation on the
whole matrix. Both are found on the graph alone, whatever code built it; nodes in no group are
replayed one by one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from autograd.ops import Linear, Op
from autograd.value import Value


@dataclass(eq=False)
class FusedLayer:
    """A fused layer: ``members[j]`` = Σᵢ ``weights[j][i]`` · ``inputs[i]`` + ``biases[j]``."""

    members: list[Value]
    inputs: list[Value]
    weights: list[list[Value]]
    biases: list[Value]


@dataclass(eq=False)
class Elementwise:
    """``members[j]`` = ``rule`` applied to, for each operand, member j of a group or a node
    that every member shares."""

    members: list[Value]
    rule: Op
    operands: list[Group | Value]


Group = FusedLayer | Elementwise
#: What a batch replay writes in turn: a group, or one node.
Unit = Group | Value


def find_groups(order: Sequence[Value], varying: set[Value]) -> list[Group]:
    """The layers and elementwise groups of a graph (``order``: its topological order), among
    the nodes that vary from example to example (``varying``)."""
    layers = _layers(order, varying)
    position: dict[Value, tuple[Group, int]] = {
        member: (layer, j) for layer in layers for j, member in enumerate(layer.members)
    }
    groups: list[Group] = list(layers)
    for candidate in _elementwise_candidates(order, varying, position):
        members = [m for m in candidate.members if m is not None]
        operands: list[Group | Value] = []
        for o in candidate.operands:
            if isinstance(o, _Candidate):
                if o.group is None:
                    break  # an operand that did not become a group
                operands.append(o.group)
            else:
                operands.append(o)
        else:
            if len(members) == len(candidate.members):
                candidate.group = Elementwise(members, candidate.rule, operands)
                groups.append(candidate.group)
    return groups


def _layers(order: Sequence[Value], varying: set[Value]) -> list[FusedLayer]:
    by_inputs: dict[tuple[Value, ...], FusedLayer] = {}
    for node in order:
        if node not in varying or not isinstance(node.rule, Linear):
            continue
        n = len(node.inputs) // 2
        weights, xs, bias = list(node.inputs[:n]), node.inputs[n : 2 * n], node.inputs[2 * n]
        if bias in varying or any(w in varying for w in weights):
            continue
        layer = by_inputs.setdefault(xs, FusedLayer([], list(xs), [], []))
        layer.members.append(node)
        layer.weights.append(weights)
        layer.biases.append(bias)
    # One neuron of one input is a multiplication and an addition: no matrix needed.
    return [layer for layer in by_inputs.values() if len(layer.members) * len(layer.inputs) >= 2]


@dataclass(eq=False)
class _Candidate:
    """An elementwise group being found: a slot per member, filled in topological order."""

    rule: Op
    operands: list[_Candidate | Group | Value]
    members: list[Value | None]
    #: The group it became, once all of its members and operands were found.
    group: Elementwise | None = None


def _elementwise_candidates(
    order: Sequence[Value], varying: set[Value], position: dict[Value, tuple[Group, int]]
) -> Iterator[_Candidate]:
    """Candidates in the order they are first met, so that each comes after its operands."""
    candidates: dict[tuple[object, ...], _Candidate] = {}
    slot_of: dict[Value, tuple[_Candidate, int]] = {}
    for node in order:
        rule = node.rule
        if node in position or node not in varying or rule is None or isinstance(rule, Linear):
            continue
        operands: list[_Candidate | Group | Value] = []
        j, size = -1, 0
        for x in node.inputs:
            found = position.get(x) or slot_of.get(x)
            if found is None:
                operands.append(x)
                continue
            group, k = found
            width = len(group.members)
            if j >= 0 and (k, width) != (j, size):
                break  # members of different positions or sizes: not aligned
            j, size = k, width
            operands.append(group)
        else:
            if size < 2:  # no group among the operands, or a group of one
                continue
            key = (rule, *operands)
            candidate = candidates.get(key)
            if candidate is None:
                candidate = candidates[key] = _Candidate(rule, operands, [None] * size)
            if candidate.members[j] is None:
                candidate.members[j] = node
                slot_of[node] = (candidate, j)
    yield from candidates.values()


def schedule(order: Sequence[Value], groups: Sequence[Group]) -> list[Unit] | None:
    """The computed nodes and the groups in an order in which each comes after what it needs,
    or ``None`` when the groups would need each other (a replay then does without them)."""
    unit_of: dict[Value, Group] = {m: g for g in groups for m in g.members}

    def needs(unit: Unit) -> Iterator[Unit]:
        members = unit.members if not isinstance(unit, Value) else [unit]
        for member in members:
            for x in member.inputs:
                if x.rule is not None:
                    needed = unit_of.get(x, x)
                    if needed is not unit:
                        yield needed

    # Depth-first, as autograd.topological_order, with a check for cycles: a unit met again
    # while it is still being visited needs itself.
    done: set[Unit] = set()
    visiting: set[Unit] = set()
    written: list[Unit] = []
    for node in order:
        start: Unit = unit_of.get(node, node)
        if node.rule is None or start in done:
            continue
        visiting.add(start)
        stack = [(start, needs(start))]
        while stack:
            unit, pending = stack[-1]
            for needed in pending:
                if needed in done:
                    continue
                if needed in visiting:
                    return None
                visiting.add(needed)
                stack.append((needed, needs(needed)))
                break
            else:
                stack.pop()
                visiting.discard(unit)
                done.add(unit)
                written.append(unit)
    return written

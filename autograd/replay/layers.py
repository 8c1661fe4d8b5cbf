"""Fused layers in a traced graph: groups of nodes that a batch replay computes as one array
operation.

A *fused layer* (:class:`FusedLayer`; not ``nn.Layer``, the module, though a module's layer is
what it usually finds) is a set of ``linear`` nodes zⱼ = Σᵢ wⱼᵢxᵢ + bⱼ on the same inputs x (the
same nodes, in the same order), each with a weight row and a bias of its own that depend on no
input: for a batch of examples, one row per example, it is one matrix product Z = X Wᵀ + b.
Fused layers with the same weight rows and biases over different inputs are one fused layer
too, a *kernel* over several *windows* of inputs: a convolution, one ``linear`` node per
output channel and position. Its windows, side by side for every example (im2col), are the rows
of one matrix product, so the kernel's gradient is summed over examples and positions by the
product itself.

An *elementwise group* applies one op to every member, each to its own operands: members of
other groups (member j of a group for member j, or members picked by an index, as a pooling
window picks its members) and nodes that every member shares; for example relu over a layer, or
the maxima of pooling windows: one array operation. All are found on the graph alone, whatever
code built it; nodes in no group are replayed one by one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from autograd.ops import Linear, Op
from autograd.value import Value


@dataclass(eq=False)
class FusedLayer:
    """A fused layer of k weight rows over one window of inputs or several:
    ``members[p·k + j]`` = Σᵢ ``weights[j][i]`` · ``windows[p][i]`` + ``biases[j]``, where an input
    ``None`` (a window cut by the edge of an image, without padding) counts as 0."""

    members: list[Value]
    windows: list[list[Value | None]]
    weights: list[list[Value]]
    biases: list[Value]


@dataclass(eq=False)
class Gathered:
    """An operand of an elementwise group picked from another group: member j's operand is
    ``group.members[index[j]]``."""

    group: Group
    index: list[int]


@dataclass(eq=False)
class Elementwise:
    """``members[j]`` = ``rule`` applied to, for each operand, member j of a group, the member a
    :class:`Gathered` operand picks for it, or a node that every member shares."""

    members: list[Value]
    rule: Op
    operands: list[Group | Gathered | Value]


Group = FusedLayer | Elementwise
#: What a batch replay writes in turn: a group, or one node.
Unit = Group | Value


def find_groups(
    order: Sequence[Value],
    varying: set[Value],
    constants: set[Value],
    *,
    kernels: bool = True,
    rank: Mapping[Value, int] | None = None,
) -> list[Group]:
    """The fused layers and elementwise groups of a graph (``order``: its topological order),
    among the nodes that vary from example to example (``varying``); the leaves in ``constants``
    are alike when their values are. ``kernels=False`` leaves fused layers of one window.

    ``rank`` (the parameters' places in their list) puts a layer's rows in the order of their
    weights, so that rows a model keeps together stay together: an LSTM's gates are then four
    blocks of rows, each an elementwise group's slice of the layer (else they come in the
    order the graph is walked, interleaved)."""
    key = alike_keys(constants)
    layers = _layers(order, varying, key)
    if rank is not None:
        layers = [_ranked(layer, rank) for layer in layers]
    if kernels:
        layers = _shared_kernels(layers, order, key)
    # One neuron of one input is a multiplication and an addition: no matrix needed.
    layers = [layer for layer in layers if len(layer.members) * len(layer.weights[0]) >= 2]
    position: dict[Value, tuple[Group, int]] = {
        member: (layer, j) for layer in layers for j, member in enumerate(layer.members)
    }
    groups: list[Group] = list(layers)
    for candidate in _elementwise_candidates(order, varying, position, key):
        group = candidate.become_group()
        if group is not None:
            groups.append(group)
    for layer in layers:
        _picked_blocks_together(layer, groups)
    return groups


def _picked_blocks_together(layer: FusedLayer, groups: Sequence[Group]) -> None:
    """Put the layer's rows in the order the elementwise groups pick them, where that makes
    their picks fewer blocks of neighbouring rows: an LSTM's sigmoid over its i, f and o gates
    then reads the block [0, 3H) of its step's product, not two blocks put together, and its
    gradient is one block too (an optimisation; PyTorch's gate order is i, f, g, o). The rows
    are reordered in place, and the picks' indices with them."""
    picks = [
        operand
        for group in groups
        if isinstance(group, Elementwise)
        for operand in group.operands
        if isinstance(operand, Gathered) and operand.group is layer
    ]
    taken_whole = any(
        operand is layer
        for group in groups
        if isinstance(group, Elementwise)
        for operand in group.operands
    )
    if not picks or taken_whole or len(layer.windows) != 1:
        return
    rows = list(
        dict.fromkeys([*(j for pick in picks for j in pick.index), *range(len(layer.members))])
    )
    moved = {old: new for new, old in enumerate(rows)}
    blocks = sum(len(_blocks(pick.index)) for pick in picks)
    if sum(len(_blocks([moved[j] for j in pick.index])) for pick in picks) >= blocks:
        return
    reordered = _reordered(layer, rows)
    layer.members[:], layer.weights[:], layer.biases[:] = (
        reordered.members,
        reordered.weights,
        reordered.biases,
    )
    for pick in picks:
        pick.index[:] = [moved[j] for j in pick.index]


def _blocks(index: Sequence[int]) -> list[int]:
    """Where ``index`` starts a new block of neighbouring rows (it stops counting up by one)."""
    return [k for k in range(len(index)) if k == 0 or index[k] != index[k - 1] + 1]


def alike_keys(constants: set[Value]) -> Callable[[Value], object]:
    """What makes two nodes alike: a constant leaf its value, any other node itself."""

    def key(node: Value) -> object:
        return ("constant", node.data) if node in constants else node

    return key


def _layers(
    order: Sequence[Value], varying: set[Value], key: Callable[[Value], object]
) -> list[FusedLayer]:
    """The ``linear`` nodes whose weights and bias depend on no input, a fused layer for each
    tuple of inputs, where equal constants are alike (each node has a zero of padding of its
    own) and a zero is no input at all."""
    by_inputs: dict[tuple[object, ...], FusedLayer] = {}
    alike: dict[object, Value] = {}

    def input_of(x: Value) -> Value | None:
        known = key(x)
        if known is x:
            return x
        return None if known == ("constant", 0.0) else alike.setdefault(known, x)

    for node in order:
        if node not in varying or not isinstance(node.rule, Linear):
            continue
        n = len(node.inputs) // 2
        weights, xs, bias = list(node.inputs[:n]), node.inputs[n : 2 * n], node.inputs[2 * n]
        if n == 0 or bias in varying or any(w in varying for w in weights):
            continue
        window = [input_of(x) for x in xs]
        layer = by_inputs.setdefault(tuple(window), FusedLayer([], [window], [], []))
        layer.members.append(node)
        layer.weights.append(weights)
        layer.biases.append(bias)
    return list(by_inputs.values())


def _ranked(layer: FusedLayer, rank: Mapping[Value, int]) -> FusedLayer:
    """The layer with its rows in the order of their first weights' ranks (as it is where one
    of them has none)."""
    if len(layer.windows) != 1 or any(row[0] not in rank for row in layer.weights):
        return layer
    return _reordered(
        layer, sorted(range(len(layer.members)), key=lambda j: rank[layer.weights[j][0]])
    )


def _reordered(layer: FusedLayer, rows: list[int]) -> FusedLayer:
    """The layer of one window with its rows in the order ``rows``."""
    return FusedLayer(
        [layer.members[j] for j in rows],
        layer.windows,
        [layer.weights[j] for j in rows],
        [layer.biases[j] for j in rows],
    )


@dataclass(eq=False)
class _Kernel:
    """Fused layers found to share weight rows and biases: the columns of the first (the
    widest window), and each layer with its rows in the kernel's order."""

    columns: dict[tuple[object, int], int]
    layers: list[tuple[FusedLayer, FusedLayer]] = field(default_factory=list)


def _shared_kernels(
    layers: list[FusedLayer], order: Sequence[Value], key: Callable[[Value], object]
) -> list[FusedLayer]:
    """The fused layers, where several share their weight rows and biases over different
    windows merged into one (a convolution), unless one needs another's output (the steps of
    a recurrent net).

    Layers are matched column by column: a column of weights (the jth weight of every row) is
    known by its nodes, and a window cut by the edge uses only some of the kernel's columns,
    its missing inputs 0. The rows of each layer are put in one order first (by where their
    bias, else their first weight, is in the graph), as the nodes of a convolution are not
    always met channel by channel in the same order at every position.
    """
    where = {node: k for k, node in enumerate(order)}

    def row_order(layer: FusedLayer) -> FusedLayer:
        def place(j: int) -> int:
            bias = layer.biases[j]
            return where[bias] if key(bias) is bias else min(where[w] for w in layer.weights[j])

        return _reordered(layer, sorted(range(len(layer.members)), key=place))

    by_biases: dict[tuple[object, ...], list[_Kernel]] = {}
    # The widest windows first: a kernel's columns are those of its widest window.
    for layer in sorted(layers, key=lambda layer: -len(layer.weights[0])):
        rows = row_order(layer)
        columns = _columns(rows, key)
        kernels = by_biases.setdefault(tuple(map(key, rows.biases)), [])
        kernel = next((k for k in kernels if k.columns.keys() >= set(columns)), None)
        if kernel is None:
            kernel = _Kernel({column: i for i, column in enumerate(columns)})
            kernels.append(kernel)
        kernel.layers.append((layer, rows))
    merged: list[FusedLayer] = []
    for kernel in (k for kernels in by_biases.values() for k in kernels):
        layers_in_order = sorted(kernel.layers, key=lambda pair: where[pair[0].members[0]])
        if len(kernel.layers) > 1 and _independent([rows for _, rows in kernel.layers], order):
            merged.append(_merged(kernel, [rows for _, rows in layers_in_order], key))
        else:
            merged.extend(layer for layer, _ in kernel.layers)
    return merged


def _columns(layer: FusedLayer, key: Callable[[Value], object]) -> list[tuple[object, int]]:
    """Each column of the layer's weights known by its nodes' keys, and which occurrence of
    such a column it is in the layer (a column may repeat: equal constant weights)."""
    seen: Counter[object] = Counter()
    columns: list[tuple[object, int]] = []
    for i in range(len(layer.weights[0])):
        column = tuple(key(row[i]) for row in layer.weights)
        columns.append((column, seen[column]))
        seen[column] += 1
    return columns


def _independent(layers: list[FusedLayer], order: Sequence[Value]) -> bool:
    """Whether no layer's inputs depend on a member of any of the layers."""
    members = {m for layer in layers for m in layer.members}
    reached = set(members)
    for node in order:
        if node not in reached and any(x in reached for x in node.inputs):
            reached.add(node)
    return not any(x in reached for layer in layers for x in layer.windows[0])


def _merged(
    kernel: _Kernel, layers: list[FusedLayer], key: Callable[[Value], object]
) -> FusedLayer:
    """The layers as one fused layer over their windows, in the kernel's columns."""
    first = next(layer for layer in layers if len(layer.weights[0]) == len(kernel.columns))
    windows: list[list[Value | None]] = []
    for layer in layers:
        window: list[Value | None] = [None] * len(kernel.columns)
        for column, x in zip(_columns(layer, key), layer.windows[0], strict=True):
            window[kernel.columns[column]] = x
        windows.append(window)
    members = [m for layer in layers for m in layer.members]
    return FusedLayer(members, windows, first.weights, first.biases)


@dataclass(eq=False)
class _Candidate:
    """An elementwise group being found: its members in the order met, and for each operand,
    the group (or candidate) its members come from, with each member's index in it, or the
    node that every member shares."""

    rule: Op
    operands: list[_Candidate | Group | Value]
    members: list[Value] = field(default_factory=list)
    indices: list[list[int]] = field(default_factory=list)
    #: The group it became, and where each member went in it.
    group: Elementwise | None = None
    moved: list[int] = field(default_factory=list)

    def become_group(self) -> Elementwise | None:
        """The elementwise group of two members or more whose operands became groups too.

        Its members are put in the order of a group they take every member of, once each (for
        an op over a layer, the layer's own order: the operand needs no index)."""
        if len(self.members) < 2:
            return None
        sources: list[Group | Value] = []
        # Each member's index in each group it takes an operand from (-1 for a shared node).
        indices: list[list[int]] = []
        for operand, index in zip(self.operands, self.indices, strict=True):
            if not isinstance(operand, _Candidate):
                sources.append(operand)
                indices.append(index)
            elif operand.group is not None:
                sources.append(operand.group)
                indices.append([operand.moved[k] for k in index])
            elif len(set(index)) == 1:  # one node that did not become a group, shared by all
                sources.append(operand.members[index[0]])
                indices.append([-1] * len(index))
            else:
                return None  # nodes that did not become a group
        picked = [index for index in indices if index[0] >= 0]
        if not picked:
            return None  # no operand from a group: nothing to do at once
        whole = [
            index
            for source, index in zip(sources, indices, strict=True)
            if not isinstance(source, Value) and sorted(index) == list(range(len(source.members)))
        ]
        by = [(k,) for k in whole[0]] if whole else list(zip(*picked, strict=True))
        rows = sorted(range(len(self.members)), key=by.__getitem__)
        self.moved = [0] * len(rows)
        for new, old in enumerate(rows):
            self.moved[old] = new
        operands: list[Group | Gathered | Value] = []
        for source, index in zip(sources, indices, strict=True):
            if isinstance(source, Value):
                operands.append(source)
                continue
            ordered = [index[j] for j in rows]
            same = ordered == list(range(len(source.members)))
            operands.append(source if same else Gathered(source, ordered))
        self.group = Elementwise([self.members[j] for j in rows], self.rule, operands)
        return self.group


def _elementwise_candidates(
    order: Sequence[Value],
    varying: set[Value],
    position: dict[Value, tuple[Group, int]],
    key: Callable[[Value], object],
) -> Iterator[_Candidate]:
    """Candidates in the order they are first met, so that each comes after its operands: the
    nodes of one op whose operands come from the same groups, or are alike."""
    candidates: dict[tuple[object, ...], _Candidate] = {}
    slot_of: dict[Value, tuple[_Candidate, int]] = {}
    for node in order:
        rule = node.rule
        if node in position or node not in varying or rule is None or isinstance(rule, Linear):
            continue
        sources: list[_Candidate | Group | Value] = []
        at: list[int] = []
        for x in node.inputs:
            found = position.get(x) or slot_of.get(x)
            sources.append(x if found is None else found[0])
            at.append(-1 if found is None else found[1])
        if all(k < 0 for k in at):
            continue
        signature = (rule, *(key(s) if isinstance(s, Value) else s for s in sources))
        candidate = candidates.get(signature)
        if candidate is None:
            candidate = _Candidate(rule, sources, indices=[[] for _ in sources])
            candidates[signature] = candidate
        slot_of[node] = (candidate, len(candidate.members))
        candidate.members.append(node)
        for index, k in zip(candidate.indices, at, strict=True):
            index.append(k)
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

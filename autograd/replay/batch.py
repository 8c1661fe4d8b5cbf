"""The batch replay: a traced graph written for NumPy arrays, one row per example.

Every node that depends on an input holds one number per example: an array. A node that
depends on no input (a parameter, a constant, what is computed from them) is the same for every
example, a plain number, and its gradient is a sum over the batch. Nodes are written one by one,
as in the one-example replay (:mod:`autograd.replay.writer`), except for groups
(:mod:`autograd.replay.layers`):

* a fused layer of ``linear`` nodes Z = X Wᵀ + b is one matrix product, and so is its backward
  pass, which gives ∂L/∂W = ∂L/∂Zᵀ X summed over the batch by the product itself, ∂L/∂b = Σ ∂L/∂Z
  over the batch and ∂L/∂X = ∂L/∂Z W;
* a kernel over windows (a convolution) is the same product on the windows of every example
  side by side, one row per example and position (im2col): X is the windows' inputs picked from
  the matrix they come from, ∂L/∂W = ∂L/∂Zᵀ X is summed over examples and positions by the
  product, and each input's gradient is the sum of ∂L/∂X over the windows that read it;
* an op applied to each member of a group is one array operation on the group's matrix (or on
  the members it picks from other groups, as a pooling window does), and so is each term of its
  chain rule, ∂L/∂A = f'(A) ⊙ ∂L/∂Z (summed where a member is picked more than once);
* a fused layer that only tanh and sigmoid groups read, each a block of its rows (an LSTM
  step's gates), is one tanh over its product with the sigmoids' rows halved,
  σ(z) = (1 + tanh(z/2))/2, and its chain rule one tanh term (:func:`one_tanh_layers`);
* members picked as a block of a group's columns (an LSTM's gate: rows [kH, (k+1)H) of its
  step's product, the rows being in the order of their weights) are a slice of its matrix, and
  the gradients of blocks that cover a group one after another are put side by side.

The parameters' gradients are summed over the batch in one reduction at the end; the weights
that several layers share (a recurrent net's steps) get theirs from one product of the layers'
rows stacked. Such layers whose inputs come from several places ([x_t, h_{t−1}]) keep them in
one array, a slot per layer, each column written into it once, with a column of ones for the
bias (:class:`InputsBuffer`).

A fused layer of one window writes its product as Z = (W Xᵀ)ᵀ, the same numbers in column
order (Fortran's): a block of a matrix's columns, such as an LSTM's gate, is then one piece of
memory, on which NumPy computes at full speed (on a 32 × 8 block, a product takes a third of
the time it takes on a strided block of a matrix in row order); array operations, slices and
concatenations keep that order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from autograd.ops import BatchMean, Op, Sigmoid, Tanh, Total
from autograd.replay.layers import (
    Elementwise,
    FusedLayer,
    Gathered,
    Group,
    Unit,
    alike_keys,
    find_groups,
    schedule,
)
from autograd.replay.writer import Graph, Writer, sum_of
from autograd.symbols import ATOM, Symbol, constant, is_name, symbol_of, wrap
from autograd.value import Value


def write_batch(graph: Graph, *, gradients: bool) -> str:
    """The batch replay's source: ``replay(seed, x0 … xn, P)`` with one array per input, the
    parameters' values as an array ``P``, and ``seed`` the weight of each example's gradient.

    It returns the first output, a check and the gradients ``∂/∂params`` summed over the batch
    (an array), then the tuple of the other outputs if there are any, or, without gradients,
    the check and the tuple of all outputs. The check is finite for each example where every
    op with a domain gave finite numbers (and the output too, with gradients), NaN elsewhere.
    """
    return BatchWriter(graph).source(gradients=gradients)


#: The ops whose chain-rule term f'(A) ⊙ ∂L/∂Z, the op table's expression times the gradient,
#: a runtime function computes in place (:mod:`autograd.replay.runtime`): an optimisation, as
#: each array made costs more than the arithmetic on a small one (an LSTM step's gates: a
#: sixth of the replay's time).
IN_PLACE_CHAIN = {"tanh": "tanh_chain", "sigmoid": "sigmoid_chain"}

#: The ops that one tanh over a fused layer's product gives, by the scale of their rows'
#: pre-activations: tanh(z), and σ(z) = (1 + tanh(z/2))/2 (see :func:`one_tanh_layers`).
TANH_SCALES: dict[type[Op], float] = {Tanh: 1.0, Sigmoid: 0.5}

#: Layers whose weights' gradient is one product: by weight matrix, biases and rows' scales.
StackKey = tuple[str, tuple[Value, ...], tuple[float, ...]]

#: An input that a buffered layer's window lacks (a state of zeros): the constant 0, one leaf
#: for all (made once, so that writing a replay makes no Value).
LACKING = Value(0.0)

#: What fills a block of a buffered layer's columns (:meth:`BatchWriter.segments`).
INPUTS, SHARED, COMPUTED = "inputs", "shared", "computed"

#: Up to how many blocks of a group's columns an elementwise group may pick and pass its
#: gradient back by block (more: summed by np.take, as a pooling window's).
MOST_BLOCKS = 4


class BatchWriter(Writer):
    """Writes the batch replay (see :func:`write_batch`)."""

    def __init__(self, graph: Graph):
        super().__init__(graph, batch=True)
        self.index = {p: j for j, p in enumerate(graph.params)}
        self.units = self.scheduled(graph)
        written: list[Group] = [unit for unit in self.units if not isinstance(unit, Value)]
        #: Each group's number n: its matrix is zn, its gradient dzn.
        self.number = {group: n for n, group in enumerate(written)}
        self._by_members = {tuple(group.members): group for group in written}
        self._group_of_member = {m: g for g in written for m in g.members}
        #: Gradient pieces of parameters, summed over the batch: (code, parameter indices).
        self.pieces: list[tuple[str, list[int]]] = []
        self.preamble: list[str] = []
        #: The members that elementwise groups pick from other groups, once per pick.
        self.picks: dict[tuple[int, tuple[int, ...]], Symbol] = {}
        #: The matrix each fused layer's inputs come from.
        self.layer_inputs: dict[FusedLayer, Source] = {}
        #: The name of each fused layer's weight matrix, and of each array written by its code.
        self.weights: dict[FusedLayer, str] = {}
        self._shared: dict[str, str] = {}
        self._constants: dict[str, str] = {}
        #: Gradient terms of blocks of a group's columns (start, stop), summed when it is done.
        self._blocks: dict[Group, dict[tuple[int, int], Symbol]] = {}
        #: Bias vectors that are no parameters (b_ih + b_hh): the sum of their layers'
        #: gradients so far, and the vectors each node is in.
        self._bias_sums: dict[tuple[Value, ...], Symbol] = {}
        self._bias_vectors: dict[Value, list[tuple[Value, ...]]] = {}
        #: How many fused layers use each weight matrix, and the layers (with ∂L/∂Z and X)
        #: whose weights' gradient is one product over all of them, by matrix and biases.
        self._layers_of: dict[str, int] = {}
        self._stacks: dict[StackKey, list[tuple[FusedLayer, str, str]]] = {}
        kept = {*graph.outputs, *(g.left for g in graph.guards)}
        #: The layers computed with one tanh over their product, and their rows' scales.
        self.tanh_scales = one_tanh_layers(self.order, written, kept)
        self.inputs = set(graph.inputs)
        #: The stacks of layers whose inputs are kept in one array, and each layer's slot.
        self.buffers: dict[FusedLayer, tuple[InputsBuffer, int]] = self.inputs_buffers()
        #: Lines that copy a unit's values into the buffers, written after the unit.
        self._copies: dict[Unit, list[Callable[[], str]]] = {}
        self._written: set[Unit] = set()
        self.names[LACKING] = constant(0.0)

    def scheduled(self, graph: Graph) -> list[Unit]:
        """The groups and nodes in the order they are written: with kernels over windows, else
        (if those groups would need each other) without, else every node by itself."""
        varying = {node for node in self.order if node not in self.uniform}
        leaves = {node for node in self.order if node.rule is None}
        constants = leaves - set(graph.inputs) - set(graph.params)
        #: What makes two nodes alike: a constant leaf its value, any other node itself.
        self.alike = alike_keys(constants)
        for kernels in (True, False):
            units = schedule(
                self.order,
                find_groups(self.order, varying, constants, kernels=kernels, rank=self.index),
            )
            if units is not None:
                return units
        units = schedule(self.order, [])
        assert units is not None
        return units

    def arguments(self) -> list[str]:
        return ["seed", *(f"x{i}" for i in range(len(self.graph.inputs))), "P"]

    def source(self, *, gradients: bool) -> str:
        text = super().source(gradients=gradients)
        used = sorted({int(j) for j in re.findall(r"\bp(\d+)\b", text)})
        # Parameters used one by one are plain floats: NumPy's scalars compute more slowly.
        prologue = [f"    p{j} = params[{j}]\n" for j in used]
        if used:
            prologue.insert(0, "    params = P.tolist()\n")
        head, body = text.split("\n", 1)
        lines = _freed([*prologue, *body.splitlines(keepends=True)])
        return "".join(f"{line}\n" for line in self.preamble) + head + "\n" + "".join(lines)

    # -- forward ---------------------------------------------------------------------------
    def forward(self) -> list[Any]:
        for node in self.order:
            if node.rule is None and node not in self.names:
                self.names[node] = constant(node.data)
        for unit in self.units:
            if isinstance(unit, Value):
                self.forward_node(unit)
            elif isinstance(unit, FusedLayer):
                if unit in self.buffers and self.buffers[unit][1] == 0:
                    self.make_buffer(self.buffers[unit][0])
                self.forward_layer(unit)
            else:
                self.forward_elementwise(unit)
            self._written.add(unit)
            self.lines += [line() for line in self._copies.pop(unit, [])]
        for node in self.order:
            self.write_guards(node)
        return self.units

    def forward_node(self, node: Value) -> None:
        if self.is_batch_mean(node):
            mean = Symbol(f"batch_mean({self.names[node.inputs[0]].code})")
            self.names[node] = self.assign(self.new_value(), mean)
            return
        covered, rest = self.covered_groups(node)
        if not covered:
            super().forward_node(node)
            return
        terms = [Symbol(f"z{self.number[g]}.sum(axis=1)") for g in covered]
        name = self.assign(self.new_value(), sum_of([*terms, *(self.names[x] for x in rest)]))
        self.names[node] = name

    def is_batch_mean(self, node: Value) -> bool:
        """Whether ``node`` is a mean over the batch's rows (:class:`autograd.ops.BatchMean`)
        of numbers that vary from example to example (of a uniform number it is the number)."""
        return isinstance(node.rule, BatchMean) and node not in self.uniform

    def covered_groups(self, node: Value) -> tuple[list[Group], list[Value]]:
        """For a sum (``total``) of whole groups, each member once: those groups, summed over
        each row in one reduction, and the other terms."""
        if not isinstance(node.rule, Total) or node in self.uniform:
            return [], []
        count: dict[Group, int] = {}
        for x in node.inputs:
            group = self._group_of_member.get(x)
            if group is not None:
                count[group] = count.get(group, 0) + 1
        inputs = set(node.inputs)
        covered = [
            g for g, n in count.items() if n == len(g.members) and inputs.issuperset(g.members)
        ]
        inside = {m for g in covered for m in g.members}
        return covered, [x for x in node.inputs if x not in inside]

    def forward_layer(self, layer: FusedLayer) -> None:
        n = self.number[layer]
        k, width, count = len(layer.weights), len(layer.weights[0]), len(layer.windows)
        nodes = f"{k} linear node{'s' if k > 1 else ''}"
        if count == 1:
            self.lines.append(f"# a fused layer: {nodes} on the same {width} inputs")
        else:
            self.lines.append(
                f"# a fused layer: a kernel of {nodes} over {count} windows of {width} inputs, "
                "one row per example and window (im2col)"
            )
        buffered = self.buffers.get(layer)
        inputs = self.buffered_inputs(layer) if buffered else self.inputs_matrix(layer)
        weights = self.weights[layer] = self.shared(f"w{n}", self.matrix(layer.weights))
        self._layers_of[weights] = self._layers_of.get(weights, 0) + 1
        halved = self.row_scales(layer)
        if halved is not None:
            self.lines.append(
                "# tanh over every row, the sigmoids' rows halved: σ(z) = (1 + tanh(z/2))/2"
            )
            weights = self.shared(f"wh{n}", f"{weights} * {halved}[:, None]")
        bias = None
        if _has_bias(layer, self.index):
            bias = self.shared(f"b{n}", self.vector(layer.biases))
            if halved is not None:
                bias = self.shared(f"bh{n}", f"{bias} * {halved}")
        if buffered and bias is not None:  # [W b] [x; 1]: the bias is the product's last column
            weights = self.shared(f"wo{n}", f"concatenate([{weights}, {bias}[:, None]], 1)")
            bias = None
        # One window: Z = (W Xᵀ)ᵀ, the same product in column order (see the module's doc).
        product = f"{inputs} @ {weights}.T" if count > 1 else f"({weights} @ {inputs}.T).T"
        if bias is not None:
            product += f" + {bias}"
        if count > 1:  # back to one row per example: the members, window by window
            product = f"({product}).reshape(-1, {count * k})"
        self.lines.append(f"z{n} = {product}")
        if layer in self.tanh_scales:
            self.lines.append(f"tanh(z{n}, out=z{n})")
        self.name_members(layer)

    def inputs_buffers(self) -> dict[FusedLayer, tuple[InputsBuffer, int]]:
        """The stacks of fused layers whose inputs are kept in one array (:class:`InputsBuffer`):
        layers of one window, every weight a parameter, with the same weights, biases and row
        scales, at least two of them, whose inputs are put together from several sources; each
        layer with its slot, in the order written."""
        stacks: dict[tuple[Any, ...], list[FusedLayer]] = {}
        for unit in self.units:
            if not isinstance(unit, FusedLayer) or len(unit.windows) != 1:
                continue
            weights = tuple(w for row in unit.weights for w in row)
            if not all(w in self.index for w in weights):
                continue
            scales = tuple(self.tanh_scales.get(unit, ()))
            biases = tuple(self.alike(b) for b in unit.biases)  # constants by their values
            stacks.setdefault((weights, biases, scales), []).append(unit)
        buffers: dict[FusedLayer, tuple[InputsBuffer, int]] = {}
        for layers in stacks.values():
            # Not where each layer but the first reads one group's matrix as it is (a GRU's
            # W_hh h_{t−1}): nothing to put side by side, a copy more per step.
            assembled = any(self.group_of(self.columns_of(layer)) is None for layer in layers[1:])
            if len(layers) > 1 and assembled:
                buffer = InputsBuffer(
                    f"A{len({id(b) for b, _ in buffers.values()})}",
                    layers,
                    len(layers[0].windows[0]),
                    _has_bias(layers[0], self.index),
                )
                buffers.update({layer: (buffer, t) for t, layer in enumerate(layers)})
        return buffers

    def make_buffer(self, buffer: InputsBuffer) -> None:
        """Write the buffer's array and what of it is known before its first layer: the
        model's inputs (a block of columns that every layer has in the same place, in one
        assignment for all of them), the leaves shared by every example, the ones, and the
        columns computed already; the others are copied in as soon as they are computed."""
        a, count, width = buffer.name, len(buffer.layers), buffer.width
        batch = f"len({self.names[self.graph.inputs[0]].code})"
        ones = " (a column of ones last, for the biases)" if buffer.ones else ""
        self.lines.append(
            f"# the inputs of {count} layers with the same weights, a slot each{ones}"
        )
        self.lines.append(f"{a} = empty(({count}, {batch}, {width + buffer.ones}))")
        if buffer.ones:
            self.lines.append(f"{a}[:, :, {width}] = 1.0")
        windows = [self.columns_of(layer) for layer in buffer.layers]
        segments = [self.segments(window) for window in windows]
        everywhere = set.intersection(*({s for s in segs if s[0] == INPUTS} for segs in segments))
        for _, c0, c1 in sorted(everywhere):
            # One flat array [T·k][examples], seen as [T][k][examples], put as [T][examples][k].
            listed = ", ".join(self.listed(window[c0:c1]) for window in windows)
            picked = f"array([{listed}]).reshape({count}, {c1 - c0}, -1).transpose(0, 2, 1)"
            self.lines.append(f"{a}[:, :, {c0}:{c1}] = {picked}")
        for t, (window, segs) in enumerate(zip(windows, segments, strict=True)):
            for kind, c0, c1 in segs:
                target = f"{a}[{t}, :, {c0}:{c1}]" if c1 > c0 + 1 else f"{a}[{t}, :, {c0}]"
                if kind == COMPUTED:
                    node = window[c0]
                    group = self._group_of_member.get(node)
                    run = group if group is not None and c1 - c0 > 1 else None
                    self.copy_after(group or node, target, run or node)
                elif (kind, c0, c1) not in everywhere:  # else written for every slot above
                    listed = self.listed(window[c0:c1])
                    if c1 == c0 + 1:
                        value = listed
                    elif kind == INPUTS:
                        value = f"stack({listed})"
                    else:  # numbers shared by every example: one row, broadcast
                        value = f"({listed},)"
                    self.lines.append(f"{target} = {value}")

    def columns_of(self, layer: FusedLayer) -> list[Value]:
        """A buffered layer's window, an input that it lacks being the constant 0."""
        return [LACKING if x is None else x for x in layer.windows[0]]

    def segments(self, columns: list[Value]) -> list[tuple[str, int, int]]:
        """A buffered layer's columns cut into what fills them alike, each (kind, start, stop):
        runs of the model's inputs (``INPUTS``), runs of leaves shared by every example
        (``SHARED``), and computed columns (``COMPUTED``): a group's members, all of
        them in order, or one column."""
        runs = self.group_runs(columns)
        found: list[tuple[str, int, int]] = []
        for c in _starts(columns, runs):
            x = columns[c]
            if c in runs:
                found.append((COMPUTED, c, c + len(runs[c].members)))
                continue
            kind = COMPUTED if x.rule is not None else INPUTS if x in self.inputs else SHARED
            if found and kind != COMPUTED and found[-1][0] == kind and found[-1][2] == c:
                found[-1] = (kind, found[-1][1], c + 1)
            else:
                found.append((kind, c, c + 1))
        return found

    def copy_after(self, producer: Unit, target: str, what: Group | Value) -> None:
        """Copy a group's matrix or a node's column into a buffer once ``producer`` is written
        (now if it is already)."""

        def line() -> str:
            if isinstance(what, Value):
                return f"{target} = {self.names[what].code}"
            return f"{target} = z{self.number[what]}"

        if producer in self._written:
            self.lines.append(line())
        else:
            self._copies.setdefault(producer, []).append(line)

    def buffered_inputs(self, layer: FusedLayer) -> str:
        """A buffered layer's inputs: its slot of the buffer (with the ones, if any)."""
        buffer, t = self.buffers[layer]
        columns = self.columns_of(layer)
        code = f"{buffer.name}[{t}]"
        self.layer_inputs[layer] = Source(code, columns, False, runs=self.group_runs(columns))
        return code

    def shared(self, name: str, code: str) -> str:
        """The name of ``code``'s array: ``name``, written now, or the name it was written with
        before (an optimisation: the steps of a recurrent net share one weight matrix and one
        bias vector, built once instead of at every step)."""
        if code not in self._shared:
            self.lines.append(f"{name} = {code}")
            self._shared[code] = name
        return self._shared[code]

    def inputs_matrix(self, layer: FusedLayer) -> str:
        """The layer's inputs as a matrix, one row per example and window: a group's own matrix,
        their columns side by side, or the inputs of each window picked from those."""
        n = self.number[layer]
        window = layer.windows[0]
        source = self.layer_inputs[layer] = self.windows_source(layer.windows)
        if source.is_window(layer.windows):
            if source.group is not None:
                return source.code
            self.lines.append(f"a{n} = {source.code}")
        else:
            matrix = source.code
            if not matrix.isidentifier():
                self.lines.append(f"s{n} = {matrix}")
                matrix = f"s{n}"
            picked = self.picked(matrix, [i for w in layer.windows for i in source.of(w)])
            if len(layer.windows) > 1:
                picked += f".reshape(-1, {len(window)})"
            self.lines.append(f"a{n} = {picked}")
        return f"a{n}"

    def windows_source(self, windows: list[list[Value | None]]) -> Source:
        """The matrix the windows' inputs are picked from: a group's, where all of them (but the
        numbers shared by every example) are its members, else their own columns."""
        present = list(dict.fromkeys(x for w in windows for x in w if x is not None))
        shared = [x for x in present if x in self.uniform]
        groups = {self._group_of_member.get(x) for x in present if x not in self.uniform}
        missing = any(x is None for w in windows for x in w)
        group = groups.pop() if len(groups) == 1 else None
        if group is not None:
            columns = [*group.members, *shared]
            numbers = [self.names[x].code for x in shared] + (["0.0"] if missing else [])
            matrix = f"z{self.number[group]}"
            code = f"widened({matrix}, {', '.join(numbers)})" if numbers else matrix
            return Source(code, columns, missing, group)
        if not shared and not missing:
            runs = self.group_runs(present)
            if runs:
                listed = [self.block_code(present, k, runs) for k in _starts(present, runs)]
                return Source(f"concatenate([{', '.join(listed)}], 1)", present, missing, runs=runs)
        together = "stack" if not shared and not missing else "columns"
        listed = [self.names[x].code for x in present] + (["0.0"] if missing else [])
        return Source(f"{together}({', '.join(listed)})", present, missing)

    def group_runs(self, columns: list[Value]) -> dict[int, Group]:
        """Where a group's members stand side by side in ``columns``, all of them in order:
        the column each such run starts at, and its group."""
        runs: dict[int, Group] = {}
        k = 0
        while k < len(columns):
            group = self._group_of_member.get(columns[k])
            width = 0 if group is None else len(group.members)
            if group is not None and columns[k : k + width] == group.members:
                runs[k] = group
                k += width
            else:
                k += 1
        return runs

    def block_code(self, columns: list[Value], k: int, runs: dict[int, Group]) -> str:
        """Column ``k`` of a matrix side by side (a column: a row's number, its own row), or the
        group matrix whose run starts there."""
        if k in runs:
            return f"z{self.number[runs[k]]}"
        return f"{wrap(self.names[columns[k]], ATOM)}[:, None]"

    def picked(self, matrix: str, index: list[int]) -> str:
        """The columns ``index`` of a matrix, one row per example: a view where they are evenly
        spaced (a block of a fused layer's rows, such as a gate), else np.take (for a matrix,
        several times faster than indexing with an array)."""
        spaced = _spaced(index)
        if spaced is not None:
            return f"{matrix}[:, {spaced}]"
        return f"take({matrix}, {self.constant_array(index)}, 1)"

    def scattered(self, matrix: str, index: list[int], width: int) -> Symbol | None:
        """The transpose of picking: a matrix of ``width`` columns whose column c is the sum of
        the columns j of ``matrix`` with index[j] = c (``None`` if no column is picked)."""
        spaced = _spaced(index)
        if spaced is not None and index[-1] < width:  # each column picked once, evenly spaced
            return Symbol(f"placed({matrix}, {width}, slice({spaced.replace(':', ', ')}))")
        touches: list[list[int]] = [[] for _ in range(width)]
        for j, c in enumerate(index):
            if c < width:
                touches[c].append(j)
        most = max(map(len, touches), default=0)
        if most == 0:
            return None
        # Column len(index) is one of zeros, for the columns picked fewer times.
        padded = [t + [len(index)] * (most - len(t)) for t in touches]
        rows = [list(row) for row in zip(*padded, strict=True)]
        return Symbol(f"gathered_sums({matrix}, {self.constant_array(rows)})")

    def group_of(self, nodes: Sequence[Value]) -> Group | None:
        """The group whose members are exactly ``nodes``, in order, if there is one."""
        return self._by_members.get(tuple(nodes))

    def forward_elementwise(self, group: Elementwise) -> None:
        n = self.number[group]
        operands = [self.operand(o) for o in group.operands]
        value = symbol_of(group.rule.forward(self.m, *operands))
        if self.tanh_layer(group) is not None:  # a block of the layer's tanh (one_tanh_layers)
            tanh = operands[0].code
            value = Symbol(f"sigmoid_from_tanh({tanh})" if group.rule.name == "sigmoid" else tanh)
        if isinstance(group.rule, BatchMean):  # each member's mean over the rows
            value = Symbol(f"batch_mean({value.code})")
        self.lines.append(f"z{n} = {value.code}")
        self.name_members(group)
        if group.rule.has_domain:
            local = group.rule.derivatives(self.m, Symbol(f"z{n}"), *operands)
            self.check_rows([Symbol(f"z{n}"), *(d for d in local if isinstance(d, Symbol))])

    def row_scales(self, layer: FusedLayer, power: int = 1) -> str | None:
        """The name of the array of a one-tanh layer's row scales to the ``power``
        (:func:`one_tanh_layers`), or ``None`` where there are none but 1s."""
        scales = self.tanh_scales.get(layer, [])
        if all(s == 1.0 for s in scales):
            return None
        return self.constant_array([s**power for s in scales])

    def tanh_layer(self, group: Elementwise) -> FusedLayer | None:
        """The layer the group reads a block of, if that layer is computed by one tanh
        (:func:`one_tanh_layers`)."""
        source = group.operands[0]
        if isinstance(source, Gathered):
            source = source.group
        return source if isinstance(source, FusedLayer) and source in self.tanh_scales else None

    def operand(self, operand: Group | Gathered | Value) -> Symbol:
        """An operand of an elementwise group: a group's matrix, the members picked from one
        (picked once, however many groups use them), or a node for every member (an example's
        number repeated along its row)."""
        if isinstance(operand, Gathered):
            key = (self.number[operand.group], tuple(operand.index))
            if key not in self.picks:
                matrix = f"z{self.number[operand.group]}"
                self.picks[key] = self.assign(
                    self.new_value(), Symbol(self.picked(matrix, operand.index))
                )
            return self.picks[key]
        if not isinstance(operand, Value):
            return Symbol(f"z{self.number[operand]}")
        name = self.names[operand]
        return name if operand in self.uniform else Symbol(f"{name.code}[:, None]")

    def name_members(self, group: Group) -> None:
        n = self.number[group]
        for j, member in enumerate(group.members):
            self.names[member] = Symbol(f"z{n}[:, {j}]")

    def check_rows(self, terms: list[Symbol]) -> None:
        self.checks.append(Symbol(f"row_sums({sum_of(terms).code})"))

    def matrix(self, rows: list[list[Value]]) -> str:
        """The weights as a matrix: a view of the parameters where they lie in order, else built
        from each weight's name."""
        if all(w in self.index for row in rows for w in row):
            return self.parameters_at([[self.index[w] for w in row] for row in rows])
        return "array([" + ", ".join(f"[{self.listed(row)}]" for row in rows) + "])"

    def vector(self, nodes: list[Value]) -> str:
        if all(b in self.index for b in nodes):
            indices = [self.index[b] for b in nodes]
            start, stride = indices[0], (indices[1] - indices[0] if len(indices) > 1 else 1)
            if stride > 0 and indices == list(range(start, indices[-1] + 1, stride)):
                return f"P[{start}:{indices[-1] + 1}{f':{stride}' if stride > 1 else ''}]"
            return self.indexed(indices)
        return f"array([{self.listed(nodes)}])"

    def listed(self, nodes: Sequence[Value]) -> str:
        return ", ".join(self.names[node].code for node in nodes)

    def parameters_at(self, indices: list[list[int]]) -> str:
        """``P`` (the parameters as an array) at these indices, as a matrix: a reshaped slice
        where each row lies a fixed stride after the one before, else an index array."""
        k, width = len(indices), len(indices[0])
        start = indices[0][0]
        stride = indices[1][0] - start if k > 1 else width
        regular = all(
            index == start + j * stride + i
            for j, row in enumerate(indices)
            for i, index in enumerate(row)
        )
        if regular and stride >= width and start + k * stride <= len(self.index):
            columns = "" if stride == width else f"[:, :{width}]"
            return f"P[{start}:{start + k * stride}].reshape({k}, {stride}){columns}"
        return self.indexed(indices)

    def indexed(self, indices: Any) -> str:
        """``P`` at an index array, written once before the replay."""
        name = self.constant_array(indices)
        return f"P[{name}]"

    def constant_array(self, numbers: Any) -> str:
        """The name of an array of these numbers, written once before the replay (the same
        numbers, the same name)."""
        line = f"array({numbers!r})"
        if line not in self._constants:
            self._constants[line] = f"INDEX{len(self.preamble)}"
            self.preamble.append(f"{self._constants[line]} = {line}")
        return self._constants[line]

    # -- backward --------------------------------------------------------------------------
    def backward_unit(self, unit: Any) -> None:
        if isinstance(unit, Value):
            covered, rest = self.covered_groups(unit)
            if covered:
                self.backward_sum(unit, covered, rest)
            else:
                super().backward_unit(unit)
            return
        if isinstance(unit, Elementwise) and self.blocks_handed_on(unit):
            return
        upstream = self.group_gradient(unit)
        if upstream is None:
            return
        if isinstance(unit, FusedLayer):
            self.backward_layer(unit, upstream)
        else:
            self.backward_elementwise(unit, upstream)

    def backward_node(self, node: Value, upstream: Symbol) -> None:
        if not self.is_batch_mean(node):
            super().backward_node(node, upstream)
            return
        # The mean's chain rule: ∂L/∂xₙ = (1/N) Σₙ' ∂L/∂μₙ', the same mean of the gradients.
        x = node.inputs[0]
        if x in self.needs_grad:
            self.add(x, Symbol(f"batch_mean({upstream.code})"))

    def backward_sum(self, node: Value, covered: list[Group], rest: list[Value]) -> None:
        """∂Σ/∂xᵢ = 1 for every term: each group gets the row's gradient, repeated."""
        upstream = self.gradient_of(node)
        if upstream is None:
            return
        for group in covered:
            if any(m in self.needs_grad for m in group.members):
                self.add(group, Symbol(f"repeat({upstream.code}, {len(group.members)})"))
        for x in rest:
            if x in self.needs_grad:
                self.add(x, upstream)

    def group_gradient(self, group: Group) -> Symbol | None:
        """The group's gradient, a matrix: the terms of groups that use it whole, plus a column
        for each member that nodes by themselves use."""
        if not any(m in self.needs_grad for m in group.members):
            return None
        whole = self.grads.pop(group, None)
        blocks = self.blocks_gradient(group)
        if blocks is not None:
            whole = blocks if whole is None else whole + blocks
        parts = [self.grads.pop(m, None) for m in group.members]
        n = self.number[group]
        if all(part is None for part in parts):
            return (
                whole if whole is None or is_name(whole) else self.assign(Symbol(f"dz{n}"), whole)
            )
        if len(parts) == 1:
            assert parts[0] is not None
            columns = Symbol(f"{wrap(parts[0], ATOM)}[:, None]")
        else:
            listed = ", ".join(part.code if part is not None else "0.0" for part in parts)
            columns = Symbol(f"columns({listed})")
        gradient = columns if whole is None else whole + columns
        self.lines.append(f"dz{n} = {gradient.code}")
        return Symbol(f"dz{n}")

    def blocks_handed_on(self, group: Elementwise) -> bool:
        """For a group that is a block of a layer's tanh (:func:`one_tanh_layers`) and whose
        gradient is only blocks of its columns: those blocks handed on to the layer's, in its
        columns, and ``True`` (an optimisation: an LSTM's gates' gradients are then put side
        by side by one concatenation, not two)."""
        layer = self.tanh_layer(group)
        if layer is None or group not in self._blocks or group in self.grads:
            return False
        if any(m in self.grads for m in group.members):
            return False
        operand = group.operands[0]
        start = operand.index[0] if isinstance(operand, Gathered) else 0
        for (a, b), term in self._blocks.pop(group).items():
            self.add_block(layer, (start + a, start + b), term)
        return True

    def add_block(self, group: Group, block: tuple[int, int], term: Symbol) -> None:
        """Add ``term`` to the gradient of the group's columns ``block`` (start, stop)."""
        blocks = self._blocks.setdefault(group, {})
        earlier = blocks.get(block)
        blocks[block] = (
            term if earlier is None else self.assign(self.new_gradient(), earlier + term)
        )

    def blocks_gradient(self, group: Group) -> Symbol | None:
        """The gradients of the group's blocks of columns as one matrix: side by side where they
        cover the group one after another (an LSTM's gates), else each placed in a matrix of
        zeros, and summed."""
        blocks = self._blocks.pop(group, {})
        if not blocks:
            return None
        spans, width = sorted(blocks), len(group.members)
        after = [a[1] == b[0] for a, b in pairwise(spans)]
        if spans[0][0] == 0 and spans[-1][1] == width and all(after):
            return Symbol(f"concatenate([{', '.join(blocks[s].code for s in spans)}], 1)")
        return sum_of(
            [Symbol(f"placed({blocks[a, b].code}, {width}, slice({a}, {b}))") for a, b in spans]
        )

    def backward_layer(self, layer: FusedLayer, upstream: Symbol) -> None:
        n = self.number[layer]
        k, width, count = len(layer.weights), len(layer.weights[0]), len(layer.windows)
        self.lines.append(
            "# the fused layer's chain rule: ∂L/∂W = ∂L/∂Zᵀ X, ∂L/∂b = Σ ∂L/∂Z, ∂L/∂X = ∂L/∂Z W"
        )
        grad = upstream.code
        scales = self.tanh_scales.get(layer, [])
        if scales:
            self.lines.append(
                "# one tanh's chain rule over every row (a sigmoid's σ' = (1 − tanh²(z/2))/4: "
                "the ¼ is in the weights)"
            )
            grad = self.assign(Symbol(f"e{n}"), Symbol(f"tanh_chain(z{n}, {grad})")).code
        if count > 1:  # one row per example and window, as the product's
            self.lines.append(f"d{n} = {grad}.reshape(-1, {k})")
            grad = f"d{n}"
        source = self.layer_inputs[layer]
        # The inputs are a source's columns, in order (a buffer's slot is its layer's).
        whole = source.is_window(layer.windows) or layer in self.buffers
        given = source.group is not None or layer in self.buffers  # a matrix with a name
        inputs = source.code if whole and given else f"a{n}"
        if self.stacked(layer):
            # A buffer's layers are one stack, their constant biases alike by their values.
            buffered = self.buffers.get(layer)
            biases = buffered[0].layers[0].biases if buffered else layer.biases
            key = (self.weights[layer], tuple(biases), tuple(scales))
            self._stacks.setdefault(key, []).append((layer, grad, inputs))
        else:
            self.parameters_gradient(layer, str(n), grad, inputs)
        if not any(x in self.needs_grad for w in layer.windows for x in w if x is not None):
            return
        weights = self.weights[layer]
        squares = self.row_scales(layer, 2)
        if squares is not None:
            weights = self.shared(f"wb{n}", f"{weights} * {squares}[:, None]")
        # A buffered layer's gradient only for the columns from the first to the last that
        # need one (an LSTM step's h_{t−1}, not x_t): the product with those of W.
        lo, hi = 0, width
        if layer in self.buffers:
            needed = [i for i, x in enumerate(source.columns) if x in self.needs_grad]
            lo, hi = needed[0], needed[-1] + 1
            if (lo, hi) != (0, width):
                weights = self.shared(f"wn{n}", f"{weights}[:, {lo}:{hi}]")
        # For one linear node, the product of a column and a row is a plain product.
        if k == 1:
            self.lines.append(f"da{n} = {grad} * {weights}")
        else:  # ∂L/∂X = (Wᵀ ∂L/∂Zᵀ)ᵀ, in column order
            self.lines.append(f"da{n} = ({weights}.T @ {grad}.T).T")
        if whole and source.group is not None:
            self.add(source.group, Symbol(f"da{n}"))
        elif whole:
            for i in _starts(source.columns, source.runs):
                run = source.runs.get(i)
                if run is not None and any(m in self.needs_grad for m in run.members):
                    a, b = i - lo, i - lo + len(run.members)
                    whole_product = (a, b) == (0, hi - lo)
                    self.add(run, Symbol(f"da{n}" if whole_product else f"da{n}[:, {a}:{b}]"))
                elif run is None and source.columns[i] in self.needs_grad:
                    self.add(source.columns[i], Symbol(f"da{n}[:, {i - lo}]"))
        else:  # each input's gradient summed over the windows that picked it
            flat = f"da{n}" if count == 1 else f"da{n}.reshape(-1, {count * width})"
            index = [i for w in layer.windows for i in source.of(w)]
            self.backward_source(source, Symbol(flat), index, f"ds{n}")

    def parameters_gradient(
        self, layer: FusedLayer, n: str, grad: str, inputs: str, *, ones: bool = False
    ) -> None:
        """∂L/∂W = ∂L/∂Zᵀ X and ∂L/∂b = Σ ∂L/∂Z, summed over the batch (``grad``: ∂L/∂Z,
        ``inputs``: X), passed on to the layer's weights and biases; for a layer computed by one
        tanh, ``grad`` is tanh's chain term and each row's gradient is scaled by its scale
        squared (:func:`one_tanh_layers`). With ``ones``, X has a last column of ones (a
        buffer's, :class:`InputsBuffer`), and ∂L/∂b is the product's last column."""
        weights = [w for row in layer.weights for w in row]
        squares = self.row_scales(layer, 2)
        product = f"{grad}.T @ {inputs}"
        if squares is not None:
            product = f"({product}) * {squares}[:, None]"
        width = len(layer.weights[0])
        if ones:
            self.lines.append(f"dwo{n} = {product}")
            product = f"dwo{n}[:, :{width}]"
        if any(w in self.needs_grad for w in weights):
            self.lines.append(f"dw{n} = {product}")
            self.distribute(f"dw{n}", layer.weights)
        if any(b in self.needs_grad for b in layer.biases):
            scaled = "" if squares is None else f" * {squares}"
            summed = f"dwo{n}[:, {width}]" if ones else f"column_sums({grad}){scaled}"
            self.lines.append(f"db{n} = {summed}")
            if all(b in self.index for b in layer.biases):
                self.distribute(f"db{n}", [[b] for b in layer.biases], vector=True)
            else:
                self.add_to_biases(tuple(layer.biases), Symbol(f"db{n}"))

    def stacked(self, layer: FusedLayer) -> bool:
        """Whether the layer's weights' gradient is left for one product over every layer with
        the same weight matrix (an optimisation: a recurrent net's T steps, Σₜ ∂L/∂Zₜᵀ Xₜ =
        [∂L/∂Z₁ … ∂L/∂Z_T]ᵀ [X₁ … X_T] with the steps' rows stacked, one product where there
        were T, and T bias sums fewer). Only weights that are parameters, whose gradients go
        into the one reduction at the end, and layers of one window."""
        return (
            len(layer.windows) == 1
            and self._layers_of[self.weights[layer]] > 1
            and all(w in self.index for row in layer.weights for w in row)
        )

    def pass_stacks(self, bias: Value | None = None) -> None:
        """The stacked layers' gradients (:meth:`stacked`), as one product each, passed on:
        those with the bias node ``bias`` (whose gradient is wanted now), or all of them."""
        for key in [k for k in self._stacks if bias is None or bias in k[1]]:
            layers = self._stacks.pop(key)
            n = self.number[layers[0][0]]
            self.lines.append(
                f"# the {len(layers)} layers' weights: ∂L/∂W = Σₜ ∂L/∂Zₜᵀ Xₜ, one product of the "
                "layers' rows stacked"
            )
            buffer = self.buffers.get(layers[0][0], (None, 0))[0]
            if buffer is not None:  # in the buffer's order, the whole buffer where all are in
                layers.sort(key=lambda item: self.buffers[item[0]][1])
            self.lines.append(f"dzs{n} = concatenate([{', '.join(g for _, g, _ in layers)}])")
            xs = f"concatenate([{', '.join(x for _, _, x in layers)}])"
            if buffer is not None and len(layers) == len(buffer.layers):
                xs = f"{buffer.name}.reshape(-1, {buffer.width + buffer.ones})"
            self.lines.append(f"xs{n} = {xs}")
            ones = buffer is not None and buffer.ones
            self.parameters_gradient(layers[0][0], f"s{n}", f"dzs{n}", f"xs{n}", ones=ones)

    def add_to_biases(self, biases: tuple[Value, ...], gradient: Symbol) -> None:
        """Add a layer's bias gradient (a vector, summed over the batch) to the sum of those of
        every layer with these biases, passed on to each bias node once all are in (an
        optimisation: a recurrent net's T steps add one vector each, not a number per bias)."""
        earlier = self._bias_sums.get(biases)
        if earlier is None:
            for b in biases:
                self._bias_vectors.setdefault(b, []).append(biases)
            self._bias_sums[biases] = gradient
        else:
            self._bias_sums[biases] = self.assign(self.new_gradient(), earlier + gradient)

    def gradient_of(self, node: Value) -> Symbol | None:
        if self._stacks:
            self.pass_stacks(node)
        for biases in self._bias_vectors.pop(node, []):
            self.pass_bias_sum(biases)
        return super().gradient_of(node)

    def pass_bias_sum(self, biases: tuple[Value, ...]) -> None:
        """The summed gradient of a bias vector, passed on to each of its nodes."""
        total = self._bias_sums.pop(biases, None)
        if total is None:  # passed on already, for another node in it
            return
        for j, b in enumerate(biases):
            if b in self.needs_grad:
                self.add(b, Symbol(f"{total.code}[{j}]"), summed=True)

    def backward_source(self, source: Source, term: Symbol, index: list[int], name: str) -> None:
        """Pass the gradient of the columns picked from a source (``index``) on to the nodes of
        the source's columns."""
        group = source.group
        shared = group is not None and any(
            x in self.needs_grad for x in source.columns[len(group.members) :]
        )
        width = len(group.members) if group is not None and not shared else len(source.columns)
        spread = self.scattered(term.code, index, width)
        if spread is None:
            return
        if group is not None and not shared:
            self.add(group, spread)
            return
        self.assign(Symbol(name), spread)
        start = 0 if group is None else len(group.members)
        if group is not None:
            self.add(group, Symbol(f"{name}[:, :{start}]"))
        for i, x in enumerate(source.columns[start:], start):
            if x in self.needs_grad:
                self.add(x, Symbol(f"{name}[:, {i}]"))

    def distribute(self, name: str, nodes: list[list[Value]], *, vector: bool = False) -> None:
        """Pass a matrix of gradients summed over the batch on to the nodes it belongs to."""
        if all(w in self.index for row in nodes for w in row):
            flat = name if vector else f"{name}.ravel()"
            self.pieces.append((flat, [self.index[w] for row in nodes for w in row]))
            return
        for j, row in enumerate(nodes):
            for i, w in enumerate(row):
                if w in self.needs_grad:
                    self.add(
                        w, Symbol(f"{name}[{j}]" if vector else f"{name}[{j}, {i}]"), summed=True
                    )

    def backward_elementwise(self, group: Elementwise, upstream: Symbol) -> None:
        n = self.number[group]
        layer = self.tanh_layer(group)
        if layer is not None:  # the layer's tanh takes the chain rule (see backward_layer)
            operand = group.operands[0]
            index = operand.index if isinstance(operand, Gathered) else [0, len(group.members) - 1]
            self.add_block(layer, (index[0], index[-1] + 1), upstream)
            return
        operands = [self.operand(o) for o in group.operands]
        local = group.rule.derivatives(self.m, Symbol(f"z{n}"), *operands)
        for operand, derivative in zip(group.operands, local, strict=True):
            term = symbol_of(derivative) * upstream
            if isinstance(group.rule, BatchMean):  # the mean of the rows' gradients, as alone
                term = Symbol(f"batch_mean({upstream.code})")
            elif group.rule.name in IN_PLACE_CHAIN and is_name(upstream):
                term = Symbol(f"{IN_PLACE_CHAIN[group.rule.name]}(z{n}, {upstream.code})")
            if isinstance(operand, Gathered):
                picked = operand.group
                index = operand.index
                if not any(m in self.needs_grad for m in picked.members):
                    continue
                runs = _runs(index)
                if len(set(index)) == len(index) and len(runs) <= MOST_BLOCKS:
                    if len(runs) > 1 and not is_name(term):
                        term = self.assign(self.new_gradient(), term)
                    for start, stop in runs:  # the picked block of the group's columns
                        block = (index[start], index[start] + stop - start)
                        whole = start == 0 and stop == len(index)
                        part = term if whole else Symbol(f"{term.code}[:, {start}:{stop}]")
                        self.add_block(picked, block, part)
                else:  # summed over the members that picked each one
                    spread = self.scattered(term.code, operand.index, len(picked.members))
                    assert spread is not None  # every member picks one
                    self.add(picked, spread)
            elif not isinstance(operand, Value):
                if any(m in self.needs_grad for m in operand.members):
                    self.add(operand, term)
            elif operand in self.needs_grad:
                if operand in self.uniform:
                    self.add(operand, Symbol(f"batch_sum({term.code})"), summed=True)
                else:
                    self.add(operand, Symbol(f"row_sums({term.code})"))

    # -- what the replay returns -----------------------------------------------------------
    def check_symbol(self, *values: Symbol) -> str:
        """One number per example: 0 where every check is finite, NaN elsewhere."""
        test = self.checked(*values)
        return "0.0" if test is None else test.code

    def returned(self, root: Value) -> str:
        self.pass_stacks()
        for biases in [b for pending in self._bias_vectors.values() for b in pending]:
            self.pass_bias_sum(biases)
        check = self.check_symbol(self.names[root])
        summed = [(j, self.sums[p]) for p, j in self.index.items() if p in self.sums]
        if summed:
            listed = ", ".join(s.code for _, s in summed)
            self.pieces.append((f"[{listed}]", [j for j, _ in summed]))
        per_example = [(j, self.grads[p]) for p, j in self.index.items() if p in self.grads]
        if per_example:
            listed = ", ".join(g.code for _, g in per_example)
            self.pieces.append((f"batch_sums({listed})", [j for j, _ in per_example]))
        size = len(self.index)
        others = self.others_returned()
        if not self.pieces:
            return f"{self.names[root].code}, {check}, array([0.0] * {size}){others}"
        # One reduction: every piece added into the gradient of the parameter it belongs to.
        index = self.constant_array([j for _, js in self.pieces for j in js])
        pieces = ", ".join(code for code, _ in self.pieces)
        self.lines.append(f"gradient = bincount({index}, concatenate([{pieces}]), {size})")
        return f"{self.names[root].code}, {check}, gradient{others}"

    def outputs_returned(self) -> str:
        check = self.check_symbol()
        return f"{check}, ({', '.join(self.names[o].code for o in self.graph.outputs)},)"


@dataclass
class Source:
    """A matrix, one row per example, that windows' inputs are picked from: its code, the node
    in each of its columns, a column of zeros after them for inputs that a window lacks
    (``missing``), and the group whose matrix it is, if any."""

    code: str
    columns: list[Value]
    missing: bool
    group: Group | None = None
    #: Runs of columns that are a group's members, all of them in order, by the column each
    #: starts at (the matrix takes the group's matrix whole there).
    runs: dict[int, Group] = field(default_factory=dict)

    def is_window(self, windows: list[list[Value | None]]) -> bool:
        """Whether the matrix is one window's inputs, in order (and so needs no picking)."""
        return len(windows) == 1 and not self.missing and self.columns == windows[0]

    def of(self, window: Sequence[Value | None]) -> list[int]:
        """The column of each input of the window."""
        column = {x: i for i, x in enumerate(self.columns)}
        return [len(self.columns) if x is None else column[x] for x in window]


@dataclass(eq=False)
class InputsBuffer:
    """The inputs of a stack of fused layers of one window with the same weights and biases (a
    recurrent net's steps) kept in one array ``name[t][example][column]``, layer t's in slot t
    (t in the order the layers are written), with a column of ones after a window's ``width``
    columns where the layers have biases, the bias then being the weights' last column:
    Z = [W b] [x; 1].

    An optimisation: each column is written into the buffer once (the model's inputs and the
    numbers shared by every example when it is made, computed columns when they are), so that
    a step's inputs [x_t, h_{t−1}] are not put side by side at every step, nor the bias added,
    and the weights' gradient Σₜ ∂L/∂Zₜᵀ [x_t; 1] is one product with the whole buffer (an
    LSTM step of the adding problem: 2 µs fewer, of 27).
    """

    name: str
    layers: list[FusedLayer]
    width: int
    ones: bool


def _has_bias(layer: FusedLayer, index: dict[Value, int]) -> bool:
    """Whether a layer's biases are other than constant zeros."""
    return any(b.rule is not None or b.data != 0.0 or b in index for b in layer.biases)


def one_tanh_layers(
    order: Sequence[Value], groups: Sequence[Group], kept: set[Value]
) -> dict[FusedLayer, list[float]]:
    """The fused layers (of one window) that only tanh and sigmoid groups read, each group a
    block of the layer's rows and every row read once (an LSTM step's gates), with the scale
    of each row: ½ for a sigmoid's, 1 for a tanh's.

    An optimisation: with the sigmoids' rows of the weights and biases halved, one tanh over
    the layer's product gives the tanh groups' values and, by σ(z) = (1 + tanh(z/2))/2, the
    sigmoids' (halving is exact); four NumPy calls fewer than a sigmoid by 1/(1 + e⁻ᶻ) beside
    a tanh. Only layers whose members nothing else reads (``kept``: nodes the replay returns
    or guards)."""
    readers: dict[FusedLayer, list[Elementwise]] = {}
    for group in groups:
        if isinstance(group, Elementwise):
            for operand in group.operands:
                source = operand.group if isinstance(operand, Gathered) else operand
                if isinstance(source, FusedLayer):
                    readers.setdefault(source, []).append(group)
    layer_of = {m: layer for layer in readers for m in layer.members}
    reader_of = {m: group for layer in readers for group in readers[layer] for m in group.members}
    # Layers a member of which some node other than the layer's readers takes as an input.
    read_elsewhere = {
        layer_of[x]
        for node in order
        for x in node.inputs
        if x in layer_of and reader_of.get(node) not in readers[layer_of[x]]
    }
    read_elsewhere |= {layer_of[x] for x in kept if x in layer_of}
    found: dict[FusedLayer, list[float]] = {}
    for layer, reading in readers.items():
        scales = [0.0] * len(layer.members)
        for group in reading:
            scale = TANH_SCALES.get(type(group.rule))
            operand = group.operands[0]
            index = operand.index if isinstance(operand, Gathered) else range(len(scales))
            if scale is None or len(group.operands) != 1 or len(_runs(index)) != 1:
                break
            for j in index:
                scales[j] = scale if scales[j] == 0.0 else -1.0  # -1: read twice
        else:
            whole = len(layer.windows) == 1 and all(s > 0.0 for s in scales)
            if whole and layer not in read_elsewhere:
                found[layer] = scales
    return found


def _spaced(index: Sequence[int]) -> str | None:
    """``index`` as a slice ``start:stop:step`` (the step left out when 1), where its numbers
    are evenly spaced and increasing, else ``None``."""
    step = index[1] - index[0] if len(index) > 1 else 1
    if step < 1 or any(b - a != step for a, b in pairwise(index)):
        return None
    stop = index[-1] + 1
    return f"{index[0]}:{stop}" if step == 1 else f"{index[0]}:{stop}:{step}"


def _runs(index: Sequence[int]) -> list[tuple[int, int]]:
    """``index`` cut where it stops counting up by one: the (start, stop) of each run."""
    cuts = [k for k in range(1, len(index)) if index[k] != index[k - 1] + 1]
    return list(pairwise([0, *cuts, len(index)]))


def _starts(columns: Sequence[Value], runs: dict[int, Group]) -> list[int]:
    """The columns that are not inside a run, and the first column of each run."""
    starts, k = [], 0
    while k < len(columns):
        starts.append(k)
        k += len(runs[k].members) if k in runs else 1
    return starts


def _freed(lines: list[str]) -> list[str]:
    """The body of a replay with each name it assigns deleted after the line that uses it
    last (but those returned).

    An optimisation: a replay holds only the arrays still needed, so NumPy reuses the memory
    of those freed instead of the system handing out fresh pages at every call (the digits CNN
    step: some 1,200 page faults fewer per call, and half the CPU time).
    """
    assigned = {m.group(1) for line in lines if (m := re.match(r" +(\w+) = ", line))}
    last: dict[str, int] = {}
    for k, line in enumerate(lines):
        for name in re.findall(r"\b\w+\b", line):
            if name in assigned:
                last[name] = k
    dead: dict[int, list[str]] = {}
    for name, k in last.items():
        if not lines[k].lstrip().startswith("return "):
            dead.setdefault(k, []).append(name)
    freed = []
    for k, line in enumerate(lines):
        freed.append(line)
        if k in dead:
            freed.append(f"    del {', '.join(sorted(dead[k]))}\n")
    return freed

"""The code writer: a traced graph written out as straight-line Python.

One line per op for the forward pass and one per chain-rule term for the backward pass, each
written by evaluating the op's rule on symbols (:mod:`autograd.symbols`). This module
writes the one-example replay, on floats; :mod:`autograd.replay.batch` extends it for batches
of examples on NumPy arrays.

Two kinds of checks are written into the forward pass:

* a *guard* for every comparison ``fn`` made while traced (``if score > 0:``): the replay is
  valid only while the comparison comes out as it did; it raises ``retrace`` otherwise;
* a *domain check* of every op with a domain (log, sqrt, division, powers): when the op's
  value or a local derivative is not finite, the example is computed by the eager engine, which
  checks the op's domain and raises its ``DomainError`` (every built-in op gives a non-finite
  value or derivative outside its domain). The values checked are summed, and the sum tested
  once at the end of the forward pass: ``x * 0.0`` is 0 for a finite x, NaN otherwise.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.backprop import topological_order
from autograd.ops import Math
from autograd.symbols import ADD, MUL, Symbol, SymbolMath, constant, is_name, symbol_of, wrap
from autograd.value import Value

#: The most terms one line of generated code sums: Python's compiler recurses once per
#: operator of an expression, and fails near 3,000 (RecursionError).
TERMS_PER_LINE = 100


@dataclass
class Guard:
    """``left <symbol> right`` came out as ``outcome`` while ``fn`` was traced."""

    left: Value
    symbol: str
    right: Value | float
    outcome: bool


@dataclass
class Graph:
    """What tracing recorded: the outputs, the traced inputs, the parameters and the guards."""

    outputs: list[Value]
    inputs: list[Value]
    params: list[Value]
    guards: list[Guard] = field(default_factory=list)
    #: Whether ``fn`` returned a list of Values rather than one Value.
    returns_list: bool = False

    def order(self) -> list[Value]:
        """Every node the outputs and the guards depend on, each after its inputs."""
        sides = [g.right for g in self.guards if isinstance(g.right, Value)]
        return topological_order([*self.outputs, *(g.left for g in self.guards), *sides])


def write(graph: Graph, *, gradients: bool) -> str:
    """The one-example replay's source: ``replay(seed, x0 … xn, p0 … pm)`` returns the first
    output and its gradients ``(∂/∂p0 … ∂/∂pm)`` times ``seed`` (then the tuple of the other
    outputs, if any), or, without gradients, the tuple of all outputs."""
    return Writer(graph, batch=False).source(gradients=gradients)


class Writer:
    """Writes a replay, node by node; the one-example replay as it stands.

    ``batch=True`` is the start of the batch replay (:class:`autograd.replay.batch.BatchWriter`):
    nodes that depend on no input (the *uniform* ones: parameters and what is computed from
    them alone) are the same for every example, so their gradients are sums over the batch.
    """

    def __init__(self, graph: Graph, *, batch: bool):
        self.graph = graph
        self.batch = batch
        self.m: Math = SymbolMath(scalar=not batch)
        self.order = graph.order()
        self.names: dict[Value, Symbol] = {}
        for i, x in enumerate(graph.inputs):
            self.names[x] = Symbol(f"x{i}")
        for j, p in enumerate(graph.params):
            self.names[p] = Symbol(f"p{j}")
        self.lines: list[str] = []
        self._values = _numbered("v")
        self._gradients = _numbered("g")
        self._guards_at = _guards_by_node(graph.guards, self.order)
        #: The values of the domain checks, each finite where its example is in the op's domain.
        self.checks: list[Symbol] = []
        self.uniform: set[Value] = set()
        if batch:
            varying = depends_on(self.order, set(graph.inputs))
            self.uniform = {node for node in self.order if node not in varying}
        #: Per gradient: its per-example part (for one example, the whole gradient) …
        self.grads: dict[Any, Symbol] = {}
        #: … and, for a uniform node of a batch, the part already summed over the batch.
        self.sums: dict[Value, Symbol] = {}

    def new_value(self) -> Symbol:
        """A fresh name for a value: v0, v1, …"""
        return next(self._values)

    def new_gradient(self) -> Symbol:
        """A fresh name for a gradient: g0, g1, …"""
        return next(self._gradients)

    def arguments(self) -> list[str]:
        graph = self.graph
        inputs = [f"x{i}" for i in range(len(graph.inputs))]
        return ["seed", *inputs, *(f"p{j}" for j in range(len(graph.params)))]

    def source(self, *, gradients: bool) -> str:
        computed = self.forward()
        returned = self.backward(computed) if gradients else self.outputs_returned()
        body = "".join(f"    {line}\n" for line in self.lines)
        return f"def replay({', '.join(self.arguments())}):\n{body}    return {returned}\n"

    # -- forward ---------------------------------------------------------------------------
    def forward(self) -> list[Any]:
        """Write the forward pass; the computed nodes, in the order written."""
        computed: list[Any] = []
        for node in self.order:
            if node not in self.names:
                if node.rule is None:  # a leaf that is neither input nor parameter: a constant
                    self.names[node] = constant(node.data)
                else:
                    self.forward_node(node)
                    computed.append(node)
            self.write_guards(node)
        test = self.checked()
        if test is not None:
            self.lines.append(f"if {test.code}: raise outside")
        return computed

    def forward_node(self, node: Value) -> None:
        rule = node.rule
        assert rule is not None
        inputs = [self.names[i] for i in node.inputs]
        forward = symbol_of(rule.forward(self.m, *inputs))
        if is_name(forward):  # e.g. a sum of one term: the same number, no new line
            self.names[node] = forward
        else:
            self.names[node] = self.assign(self.new_value(), forward)
        if rule.has_domain:
            local = self.local_derivatives(node)
            self.check(sum_of([self.names[node], *(d for d in local if isinstance(d, Symbol))]))

    def local_derivatives(self, node: Value) -> tuple[Any, ...]:
        """∂node/∂input for each input, written by the node's rule."""
        rule = node.rule
        assert rule is not None
        return rule.derivatives(self.m, self.names[node], *(self.names[i] for i in node.inputs))

    def check(self, value: Symbol) -> None:
        """Make sure ``value`` is finite (see :meth:`checked`)."""
        self.checks.append(value)

    def checked(self, *values: Symbol) -> Symbol | None:
        """The checks and ``values`` summed, times 0: 0 where all are finite, NaN elsewhere."""
        terms = [*values, *self.checks]
        if not terms:
            return None
        total = self.assign(Symbol("check"), sum_of(terms))
        return Symbol(f"{total.code} * 0.0", MUL)

    def write_guards(self, node: Value) -> None:
        for guard in self._guards_at.get(node, ()):
            right = guard.right
            other = self.names[right] if isinstance(right, Value) else constant(right)
            test = f"{self.names[guard.left].code} {guard.symbol} {other.code}"
            if self.batch:
                broken = f"not {'always' if guard.outcome else 'never'}({test})"
            else:
                broken = f"not {test}" if guard.outcome else test
            self.lines.append(f"if {broken}: raise retrace")

    def assign(self, name: Symbol, value: Symbol) -> Symbol:
        """Write ``name = value``, a long sum over several lines; return ``name``."""
        terms = value.terms()
        self.lines.append(f"{name.code} = {''.join(terms[:TERMS_PER_LINE])}")
        for start in range(TERMS_PER_LINE, len(terms), TERMS_PER_LINE):
            rest = "".join(terms[start : start + TERMS_PER_LINE])
            self.lines.append(f"{name.code} = {name.code}{rest}")
        return name

    # -- backward --------------------------------------------------------------------------
    def backward(self, computed: Sequence[Any]) -> str:
        """Write the backward pass; what the replay returns: ``value, (∂/∂p0, …)``."""
        self.needs_grad = depends_on(self.order, set(self.graph.params))
        root = self.graph.outputs[0]
        self.grads[root] = Symbol("seed")
        # Backward: the loop of autograd.backprop.chain_rule, written out instead of run. Its
        # line `child.grad += derivative * node.grad` becomes one line of code per term below.
        for unit in reversed(computed):
            self.backward_unit(unit)
        return self.returned(root)

    def backward_unit(self, node: Any) -> None:
        upstream = self.gradient_of(node)
        if upstream is not None:
            self.backward_node(node, upstream)

    def backward_node(self, node: Value, upstream: Symbol) -> None:
        local = self.local_derivatives(node)
        summed = node in self.uniform
        for child, derivative in zip(node.inputs, local, strict=True):
            if child in self.needs_grad:
                self.add(child, symbol_of(derivative) * upstream, summed=summed)

    def add(self, key: Any, term: Symbol, *, summed: bool = False) -> None:
        """``key``'s gradient += ``term`` (into its part summed over the batch if ``summed``).

        A gradient's first term gets a name of its own, later ones a new name for the sum,
        rather than ``+=``: names may be shared (a term that is a name already becomes the
        gradient's name), and ``+=`` would change a NumPy array in place for every name it has.
        """
        store = self.sums if summed else self.grads
        if key in store:
            name = self.new_gradient()
            self.lines.append(f"{name.code} = {store[key].code} + {wrap(term, ADD + 1)}")
            store[key] = name
        elif is_name(term):
            store[key] = term
        else:
            store[key] = self.assign(self.new_gradient(), term)

    def gradient_of(self, node: Value) -> Symbol | None:
        """``node``'s whole gradient, now that it is complete (``None`` if the root does not
        depend on it); a uniform node's per-example part is summed over the batch here."""
        if node not in self.uniform:
            return self.grads.get(node)
        parts = []
        if node in self.grads:
            parts.append(Symbol(f"batch_sum({self.grads.pop(node).code})"))
        if node in self.sums:
            parts.append(self.sums[node])
        if not parts:
            return None
        total = sum_of(parts)
        return total if is_name(total) else self.assign(self.new_gradient(), total)

    def outputs_returned(self) -> str:
        return f"({', '.join(self.names[o].code for o in self.graph.outputs)},)"

    def returned(self, root: Value) -> str:
        gradients = [self.grads.get(p, constant(0.0)).code for p in self.graph.params]
        trailing_comma = "," if gradients else ""
        listed = f"{self.names[root].code}, ({', '.join(gradients)}{trailing_comma})"
        return listed + self.others_returned()

    def others_returned(self) -> str:
        """The values of the outputs after the first (a loss's auxiliary outputs), returned
        after its gradients as one more tuple; nothing for a single output."""
        others = self.graph.outputs[1:]
        return f", ({', '.join(self.names[o].code for o in others)},)" if others else ""


def _numbered(prefix: str) -> Iterator[Symbol]:
    return (Symbol(f"{prefix}{k}") for k in itertools.count())


def sum_of(terms: Sequence[Any]) -> Symbol:
    """The sum of the terms, as a symbol."""
    total = symbol_of(terms[0])
    for term in terms[1:]:
        total = total + term
    return total


def _guards_by_node(guards: Sequence[Guard], order: Sequence[Value]) -> dict[Value, list[Guard]]:
    """Each guard at the later of its two sides in ``order``: it is tested as soon as both are
    computed, so that a replay that does not apply stops early."""
    position = {node: k for k, node in enumerate(order)}
    by_node: dict[Value, list[Guard]] = {}
    for guard in guards:
        sides = [guard.left] + ([guard.right] if isinstance(guard.right, Value) else [])
        by_node.setdefault(max(sides, key=position.__getitem__), []).append(guard)
    return by_node


def depends_on(order: Sequence[Value], sources: set[Value]) -> set[Value]:
    """The nodes of ``order`` that depend on one of ``sources`` (``sources`` included)."""
    reached = set(sources)
    for node in order:
        if node not in reached and any(i in reached for i in node.inputs):
            reached.add(node)
    return reached

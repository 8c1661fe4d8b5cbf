"""microgpt's workload: a one-layer character-level GPT trained on names, on any scalar ``Value``.

Written here from the published algorithm of Karpathy's microgpt (February 2026): token and
position embeddings, RMSNorm, one block of 4-head causal attention whose keys and values grow
one position at a time, a ReLU MLP, the softmax cross-entropy of each next character of a
name, and Adam with a linearly decaying learning rate. The model is plain Python over whatever
``Value`` class it is given, so the same code runs on chainrule's ``Value`` and on
:class:`Reference`, a scalar ``Value`` of microgpt's design (four slots: the data, the gradient,
the children and their local gradients; ``backward`` sorts recursively and multiplies and adds).

The names are generated from syllables with a seed (no download).
"""

from __future__ import annotations

import functools
import gc
import math
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

SEED = 42
EMBEDDING = 16
HEADS = 4
CONTEXT = 16
STEPS = 1000
LEARNING_RATE, BETA1, BETA2, EPS = 0.01, 0.85, 0.99, 1e-8


class Reference:
    """A scalar of microgpt's design: each op returns a node that keeps its children and the
    local gradient with respect to each; ``-``, ``/`` are built from ``+``, ``*`` and ``**``."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(
        self, data: float, children: tuple[Any, ...] = (), local_grads: tuple[Any, ...] = ()
    ):
        self.data = data
        self.grad: float = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other: Any) -> Reference:
        other = other if isinstance(other, Reference) else Reference(other)
        return Reference(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other: Any) -> Reference:
        other = other if isinstance(other, Reference) else Reference(other)
        return Reference(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k: float) -> Reference:
        return Reference(self.data**k, (self,), (k * self.data ** (k - 1),))

    def log(self) -> Reference:
        return Reference(math.log(self.data), (self,), (1 / self.data,))

    def exp(self) -> Reference:
        e = math.exp(self.data)
        return Reference(e, (self,), (e,))

    def relu(self) -> Reference:
        return Reference(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self) -> Reference:
        return self * -1

    def __radd__(self, other: Any) -> Reference:
        return self + other

    def __sub__(self, other: Any) -> Reference:
        return self + (-other)

    def __rsub__(self, other: Any) -> Reference:
        return other + (-self)

    def __rmul__(self, other: Any) -> Reference:
        return self * other

    def __truediv__(self, other: Any) -> Reference:
        return self * other**-1

    def __rtruediv__(self, other: Any) -> Reference:
        return other * self**-1

    def backward(self) -> None:
        order: list[Reference] = []
        seen: set[Reference] = set()

        def visit(node: Reference) -> None:
            if node not in seen:
                seen.add(node)
                for child in node._children:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):  # noqa: B905
                child.grad += local * node.grad


def names(count: int, seed: int = SEED) -> list[str]:
    """``count`` made-up names of two or three syllables, the same for the same seed."""
    rng = random.Random(seed)
    starts = ["", "b", "d", "k", "l", "m", "n", "r", "s", "t", "v", "j", "el", "ar"]
    vowels = ["a", "e", "i", "o", "u", "ia", "ai", "y"]
    ends = ["", "", "n", "l", "r", "s", "h"]
    return [
        "".join(rng.choice(starts) + rng.choice(vowels) for _ in range(rng.randint(2, 3)))
        + rng.choice(ends)
        for _ in range(count)
    ]


Matrix = list[list[Any]]


@dataclass
class GPT:
    """The parameters of the model, and Adam's running moments."""

    value: Callable[[float], Any]
    chars: list[str]
    context: int = CONTEXT
    seed: int = SEED
    weights: dict[str, Matrix] = field(init=False)
    params: list[Any] = field(init=False)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        vocab, n = len(self.chars) + 1, EMBEDDING
        shapes = {
            "wte": (vocab, n),
            "wpe": (self.context, n),
            "lm_head": (vocab, n),
            "wq": (n, n),
            "wk": (n, n),
            "wv": (n, n),
            "wo": (n, n),
            "fc1": (4 * n, n),
            "fc2": (n, 4 * n),
        }
        self.weights = {
            name: [[self.value(rng.gauss(0.0, 0.08)) for _ in range(cols)] for _ in range(rows)]
            for name, (rows, cols) in shapes.items()
        }
        self.params = [p for matrix in self.weights.values() for row in matrix for p in row]
        self.first = [0.0] * len(self.params)
        self.second = [0.0] * len(self.params)

    @property
    def end(self) -> int:
        """The token that begins and ends a name."""
        return len(self.chars)

    def tokens(self, name: str) -> list[int]:
        return [self.end, *(self.chars.index(c) for c in name), self.end]

    def logits(self, token: int, position: int, keys: list[Any], values: list[Any]) -> list[Any]:
        """The next token's logits, given this one; appends this position's key and value."""
        w = self.weights
        x = [t + p for t, p in zip(w["wte"][token], w["wpe"][position], strict=True)]
        x = rmsnorm(x)
        residual = x
        x = rmsnorm(x)
        q, k, v = linear(x, w["wq"]), linear(x, w["wk"]), linear(x, w["wv"])
        keys.append(k)
        values.append(v)
        size = EMBEDDING // HEADS
        heads: list[Any] = []
        for h in range(0, EMBEDDING, size):
            scores = [sum(q[h + j] * key[h + j] for j in range(size)) / size**0.5 for key in keys]
            attention = softmax(scores)
            heads += [
                sum(a * value[h + j] for a, value in zip(attention, values, strict=True))
                for j in range(size)
            ]
        x = [a + b for a, b in zip(linear(heads, w["wo"]), residual, strict=True)]
        residual = x
        x = [h.relu() for h in linear(rmsnorm(x), w["fc1"])]
        x = [a + b for a, b in zip(linear(x, w["fc2"]), residual, strict=True)]
        return linear(x, w["lm_head"])

    def loss(self, name: str) -> Any:
        """The mean cross-entropy of each next character of ``name``."""
        tokens = self.tokens(name)
        n = min(self.context, len(tokens) - 1)
        keys: list[Any] = []
        values: list[Any] = []
        losses = []
        for position in range(n):
            probs = softmax(self.logits(tokens[position], position, keys, values))
            losses.append(-probs[tokens[position + 1]].log())
        return (1 / n) * sum(losses)

    def step(self, name: str, step: int, steps: int = STEPS) -> float:
        """One step of training on ``name``: forward, backward and Adam; returns the loss."""
        loss = self.loss(name)
        loss.backward()
        rate = LEARNING_RATE * (1 - step / steps)
        for i, p in enumerate(self.params):
            self.first[i] = BETA1 * self.first[i] + (1 - BETA1) * p.grad
            self.second[i] = BETA2 * self.second[i] + (1 - BETA2) * p.grad**2
            first = self.first[i] / (1 - BETA1 ** (step + 1))
            second = self.second[i] / (1 - BETA2 ** (step + 1))
            p.data -= rate * first / (second**0.5 + EPS)
            p.grad = 0
        return float(loss.data)

    def sample(self, rng: random.Random, temperature: float = 0.5) -> str:
        """A new name, drawn one character at a time."""
        keys: list[Any] = []
        values: list[Any] = []
        token, out = self.end, []
        for position in range(self.context):
            logits = self.logits(token, position, keys, values)
            probs = softmax([logit / temperature for logit in logits])
            token = rng.choices(range(len(probs)), weights=[p.data for p in probs])[0]
            if token == self.end:
                break
            out.append(self.chars[token])
        return "".join(out)


def linear(x: list[Any], w: Matrix) -> list[Any]:
    return [sum(wi * xi for wi, xi in zip(row, x, strict=True)) for row in w]


def softmax(logits: list[Any]) -> list[Any]:
    top = max(logit.data for logit in logits)
    exps = [(logit - top).exp() for logit in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x: list[Any]) -> list[Any]:
    scale = (sum(xi * xi for xi in x) / len(x) + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def model(value: Callable[[float], Any], words: list[str], context: int = CONTEXT) -> GPT:
    return GPT(value, sorted(set("".join(words))), context)


def training(
    value: Callable[[float], Any], steps: int, seed: int = SEED
) -> tuple[list[float], list[str]]:
    """The losses of ``steps`` steps of training from ``seed``, and five names sampled after."""
    words = names(200, seed)
    gpt = model(value, words)
    losses = [gpt.step(words[i % len(words)], i, steps) for i in range(steps)]
    rng = random.Random(seed)
    return losses, [gpt.sample(rng) for _ in range(5)]


def step_setup(value: Callable[[float], Any]) -> Callable[[], float]:
    """A training step on the names in turn, for the interleaved timer."""
    words = names(200)
    gpt = model(value, words)
    count = [0]

    def one() -> float:
        i = count[0] % 100
        count[0] += 1
        return gpt.step(words[i], i, 100)

    return one


#: The per-op timings: (name, what one call does, on operands a, b).
OPS: dict[str, Callable[[Any, Any], Any]] = {
    "*": lambda a, b: a * b,
    "+": lambda a, b: a + b,
    "exp": lambda a, b: a.exp(),
    "log": lambda a, b: a.log(),
    "** 2": lambda a, b: a**2,
    "relu": lambda a, b: a.relu(),
}


def per_op_ns(value: Callable[[float], Any], name: str, calls: int = 20_000) -> float:
    """Nanoseconds of CPU time per call of one op, on two fresh leaves (CPU time, not wall
    time: a shared machine's other work would otherwise count)."""
    a, b = value(1.25), value(0.75)
    op = OPS[name]
    start = time.process_time_ns()
    for _ in range(calls):
        op(a, b)
    return (time.process_time_ns() - start) / calls


def backward_ns_per_node(value: Callable[[float], Any], nodes: int = 4_000) -> float:
    """Nanoseconds of CPU time per node of ``backward()`` on a graph of mixed ops."""
    x = value(0.5)
    y = x
    for i in range(nodes // 4):
        y = (y * x + 0.25).relu() if i % 2 else (y * 0.5 + x) * x
    start = time.process_time_ns()
    y.backward()
    return (time.process_time_ns() - start) / _count(y)


def _count(root: Any) -> int:
    seen = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        for child in _children(node):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


def _children(node: Any) -> Iterable[Any]:
    return node._children if isinstance(node, Reference) else node.inputs


def memory_per_node(value: Callable[[float], Any], word: str = "samirah") -> dict[str, float]:
    """Bytes held per node of one training step's graph after backward (``tracemalloc``)."""
    gpt = model(value, [*names(200), word])
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        loss = gpt.loss(word)
        loss.backward()
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    nodes = _count(loss) - len(gpt.params)
    return {"nodes": nodes, "bytes": held, "bytes_per_node": held / nodes}


def step_cpu_ms(value: Callable[[float], Any], word: str = "samirah", steps: int = 5) -> float:
    """Milliseconds of CPU time per training step on ``word``, over ``steps`` steps from a
    fresh collection (CPU time: a shared machine's other work would otherwise count)."""
    gpt = model(value, [*names(200), word])
    gpt.step(word, 0, steps + 1)  # the eager functions are made at their first use
    gc.collect()
    start = time.process_time_ns()
    for i in range(steps):
        gpt.step(word, i + 1, steps + 1)
    return (time.process_time_ns() - start) / steps / 1e6


def collections_per_step(
    value: Callable[[float], Any], word: str = "samirah", steps: int = 5
) -> dict[int, float]:
    """How many collections of each generation the garbage collector makes per training step on
    ``word``, at its default thresholds (counted with ``gc.callbacks``)."""
    gpt = model(value, [*names(200), word])
    gpt.step(word, 0, steps + 1)
    counts = dict.fromkeys(range(3), 0)

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            counts[info["generation"]] += 1

    gc.collect()
    gc.callbacks.append(count)
    try:
        for i in range(steps):
            gpt.step(word, i + 1, steps + 1)
    finally:
        gc.callbacks.remove(count)
    return {generation: n / steps for generation, n in counts.items()}


def _paused(function: Callable[[], float]) -> float:
    """``function()`` with the garbage collector paused: the engine's own cost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return function()
    finally:
        if was_enabled:
            gc.enable()


REFERENCE = "microgpt's Value"


def _chainrule_value() -> Callable[[float], Any]:
    from autograd import Value

    return Value


#: The engines compared, by name: what makes a leaf.
ENGINES: dict[str, Callable[[], Callable[[float], Any]]] = {
    "chainrule": _chainrule_value,
    REFERENCE: lambda: Reference,
}


def measure(rounds: int) -> dict[str, Any]:
    """The training step of each engine, interleaved (blocks of consecutive steps, so that the
    collector's work on each engine's garbage is charged to it); nanoseconds per op and per node
    of ``backward``, medians of ``rounds`` interleaved rounds; the step in CPU time on one name
    with the collector at its defaults and paused, each round; the collections per step; bytes
    per node."""
    from benchmarks.timing import Contestant, interleaved

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))  # the reference's recursive sort
    engines = {name: make() for name, make in ENGINES.items()}
    steps = interleaved(
        [Contestant(name, functools.partial(step_setup, value)) for name, value in engines.items()],
        rounds=rounds,
        repeat=3,
    )
    per_op: dict[str, dict[str, list[float]]] = {name: {} for name in engines}
    cpu: dict[str, dict[str, list[float]]] = {name: {"on": [], "paused": []} for name in engines}
    for r in range(rounds):
        for name in list(engines)[r % 2 :] + list(engines)[: r % 2]:
            value = engines[name]
            for op in OPS:
                per_op[name].setdefault(op, []).append(per_op_ns(value, op))
            per_op[name].setdefault("backward", []).append(backward_ns_per_node(value))
            cpu[name]["on"].append(step_cpu_ms(value))
            cpu[name]["paused"].append(_paused(functools.partial(step_cpu_ms, value)))
    return {
        "step_cpu_ms": cpu,
        "collections": {name: collections_per_step(value) for name, value in engines.items()},
        "step": {
            name: {"median": t.median, "seconds": t.seconds, "error": t.error}
            for name, t in steps.items()
        },
        "ns": {
            name: {op: statistics.median(times) for op, times in ops.items()}
            for name, ops in per_op.items()
        },
        "memory": {name: memory_per_node(value) for name, value in engines.items()},
    }


def main() -> None:
    """``python -m benchmarks.microgpt [rounds]``: this workload alone."""
    results = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
    ours, theirs = results["step"]["chainrule"]["median"], results["step"][REFERENCE]["median"]
    print(f"step: chainrule {ours * 1e3:.1f} ms, {REFERENCE} {theirs * 1e3:.1f} ms")
    for op, ns in results["ns"]["chainrule"].items():
        print(f"{op:9} chainrule {ns:8.0f} ns, {REFERENCE} {results['ns'][REFERENCE][op]:8.0f} ns")
    for name, memory in results["memory"].items():
        print(f"{name}: {memory['bytes_per_node']:.0f} bytes per node")
    for collector in ("on", "paused"):
        times = {name: ms[collector] for name, ms in results["step_cpu_ms"].items()}
        ratios = [t / o for o, t in zip(times["chainrule"], times[REFERENCE], strict=True)]
        print(
            f"step in CPU time, collector {collector}: "
            + ", ".join(f"{name} {min(ms):.0f}-{max(ms):.0f} ms" for name, ms in times.items())
            + f"; {REFERENCE} ÷ chainrule {min(ratios):.2f}-{max(ratios):.2f}"
        )
    for name, counts in results["collections"].items():
        shown = ", ".join(f"gen{g} {n:.1f}" for g, n in counts.items())
        print(f"{name}: collections per step: {shown}")


if __name__ == "__main__":
    main()

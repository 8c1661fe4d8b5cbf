"""Neurons, layers of neurons, and the multi-layer perceptron built from them.

A neuron computes its weighted sum z = Σ wᵢxᵢ + b as one node (:func:`autograd.linear`) and
applies its activation, o = f(z). A layer is a list of neurons that see the same inputs; an MLP
feeds each layer's outputs to the next.

Every parameter is a ``Value`` of its own, so sizes are bounded: a neuron, layer or MLP has at
most :data:`MAX_PARAMETERS` parameters, checked before any is made, so that an impossible
size (``MLP(2, [100000, 100000, 1])``) is refused at once with the memory it would need.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, cast

from autograd import Value, linear
from autograd.numbers import finite_float, shown
from nn.activations import ACTIVATIONS
from nn.activations import activation as activation_named
from nn.checks import integer
from nn.choices import choose
from nn.dropout import Dropout
from nn.init import SCHEMES, initial_weights
from nn.module import Module
from nn.scalars import Inputs, Outputs, as_value, inputs_of_width, single
from nn.seeding import Seed, make_rng

#: The most parameters a neuron, a layer or an MLP may have. The largest takes about a second
#: to make and about 120 MB of memory (see :data:`BYTES_PER_PARAMETER`); training it in pure
#: Python is slow, but possible.
MAX_PARAMETERS = 250_000
#: Memory per parameter while an MLP is built (its weight, its name, its place in a neuron),
#: measured: making ``MLP(2, [1000, 1000, 1])`` (1,005,001 parameters) raises a process's peak
#: memory by about 470 MB; the finished model keeps about half of that.
BYTES_PER_PARAMETER = 470


def check_size(count: int, what: str) -> None:
    """Refuse a module of ``count`` parameters above :data:`MAX_PARAMETERS`, saying how much
    memory it would need; called before any parameter is made."""
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"{what} would have {count:,} parameters (about {_memory(count)} of memory), "
            f"more than the {MAX_PARAMETERS:,} allowed"
        )


def _memory(count: int) -> str:
    """The memory ``count`` parameters need, in KiB, MiB, GiB or TiB."""
    amount, unit = count * BYTES_PER_PARAMETER / 2**10, "KiB"
    for bigger in ("MiB", "GiB", "TiB"):
        if amount < 1024:
            break
        amount, unit = amount / 1024, bigger
    return f"{amount:,.0f} {unit}" if amount >= 100 else f"{amount:.2g} {unit}"


def _activation_name(activation: str | bool, nonlin: bool | None) -> str:
    """The activation's name. micrograd's ``nonlin`` (a keyword, or a bool in the place of the
    activation) means relu for True and linear for False."""
    if isinstance(activation, bool):  # micrograd's Neuron(nin, False)
        nonlin = activation if nonlin is None else nonlin
        activation = "relu"
    if nonlin is None:
        return activation
    if not isinstance(nonlin, bool):
        raise TypeError(f"nonlin must be True or False, not {type(nonlin).__name__}: {nonlin!r}")
    return "relu" if nonlin else "linear"


class Neuron(Module):
    """o = f(z), z = Σ wᵢxᵢ + b: ``nin`` weights, a bias starting at 0, and an activation f.

    ``init`` draws the weights (see :mod:`nn.init`); ``fan_out`` is the width of the layer the
    neuron belongs to, which Xavier initialisation takes into account. ``nonlin=True`` (relu)
    and ``nonlin=False`` (linear) are micrograd's way of choosing the activation.
    """

    def __init__(
        self,
        nin: int,
        activation: str | bool = "relu",
        *,
        nonlin: bool | None = None,
        init: str = "uniform",
        seed: Seed = None,
        fan_out: int = 1,
    ):
        super().__init__()
        self.nin = integer(nin, "nin", high=MAX_PARAMETERS)
        check_size(self.nin + 1, f"Neuron({self.nin})")
        self.activation = _activation_name(activation, nonlin)
        self._activate = activation_named(self.activation)
        self.init = init
        fan_out = integer(fan_out, "fan_out", high=MAX_PARAMETERS)
        weights = initial_weights(init, self.nin, fan_out, make_rng(seed))
        self.w = [Value(w, label=f"w{i}") for i, w in enumerate(weights, 1)]
        self.b = Value(0.0, label="b")

    def forward(self, x: Inputs) -> Value:
        xs = inputs_of_width(x, self.nin, self.name)
        return self._activate(linear(self.w, xs, self.b))

    def own_parameters(self) -> list[tuple[str, Value]]:
        # Names of their own, not the labels: relabelling a weight for a drawing must not change
        # the names a model file stores.
        return [(f"w{i}", w) for i, w in enumerate(self.w, 1)] + [("b", self.b)]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation, "init": self.init}


class Layer(Module):
    """``nout`` neurons that all see the same ``nin`` inputs: oⱼ = f(Σᵢ wⱼᵢxᵢ + bⱼ).

    Returns a single ``Value`` when ``nout`` is 1, else a list of ``nout`` values. ``nonlin`` is
    micrograd's choice of activation, as for :class:`Neuron`.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | bool = "relu",
        *,
        nonlin: bool | None = None,
        init: str = "uniform",
        seed: Seed = None,
    ):
        super().__init__()
        self.nin = integer(nin, "nin", high=MAX_PARAMETERS)
        self.nout = integer(nout, "nout", high=MAX_PARAMETERS)
        check_size((self.nin + 1) * self.nout, f"Layer({self.nin}, {self.nout})")
        self.activation = _activation_name(activation, nonlin)
        self.init = init
        rng = make_rng(seed)
        self.neurons = [
            Neuron(nin, self.activation, init=init, seed=rng, fan_out=nout) for _ in range(nout)
        ]
        for i, neuron in enumerate(self.neurons, 1):
            neuron.name = f"Neuron {i}"

    def forward(self, x: Inputs) -> Outputs:
        # Number inputs become Values once here, not once per neuron: fewer nodes, and a
        # drawing shows each input once, feeding every neuron.
        xs = [as_value(v) for v in inputs_of_width(x, self.nin, self.name)]
        # A neuron's output is always one Value.
        return single([cast(Value, neuron(xs)) for neuron in self.neurons])

    def children(self) -> list[tuple[str, Module]]:
        return [(f"neuron{i}", neuron) for i, neuron in enumerate(self.neurons, 1)]

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nout": self.nout,
            "activation": self.activation,
            "init": self.init,
        }


class MLP(Module):
    """A multi-layer perceptron: layers of sizes ``nouts`` on ``nin`` inputs.

    Hidden layers apply ``activation``; the last applies ``output_activation``, linear by default,
    so that its output is a score (or logits) for a loss to judge: ``MLP(2, [16, 16, 1])`` has
    (2·16 + 16) + (16·16 + 16) + (16·1 + 1) = 337 parameters. With ``dropout`` p > 0 each hidden
    layer's outputs pass through :class:`nn.Dropout` (p) in training.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        init: str = "uniform",
        dropout: float = 0.0,
        seed: Seed = None,
    ):
        super().__init__()
        self.nin = integer(nin, "nin", high=MAX_PARAMETERS)
        if isinstance(nouts, str) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {shown(nouts)}")
        if len(nouts) > MAX_PARAMETERS:
            raise ValueError(
                f"nouts lists {len(nouts):,} layers: more parameters than the "
                f"{MAX_PARAMETERS:,} allowed"
            )
        self.nouts = [integer(n, "each layer size in nouts", high=MAX_PARAMETERS) for n in nouts]
        sizes = [self.nin, *self.nouts]
        count = sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))
        check_size(count, f"MLP({self.nin}, {shown(self.nouts)})")
        for name in (activation, output_activation):
            choose(ACTIVATIONS, name, "activation")
        choose(SCHEMES, init, "initialisation")
        self.activation = activation
        self.output_activation = output_activation
        self.init = init
        self.dropout = finite_float(dropout, "dropout", at_least=0, below=1)
        rng = make_rng(seed)
        last = len(self.nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                output_activation if i == last else activation,
                init=init,
                seed=rng,
            )
            for i in range(len(self.nouts))
        ]
        #: Every step of the forward pass in order, by the name its parameters are prefixed by:
        #: the layers, with dropout after each hidden one.
        self.stack: list[tuple[str, Module]] = []
        for i, layer in enumerate(self.layers, 1):
            layer.name = f"Layer {i}"
            self.stack.append((f"layer{i}", layer))
            if i <= last and self.dropout:
                drop = Dropout(self.dropout, seed=rng)
                drop.name = f"Dropout {i}"
                self.stack.append((f"dropout{i}", drop))

    def forward(self, x: Inputs) -> Outputs:
        xs = inputs_of_width(x, self.nin, self.name)
        out: Outputs = self.layers[0](xs)
        for _, module in self.stack[1:]:
            out = module(out)
        return out

    def children(self) -> list[tuple[str, Module]]:
        return list(self.stack)

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "init": self.init,
            "dropout": self.dropout,
        }

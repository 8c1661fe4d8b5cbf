"""PyTorch-style building blocks: ``Linear``, the activation modules, ``Flatten``,
``Unflatten`` and the ``Sequential`` container that stacks modules into a network.

>>> import nn
>>> model = nn.Sequential(nn.Linear(4, 3, seed=0), nn.ReLU(), nn.Linear(3, 2, seed=1))
>>> [name for name, _ in model.named_parameters()][:2]
['0.weight[0][0]', '0.weight[0][1]']
>>> len(model([0.5, -1.0, 2.0, 0.0]))
2

Each follows the conventions of :class:`nn.Module`: one example per call as nested lists,
PyTorch's names, layouts and initialisation, shapes checked before any node is made.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from autograd import Value, linear
from nn.activations import ACTIVATIONS
from nn.checks import boolean, integer
from nn.layers import MAX_PARAMETERS, check_size
from nn.module import Module
from nn.registry import build
from nn.scalars import as_value, single
from nn.seeding import Seed, make_rng
from nn.shapes import Shape, as_nested, each, flatten, reshape, shape_of, shown_shape, size_of
from nn.tensors import uniform_tensor, weight_and_bias


def wrong_shape(module: Module, expected: str, given: Shape) -> ValueError:
    """The one error for an input a module cannot take: ``Linear(in_features=64, …) expects
    64 numbers [64], got [144]``."""
    return ValueError(f"{module!r} expects {expected}, got {shown_shape(given)}")


class Linear(Module):
    """y = W x + b: ``out_features`` weighted sums yₒ = Σᵢ W[o][i]·xᵢ + b[o] of the same
    ``in_features`` inputs, each one ``linear`` node.

    PyTorch's layout: ``weight[o][i]`` and ``bias[o]``, both drawn from U(−1/√in, 1/√in)
    (weights first, row by row). Takes ``in_features`` numbers (a single number when
    ``in_features`` is 1) and returns a list of ``out_features`` values, or a single ``Value``
    when ``out_features`` is 1 (PyTorch returns a tensor of one), as :class:`nn.Layer` does.
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, seed: Seed = None
    ) -> None:
        super().__init__()
        self.in_features = integer(in_features, "in_features", high=MAX_PARAMETERS)
        self.out_features = integer(out_features, "out_features", high=MAX_PARAMETERS)
        self.has_bias = boolean(bias, "bias")
        check_size(
            (self.in_features + self.has_bias) * self.out_features,
            f"Linear({self.in_features}, {self.out_features})",
        )
        rng = make_rng(seed)
        self.weight: list[list[Value]] = uniform_tensor(
            (self.out_features, self.in_features), self.in_features, rng, "weight"
        )
        self.bias: list[Value] | None = (
            uniform_tensor((self.out_features,), self.in_features, rng, "bias") if bias else None
        )

    def output_shape(self, shape: Shape) -> Shape:
        fits = shape == (self.in_features,) or (shape == () and self.in_features == 1)
        if not fits:
            raise wrong_shape(
                self, f"{self.in_features} numbers {shown_shape((self.in_features,))}", shape
            )
        return (self.out_features,) if self.out_features > 1 else ()

    def forward(self, x: Any) -> Any:
        self.output_shape(shape_of(x))
        # Numbers become Values once here, not once per output: a drawing shows each input once.
        xs = [as_value(v) for v in flatten(x)]
        biases: list[Value | float] = list(self.bias) if self.bias else [0.0] * self.out_features
        return single([linear(w, xs, b) for w, b in zip(self.weight, biases, strict=True)])

    def own_parameters(self) -> list[tuple[str, Value]]:
        return weight_and_bias(self.weight, self.bias)

    def config(self) -> dict[str, Any]:
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "bias": self.has_bias,
        }


class Elementwise(Module):
    """An activation applied to every number of its input, whatever its shape."""

    #: The name of the activation applied to each number (see :data:`nn.ACTIVATIONS`).
    activation: str

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def forward(self, x: Any) -> Any:
        shape_of(x)
        f = ACTIVATIONS[self.activation]
        return each(lambda v: f(as_value(v)), x)

    def config(self) -> dict[str, Any]:
        return {}


class ReLU(Elementwise):
    """ReLU(x) = max(0, x) on every number (derivative 0 at 0, as PyTorch's)."""

    activation = "relu"


class Tanh(Elementwise):
    """tanh x = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) on every number."""

    activation = "tanh"


class Sigmoid(Elementwise):
    """σ(x) = 1/(1 + e⁻ˣ) on every number."""

    activation = "sigmoid"


class Flatten(Module):
    """Every number of the input in reading order, as one list: ``[C][H][W]`` becomes
    ``[C·H·W]``, the last index fastest, as ``torch.flatten`` orders them.

    PyTorch's ``Flatten()`` keeps the batch dimension; here a call is one example, so all of
    it is flattened. Makes no nodes.
    """

    def output_shape(self, shape: Shape) -> Shape:
        return (size_of(shape),)

    def forward(self, x: Any) -> Any:
        shape_of(x)
        return [as_value(v) for v in flatten(x)]

    def config(self) -> dict[str, Any]:
        return {}


class Unflatten(Module):
    """The inverse of ``Flatten`` along one dimension: the list at depth ``dim`` (0 for the
    whole input) read as a nested list of shape ``unflattened_size``, reading order kept, so
    ``Unflatten(0, [1, 8, 8])`` turns 64 numbers into the image ``[1][8][8]``.

    PyTorch counts the batch as dimension 0; a call here is one example, so ``dim`` is
    PyTorch's minus one. Makes no nodes.
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = integer(dim, "dim", low=0)
        if isinstance(unflattened_size, str) or not isinstance(unflattened_size, Sequence):
            raise TypeError(f"unflattened_size must be a list of sizes, got {unflattened_size!r}")
        self.unflattened_size = tuple(
            integer(n, "each size in unflattened_size", high=MAX_PARAMETERS)
            for n in unflattened_size
        )

    def output_shape(self, shape: Shape) -> Shape:
        if len(shape) <= self.dim or shape[self.dim] != size_of(self.unflattened_size):
            wanted = ["…"] * self.dim + [size_of(self.unflattened_size)]
            raise wrong_shape(self, f"{shown_shape(wanted)}… at dimension {self.dim}", shape)
        return (*shape[: self.dim], *self.unflattened_size, *shape[self.dim + 1 :])

    def forward(self, x: Any) -> Any:
        self.output_shape(shape_of(x))
        return self._unflatten(as_nested(x), self.dim)

    def _unflatten(self, x: Any, depth: int) -> Any:
        if depth == 0:
            return reshape([as_value(v) for v in x], self.unflattened_size)
        return [self._unflatten(item, depth - 1) for item in x]

    def config(self) -> dict[str, Any]:
        return {"dim": self.dim, "unflattened_size": list(self.unflattened_size)}


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(a, b, c)(x) = c(b(a(x)))``.

    Indexable like a list (``model[0]`` is the first module); parameters are named by the
    module's place, as PyTorch names them: ``0.weight[3][2]``. Each module draws in a scope
    named by its place and class, ``0: Conv2d``. Before the first module computes anything,
    every module's :meth:`nn.Module.output_shape` checks the shape it will be given, so a
    network that does not fit its input fails at once with the module that does not fit.

    A network holding a module that couples the examples of a batch (:class:`nn.BatchNorm1d`)
    is called on a whole batch ``[N][…]`` and returns one output per example.
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(
                    f"Sequential takes modules, but item {i} is a {type(module).__name__}"
                )
            module.name = f"{i}: {type(module).__name__}"
        self.layers: list[Module] = list(modules)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        """Rebuild every module from the ``{"modules": [{"type": …, "config": …}, …]}`` that
        :meth:`config` gives."""
        listed = config.get("modules")
        if set(config) != {"modules"} or not isinstance(listed, list):
            raise ValueError('the "config" of a Sequential must be {"modules": [...]}')
        for entry in listed:
            if not isinstance(entry, dict) or set(entry) != {"type", "config"}:
                raise ValueError('each module of a Sequential must be {"type": …, "config": …}')
        return cls(*(build(entry["type"], entry["config"]) for entry in listed))

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def output_shape(self, shape: Shape) -> Shape | None:
        current: Shape | None = shape
        for module in self.layers:
            if current is None:
                return None
            current = module.output_shape(current)
        return current

    def forward(self, x: Any) -> Any:
        if self.takes_batches():
            return self._forward_batch(x)
        self.output_shape(shape_of(x))
        for module in self.layers:
            x = module(x)
        return x

    def _forward_batch(self, x: Any) -> Any:
        """A whole batch ``[N][…]`` through modules of which some (batch normalisation) couple
        its examples: those take the batch, the others each example of it in turn."""
        batch = as_nested(x)
        shape = shape_of(batch)
        if not shape:
            raise wrong_shape(
                self, "a batch [N][…] (batch normalisation takes whole batches)", shape
            )
        self.output_shape(shape[1:])
        for module in self.layers:
            batch = module(batch) if module.takes_batches() else [module(e) for e in batch]
        return batch

    def children(self) -> list[tuple[str, Module]]:
        return [(str(i), module) for i, module in enumerate(self.layers)]

    def config(self) -> dict[str, Any]:
        return {
            "modules": [
                {"type": type(module).__name__, "config": module.config()} for module in self.layers
            ]
        }

    def __repr__(self) -> str:
        return f"Sequential({', '.join(map(repr, self.layers))})"

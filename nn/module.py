"""``Module``: anything with parameters (a neuron, a layer, a network) and how it is named.

A module owns some parameters (``Value`` leaves that training changes) and some child modules.
Calling it runs ``forward`` inside a :func:`autograd.scope` of its name, so every node of a drawn
graph says where it was made, e.g. ``MLP/Layer 1/Neuron 3``. ``config()`` gives the arguments
that rebuild it, which is what a model file stores beside the parameters.

The conventions every network family follows (``Linear``, ``Conv2d`` and the pooling layers in
:mod:`nn.linear`, :mod:`nn.conv` and :mod:`nn.pooling` show them):

* **One example per call**, as nested lists of floats or ``Value`` nodes: 64 numbers, an
  image ``[C][H][W]`` (channels, rows, columns), a sequence ``[T][features]``. A NumPy array
  is accepted in its place (:func:`nn.shapes.as_nested`). An output of one number is a single
  ``Value``, a wider one a (nested) list, as in micrograd.
* **PyTorch's names, argument order, parameter layout and equations**, so that weights copy
  across: ``Linear(in_features, out_features)`` holds ``weight[o][i]`` and ``bias[o]``, nested
  lists of ``Value`` leaves named ``weight[o][i]`` (:mod:`nn.tensors`);
  ``model.load_state_dict(torch_model.state_dict())`` copies PyTorch's weights in. Where a
  module differs from PyTorch, its docstring says so.
* **PyTorch's initialisation**: ``Linear`` and ``Conv2d`` draw weights and biases from
  U(−1/√fan_in, 1/√fan_in), weights first, in reading order.
* **A seed** on every module that draws anything: ``seed=`` an int, a ``random.Random`` or
  None (:mod:`nn.seeding`).
* **Shapes checked first**: ``output_shape(shape)`` gives the shape a module returns for an
  input of ``shape``, or raises one ``ValueError`` naming the module, the shape it expects and
  the shape it was given; ``forward`` calls it before making any node, and ``Sequential`` checks
  every layer before its first one computes anything.
* **Scopes for drawing**: each call opens a scope of the module's name (``Sequential`` names
  its children ``0: Conv2d``, ``1: ReLU``, …), and a layer with channels one per channel, so
  ``draw_graph(..., collapse_scopes=...)`` can fold a network into boxes.
* **Saving**: ``config()`` and the registry (:mod:`nn.registry`) rebuild a module from its
  file; a container overrides ``from_config`` to rebuild its children too.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from autograd import Value, scope
from autograd.numbers import finite_float, listed
from nn.registry import check_settings, register
from nn.shapes import Shape
from nn.tensors import entries, named_entries


class Module(ABC):
    """Base class of everything with parameters.

    Subclasses implement ``forward``, ``config`` (their constructor's arguments) and list their
    own parameters and child modules; everything else (naming, train/eval, state dicts, saving)
    is shared.
    """

    #: True for a module whose call takes a whole batch and couples its examples (batch
    #: normalisation); see :meth:`takes_batches`.
    couples_examples = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register(cls)

    def __init__(self) -> None:
        #: The scope its nodes are made in; a parent renames its children ("Layer 1", …).
        self.name = type(self).__name__
        #: Training mode (dropout active) or evaluation mode (dropout off).
        self.training = True

    # -- computing ---------------------------------------------------------------------------
    def __call__(self, x: Any) -> Any:
        with scope(self.name):
            return self.forward(x)

    @abstractmethod
    def forward(self, x: Any) -> Any:
        """The module's output for input ``x`` (one example: numbers, ``Value`` nodes, or
        nested lists of them)."""

    def output_shape(self, shape: Shape) -> Shape | None:
        """The shape of the output for an input of ``shape`` (see :mod:`nn.shapes`), or None
        when the module does not say; a ``ValueError`` naming the module, the expected and the
        given shape when it cannot take that input."""
        return None

    # -- structure ---------------------------------------------------------------------------
    @abstractmethod
    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module (JSON-compatible)."""

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Module:
        """A new module built from ``config`` (what ``config()`` gave), its settings checked."""
        check_settings(cls, config)
        return cls(**config)

    def own_parameters(self) -> list[tuple[str, Value]]:
        """The parameters this module holds itself, with their short names."""
        return []

    def children(self) -> list[tuple[str, Module]]:
        """The modules inside this one, with the names their parameters are prefixed by."""
        return []

    def modules(self) -> list[Module]:
        """This module and every module inside it, each once, depth first in the order of
        :meth:`children` (as PyTorch's ``modules()``)."""
        found: list[Module] = []
        seen: set[int] = set()
        stack: list[Module] = [self]
        while stack:
            module = stack.pop()
            if id(module) not in seen:
                seen.add(id(module))
                found.append(module)
                stack.extend(reversed([child for _, child in module.children()]))
        return found

    def takes_batches(self) -> bool:
        """Whether a call takes a whole batch ``[N][…]`` rather than one example: true when
        this module or one inside it couples the examples of a batch."""
        return self.couples_examples or any(c.takes_batches() for _, c in self.children())

    def own_buffers(self) -> list[tuple[str, list[float]]]:
        """Numbers this module keeps beside its parameters that gradients do not change (batch
        normalisation's running statistics), each a list it updates in place, by short name."""
        return []

    def named_buffers(self) -> list[tuple[str, list[float]]]:
        """Every buffer with its dotted name, e.g. ``("1.running_mean", [0.0, …])``."""
        named = list(self.own_buffers())
        for prefix, child in self.children():
            named.extend((f"{prefix}.{name}", b) for name, b in child.named_buffers())
        return named

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, e.g. ``("layer1.neuron3.w2", w)``."""
        named = list(self.own_parameters())
        for prefix, child in self.children():
            named.extend((f"{prefix}.{name}", p) for name, p in child.named_parameters())
        return named

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of :meth:`named_parameters`.

        Learners call it (and :meth:`zero_grad`) at every step, as micrograd's loop does, so it
        walks the modules without joining their names, and the modules give theirs from
        :func:`nn.module.numbered` (an optimisation: about 10 µs instead of 170 µs on
        ``MLP(2, [16, 16, 1])``, a ``Neuron`` giving its list as micrograd's does).
        """
        found = [p for _, p in self.own_parameters()]
        for _, child in self.children():
            found += child.parameters()
        return found

    def zero_grad(self) -> None:
        """Set every parameter's gradient back to 0 (``backward`` accumulates)."""
        for p in self.parameters():
            p.grad = 0.0

    def train(self, mode: bool = True) -> Module:
        """Switch this module and its children to training mode (or evaluation for False)."""
        self.training = mode
        for _, child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode: dropout passes its input through unchanged."""
        return self.train(False)

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by its dotted name, then every buffer's numbers by the
        buffer's name and their index (``"running_mean[0]"``), as PyTorch's state dicts hold
        buffers too."""
        state = {name: p.data for name, p in self.named_parameters()}
        for name, numbers in self.named_buffers():
            state.update(named_entries(name, numbers))
        return state

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter and buffer from ``state``, which must name exactly this module's
        parameters and buffers with finite numbers; nothing changes when it does not. A value
        may be a whole tensor (a nested list, a NumPy array, a PyTorch tensor),
        ``{"weight": [[...]]}``, which stands for its entries ``weight[0][0]``, …
        (:func:`nn.tensors.entries`)."""
        state = entries(state)
        named: dict[str, object] = dict(self.named_parameters())
        buffered = {
            entry: (numbers, i)
            for name, numbers in self.named_buffers()
            for i, (entry, _) in enumerate(named_entries(name, numbers))
        }
        named.update(buffered)
        missing = [name for name in named if name not in state]
        unexpected = [name for name in state if name not in named]
        if missing or unexpected:
            problems = []
            if missing:
                problems.append(f"missing {listed(missing)}")
            if unexpected:
                problems.append(f"unexpected {listed(unexpected)}")
            raise ValueError(
                f"the state does not fit {self!r} ({len(named)} parameters): " + "; ".join(problems)
            )
        values = {name: finite_float(state[name], f"parameter {name}") for name in named}
        for name, p in self.named_parameters():
            p.data = values[name]
            p.grad = 0.0
        for name, (numbers, i) in buffered.items():
            numbers[i] = values[name]

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.config().items())
        return f"{type(self).__name__}({arguments})"


@functools.lru_cache(maxsize=256)
def _numbered(stem: str, count: int) -> tuple[str, ...]:
    return tuple(f"{stem}{i}" for i in range(1, count + 1))


def numbered(stem: str, items: list[Any]) -> list[tuple[str, Any]]:
    """``[(stem1, items[0]), (stem2, items[1]), …]``: the names of a module's parameters or
    children, made once per stem and count (an optimisation: making them at every call of
    ``parameters()`` took most of its time)."""
    return list(zip(_numbered(stem, len(items)), items, strict=True))

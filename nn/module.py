"""``Module``: anything with parameters (a neuron, a layer, a network) and how it is named.

A module owns some parameters (``Value`` leaves that training changes) and some child modules.
Calling it runs ``forward`` inside a :func:`autograd.scope` of its name, so every node of a drawn
graph says where it was made, e.g. ``MLP/Layer 1/Neuron 3``. ``config()`` gives the arguments
that rebuild it, which is what a model file stores beside the parameters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from autograd import Value, scope
from autograd.numbers import finite_float, listed
from nn.registry import register
from nn.scalars import Inputs, Outputs


class Module(ABC):
    """Base class of everything with parameters.

    Subclasses implement ``forward``, ``config`` (their constructor's arguments) and list their
    own parameters and child modules; everything else (naming, train/eval, state dicts, saving)
    is shared.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register(cls)

    def __init__(self) -> None:
        #: The scope its nodes are made in; a parent renames its children ("Layer 1", …).
        self.name = type(self).__name__
        #: Training mode (dropout active) or evaluation mode (dropout off).
        self.training = True

    # -- computing ---------------------------------------------------------------------------
    def __call__(self, x: Inputs) -> Outputs:
        with scope(self.name):
            return self.forward(x)

    @abstractmethod
    def forward(self, x: Inputs) -> Outputs:
        """The module's output for input ``x``."""

    # -- structure ---------------------------------------------------------------------------
    @abstractmethod
    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module (JSON-compatible)."""

    def own_parameters(self) -> list[tuple[str, Value]]:
        """The parameters this module holds itself, with their short names."""
        return []

    def children(self) -> list[tuple[str, Module]]:
        """The modules inside this one, with the names their parameters are prefixed by."""
        return []

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
        """Every parameter, in a fixed order."""
        return [p for _, p in self.named_parameters()]

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
        buffer's name and their index (``"running_mean.0"``), as PyTorch's state dicts hold
        buffers too."""
        state = {name: p.data for name, p in self.named_parameters()}
        for name, numbers in self.named_buffers():
            state.update((f"{name}.{i}", number) for i, number in enumerate(numbers))
        return state

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter (and buffer) from ``state``, which must name exactly this
        module's parameters and buffers with finite numbers; nothing changes when it does not."""
        named: dict[str, object] = dict(self.named_parameters())
        buffered = {
            f"{name}.{i}": (numbers, i)
            for name, numbers in self.named_buffers()
            for i in range(len(numbers))
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

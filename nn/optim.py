"""Optimizers: they turn each parameter's gradient g = ∂L/∂w into a step.

Plain gradient descent is w ← w − η g. The variants keep a running state per parameter:
momentum remembers the direction of travel, RMSprop and Adam scale each parameter's step by the
size of its recent gradients. Every optimizer takes ``weight_decay`` λ, which adds λw to the
gradient (the gradient of the L2 penalty ½λΣw²), and ``lr`` as a number or a schedule t ↦ η_t
(:mod:`nn.schedules`).

Use: ``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``.

Each update is written once, for one parameter's float; the same lines compute on NumPy arrays
with every parameter's number at once, which compiled training uses (:meth:`Optimizer.step_from`).
"""

from __future__ import annotations

import operator
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from autograd import Value
from autograd.numbers import finite_float

#: A learning rate: a number η, or a schedule giving η_t for step t.
LearningRate = float | Callable[[int], float]

#: The index of every parameter at once, in the state's arrays (:meth:`Optimizer.step_from`).
_EVERY: Any = slice(None)
_DATA = operator.attrgetter("data")


class Optimizer(ABC):
    """What every optimizer shares: its parameters, its learning rate, its step count."""

    #: The names of the lists that hold the optimizer's running state, one number per parameter
    #: (momentum's velocity, Adam's m and v), for :meth:`step_from`.
    state: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Iterable[Value], lr: LearningRate, weight_decay: float = 0.0):
        self.params = list(params)
        if not self.params:
            raise ValueError("an optimizer needs at least one parameter to update")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"parameters must be Values, not {type(p).__name__}: {p!r}")
        if not callable(lr):
            finite_float(lr, "the learning rate lr", above=0)
        self.lr = lr
        self.weight_decay = finite_float(weight_decay, "weight_decay", at_least=0)
        #: How many steps have been taken: the t of the schedule.
        self.steps = 0
        #: The state lists :meth:`step_from` left as arrays, until they are read.
        self._arrays: dict[str, Any] = {}

    @property
    def learning_rate(self) -> float:
        """η for the next step: ``lr`` itself, or the schedule's η_t."""
        lr = self.lr(self.steps) if callable(self.lr) else self.lr
        return finite_float(lr, "the learning rate", above=0)

    def zero_grad(self) -> None:
        """Set every parameter's gradient back to 0 (``backward`` accumulates)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter by its update, computed from g = ∂L/∂w + λw."""
        lr = self.learning_rate
        self.steps += 1
        for i, p in enumerate(self.params):
            g = float(p.grad) + self.weight_decay * p.data
            p.data -= self._update(i, g, lr)

    @property
    def steps_on_arrays(self) -> bool:
        """Whether :meth:`step_from` can take this optimizer's steps: its ``_update`` is one of
        this module's, written for arrays too (a subclass's own may call ``math`` on floats)."""
        return type(self)._update in _ON_ARRAYS

    def step_from(self, gradient: Any) -> None:
        """:meth:`step` with the gradients ∂L/∂w given as one NumPy array, in the order of
        ``params``, instead of read from each ``p.grad``; each ``p.grad`` is set to its number.

        An optimisation for compiled training, whose replay gives the gradients as one array:
        the update is computed by the same lines as :meth:`step`'s, on arrays with every
        parameter's number (``_update`` of every index at once), not once per parameter in
        Python. The state lists are arrays while it runs, and stay arrays after it, for the
        next call, until they are read (``__getattr__`` turns them back into lists of floats):
        for the adding problem's LSTM, 393 parameters, turning Adam's m and v into arrays and
        back at every step took 0.025 ms of the 0.071 a step took.
        """
        import numpy as np

        lr = self.learning_rate
        self.steps += 1
        data = np.fromiter(map(_DATA, self.params), float, len(self.params))
        g = gradient + self.weight_decay * data
        for name in self.state:
            kept = self._arrays.pop(name, None)
            setattr(self, name, np.array(getattr(self, name)) if kept is None else kept)
        try:
            data -= self._update(_EVERY, g, lr)
        finally:
            for name in self.state:
                self._arrays[name] = vars(self).pop(name)
        for p, w, grad in zip(self.params, data.tolist(), gradient.tolist(), strict=True):
            p.data = w
            p.grad = grad

    if not TYPE_CHECKING:  # mypy would take any attribute of an optimizer for state

        def __getattr__(self, name: str) -> Any:
            """A state list that :meth:`step_from` left as an array, read: made a list of
            floats again (Python calls this only for an attribute not found otherwise)."""
            arrays = vars(self).get("_arrays", {})
            if name not in arrays:
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self
                )
            listed = arrays.pop(name).tolist()
            setattr(self, name, listed)
            return listed

    @abstractmethod
    def _update(self, i: int, g: float, lr: float) -> float:
        """How much parameter ``i`` moves down, given its gradient g and the rate η (written
        with arithmetic alone, so that it computes on arrays too: see :meth:`step_from`)."""


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum μ.

    Without momentum: w ← w − η g. With momentum, a velocity v accumulates the gradients,
    v ← μv + g, and w ← w − η v; Nesterov's variant steps with the look-ahead w ← w − η (g + μv).
    """

    state = ("velocity",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ):
        super().__init__(params, lr, weight_decay)
        self.momentum = finite_float(momentum, "momentum", at_least=0, at_most=1)
        if nesterov and self.momentum == 0.0:
            raise ValueError("Nesterov momentum needs a momentum > 0")
        self.nesterov = nesterov
        self.velocity = [0.0] * len(self.params)

    def _update(self, i: int, g: float, lr: float) -> float:
        if self.momentum == 0.0:
            return lr * g
        v = self.velocity[i] = self.momentum * self.velocity[i] + g
        return lr * (g + self.momentum * v if self.nesterov else v)


class RMSprop(Optimizer):
    """RMSprop: divide each step by a running root mean square of the parameter's gradients,

    s ← α s + (1 − α) g²,   w ← w − η g / (√s + ε),

    so that parameters with large gradients take smaller steps and those with small ones larger.
    """

    state = ("square_avg",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr, weight_decay)
        self.alpha = finite_float(alpha, "alpha", at_least=0, at_most=1)
        self.eps = finite_float(eps, "eps", above=0)
        self.square_avg = [0.0] * len(self.params)

    def _update(self, i: int, g: float, lr: float) -> float:
        s = self.square_avg[i] = self.alpha * self.square_avg[i] + (1.0 - self.alpha) * g * g
        root: float = s**0.5  # √s: a power, not math.sqrt, so that it computes on arrays too
        return lr * g / (root + self.eps)


class Adam(Optimizer):
    """Adam: momentum and RMSprop together, with their start-up bias corrected. At step t:

    m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,
    m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ),   w ← w − η m̂ / (√v̂ + ε).

    m and v start at 0, so early on they underestimate; dividing by 1 − βᵗ undoes that.
    """

    state = ("m", "v")

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr, weight_decay)
        beta1, beta2 = betas
        # Below 1, or m̂ and v̂ divide by zero.
        self.beta1 = finite_float(beta1, "beta1", at_least=0, below=1)
        self.beta2 = finite_float(beta2, "beta2", at_least=0, below=1)
        self.eps = finite_float(eps, "eps", above=0)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _update(self, i: int, g: float, lr: float) -> float:
        t = self.steps  # already counts this step: t = 1 on the first
        m = self.m[i] = self.beta1 * self.m[i] + (1.0 - self.beta1) * g
        v = self.v[i] = self.beta2 * self.v[i] + (1.0 - self.beta2) * g * g
        m_hat = m / (1.0 - self.beta1**t)
        v_hat = v / (1.0 - self.beta2**t)
        root: float = v_hat**0.5  # √v̂, as in RMSprop
        return lr * m_hat / (root + self.eps)


#: The updates that compute on arrays as on floats (see :meth:`Optimizer.step_from`).
_ON_ARRAYS = {SGD._update, RMSprop._update, Adam._update}

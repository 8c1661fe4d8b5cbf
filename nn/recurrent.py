"""Recurrent networks: RNN, LSTM and GRU, each carrying a state h through a sequence.

Each follows PyTorch's equations, argument order, parameter names and layouts, so weights copy
across (``torch.nn.RNN/LSTM/GRU`` with one layer, ``batch_first=False``, called on one unbatched
sequence). For every step t of a sequence x₁ … x_T (each x_t a row of ``input_size`` numbers):

* RNN:  h_t = f(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), f = tanh or relu;
* LSTM (gates in the order i, f, g, o, stacked in ``weight_ih``'s rows):
  i = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi), f = σ(…), g = tanh(…), o = σ(…),
  c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t);
* GRU (gates r, z, n):  r = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr), z = σ(…),
  n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t−1} + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.

The state starts at h₀ = 0 (and c₀ = 0) unless given. Every weight and bias starts, as in
PyTorch, uniform in [−1/√H, 1/√H] for a hidden size H.

Each gate row is one ``linear`` node, Σ w·[x_t, h_{t−1}] + (b_ih + b_hh), the two biases added
once per call; each step is made inside a scope ``t=1``, ``t=2``, …, so a drawing boxes the
steps and shows the same weights feeding every one of them. Backprop through time is nothing but
the chain rule on this unrolled graph.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, cast

from autograd import Value, linear, scope
from nn.checks import boolean, integer
from nn.choices import choose
from nn.layers import MAX_PARAMETERS, check_size
from nn.linear import Linear, wrong_shape
from nn.module import Module
from nn.scalars import Inputs, Outputs, Scalar, as_value
from nn.seeding import Seed, make_rng
from nn.shapes import Shape, as_nested, shape_of
from nn.tensors import named_entries, uniform_tensor

#: One sequence: T rows of ``input_size`` numbers (nested lists, or a NumPy array [T][in]).
Sequence2D = Sequence[Sequence[Scalar]]
#: A hidden state: H numbers or Values.
State = Sequence[Scalar]

#: An LSTM's cell state c (None for the other families, which have none).
Cell = list[Value] | None
#: What a step gives: the new state h_t, and the new cell c_t (an LSTM's) or None.
NextState = tuple[list[Value], Cell]
#: The bias of every gate row (b_ih + b_hh, or b_in for a GRU's n rows), or zeros.
Biases = Sequence[Value | float]

#: The nonlinearities an RNN may apply, by PyTorch's names.
NONLINEARITIES = {"tanh": Value.tanh, "relu": Value.relu}


class Recurrent(Module):
    """What RNN, LSTM and GRU share: ``gates`` blocks of H rows in ``weight_ih [gates·H][in]``,
    ``weight_hh [gates·H][H]``, ``bias_ih`` and ``bias_hh [gates·H]``, their checks and their
    initialisation. A subclass gives ``gates`` and ``step``."""

    #: How many blocks of H rows the weights stack (1 for an RNN, 4 for an LSTM, 3 for a GRU).
    gates = 1
    #: Whether the state has a cell c beside h (an LSTM's).
    has_cell = False

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, seed: Seed = None):
        """The weights of a one-layer network reading ``input_size`` numbers a step into a
        state of ``hidden_size``, all drawn from U(−1/√H, 1/√H) (from ``seed``)."""
        super().__init__()
        self.input_size = integer(input_size, "input_size", high=MAX_PARAMETERS)
        self.hidden_size = integer(hidden_size, "hidden_size", high=MAX_PARAMETERS)
        #: Whether there are biases (PyTorch's ``bias`` attribute, a bool too).
        self.bias = boolean(bias, "bias")
        rows, n_in, n_h = self.gates * self.hidden_size, self.input_size, self.hidden_size
        check_size(rows * (n_in + n_h + 2 * bias), f"{type(self).__name__}({n_in}, {n_h})")
        rng = make_rng(seed)
        # PyTorch draws every parameter from U(−1/√H, 1/√H), in this order.
        self.weight_ih: list[list[Value]] = uniform_tensor((rows, n_in), n_h, rng, "weight_ih")
        self.weight_hh: list[list[Value]] = uniform_tensor((rows, n_h), n_h, rng, "weight_hh")
        self.bias_ih: list[Value] = uniform_tensor((rows,), n_h, rng, "bias_ih") if bias else []
        self.bias_hh: list[Value] = uniform_tensor((rows,), n_h, rng, "bias_hh") if bias else []

    # -- checks ------------------------------------------------------------------------------
    def output_shape(self, shape: Shape) -> Shape:
        """The outputs' shape ``[T][H]`` for a sequence ``[T][input_size]`` (a call returns them
        with the last state, as PyTorch does)."""
        if len(shape) != 2 or shape[1] != self.input_size or shape[0] < 1:
            raise wrong_shape(self, f"a sequence [T][{self.input_size}] of T ≥ 1 steps", shape)
        return (shape[0], self.hidden_size)

    def _rows(self, x: Sequence2D) -> list[list[Scalar]]:
        """The sequence as T ≥ 1 rows of ``input_size`` numbers, or one error naming the shapes."""
        x = as_nested(x)
        empty = isinstance(x, list | tuple) and not x
        self.output_shape((0,) if empty else shape_of(x, f"the input of {self.name}"))
        return [list(row) for row in x]

    def _checked_state(self, state: State | None, what: str) -> list[Scalar] | None:
        """A given initial state as a list of H numbers, or one error naming its shape."""
        if state is None:
            return None
        shape = shape_of(state, f"the initial {what} of {self.name}")
        if shape != (self.hidden_size,):
            expected = f"an initial {what} of {self.hidden_size} numbers [{self.hidden_size}]"
            raise wrong_shape(self, expected, shape)
        return list(as_nested(state))

    def _start(self, state: list[Scalar] | None, what: str) -> list[Value]:
        """The initial state as Values: the given numbers, or zeros."""
        if state is None:
            return [Value(0.0, label=f"{what}0[{k}]") for k in range(self.hidden_size)]
        return [as_value(v) for v in state]

    # -- computing ---------------------------------------------------------------------------
    def forward(self, x: Any, hx: Any = None) -> Any:
        """(outputs h₁ … h_T, h_T) for the sequence ``x`` from the state ``hx`` (H numbers, or
        zeros for None); the LSTM's own gives (outputs, (h_T, c_T))."""
        rows, h0 = self._rows(x), self._checked_state(hx, "h")
        outputs, h, _ = self._unroll(rows, self._start(h0, "h"), None)
        return outputs, h

    def __call__(self, x: Any, hx: Any = None) -> Any:
        """``forward(x, hx)`` in the module's scope: a call takes an optional initial state and
        returns PyTorch's tuple (outputs, last state), not one output."""
        with scope(self.name):
            return self.forward(x, hx)

    def states(self, x: Sequence2D) -> list[list[Value]]:
        """The states h₁ … h_T from the zero state (a call's outputs), in the module's scope."""
        with scope(self.name):
            rows = self._rows(x)
            cell = self._start(None, "c") if self.has_cell else None
            return self._unroll(rows, self._start(None, "h"), cell)[0]

    def _biases(self) -> list[Value | float]:
        """b_ih + b_hh for every row, added once per call and shared by every step."""
        if not self.bias:
            return [0.0] * (self.gates * self.hidden_size)
        return [a + b for a, b in zip(self.bias_ih, self.bias_hh, strict=True)]

    def _block(self, biases: list[Value], block: int) -> list[Value | float]:
        """Rows block·H … (block + 1)·H − 1 of ``biases``; zeros for a module without biases."""
        size = self.hidden_size
        return list(biases[block * size : (block + 1) * size]) if self.bias else [0.0] * size

    def _gate_rows(
        self, block: int, x: list[Value], h: list[Value], biases: Sequence[Value | float]
    ) -> list[Value]:
        """Gate block ``block`` (0 for the first H rows): one ``linear`` node per row,
        Σᵢ W_ih[j][i] x_i + Σ_k W_hh[j][k] h_k + (b_ih[j] + b_hh[j])."""
        rows = range(block * self.hidden_size, (block + 1) * self.hidden_size)
        return [linear(self.weight_ih[j] + self.weight_hh[j], x + h, biases[j]) for j in rows]

    def _unroll(
        self, rows: list[list[Scalar]], state: list[Value], cell: list[Value] | None
    ) -> tuple[list[list[Value]], list[Value], list[Value] | None]:
        """Every step in its own scope ``t=…``: the outputs h₁ … h_T, h_T and (LSTM) c_T."""
        biases = self._biases()
        outputs = []
        for t, row in enumerate(rows, 1):
            with scope(f"t={t}"):
                state, cell = self.step([as_value(v) for v in row], state, cell, biases)
            outputs.append(state)
        return outputs, state, cell

    @abstractmethod
    def step(self, x: list[Value], h: list[Value], c: Cell, biases: Biases) -> NextState:
        """One step: (h_t, c_t) from x_t, h_{t−1} and c_{t−1} (None but for an LSTM)."""

    # -- structure ---------------------------------------------------------------------------
    def own_parameters(self) -> list[tuple[str, Value]]:
        # PyTorch's state_dict names (its first layer's, "_l0"), so that weights copy across:
        # rnn.load_state_dict(torch_rnn.state_dict()).
        named = named_entries("weight_ih_l0", self.weight_ih)
        named += named_entries("weight_hh_l0", self.weight_hh)
        if self.bias:
            named += named_entries("bias_ih_l0", self.bias_ih)
            named += named_entries("bias_hh_l0", self.bias_hh)
        return named

    def config(self) -> dict[str, Any]:
        return {"input_size": self.input_size, "hidden_size": self.hidden_size, "bias": self.bias}


class RNN(Recurrent):
    """The Elman RNN: h_t = f(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), f = tanh or relu.

    ``rnn(x)`` on one sequence ``[T][input_size]`` (and optionally h₀, H numbers) returns
    ``(outputs, h_T)``: the states h₁ … h_T ([T][H]) and the last one.
    """

    gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        nonlinearity: str = "tanh",
        bias: bool = True,
        seed: Seed = None,
    ):
        self._activate = choose(NONLINEARITIES, nonlinearity, "nonlinearity")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, seed)

    def step(self, x: list[Value], h: list[Value], c: Cell, biases: Biases) -> NextState:
        return [self._activate(z) for z in self._gate_rows(0, x, h, biases)], None

    def config(self) -> dict[str, Any]:
        size = {"input_size": self.input_size, "hidden_size": self.hidden_size}
        return {**size, "nonlinearity": self.nonlinearity, "bias": self.bias}


class LSTM(Recurrent):
    """Long short-term memory: gates i, f, g, o (PyTorch's order), a cell c and a state h:
    c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t).

    ``lstm(x)`` on one sequence ``[T][input_size]`` (and optionally ``(h₀, c₀)``) returns
    ``(outputs, (h_T, c_T))``. The cell's path c_{t−1} → c_t is multiplied by the forget gate
    alone, so a gradient can pass along it through many steps without fading.
    """

    gates = 4
    has_cell = True

    def forward(
        self, x: Sequence2D, hx: tuple[State, State] | None = None
    ) -> tuple[list[list[Value]], tuple[list[Value], list[Value]]]:
        rows = self._rows(x)
        if hx is not None and (not isinstance(hx, tuple) or len(hx) != 2):
            raise ValueError(f"{self.name} expects its initial state as a pair (h0, c0)")
        h0 = self._checked_state(None if hx is None else hx[0], "h")
        c0 = self._checked_state(None if hx is None else hx[1], "c")
        outputs, h, c = self._unroll(rows, self._start(h0, "h"), self._start(c0, "c"))
        assert c is not None  # an LSTM's step always returns its cell
        return outputs, (h, c)

    def step(self, x: list[Value], h: list[Value], c: Cell, biases: Biases) -> NextState:
        assert c is not None  # an LSTM's state always has its cell
        i = [z.sigmoid() for z in self._gate_rows(0, x, h, biases)]
        f = [z.sigmoid() for z in self._gate_rows(1, x, h, biases)]
        g = [z.tanh() for z in self._gate_rows(2, x, h, biases)]
        o = [z.sigmoid() for z in self._gate_rows(3, x, h, biases)]
        cell = [fk * ck + ik * gk for fk, ck, ik, gk in zip(f, c, i, g, strict=True)]
        return [ok * ck.tanh() for ok, ck in zip(o, cell, strict=True)], cell


class GRU(Recurrent):
    """Gated recurrent unit: gates r, z and a candidate n (PyTorch's order),
    n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t−1} + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.

    ``gru(x)`` on one sequence ``[T][input_size]`` (and optionally h₀) returns
    ``(outputs, h_T)``. The r and z rows are one ``linear`` node each over [x_t, h_{t−1}]; the n
    rows are two, one over x_t and one over h_{t−1}, since r multiplies only the second.
    """

    gates = 3

    def _biases(self) -> list[Value | float]:
        # The n rows keep b_in and b_hn apart (r multiplies only W_hn h + b_hn).
        summed = super()._biases()
        n_rows = 2 * self.hidden_size
        return summed[:n_rows] + self._block(self.bias_ih, 2)

    def step(self, x: list[Value], h: list[Value], c: Cell, biases: Biases) -> NextState:
        r = [a.sigmoid() for a in self._gate_rows(0, x, h, biases)]
        z = [a.sigmoid() for a in self._gate_rows(1, x, h, biases)]
        n_rows = range(2 * self.hidden_size, 3 * self.hidden_size)
        hidden_bias = self._block(self.bias_hh, 2)
        from_x = [linear(self.weight_ih[j], x, biases[j]) for j in n_rows]
        from_h = [linear(self.weight_hh[j], h, b) for j, b in zip(n_rows, hidden_bias, strict=True)]
        n = [(a + rk * b).tanh() for a, rk, b in zip(from_x, r, from_h, strict=True)]
        return [(1 - zk) * nk + zk * hk for zk, nk, hk in zip(z, n, h, strict=True)], None


#: The recurrent families by the name the command line and :class:`RecurrentRegressor` use.
FAMILIES: dict[str, type[Recurrent]] = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


class RecurrentRegressor(Module):
    """A recurrent network that reads a whole sequence and predicts ``output_size`` numbers from
    its last state: ŷ = W h_T + b.

    ``cell`` is ``"rnn"`` (tanh), ``"lstm"`` or ``"gru"``; the recurrent module is ``.rnn``, the
    read-out ``.readout`` (an :class:`nn.Linear`). Returns one ``Value`` for one output. In
    PyTorch this is the usual few lines: ``out, _ = rnn(x); return linear(out[-1])``.
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        output_size: int = 1,
        seed: Seed = None,
    ):
        super().__init__()
        family = choose(FAMILIES, cell, "recurrent cell")
        self.cell = cell
        self.output_size = integer(output_size, "output_size", high=MAX_PARAMETERS)
        rng = make_rng(seed)
        self.rnn: Recurrent = family(input_size, hidden_size, seed=rng)
        self.readout = Linear(hidden_size, self.output_size, seed=rng)
        self.readout.name = "Readout"

    def run(self, x: Sequence2D) -> tuple[Outputs, list[list[Value]]]:
        """The prediction and the states h₁ … h_T it was made from."""
        with scope(self.name):
            return self._predict(x)

    def forward(self, x: Inputs) -> Outputs:
        return self._predict(cast(Sequence2D, x))[0]  # a sequence: the recurrent module checks

    def _predict(self, x: Sequence2D) -> tuple[Outputs, list[list[Value]]]:
        states = self.rnn.states(x)
        return self.readout(states[-1]), states

    def children(self) -> list[tuple[str, Module]]:
        return [("rnn", self.rnn), ("readout", self.readout)]

    def config(self) -> dict[str, Any]:
        return {
            "cell": self.cell,
            "input_size": self.rnn.input_size,
            "hidden_size": self.rnn.hidden_size,
            "output_size": self.output_size,
        }


def state_gradient_norms(states: Sequence[Sequence[Value]]) -> list[float]:
    """‖∂L/∂h_t‖ = √(Σ_k (∂L/∂h_t,k)²) for every state h₁ … h_T, read after ``L.backward()``.

    Backprop leaves ∂L/∂v in every node's ``.grad``, the states' included, so one backward pass
    gives the whole picture: how much of the loss's gradient reaches each step of the sequence.
    """
    return [math.sqrt(math.fsum(h.grad * h.grad for h in state)) for state in states]


def gradient_norms_through_time(
    model: RecurrentRegressor, x: Sequence2D, target: float
) -> list[float]:
    """‖∂L/∂h_t‖ for t = 1 … T of the squared error L = (y − ŷ)² on one sequence: one forward
    and one backward pass (which add into the parameters' gradients, as ``backward`` does)."""
    prediction, states = model.run(x)
    if not isinstance(prediction, Value):
        raise ValueError(f"{model!r} has {model.output_size} outputs; the squared error needs one")
    ((prediction - target) ** 2).backward()
    return state_gradient_norms(states)

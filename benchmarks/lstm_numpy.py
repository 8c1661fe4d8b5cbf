"""The adding problem's LSTM training step written by hand in NumPy (float64): the floor that
chainrule's compiled replay and PyTorch's ``nn.LSTM`` are measured against.

One step on a batch X [B][T][2] with targets y [B]: the LSTM in PyTorch's equations and gate
order (i, f, g, o), the head ŷ = w h_T + b, L = (1/B) Σ (ŷ − y)², backprop through time by
hand, the gradients' norm clipped at 1 as ``torch.nn.utils.clip_grad_norm_`` does
(g · m / (‖g‖ + 10⁻⁶) when that factor is below 1), and Adam with PyTorch's defaults
(β = (0.9, 0.999), ε = 10⁻⁸).

The parameters are one flat array in PyTorch's order and layout (``weight_ih_l0``,
``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0`` of the LSTM, then the head's ``weight`` and
``bias``), so weights copy across and Adam and clipping take a few calls on the whole of it.
Within a step the gate rows are kept in the order i, f, o, g, the three sigmoid gates side by
side (an optimisation; the parameters keep PyTorch's order; see
:meth:`HandLSTM.loss_and_gradient` for the others). A time step
costs one product and 8 elementwise calls forward, one product and 13 backward
(:data:`CALLS_PER_TIME_STEP`); the weights' gradients are one product of the steps stacked.
The work arrays of a step are allocated once per batch shape and reused (:class:`_Work`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: NumPy calls in the loop over the time steps, forward (9) and backward (14), per step.
CALLS_PER_TIME_STEP = 23


class HandLSTM:
    """An LSTM of ``hidden`` units reading ``inputs`` numbers a step and a linear head to one
    output, trained by :meth:`step` (one batch: loss, gradients, clipping, Adam)."""

    def __init__(self, inputs: int, hidden: int, lr: float, clip: float, parameters: Any) -> None:
        """``parameters``: every number of PyTorch's ``weight_ih``, ``weight_hh``,
        ``bias_ih``, ``bias_hh`` (the LSTM's), ``weight`` and ``bias`` (the head's), flattened
        in that order (chainrule's ``model.parameters()`` of a ``RecurrentRegressor``), copied."""
        self.inputs, self.hidden, self.lr, self.clip = inputs, hidden, lr, clip
        rows = 4 * hidden
        shapes = [(rows, inputs), (rows, hidden), (rows,), (rows,), (1, hidden), (1,)]
        sizes = [int(np.prod(s)) for s in shapes]
        self.theta = np.array(parameters, dtype=np.float64)
        if self.theta.shape != (sum(sizes),):
            raise ValueError(
                f"HandLSTM({inputs}, {hidden}): expected {sum(sizes)} parameters in a flat "
                f"sequence, got shape {self.theta.shape}"
            )
        self.grad = np.zeros_like(self.theta)
        self.m, self.v, self.steps = np.zeros_like(self.theta), np.zeros_like(self.theta), 0
        starts = np.cumsum([0, *sizes[:-1]]).tolist()
        self.params = _views(self.theta, starts, shapes)
        self.grads = _views(self.grad, starts, shapes)
        h = hidden
        # Internal gate order (rows of W) i, f, o, g: the three sigmoid gates side by side.
        self.order = np.r_[0 : 2 * h, 3 * h : 4 * h, 2 * h : 3 * h]
        #: The work arrays of each batch shape (batch, steps) met so far.
        self._work: dict[tuple[int, int], _Work] = {}

    def loss_and_gradient(self, x: Any, y: Any) -> float:
        """L on the batch ``x`` [B][T][inputs], ``y`` [B]; ∂L/∂θ left in :attr:`grad` (and
        its views :attr:`grads`, PyTorch's layout).

        Three optimisations, each saving NumPy calls or strided blocks:

        * every state is kept as columns, [H][B], so that a gate's block of H rows is one
          contiguous array (NumPy is some three times slower on a strided block);
        * the step's input v_t = [h_{t−1}; x_t; 1] is one column block of a buffer where the
          previous step writes h_{t−1}, so the gates' pre-activations are one product
          W v_t with W = [W_hh W_ih b_ih + b_hh], no addition;
        * σ(z) = (1 + tanh(z/2)) / 2, the sigmoid rows of W halved: one tanh u over all four
          gates; then every gate's derivative is (1 − u²) times ¼ (σ' = (1 − u²)/4) or 1 (g),
          and the ¼ goes into the backward product's weights and the weights' gradient, so
          e = ∂L/∂gate ⊙ (1 − u²) is all the loop computes.
        """
        w_ih, w_hh, b_ih, b_hh, w_out, b_out = self.params
        batch, steps, _ = x.shape
        n, h3, width = self.hidden, 3 * self.hidden, self.inputs
        w = np.concatenate([w_hh, w_ih, (b_ih + b_hh)[:, None]], axis=1)[self.order]
        w[:h3] *= 0.5
        w_back = w[:, :n].copy()  # ∂L/∂h_{t−1} = W_hhᵀ (e with the sigmoid rows ¼)
        w_back[:h3] *= 0.5
        w_back_t = np.ascontiguousarray(w_back.T)
        work = self._work.get((batch, steps))
        if work is None:
            work = self._work[batch, steps] = _Work.of(batch, steps, n, width)
        v, u, sigma, cs, tanh_c, ig = work.v, work.u, work.sigma, work.cs, work.tanh_c, work.ig
        v[:steps, n : n + width] = x.transpose(1, 2, 0)
        h_all = v[:, :n]
        i_all, f_all, o_all, g_all = sigma[:, :n], sigma[:, n : 2 * n], sigma[:, 2 * n :], u[:, h3:]
        for t in range(steps):
            z = u[t]
            np.matmul(w, v[t], out=z)
            np.tanh(z, out=z)
            s = sigma[t]
            np.multiply(z[:h3], 0.5, out=s)
            s += 0.5
            c = cs[t + 1]
            np.multiply(f_all[t], cs[t], out=c)  # f ⊙ c_{t−1}
            np.multiply(i_all[t], g_all[t], out=ig)
            c += ig
            np.tanh(c, out=tanh_c[t])
            np.multiply(o_all[t], tanh_c[t], out=h_all[t + 1])
        prediction = w_out @ h_all[steps] + b_out[:, None]  # [1][B]
        error = prediction[0] - y
        loss = float(error @ error) / batch
        d_prediction = (2.0 / batch) * error
        g_w_ih, g_w_hh, g_b_ih, g_b_hh, g_w_out, g_b_out = self.grads
        np.matmul(h_all[steps], d_prediction, out=g_w_out[0])
        g_b_out[0] = d_prediction.sum()
        dh = np.outer(w_out[0], d_prediction)  # ∂L/∂h_T
        dc, e, term, slope = work.dc, work.e, work.term, work.slope
        dc.fill(0.0)  # ∂L/∂c_T
        e_i, e_f, e_o, e_g = (e[:, k * n : (k + 1) * n] for k in range(4))
        for t in range(steps - 1, -1, -1):
            np.multiply(dh, tanh_c[t], out=e_o[t])  # ∂L/∂o
            # ∂L/∂c_t += ∂L/∂h_t ⊙ o ⊙ (1 − tanh² c_t)
            np.multiply(tanh_c[t], tanh_c[t], out=term)
            np.subtract(1.0, term, out=term)
            term *= o_all[t]
            term *= dh
            dc += term
            np.multiply(dc, g_all[t], out=e_i[t])  # ∂L/∂i
            np.multiply(dc, cs[t], out=e_f[t])  # ∂L/∂f
            np.multiply(dc, i_all[t], out=e_g[t])  # ∂L/∂g
            dc *= f_all[t]  # ∂L/∂c_{t−1}
            np.multiply(u[t], u[t], out=slope)
            np.subtract(1.0, slope, out=slope)
            e[t] *= slope
            dh = w_back_t @ e[t]  # ∂L/∂h_{t−1}
        # Every step's share of ∂L/∂W in one product of the steps stacked.
        np.copyto(work.e_by_gate, e.transpose(1, 0, 2))
        np.copyto(work.v_by_example, v[:steps].transpose(0, 2, 1))
        gradient = work.e_by_gate.reshape(-1, steps * batch) @ work.v_by_example.reshape(
            steps * batch, -1
        )
        gradient[:h3] *= 0.25
        g_w_hh[self.order] = gradient[:, :n]
        g_w_ih[self.order] = gradient[:, n : n + width]
        g_b_ih[self.order] = gradient[:, n + width]
        g_b_hh[...] = g_b_ih
        return loss

    def step(self, x: Any, y: Any) -> float:
        """One training step on the batch: the loss before it."""
        loss = self.loss_and_gradient(x, y)
        scale = self.clip / (float(np.sqrt(self.grad @ self.grad)) + 1e-6)
        if scale < 1.0:
            self.grad *= scale
        self.steps += 1
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        self.m *= beta1
        self.m += (1.0 - beta1) * self.grad
        self.v *= beta2
        self.v += (1.0 - beta2) * self.grad * self.grad
        denominator = np.sqrt(self.v / (1.0 - beta2**self.steps))
        denominator += eps
        self.theta -= (self.lr / (1.0 - beta1**self.steps)) * self.m / denominator
        return loss


def _views(flat: Any, starts: list[int], shapes: list[tuple[int, ...]]) -> list[Any]:
    """The parameters' arrays of their shapes inside the flat array, from their offsets."""
    return [flat[a : a + int(np.prod(s))].reshape(s) for a, s in zip(starts, shapes, strict=True)]


@dataclass(frozen=True)
class _Work:
    """The work arrays of :meth:`HandLSTM.loss_and_gradient` for one batch shape, allocated once
    and overwritten at every step.

    Why: they are 100-400 KB each, and glibc's malloc gives blocks that large back to the
    kernel when they are freed, so that arrays allocated afresh at every step were fresh pages,
    each met by a page fault: some 470 a step, half of the step's time (2.5 ms a step, where
    reused arrays take 1.2), in a process where nothing else runs. Beside other work (the
    step-by-step comparison of ``benchmarks.adding --per-step``) freed memory tends to be
    reused, and the two differed little.
    """

    #: [h_t; x_{t+1}; 1] for t = 0 … T: h_0 = 0 and the row of ones are written here once.
    v: Any
    #: tanh of every gate's pre-activation (halved for i, f, o), [T][4H][B].
    u: Any
    #: The sigmoid gates i, f, o, [T][3H][B].
    sigma: Any
    #: c_0 … c_T: c_0 = 0, written here once.
    cs: Any
    tanh_c: Any
    #: i ⊙ g of one time step.
    ig: Any
    #: ∂L/∂c of one time step.
    dc: Any
    #: ∂L/∂gate ⊙ (1 − u²), [T][4H][B].
    e: Any
    term: Any
    slope: Any
    #: e and v with the steps stacked, for the weights' gradient in one product.
    e_by_gate: Any
    v_by_example: Any

    @classmethod
    def of(cls, batch: int, steps: int, hidden: int, inputs: int) -> _Work:
        """The arrays for batches of ``batch`` sequences of ``steps`` steps."""
        n, width = hidden, inputs
        v = np.zeros((steps + 1, n + width + 1, batch))
        v[:, n + width] = 1.0
        return cls(
            v=v,
            u=np.empty((steps, 4 * n, batch)),
            sigma=np.empty((steps, 3 * n, batch)),
            cs=np.zeros((steps + 1, n, batch)),
            tanh_c=np.empty((steps, n, batch)),
            ig=np.empty((n, batch)),
            dc=np.empty((n, batch)),
            e=np.empty((steps, 4 * n, batch)),
            term=np.empty((n, batch)),
            slope=np.empty((4 * n, batch)),
            e_by_gate=np.empty((4 * n, steps, batch)),
            v_by_example=np.empty((steps, batch, n + width + 1)),
        )

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
Within a step the gate columns are kept in the order i, f, o, g, so that one sigmoid covers
three contiguous blocks (an optimisation; the parameters keep PyTorch's order). A time step
costs one product and 11 elementwise calls forward, one product and 16 backward
(:data:`CALLS_PER_TIME_STEP`); the weights' gradients are one product of the steps stacked.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: NumPy calls in the loop over the time steps, forward (12) and backward (17), per step.
CALLS_PER_TIME_STEP = 29


class HandLSTM:
    """An LSTM of ``hidden`` units reading ``inputs`` numbers a step and a linear head to one
    output, trained by :meth:`step` (one batch: loss, gradients, clipping, Adam)."""

    def __init__(self, inputs: int, hidden: int, lr: float, clip: float, parameters: Any) -> None:
        """``parameters``: PyTorch's ``[weight_ih, weight_hh, bias_ih, bias_hh, head weight,
        head bias]`` (arrays or nested lists), copied."""
        self.inputs, self.hidden, self.lr, self.clip = inputs, hidden, lr, clip
        rows = 4 * hidden
        shapes = [(rows, inputs), (rows, hidden), (rows,), (rows,), (1, hidden), (1,)]
        sizes = [int(np.prod(s)) for s in shapes]
        self.theta = np.concatenate(
            [np.asarray(p, dtype=np.float64).reshape(-1) for p in parameters]
        )
        if [np.asarray(p).size for p in parameters] != sizes:
            raise ValueError(f"HandLSTM: parameters of shapes {shapes} expected")
        self.grad = np.zeros_like(self.theta)
        self.m, self.v, self.steps = np.zeros_like(self.theta), np.zeros_like(self.theta), 0
        starts = np.cumsum([0, *sizes[:-1]]).tolist()
        self.params = _views(self.theta, starts, shapes)
        self.grads = _views(self.grad, starts, shapes)
        h = hidden
        # Internal column order i, f, o, g: the three sigmoid gates side by side.
        self.order = np.r_[0 : 2 * h, 3 * h : 4 * h, 2 * h : 3 * h]

    def loss_and_gradient(self, x: Any, y: Any) -> float:
        """L on the batch ``x`` [B][T][inputs], ``y`` [B]; ∂L/∂θ left in :attr:`grad` (and
        its views :attr:`grads`, PyTorch's layout)."""
        w_ih, w_hh, b_ih, b_hh, w_out, b_out = self.params
        batch, steps, _ = x.shape
        h3, h4 = 3 * self.hidden, 4 * self.hidden
        wx = w_ih[self.order].T  # [in][4H]
        wh = w_hh[self.order].T  # [H][4H]
        wh_t = np.ascontiguousarray(wh.T)
        xs = np.ascontiguousarray(x.transpose(1, 0, 2))  # [T][B][in]
        # Every step's input part X_t W_xᵀ + b in one product.
        a = xs @ wx
        a += (b_ih + b_hh)[self.order]
        hs = np.zeros((steps + 1, batch, self.hidden))  # h_0 … h_T
        cs = np.zeros((steps + 1, batch, self.hidden))  # c_0 … c_T
        tanh_c = np.empty((steps, batch, self.hidden))
        product = np.empty((batch, h4))
        ig = np.empty((batch, self.hidden))
        for t in range(steps):
            z = a[t]
            np.matmul(hs[t], wh, out=product)
            z += product
            s = z[:, :h3]  # σ(x) = 1 / (1 + e⁻ˣ), in place
            np.negative(s, out=s)
            np.exp(s, out=s)
            s += 1.0
            np.reciprocal(s, out=s)
            g = z[:, h3:]
            np.tanh(g, out=g)
            c = cs[t + 1]
            np.multiply(z[:, self.hidden : 2 * self.hidden], cs[t], out=c)  # f ⊙ c_{t−1}
            np.multiply(z[:, : self.hidden], g, out=ig)
            c += ig
            np.tanh(c, out=tanh_c[t])
            np.multiply(z[:, 2 * self.hidden : h3], tanh_c[t], out=hs[t + 1])
        prediction = hs[steps] @ w_out.T + b_out  # [B][1]
        error = prediction[:, 0] - y
        loss = float(error @ error) / batch
        d_prediction = (2.0 / batch) * error[:, None]
        _, _, _, _, g_w_out, g_b_out = self.grads
        np.matmul(d_prediction.T, hs[steps], out=g_w_out)
        g_b_out[0] = d_prediction.sum()
        dh = d_prediction @ w_out  # ∂L/∂h_T
        dc = np.zeros((batch, self.hidden))
        dz = np.empty((steps, batch, h4))  # ∂L/∂(gate pre-activations), i, f, o, g
        term = np.empty((batch, self.hidden))
        sigma_term = np.empty((batch, h3))
        for t in range(steps - 1, -1, -1):
            z, d = a[t], dz[t]
            i, f, o, g = (z[:, k * self.hidden : (k + 1) * self.hidden] for k in range(4))
            np.multiply(dh, tanh_c[t], out=d[:, 2 * self.hidden : h3])  # ∂L/∂o
            # ∂L/∂c_t += ∂L/∂h_t ⊙ o ⊙ (1 − tanh² c_t)
            np.multiply(tanh_c[t], tanh_c[t], out=term)
            np.subtract(1.0, term, out=term)
            term *= o
            term *= dh
            dc += term
            np.multiply(dc, g, out=d[:, : self.hidden])  # ∂L/∂i
            np.multiply(dc, cs[t], out=d[:, self.hidden : 2 * self.hidden])  # ∂L/∂f
            np.multiply(dc, i, out=d[:, h3:])  # ∂L/∂g
            dc *= f  # ∂L/∂c_{t−1}
            # Through the nonlinearities: σ' = σ(1 − σ), tanh' = 1 − tanh².
            s = z[:, :h3]
            np.subtract(1.0, s, out=sigma_term)
            sigma_term *= s
            d[:, :h3] *= sigma_term
            np.multiply(g, g, out=term)
            np.subtract(1.0, term, out=term)
            d[:, h3:] *= term
            dh = d @ wh_t  # ∂L/∂h_{t−1}
        g_w_ih, g_w_hh, g_b_ih, g_b_hh, _, _ = self.grads
        flat = dz.reshape(steps * batch, h4)
        g_w_ih[self.order] = (xs.reshape(steps * batch, self.inputs).T @ flat).T
        g_w_hh[self.order] = (hs[:steps].reshape(steps * batch, self.hidden).T @ flat).T
        g_b_ih[self.order] = flat.sum(axis=0)
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

"""The digits CNN training step: chainrule's batch replay beside the same step in NumPy by hand
and in PyTorch's CPU modules.

The network: conv 1→8 3×3 pad 1 → ReLU → max-pool 2 → conv 8→16 3×3 pad 1 → ReLU → max-pool 2
→ flatten → linear 64→10, on a batch of 64 of the 8×8 UCI digits; the loss is the mean
cross-entropy; one step is forward, backward and the update w ← w − η ∂L/∂w. Every contestant
starts from the weights of chainrule's ``nn.Sequential`` and takes the same batch, so all of them
do the same work and compute the same loss, float64 throughout:

* the batch replay: one example's loss built from chainrule's modules, traced once by
  :func:`autograd.compile` and replayed on the batch, where each convolution is one matrix
  product over examples and positions (im2col) and pooling is array ops;
* NumPy by hand: im2col with the windows copied kernel offset by kernel offset, the products,
  max-pooling by argmax over each window, and the backward pass written out (what the replay,
  which finds these shapes in a graph of scalars, could at best approach);
* PyTorch: ``nn.Conv2d``, ``nn.MaxPool2d``, ``nn.Linear`` and ``F.cross_entropy``, as its users
  would write the step.

Matrix libraries start threads of their own; on a machine shared with other work those threads
wait for each other, so these steps are timed in a process with one thread each
(``python -m benchmarks`` starts it so, with :data:`ONE_THREAD`): the comparison is of the
work, one core each.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from benchmarks.moons import Step
from benchmarks.tensors import descend

#: The batch size, the learning rate and the seed of the weights and of the batch.
BATCH = 64
LR = 0.1
SEED = 0
#: Environment variables that give every matrix library one thread.
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}

#: The contestants' names.
REPLAY = "batch replay"
NUMPY = "NumPy by hand (im2col)"
TORCH = "PyTorch CPU modules"


def network() -> Any:
    """chainrule's digits CNN, seeded."""
    import nn

    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, seed=SEED),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, seed=SEED + 1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64, 10, seed=SEED + 2),
    )


def batch() -> tuple[list[list[float]], list[int]]:
    """A seeded sample of 64 digits: each image's 64 pixels in reading order, and its label."""
    import nn

    images, labels = nn.datasets.load_digits(flat=True)
    chosen = random.Random(SEED).sample(range(len(images)), BATCH)
    return [list(map(float, images[i])) for i in chosen], [labels[i] for i in chosen]


def weights(model: Any) -> list[Any]:
    """The model's weights as NumPy arrays in PyTorch's layout: conv1's weight and bias,
    conv2's, the linear layer's."""
    import numpy as np

    def array(nested: Any) -> Any:
        return np.vectorize(lambda v: v.data, otypes=[float])(np.array(nested, dtype=object))

    return [array(t) for i in (0, 3, 7) for t in (model[i].weight, model[i].bias)]


def _compiled() -> tuple[Any, list[Any], list[Any], float]:
    """The compiled per-example loss, its parameters, the batch as columns, and the seconds
    the first call took: tracing, writing and Python's compiler, and one step."""
    import numpy as np

    from autograd import Value, compile, total
    from nn.losses import log_softmax

    model = network()
    params = model.parameters()
    images, labels = batch()

    def loss(*inputs: Value) -> Value:
        pixels, onehot = inputs[:64], inputs[64:]
        image = [[list(pixels[row * 8 : row * 8 + 8]) for row in range(8)]]
        logits = model(image)
        return -total([t * s for t, s in zip(onehot, log_softmax(logits), strict=True)])

    columns = [*np.array(images).T, *np.eye(10)[labels].T]
    compiled = compile(loss, params)
    start = time.perf_counter()
    compiled(*columns)
    seconds = time.perf_counter() - start
    for p in params:
        p.grad = 0.0
    return compiled, params, columns, seconds


def replay_step() -> Step:
    """The batch replay: the mean loss and its gradient in one call, then the update."""
    compiled, params, columns, _ = _compiled()

    def step() -> float:
        loss: float = compiled(*columns)
        for p in params:
            p.data -= LR * p.grad
            p.grad = 0.0
        return loss

    return step


def compile_seconds() -> float:
    """Seconds from nothing traced to the first batch step done."""
    return _compiled()[3]


def numpy_step() -> Step:
    """The step by hand in NumPy, images as (example, row, column, channel) arrays."""
    import numpy as np

    images, labels = batch()
    x = np.array(images).reshape(BATCH, 8, 8, 1)
    w1, b1, w2, b2, w3, b3 = weights(network())
    # Kernels as matrices whose columns follow the windows' order (row, column, channel).
    k1, k2 = (w.transpose(0, 2, 3, 1).reshape(len(w), -1) for w in (w1, w2))
    rows = np.arange(BATCH)

    def windows(a: Any) -> Any:
        """im2col: every 3×3 window of the zero-padded a (n, h, w, c), one row each."""
        n, h, w, c = a.shape
        padded = np.zeros((n, h + 2, w + 2, c))
        padded[:, 1:-1, 1:-1] = a
        cols = np.empty((n, h, w, 3, 3, c))
        for dy in range(3):
            for dx in range(3):
                cols[:, :, :, dy, dx] = padded[:, dy : dy + h, dx : dx + w]
        return cols.reshape(n * h * w, 9 * c)

    def windows_back(d: Any, shape: tuple[int, ...]) -> Any:
        """col2im: each input's gradient, summed over the windows that read it."""
        n, h, w, c = shape
        d = d.reshape(n, h, w, 3, 3, c)
        padded = np.zeros((n, h + 2, w + 2, c))
        for dy in range(3):
            for dx in range(3):
                padded[:, dy : dy + h, dx : dx + w] += d[:, :, :, dy, dx]
        return padded[:, 1:-1, 1:-1]

    def pool(a: Any) -> tuple[Any, Any]:
        """2×2 max-pooling, and which of each window's values is the (first) largest."""
        n, h, w, c = a.shape
        grouped = a.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4)
        grouped = grouped.reshape(n, h // 2, w // 2, c, 4)
        first = grouped.argmax(axis=-1)[..., None]
        return np.take_along_axis(grouped, first, -1)[..., 0], first

    def pool_back(d: Any, first: Any) -> Any:
        n, h, w, c = d.shape
        grouped = np.zeros((n, h, w, c, 4))
        np.put_along_axis(grouped, first, d[..., None], -1)
        return (
            grouped.reshape(n, h, w, c, 2, 2)
            .transpose(0, 1, 4, 2, 5, 3)
            .reshape(n, 2 * h, 2 * w, c)
        )

    def step() -> float:
        nonlocal k1, b1, k2, b2, w3, b3
        cols1 = windows(x)
        z1 = (cols1 @ k1.T + b1).reshape(BATCH, 8, 8, 8)
        p1, first1 = pool(np.maximum(z1, 0.0))
        cols2 = windows(p1)
        z2 = (cols2 @ k2.T + b2).reshape(BATCH, 4, 4, 16)
        p2, first2 = pool(np.maximum(z2, 0.0))
        flat = p2.transpose(0, 3, 1, 2).reshape(BATCH, 64)  # PyTorch's order: c, h, w
        logits = flat @ w3.T + b3
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -float(log_probs[rows, labels].mean())
        d_logits = np.exp(log_probs)
        d_logits[rows, labels] -= 1.0
        d_logits /= BATCH
        d_w3, d_b3 = d_logits.T @ flat, d_logits.sum(axis=0)
        d_p2 = (d_logits @ w3).reshape(BATCH, 16, 2, 2).transpose(0, 2, 3, 1)
        d_z2 = (pool_back(d_p2, first2) * (z2 > 0.0)).reshape(-1, 16)
        d_k2, d_b2 = d_z2.T @ cols2, d_z2.sum(axis=0)
        d_p1 = windows_back(d_z2 @ k2, p1.shape)
        d_z1 = (pool_back(d_p1, first1) * (z1 > 0.0)).reshape(-1, 8)
        d_k1, d_b1 = d_z1.T @ cols1, d_z1.sum(axis=0)
        k1, b1, k2, b2 = k1 - LR * d_k1, b1 - LR * d_b1, k2 - LR * d_k2, b2 - LR * d_b2
        w3, b3 = w3 - LR * d_w3, b3 - LR * d_b3
        return loss

    return step


def torch_step() -> Step:
    """The step in PyTorch's modules, float64, from the same weights."""
    import torch

    images, labels = batch()
    x = torch.tensor(images, dtype=torch.float64).reshape(BATCH, 1, 8, 8)
    y = torch.tensor(labels)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(64, 10),
    ).double()
    parameters = list(model.parameters())
    with torch.no_grad():
        for p, w in zip(parameters, weights(network()), strict=True):
            p.copy_(torch.from_numpy(w))

    def step() -> float:
        return descend(torch.nn.functional.cross_entropy(model(x), y), parameters, LR)

    return step


def steps(*, include_torch: bool) -> dict[str, Callable[[], Step]]:
    """The contestants, each a setup that returns its step."""
    chosen: dict[str, Callable[[], Step]] = {REPLAY: replay_step, NUMPY: numpy_step}
    if include_torch:
        chosen[TORCH] = torch_step
    return chosen

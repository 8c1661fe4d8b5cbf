"""The raw-Python limit: the training step written by hand with plain floats.

The forward pass keeps each layer's weighted sums; the backward pass applies the chain rule
layer by layer, δ = ∂L/∂z: for the output δ = −y/n where the hinge is active, then
∂L/∂w_ji = δ_j·a_i, ∂L/∂b_j = δ_j and, through a hidden ReLU, δ_i = step(z_i)·Σ_j w_ji·δ_j.
No graph, no nodes: what any scalar engine in pure Python could at best approach.
"""

from __future__ import annotations

from benchmarks.graph import initial_parameters
from benchmarks.moons import ALPHA, LR, Step, moons


def step() -> Step:
    """A training step from :func:`benchmarks.graph.initial_parameters`."""
    points, targets = moons()
    layers = initial_parameters()
    weights = [[list(ws) for ws, _ in layer] for layer in layers]
    biases = [[b for _, b in layer] for layer in layers]
    n = len(points)
    last = len(layers) - 1

    def train() -> float:
        grad_w = [[[0.0] * len(row) for row in w] for w in weights]
        grad_b = [[0.0] * len(b) for b in biases]
        loss = 0.0
        for point, y in zip(points, targets, strict=True):
            activations = [point]
            sums = []
            for depth, (w, b) in enumerate(zip(weights, biases, strict=True)):
                a = activations[-1]
                z = [sum(map(float.__mul__, row, a), bj) for row, bj in zip(w, b, strict=True)]
                sums.append(z)
                activations.append(z if depth == last else [max(zj, 0.0) for zj in z])
            margin = 1.0 - y * activations[-1][0]
            if margin <= 0.0:
                continue
            loss += margin / n
            delta = [-y / n]
            for depth in range(last, -1, -1):
                if depth != last:
                    delta = [d if z > 0.0 else 0.0 for d, z in zip(delta, sums[depth], strict=True)]
                a = activations[depth]
                for j, d in enumerate(delta):
                    grad_b[depth][j] += d
                    row = grad_w[depth][j]
                    for i, ai in enumerate(a):
                        row[i] += d * ai
                if depth:
                    w = weights[depth]
                    delta = [sum(w[j][i] * d for j, d in enumerate(delta)) for i in range(len(a))]
        for w, gw in zip(weights, grad_w, strict=True):
            for row, grow in zip(w, gw, strict=True):
                for i, wi in enumerate(row):
                    loss += ALPHA * wi * wi
                    row[i] = wi - LR * (grow[i] + 2.0 * ALPHA * wi)
        for b, gb in zip(biases, grad_b, strict=True):
            for j, bj in enumerate(b):
                loss += ALPHA * bj * bj
                b[j] = bj - LR * (gb[j] + 2.0 * ALPHA * bj)
        return loss

    return train

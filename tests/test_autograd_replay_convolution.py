"""The batch replay learns a convolution's shape: one kernel's linear nodes over many windows
become one matrix product over examples and positions (im2col), forward and backward; pooling
and activations become array ops; results are the eager engine's."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value, linear, total
from nn.losses import log_softmax


# -- convolutional graphs built from Values, one linear node per output position ---------------
def conv2d(image, weight, bias, stride=1, padding=0, cut=False):
    """image [C][H][W], weight [O][C][kh][kw], bias [O] or None: [O][H'][W'], each output the
    linear node Σ w·x + b over its window. A padded input is a constant 0, or, with ``cut``, left
    out of the node with its weight (the window cut by the edge)."""
    height, width = len(image[0]), len(image[0][0])
    kh, kw = len(weight[0][0]), len(weight[0][0][0])
    out_h = (height + 2 * padding - kh) // stride + 1
    out_w = (width + 2 * padding - kw) // stride + 1

    def node(o, y, x):
        ws, xs = [], []
        for c, channel in enumerate(image):
            for dy in range(kh):
                for dx in range(kw):
                    row, column = y * stride + dy - padding, x * stride + dx - padding
                    inside = 0 <= row < height and 0 <= column < width
                    if inside or not cut:
                        ws.append(weight[o][c][dy][dx])
                        xs.append(channel[row][column] if inside else 0.0)
        return linear(ws, xs, 0.0 if bias is None else bias[o])

    return [
        [[node(o, y, x) for x in range(out_w)] for y in range(out_h)] for o in range(len(weight))
    ]


def maximum(values):
    """max as the engine's ops: m + relu(v − m) for each next v (at a tie the gradient goes to
    the first maximum, as PyTorch's max pooling)."""
    best = values[0]
    for v in values[1:]:
        best = best + (v - best).relu()
    return best


def mean(values):
    return total(values) / len(values)


def pool2d(image, size, reduce):
    return [
        [
            [
                reduce([ch[y + dy][x + dx] for dy in range(size) for dx in range(size)])
                for x in range(0, len(ch[0]) - size + 1, size)
            ]
            for y in range(0, len(ch) - size + 1, size)
        ]
        for ch in image
    ]


def each(image, f):
    return [[[f(v) for v in row] for row in ch] for ch in image]


def flat(nested):
    return (
        [v for ch in nested for row in ch for v in row] if isinstance(nested[0], list) else nested
    )


def kernel(out_channels, in_channels, size, rng):
    weight = [
        [[[Value(rng.uniform(-1, 1)) for _ in range(size)] for _ in range(size)]
         for _ in range(in_channels)]
        for _ in range(out_channels)
    ]  # fmt: skip
    bias = [Value(rng.uniform(-1, 1)) for _ in range(out_channels)]
    return weight, bias, [w for o in weight for c in o for row in c for w in row] + bias


def image_of(inputs, channels, size):
    return [
        [list(inputs[c * size * size + y * size :][:size]) for y in range(size)]
        for c in range(channels)
    ]


def images(count, pixels, seed=1):
    rng = random.Random(seed)
    return [[rng.uniform(0.0, 1.0) for _ in range(pixels)] for _ in range(count)]


def fused(source):
    """The fused layers' comments in a batch source: (rows, windows, width) of each."""
    found = re.findall(r"# a fused layer: (?:a kernel of )?(\d+) linear nodes?"
                       r"(?: over (\d+) windows of| on the same) (\d+) inputs", source)  # fmt: skip
    return [(int(k), int(p or 1), int(n)) for k, p, n in found]


def products(source):
    return len(re.findall(r" @ ", source))


# -- what the batch source looks like ----------------------------------------------------------
def test_a_kernel_over_every_window_is_one_matrix_product_forward_and_backward(replay_agrees):
    weight, bias, params = kernel(2, 1, 3, random.Random(0))

    def fn(*pixels):
        maps = conv2d(image_of(pixels, 1, 5), weight, bias, padding=1)
        return total([v.tanh() for v in flat(maps)])

    compiled = replay_agrees(fn, params, images(4, 25))
    source = compiled.batch_source
    assert fused(source) == [(2, 25, 9)]  # 2 channels × 25 positions, windows of 3×3
    # Z forward, ∂L/∂W backward (summed over examples and positions by the product); the
    # pixels need no gradient.
    assert products(source) == 2
    assert re.search(r"dw0 = d0\.T @ a0", source)
    assert "tanh(z0)" in source
    assert len(source.splitlines()) < 30  # not one line per node: 50 linear nodes


def test_windows_cut_by_the_edge_replay_as_windows_padded_with_zeros(replay_agrees):
    weight, bias, params = kernel(2, 2, 3, random.Random(1))

    def convolved(cut):
        def fn(*pixels):
            maps = conv2d(image_of(pixels, 2, 4), weight, bias, stride=2, padding=1, cut=cut)
            return total([v.relu() for v in flat(maps)])

        return replay_agrees(fn, params, images(3, 32)).batch_source

    assert convolved(cut=True) == convolved(cut=False)


def test_a_convolution_after_pooling_picks_its_windows_from_the_pooled_matrix(replay_agrees):
    rng = random.Random(2)
    w1, b1, p1 = kernel(2, 1, 3, rng)
    w2, b2, p2 = kernel(3, 2, 3, rng)
    head = [Value(rng.uniform(-1, 1)) for _ in range(12)]

    def fn(*pixels):
        h = pool2d(each(conv2d(image_of(pixels, 1, 8), w1, b1, padding=1), Value.relu), 2, maximum)
        h = pool2d(each(conv2d(h, w2, b2, padding=1), Value.relu), 2, mean)
        return linear(head, flat(h)).sigmoid()

    compiled = replay_agrees(fn, p1 + p2 + head, images(5, 64))
    source = compiled.batch_source
    assert fused(source) == [(2, 64, 9), (3, 16, 18), (1, 1, 12)]
    # Forward: three products; backward: ∂L/∂W of each, ∂L/∂X of the second convolution and of
    # the head (one node: a column times a row, a plain product).
    assert products(source) == 3 + 3 + 1
    assert "take(z" in source  # windows and pooling picked from a group's matrix
    assert "gathered_sums(" in source  # and their gradients summed back


def test_max_pooling_at_ties_replays_as_eager(replay_agrees):
    weight, bias, params = kernel(1, 1, 2, random.Random(3))

    def fn(*pixels):
        maps = conv2d(image_of(pixels, 1, 5), weight, bias)
        return total(flat(pool2d(maps, 2, maximum)))

    # Equal pixels make every window of a pooling region equal.
    replay_agrees(fn, params, [[0.5] * 25, [0.0] * 25, images(1, 25)[0]])


# -- what a replay cannot merge --------------------------------------------------------------
def test_kernels_that_would_need_each_other_replay_window_by_window(replay_agrees):
    """Kernel one at window a and at window b; kernel two at window a' (reading a's output) and
    at window b' (whose output b reads): merged, each kernel would need the other."""
    rng = random.Random(4)
    first = [Value(rng.uniform(-1, 1)) for _ in range(2)]
    second = [Value(rng.uniform(-1, 1)) for _ in range(2)]

    def fn(x0, x1, x2, x3):
        a = linear(first, [x0, x1]).tanh()
        a2 = linear(second, [a, x2])
        b2 = linear(second, [x2, x3]).tanh()
        b = linear(first, [b2, x0])
        return a2 * b

    compiled = replay_agrees(fn, first + second, images(3, 4))
    assert all(windows == 1 for _, windows, _ in fused(compiled.batch_source))


# -- recurrent steps -------------------------------------------------------------------------
def test_the_gates_of_each_recurrent_step_are_one_matrix_product(replay_agrees):
    """An LSTM-like step: four gates of two units, each a linear node on [x_t, h_{t-1}]. A step's
    eight nodes share their inputs (one fused layer); the steps share the weights but need each
    other, so each step is a product of its own."""
    rng = random.Random(5)
    hidden, steps = 2, 3
    rows = [[Value(rng.uniform(-1, 1)) for _ in range(1 + hidden)] for _ in range(4 * hidden)]
    biases = [Value(rng.uniform(-1, 1)) for _ in range(4 * hidden)]

    def fn(*xs):
        h = [Value(0.0)] * hidden
        c = [Value(0.0)] * hidden
        for x in xs:
            z = [linear(row, [x, *h], b) for row, b in zip(rows, biases, strict=True)]
            i, f, g, o = (z[k * hidden : (k + 1) * hidden] for k in range(4))
            c = [fj.sigmoid() * cj + ij.sigmoid() * gj.tanh()
                 for ij, fj, gj, cj in zip(i, f, g, c, strict=True)]  # fmt: skip
            h = [oj.sigmoid() * cj.tanh() for oj, cj in zip(o, c, strict=True)]
        return total(h)

    params = [w for row in rows for w in row] + biases
    compiled = replay_agrees(fn, params, images(4, steps))
    assert fused(compiled.batch_source) == [(8, 1, 3)] * steps


def test_input_projections_of_every_step_are_one_matrix_product(replay_agrees):
    """PyTorch's form h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh): the input projections
    of all steps need no step before them, so they are one kernel over the steps."""
    rng = random.Random(6)
    hidden, steps, features = 3, 4, 2
    w_ih = [[Value(rng.uniform(-1, 1)) for _ in range(features)] for _ in range(hidden)]
    w_hh = [[Value(rng.uniform(-1, 1)) for _ in range(hidden)] for _ in range(hidden)]
    b_ih = [Value(rng.uniform(-1, 1)) for _ in range(hidden)]

    def fn(*xs):
        h = [Value(0.0)] * hidden
        for t in range(steps):
            x = xs[t * features : (t + 1) * features]
            projected = [linear(w, x, b) for w, b in zip(w_ih, b_ih, strict=True)]
            h = [(p + linear(w, h)).tanh() for p, w in zip(projected, w_hh, strict=True)]
        return total(h)

    params = [w for row in w_ih + w_hh for w in row] + b_ih
    compiled = replay_agrees(fn, params, images(3, steps * features))
    layers = fused(compiled.batch_source)
    assert (hidden, steps, features) in layers


# -- property tests: random small convnets ---------------------------------------------------
@st.composite
def convnets(draw):
    """A random small convolutional net: one or two convolutions (random channels, kernel,
    stride, padding, bias, padded or cut windows), each with an activation and maybe a pooling,
    then a linear head and a loss; its parameters in a random order; a batch of images."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    channels, size = draw(st.integers(1, 2)), draw(st.integers(3, 6))
    layers, params = [], []
    c, s = channels, size
    for _ in range(draw(st.integers(1, 2))):
        k = draw(st.integers(1, min(3, s)))
        padding = draw(st.integers(0, min(1, k - 1)))
        stride = draw(st.integers(1, 2))
        out = draw(st.integers(1, 3))
        weight, bias, p = kernel(out, c, k, rng)
        if not draw(st.booleans()):
            bias, p = None, p[:-out]
        params += p
        s = (s + 2 * padding - k) // stride + 1
        pool = draw(st.sampled_from([None, maximum, mean])) if s >= 2 else None
        activation = draw(st.sampled_from([Value.relu, Value.tanh, abs, lambda v: v * v]))
        layers.append((weight, bias, stride, padding, draw(st.booleans()), activation, pool))
        c, s = out, s // 2 if pool else s
    head = [Value(rng.uniform(-1, 1)) for _ in range(c * s * s)]
    params += head
    params = draw(st.permutations(params))
    loss = draw(st.sampled_from(["square", "softplus"]))

    def fn(*pixels):
        h = image_of(pixels, channels, size)
        for weight, bias, stride, padding, cut, activation, pool in layers:
            h = each(conv2d(h, weight, bias, stride, padding, cut), activation)
            if pool is not None:
                h = pool2d(h, 2, pool)
        score = linear(head, flat(h))
        return (score - pixels[0]) ** 2 if loss == "square" else score.softplus()

    pixel = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
    batch = st.lists(st.lists(pixel, min_size=channels * size * size,
                              max_size=channels * size * size), min_size=1, max_size=4)  # fmt: skip
    return fn, list(params), draw(batch)


@given(convnets())
def test_batch_replays_of_random_convnets_agree_with_eager(replay_agrees, convnet):
    fn, params, rows = convnet
    replay_agrees(fn, params, rows)


@pytest.mark.parametrize("cut", [False, True])
def test_every_convolution_of_a_convnet_is_fused(replay_agrees, cut):
    rng = random.Random(7)
    w1, b1, p1 = kernel(3, 2, 2, rng)
    w2, _, p2 = kernel(2, 3, 3, rng)

    def fn(*pixels):
        h = each(conv2d(image_of(pixels, 2, 5), w1, b1, stride=2, padding=1, cut=cut), abs)
        return total(flat(conv2d(h, w2, None, padding=1, cut=cut)))

    compiled = replay_agrees(fn, p1 + p2[:-2], images(2, 50))
    assert fused(compiled.batch_source) == [(3, 9, 8), (2, 9, 27)]


# -- nn's modules ----------------------------------------------------------------------------
@pytest.mark.parametrize("pool", [nn.MaxPool2d, nn.AvgPool2d])
def test_a_convnet_of_nn_modules_is_one_product_per_layer(replay_agrees, pool):
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1, seed=0),
        nn.ReLU(),
        pool(2),
        nn.Conv2d(3, 4, 2, seed=1),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(16, 2, seed=2),
    )

    def fn(*inputs):
        log_probs = log_softmax(model(image_of(inputs[:36], 1, 6)))
        return -log_probs[0] * inputs[36] - log_probs[1] * (1.0 - inputs[36])

    rows = [[*pixels, float(i % 2)] for i, pixels in enumerate(images(4, 36))]
    compiled = replay_agrees(fn, model.parameters(), rows)
    # 3 channels × 36 positions, 4 × 4 (a 3 × 3 image pooled, 2 × 2 windows), and the head.
    assert fused(compiled.batch_source) == [(3, 36, 9), (4, 4, 12), (2, 1, 16)]

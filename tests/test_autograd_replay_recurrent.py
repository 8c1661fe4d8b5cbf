"""The batch replay of a recurrent net: each step's gates are one matrix product on
[x_t, h_{t−1}] and, as blocks of that product's rows, array operations on slices of it; the
steps share one weight matrix; results are the eager engine's."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value, linear, total

HIDDEN = 3


def lstm_loss(steps):
    """An LSTM and a linear head on one sequence of ``steps`` pairs, its squared error against
    the last input; the model's parameters; a batch of rows."""
    model = nn.RecurrentRegressor("lstm", 2, HIDDEN, seed=0)

    def loss(*numbers):
        sequence = [list(numbers[2 * t : 2 * t + 2]) for t in range(steps)]
        return (model(sequence) - numbers[-1]) ** 2

    rng = random.Random(3)
    rows = [[rng.uniform(0.0, 1.0) for _ in range(2 * steps + 1)] for _ in range(5)]
    return loss, model.parameters(), rows


def calls(source, name):
    return len(re.findall(rf"\b{name}\(", source))


@pytest.fixture(scope="module")
def sources(replay_agrees):
    """The batch sources for 4 and 8 steps, each checked against the eager engine."""
    return {steps: replay_agrees(*lstm_loss(steps)).batch_source for steps in (4, 8)}


def test_each_gate_is_a_slice_of_its_step_s_product(sources):
    """The product's rows are put in the order the gates' ops read them, i, f, o, then g: the
    sigmoid reads the block [0, 3H) of its step's product and the tanh [3H, 4H); i, f and o are
    blocks of the sigmoid's. Nothing is picked: each step's inputs are its slot of one
    buffer (see the buffer's test)."""
    source = sources[4]
    blocks = [(0, 3), (3, 4), (0, 1), (1, 2), (2, 3)]  # the sigmoid's, the tanh's; i, f, o
    for start, stop in blocks:
        block = rf"\[:, {start * HIDDEN}:{stop * HIDDEN}\]"
        assert len(re.findall(rf"= z\d+{block}$", source, re.MULTILINE)) == 4
    assert calls(source, "take") == calls(source, "columns") == 0
    # Backward, each step's gates' gradients side by side in one concatenation (i, f, o, g: the
    # sigmoid's blocks handed on to the product's, whose tanh takes the chain rule); nothing
    # scattered.
    assert len(re.findall(r"^    dz\d+ = concatenate\(", source, re.MULTILINE)) == 4
    assert calls(source, "gathered_sums") == calls(source, "placed") == 0


def test_the_steps_share_one_weight_matrix_and_one_bias_vector(sources):
    for source in sources.values():
        assert len(re.findall(r"^    w\d+ = ", source, re.MULTILINE)) == 2  # the LSTM's, the head's
        assert len(re.findall(r"^    b\d+ = ", source, re.MULTILINE)) == 2


def test_a_step_is_a_few_dozen_lines(sources):
    """Each step more costs the same lines: its product, the gates' array operations and their
    chain rule (no line per gate row or per bias)."""

    def lines(source):
        return [line for line in source.splitlines() if not line.startswith("    del ")]

    per_step = (len(lines(sources[8])) - len(lines(sources[4]))) / 4
    assert per_step <= 32


def test_the_steps_weights_get_their_gradient_from_one_product_of_the_stacked_steps(sources):
    """Σₜ ∂L/∂Zₜᵀ [Xₜ 1] as one product of the steps' rows stacked with the whole buffer of
    their inputs, the biases' gradient its last column: no product or bias sum per step (the
    head's layer keeps its own)."""
    for steps, source in sources.items():
        stacked = re.findall(r"^    dzs\d+ = concatenate\(\[(.*)\]\)$", source, re.MULTILINE)
        assert len(stacked) == 1 and len(stacked[0].split(", ")) == steps
        inputs = re.findall(r"^    (xs\d+) = (A\d+)\.reshape\(-1, (\d+)\)$", source, re.MULTILINE)
        assert len(inputs) == 1 and inputs[0][2] == str(2 + HIDDEN + 1)  # x_t, h_{t−1}, 1
        # Each row scaled by its scale squared: ¼ for the sigmoid's (see the tanh test below).
        stacked_product = rf"^    dwos\d+ = \(dzs\d+\.T @ {inputs[0][0]}\) \* INDEX\d+\[:, None\]$"
        assert len(re.findall(stacked_product, source, re.MULTILINE)) == 1
        assert len(re.findall(r"^    dbs\d+ = dwos\d+\[:, \d+\]$", source, re.MULTILINE)) == 1
        assert len(re.findall(r"^    dw\d+ = ", source, re.MULTILINE)) == 1
        assert calls(source, "column_sums") == 1


def test_a_step_s_product_is_written_in_column_order(sources):
    """Z = (W Xᵀ)ᵀ and ∂L/∂X = (Wᵀ ∂L/∂Zᵀ)ᵀ: matrices in column order, whose gate blocks of
    columns are contiguous; taking columns and writing them keeps that order."""
    import numpy as np

    from autograd.replay.runtime import array_namespace

    source = sources[4]
    assert len(re.findall(r"= \(wo\d+ @ A\d+\[\d\]\.T\)\.T$", source, re.MULTILINE)) == 4
    # ∂L/∂h_{t−1} alone: the product with W's columns for h, not x_t's or the bias's.
    assert len(re.findall(r"^    wn\d+ = wb\d+\[:, 2:5\]$", source, re.MULTILINE)) == 1
    backward = re.findall(r"= \(wn\d+\.T @ e\d+\.T\)\.T$", source, re.MULTILINE)
    assert len(backward) == 4 - 1  # not the first step's: x₁ and h₀ need no gradient
    runtime = array_namespace()
    matrix = np.asfortranarray(np.arange(24.0).reshape(4, 6))
    taken = runtime["take"](matrix, np.array([0, 1, 4, 5]), 1)
    assert taken.flags.f_contiguous and taken.tolist() == matrix[:, [0, 1, 4, 5]].tolist()
    assert (
        runtime["take"](matrix.copy(), np.array([2, 0]), 1).tolist() == matrix[:, [2, 0]].tolist()
    )
    columns = runtime["columns"](np.array([1.0, 2.0]), 0.5, np.array([3.0, 4.0]))
    assert columns.flags.f_contiguous and columns.tolist() == [[1.0, 0.5, 3.0], [2.0, 0.5, 4.0]]


def test_the_steps_inputs_are_one_buffer_written_once(sources):
    """Every step's inputs [x_t, h_{t−1}, 1] are a slot of one array: the sequence's numbers
    written for all steps by one assignment, the zero state and the ones once, and each h_t
    copied in once, as it is computed; no step puts its inputs side by side."""
    for steps, source in sources.items():
        made = re.findall(
            r"^    (A\d+) = empty\(\((\d+), len\(x0\), (\d+)\)\)$", source, re.MULTILINE
        )
        assert made == [("A0", str(steps), str(2 + HIDDEN + 1))]
        assert len(re.findall(r"^    A0\[:, :, 0:2\] = array\(", source, re.MULTILINE)) == 1
        assert len(re.findall(r"^    A0\[:, :, 5\] = 1\.0$", source, re.MULTILINE)) == 1
        assert len(re.findall(r"^    A0\[0, :, 2:5\] = \(0\.0, ", source, re.MULTILINE)) == 1
        copies = re.findall(r"^    A0\[(\d+), :, 2:5\] = z\d+$", source, re.MULTILINE)
        assert copies == [str(t) for t in range(1, steps)]
        forward = source.split("chain rule")[0]
        assert calls(forward, "concatenate") == 1  # the bias as the weights' last column


def test_each_step_s_gates_are_one_tanh_of_its_product(sources):
    """The gates are one tanh over the step's product, the sigmoid's rows halved
    (σ(z) = (1 + tanh(z/2))/2), and their chain rule one in-place tanh term over it; the cell's
    tanh has its own: two per step, no sigmoid."""
    for steps, source in sources.items():
        assert len(re.findall(r"^    tanh\((z\d+), out=\1\)$", source, re.MULTILINE)) == steps
        assert calls(source, "sigmoid_from_tanh") == steps
        assert calls(source, "sigmoid") == calls(source, "sigmoid_chain") == 0
        assert calls(source, "tanh_chain") == 2 * steps
        assert "(1.0 - " not in source


# -- property test: random cells over time, their inputs put together in many ways -----------
@st.composite
def recurrences(draw):
    """A cell of shared weights stepped over a sequence, whose inputs at each step are a random
    mix, in a random order (the first step's possibly another): the step's numbers, the state
    (all of it in order, or with one member computed apart), a parameter and a constant; the
    state starting as zeros or as parameters. Its loss, parameters and a batch of rows."""
    steps, n_inputs, hidden = (
        draw(st.integers(2, 4)),
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
    )
    number = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)
    kinds = ["state", *(["x"] * n_inputs), *draw(st.lists(st.sampled_from(["p", "c"]), max_size=2))]
    width = len(kinds) - 1 + hidden
    first_order = draw(st.permutations(range(len(kinds))))
    order = draw(st.permutations(range(len(kinds)))) if draw(st.booleans()) else first_order
    weights = [[Value(draw(number)) for _ in range(width)] for _ in range(hidden)]
    biases = [Value(draw(number)) if draw(st.booleans()) else 0.0 for _ in range(hidden)]
    extra, scale = Value(draw(number)), Value(draw(number))
    start = [Value(draw(number)) for _ in range(hidden)] if draw(st.booleans()) else None
    apart = draw(st.booleans())  # the state's first member computed apart from the others
    activation = draw(st.sampled_from(["tanh", "sigmoid", "relu"]))
    params = [w for row in weights for w in row] + [b for b in biases if isinstance(b, Value)]
    params += [extra, scale, *(start or [])]

    def fn(*numbers):
        h = list(start) if start is not None else [0.0] * hidden
        for t in range(steps):
            xs = list(numbers[t * n_inputs : (t + 1) * n_inputs])
            parts = {"state": h, "p": [extra], "c": [0.5]}
            window = []
            for k in order if t else first_order:
                kind = kinds[k]
                window += [xs.pop(0)] if kind == "x" else parts[kind]
            h = [
                getattr(linear(row, window, b), activation)()
                for row, b in zip(weights, biases, strict=True)
            ]
            if apart:
                h[0] = h[0] * scale
        return (total(h) - numbers[-1]) ** 2

    coordinate = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
    rows = draw(st.lists(st.tuples(*[coordinate] * (steps * n_inputs + 1)), min_size=1, max_size=5))
    return fn, params, [list(r) for r in rows]


def assert_each_buffer_cell_written_once(source):
    """Every column of every slot of each buffer is written exactly once: by an assignment to
    all slots, or to one."""
    from collections import Counter

    written: Counter[tuple[str, int, int]] = Counter()
    for name, slots, columns in re.findall(
        r"^    (A\d+) = empty\(\((\d+), \S+, (\d+)\)\)$", source, re.M
    ):
        expected = {(name, t, c) for t in range(int(slots)) for c in range(int(columns))}
        for slot, start, stop in re.findall(
            rf"^    {name}\[(\d+|:), :, (\d+)(?::(\d+))?\] = ", source, re.M
        ):
            steps = range(int(slots)) if slot == ":" else [int(slot)]
            span = range(int(start), int(stop or int(start) + 1))
            written.update((name, t, c) for t in steps for c in span)
        assert set(written) >= expected and all(written[cell] == 1 for cell in expected)


@given(recurrences())
def test_batch_replays_of_random_recurrences_agree_with_eager(replay_agrees, recurrence):
    """The loss and gradients, and the outputs alone (the forward pass without gradients)."""
    import numpy as np

    compiled = replay_agrees(*recurrence)
    assert "= empty((" in compiled.batch_source  # the steps' inputs are one buffer
    assert_each_buffer_cell_written_once(compiled.batch_source)
    fn, _, rows = recurrence
    outputs = compiled.evaluate(*[np.array(column) for column in zip(*rows, strict=True)])
    for row, output in zip(rows, outputs, strict=True):
        assert output == pytest.approx(fn(*row).data, rel=1e-9, abs=1e-12)

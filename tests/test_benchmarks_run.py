"""The benchmarks compare like with like: every contestant does the same work."""

from __future__ import annotations

import pytest

from benchmarks import adding, arrays, digits, fastest, floats, replay, report


def test_every_moons_step_computes_the_same_losses_from_the_same_weights():
    steps = [replay.one_at_a_time(), replay.whole_batch(), floats.step(), arrays.step()]
    first = [step() for step in steps]
    second = [step() for step in steps]  # after one update: the same updates too
    assert first == pytest.approx([first[0]] * len(steps), rel=1e-12)
    assert second == pytest.approx([second[0]] * len(steps), rel=1e-12)


@pytest.fixture
def one_torch_thread():
    """PyTorch on one thread, as the benchmark runs it: its threads wait for each other on a
    busy machine (seconds for a step of milliseconds)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_every_digits_cnn_step_computes_the_same_losses_from_the_same_weights(one_torch_thread):
    steps = [setup() for setup in digits.steps(include_torch=True).values()]
    first = [step() for step in steps]
    second = [step() for step in steps]  # after one update: the same updates too
    assert first == pytest.approx([first[0]] * len(steps), rel=1e-12)
    assert second == pytest.approx([second[0]] * len(steps), rel=1e-12)
    assert second[0] < first[0]  # a step that learns


def test_the_fastest_autograd_graph_has_the_same_gradients_eager_and_compiled():
    ops = 203  # ends with a softmax
    eager = fastest.chainrule_eager(ops)()
    compiled, seconds = fastest.chainrule_compiled(ops)
    assert compiled() == pytest.approx(eager, rel=1e-12)
    assert seconds > 0.0


def test_the_number_of_ops_for_a_graph_size_gives_about_that_many_nodes():
    nodes = fastest.graph_nodes(fastest.ops_for_nodes(5_000))
    assert 4_500 < nodes < 5_500


def test_the_adding_problem_s_lstm_step_is_timed_for_both_libraries_and_reported(
    one_torch_thread,
):
    row = adding.per_step_cpu(4, 3)
    assert row["chainrule"] > 0.0 and row["torch"] > 0.0 and row["first_step"] > 0.0
    assert row["numpy"] > 0.0
    results = {"adding": {**row, "steps": 3}}
    goal = next(g for g in report.goals(results) if g["goal"].startswith("adding problem"))
    assert goal["measured"] == row["chainrule"] / row["torch"]
    assert goal["met"] == (row["chainrule"] <= row["torch"])
    section = "\n".join(report._adding_section(results))
    assert f"| PyTorch nn.LSTM (float32, one thread) | {row['torch'] * 1e3:.2f} ms |" in section
    assert f"chainrule ÷ NumPy by hand: {row['chainrule'] / row['numpy']:.2f}×" in section

"""The benchmarks compare like with like: every contestant does the same work."""

from __future__ import annotations

import pytest

from benchmarks import arrays, digits, fastest, floats, replay


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

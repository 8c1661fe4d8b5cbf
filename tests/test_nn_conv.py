"""Conv2d, MaxPool2d and AvgPool2d: PyTorch's outputs and gradients (float64, copied weights),
a kernel's gradient as the sum over the places it visited, ties in max pooling, shapes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value, total

Agrees = Callable[..., None]


def image(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


# -- against PyTorch (float64, copied weights) --------------------------------------------------
@pytest.mark.parametrize(
    ("kernel", "stride", "padding"), [(3, 1, 0), (3, 2, 1), ((2, 3), (2, 1), (1, 0))]
)
def test_conv2d_matches_torch(agrees_with_torch: Agrees, kernel, stride, padding):
    ours = nn.Conv2d(2, 3, kernel, stride=stride, padding=padding)
    theirs = torch.nn.Conv2d(2, 3, kernel, stride=stride, padding=padding)
    agrees_with_torch(ours, theirs, image(2, 6, 5))


def test_conv2d_without_bias_matches_torch(agrees_with_torch: Agrees):
    ours = nn.Conv2d(1, 2, 2, bias=False)
    agrees_with_torch(ours, torch.nn.Conv2d(1, 2, 2, bias=False), image(1, 4, 4))


@pytest.mark.parametrize(("kernel", "stride"), [(2, None), (3, 1), ((2, 3), (1, 2))])
@pytest.mark.parametrize("pool", ["MaxPool2d", "AvgPool2d"])
def test_pooling_after_a_convolution_matches_torch(agrees_with_torch: Agrees, pool, kernel, stride):
    ours = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), getattr(nn, pool)(kernel, stride))
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3, padding=1), getattr(torch.nn, pool)(kernel, stride)
    )
    agrees_with_torch(ours, theirs, image(1, 6, 7, seed=4))


def test_small_cnn_matches_torch(agrees_with_torch: Agrees):
    ours = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(2, 3, 3, padding=1), nn.Tanh(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(12, 4),
    )  # fmt: skip
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.Tanh(), torch.nn.AvgPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(12, 4),
    )  # fmt: skip
    agrees_with_torch(ours, theirs, image(1, 8, 8, seed=5))


@given(
    channels=st.integers(1, 2),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.tuples(st.integers(0, 1), st.integers(0, 1)),
    size=st.tuples(st.integers(3, 5), st.integers(3, 5)),
    seed=st.integers(0, 2**16),
)
def test_any_small_convolution_matches_torch(channels, kernel, stride, padding, size, seed):
    ours = nn.Conv2d(channels, 2, kernel, stride=stride, padding=padding, seed=seed)
    theirs = torch.nn.Conv2d(channels, 2, kernel, stride=stride, padding=padding).double()
    ours.load_state_dict(theirs.state_dict())
    x = image(channels, *size, seed=seed)
    expected = theirs(torch.tensor(x[None]))[0]
    expected.sum().backward()
    outputs = nn.shapes.flatten(ours(x))
    total(outputs).backward()
    assert np.allclose([v.data for v in outputs], expected.detach().ravel(), rtol=0, atol=1e-10)
    grads = nn.tensors.entries({k: p.grad for k, p in theirs.named_parameters()})
    for name, p in ours.named_parameters():
        assert p.grad == pytest.approx(float(grads[name]), abs=1e-10), name


# -- a kernel's gradient ------------------------------------------------------------------------
def test_each_output_is_one_linear_node_of_the_kernel_and_its_window():
    conv = nn.Conv2d(1, 1, 2, seed=0)
    out = conv([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
    kernel = [w for row in conv.weight[0][0] for w in row]
    node = out[0][1][0]
    assert node.op == "linear"
    assert list(node.inputs[:4]) == kernel
    assert [v.data for v in node.inputs[4:8]] == [4.0, 5.0, 7.0, 8.0]


def test_a_kernel_weights_gradient_is_the_sum_over_every_place_it_touched():
    x = image(1, 5, 5, seed=6)
    conv = nn.Conv2d(1, 1, 3, padding=1, seed=0)
    total(nn.shapes.flatten(conv(x))).backward()
    # With ∂L/∂y = 1 everywhere, ∂L/∂K[ky][kx] = Σ over places of the value under K[ky][kx].
    padded = np.pad(x[0], 1)
    for ky in range(3):
        for kx in range(3):
            expected = padded[ky : ky + 5, kx : kx + 5].sum()
            assert conv.weight[0][0][ky][kx].grad == pytest.approx(expected, abs=1e-12)


# -- pooling at ties ----------------------------------------------------------------------------
def test_max_pooling_at_a_tie_passes_the_gradient_to_the_first_as_torch_does():
    rows = [[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 0.0, 0.0], [5.0, 5.0, 5.0, 5.0], [5.0, 5.0, 1.0, 5.0]]
    xs = [[Value(v) for v in row] for row in rows]
    total(nn.shapes.flatten(nn.MaxPool2d(2, 1)([xs]))).backward()
    theirs = torch.tensor([[rows]], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.max_pool2d(theirs, 2, 1).sum().backward()
    assert [[v.grad for v in row] for row in xs] == theirs.grad[0, 0].tolist()


# -- shapes -----------------------------------------------------------------------------------
def test_a_conv2d_given_the_wrong_channels_names_expected_and_given():
    with pytest.raises(
        ValueError,
        match=r"Conv2d\(in_channels=3.* expects an image \[3\]\[H\]\[W\].* got \[1\]\[8\]\[8\]",
    ):
        nn.Conv2d(3, 4, 3)(image(1, 8, 8))


def test_a_kernel_larger_than_the_padded_image_is_refused():
    with pytest.raises(ValueError, match=r"H ≥ 3 and W ≥ 3, got \[1\]\[2\]\[5\]"):
        nn.Conv2d(1, 1, 5, padding=1)(image(1, 2, 5))


def test_a_cnn_whose_flatten_does_not_fit_its_linear_fails_before_any_node(monkeypatch):
    made: list[object] = []
    monkeypatch.setattr(nn.conv, "linear", lambda *args: made.append(args))
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(10, 3))
    with pytest.raises(ValueError, match=r"Linear\(in_features=10.* got \[8\]"):
        model(image(1, 6, 6))
    assert made == []


def test_output_shape_follows_torchs_formula():
    conv = nn.Conv2d(1, 4, (3, 2), stride=(2, 1), padding=(1, 0))
    assert conv.output_shape((1, 9, 6)) == (4, 5, 5)
    assert nn.MaxPool2d(3, 2).output_shape((4, 7, 8)) == (4, 3, 3)


# -- saving -----------------------------------------------------------------------------------
def test_a_cnn_saves_and_loads(tmp_path):
    model = nn.Sequential(
        nn.Conv2d(1, 2, (3, 2), stride=2, padding=1, seed=0), nn.ReLU(), nn.AvgPool2d(2, 1),
        nn.MaxPool2d(1), nn.Flatten(), nn.Linear(2 * 2 * 2, 3, seed=1),
    )  # fmt: skip
    nn.save(model, tmp_path / "cnn.json")
    loaded = nn.load(tmp_path / "cnn.json")
    x = image(1, 5, 4, seed=7)
    assert repr(loaded) == repr(model)
    assert [v.data for v in loaded(x)] == [v.data for v in model(x)]


# -- drawing ------------------------------------------------------------------------------------
def test_a_digits_cnn_draws_collapsed_into_one_card_per_layer_and_channel():
    from autograd import draw_graph

    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, seed=0), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, seed=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 10, seed=2),
    )  # fmt: skip
    loss = nn.cross_entropy(model(image(1, 8, 8, seed=8)), 3)
    source = draw_graph(loss, collapse_scopes=True, show_grad=False).source
    for scope in ("0: Conv2d", "channel 7", "2: MaxPool2d", "3: Conv2d", "channel 15", "7: Linear"):
        assert scope in source

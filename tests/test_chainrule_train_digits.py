"""``chainrule train --dataset digits`` (an MLP or a CNN) and ``chainrule predict`` on 64 pixels:
the files written, the model saved, and the mistakes refused in one line."""

from __future__ import annotations

import pytest

import nn
from chainrule.cli import main

PNG = b"\x89PNG\r\n\x1a\n"
PIXELS = [str(p) for p in nn.datasets.load_digits(flat=True)[0][0]]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def trained_cnn(tmp_path_factory):
    out = tmp_path_factory.mktemp("cnn")
    argv = ["train", "--dataset", "digits", "--model", "cnn", "--samples", "60", "--steps", "2"]
    assert main([*argv, "--compile", "--out", str(out)]) == 0
    return out


def test_a_digits_run_writes_the_model_curves_kernels_and_confusion_matrix(trained_cnn):
    assert sorted(p.name for p in trained_cnn.iterdir()) == [
        "confusion.png", "curves.png", "kernels.png", "model.json",
    ]  # fmt: skip
    for name in ("confusion.png", "curves.png", "kernels.png"):
        assert (trained_cnn / name).read_bytes().startswith(PNG)


def test_the_cnn_saved_starts_from_64_pixels_and_ends_in_10_scores(trained_cnn):
    model = nn.load(trained_cnn / "model.json")
    assert isinstance(model, nn.Sequential)
    assert model.output_shape((64,)) == (10,)
    assert any(isinstance(module, nn.Conv2d) for module in model)


def test_predict_takes_the_64_pixels_of_a_digit(trained_cnn, capsys):
    code, printed, _ = run(capsys, "predict", "--model", str(trained_cnn / "model.json"), *PIXELS)
    assert code == 0
    scores, label = printed.splitlines()
    assert len(scores.split()) == 1 + 10
    assert label.split()[0] == "label" and 0 <= int(label.split()[1]) <= 9


def test_predict_with_too_few_pixels_names_the_shape(trained_cnn, capsys):
    code, _, err = run(capsys, "predict", "--model", str(trained_cnn / "model.json"), "0.5", "1")
    assert code == 2
    assert "expects [64]… at dimension 0, got [2]" in err
    assert err.count("\n") == 1


def test_an_mlp_on_digits_trains_eagerly(tmp_path, capsys):
    argv = ["--samples", "40", "--steps", "2", "--hidden", "4", "--out", str(tmp_path)]
    code, printed, _ = run(capsys, "train", "--dataset", "digits", *argv)
    assert code == 0
    assert "cross_entropy loss and adam" in printed
    model = nn.load(tmp_path / "model.json")
    assert isinstance(model, nn.MLP) and model.nin == 64 and model.nouts == [4, 10]
    assert (tmp_path / "kernels.png").read_bytes().startswith(PNG)


def test_a_cnn_needs_the_digits(tmp_path, capsys):
    code, printed, err = run(capsys, "train", "--model", "cnn", "--out", str(tmp_path))
    assert code == 2
    assert err == "chainrule: error: --model cnn takes images: use it with --dataset digits\n"
    assert printed == ""

"""``chainrule train --dataset adding``: a recurrent network on the adding problem from the
command line, what it prints and writes, and its bad input."""

from __future__ import annotations

import pytest

import nn
from chainrule.cli import main

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_train_on_the_adding_problem_prints_the_test_mse_and_writes_the_model_and_curves(
    model, tmp_path, capsys
):
    argv = ["train", "--dataset", "adding", "--model", model, "--length", "6", "--steps", "3"]
    code = main([*argv, "--sequences", "40", "--hidden-size", "3", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "test MSE " in printed and "(always predicting 1.0: 0.1667)" in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.png", "model.json"]
    assert (tmp_path / "curves.png").read_bytes().startswith(PNG)
    saved = nn.load(tmp_path / "model.json")
    assert isinstance(saved, nn.RecurrentRegressor) and saved.cell == model
    assert saved.rnn.hidden_size == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "adding"], "--dataset adding needs a recurrent --model (rnn, lstm or gru)"),
        (["--model", "gru"], "--model gru is for --dataset adding"),
        (["--dataset", "adding", "--model", "rnn", "--length", "1"], "--length"),
        (["--dataset", "adding", "--model", "rnn", "--clip", "0"], "--clip"),
    ],
)
def test_bad_sequence_settings_are_one_line_and_exit_2(argv, message, tmp_path, capsys):
    assert main(["train", *argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()

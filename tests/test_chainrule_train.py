"""``chainrule train`` and ``chainrule predict``: what they print and write, that the defaults
learn the moons, and that every bad input is one clear line on stderr with exit code 2."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule.train
import nn
import nn.pictures
from autograd import Compiled, Value
from chainrule.cli import main
from nn import datasets

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A quick run (few points, few steps) and what it printed."""
    out = tmp_path_factory.mktemp("run")
    code = main(["train", "--samples", "60", "--steps", "20", "--hidden", "8", "--out", str(out)])
    return code, out


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- train ------------------------------------------------------------------------------------
def test_train_exits_0_and_writes_the_model_and_two_pictures(trained):
    code, out = trained
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "curves.png",
        "decision_boundary.png",
        "model.json",
    ]
    assert (out / "curves.png").read_bytes().startswith(PNG)
    assert (out / "decision_boundary.png").read_bytes().startswith(PNG)


def test_train_saves_the_model_it_describes(trained):
    _, out = trained
    model = nn.load(out / "model.json")
    assert isinstance(model, nn.MLP)
    assert model.nouts == [8, 1]


def test_train_prints_progress_and_final_accuracies(tmp_path, capsys):
    code, printed, _ = run(
        capsys, "train", "--samples", "40", "--steps", "10", "--hidden", "4", "--out", str(tmp_path)
    )
    assert code == 0
    assert "step  1/10" in printed
    assert "step 10/10" in printed
    assert "train accuracy" in printed
    assert "test accuracy" in printed
    assert str(tmp_path / "model.json") in printed


def test_defaults_classify_unseen_moons_at_95_percent(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path)]) == 0
    model = nn.load(tmp_path / "model.json")
    x, y = datasets.make_moons(400, noise=0.1, seed=12345)
    assert nn.accuracy(model, x, y) >= 0.95
    assert "test accuracy" in capsys.readouterr().out


def test_train_takes_every_choice(tmp_path, capsys):
    code, _, _ = run(
        capsys,
        "train",
        "--dataset",
        "blobs",
        "--classes",
        "3",
        "--loss",
        "cross_entropy",
        "--optimizer",
        "adam",
        "--activation",
        "tanh",
        "--init",
        "xavier",
        "--schedule",
        "cosine",
        "--samples",
        "30",
        "--steps",
        "3",
        "--batch-size",
        "8",
        "--hidden",
        "4,4",
        "--lr",
        "0.1",
        "--l2",
        "0",
        "--noise",
        "0.2",
        "--test-fraction",
        "0.2",
        "--seed",
        "3",
        "--out",
        str(tmp_path),
    )
    assert code == 0
    assert nn.load(tmp_path / "model.json").nouts == [4, 4, 3]


@pytest.fixture
def training(monkeypatch):
    """What ``chainrule train`` hands to ``fit``: the model's initial weights, the optimizer,
    the learning rate of each step it takes, and the other settings."""
    seen: dict = {"rates": []}
    fit = chainrule.train.fit

    def spy(model, x, y, *, optimizer, **settings):
        seen.update(settings, optimizer=optimizer, initial=[p.data for p in model.parameters()])
        step = optimizer.step

        def recorded():
            seen["rates"].append(optimizer.learning_rate)
            step()

        optimizer.step = recorded
        return fit(model, x, y, optimizer=optimizer, **settings)

    monkeypatch.setattr(chainrule.train, "fit", spy)
    # The pictures take most of a run's time and are tested on their own.
    monkeypatch.setattr(nn.pictures, "curves_png", lambda history: PNG)
    monkeypatch.setattr(nn.pictures, "decision_boundary_png", lambda *args, **kwargs: PNG)
    return seen


def train(capsys, tmp_path, *choices: str) -> None:
    code, _, err = run(
        capsys, "train", "--samples", "20", "--hidden", "64", "--out", str(tmp_path), *choices
    )
    assert (code, err) == (0, "")


@pytest.mark.parametrize(
    ("name", "kind", "lr"),
    [("sgd", nn.SGD, 1.0), ("rmsprop", nn.RMSprop, 0.01), ("adam", nn.Adam, 0.05)],
)
def test_the_optimizer_chosen_is_the_one_that_trains(tmp_path, capsys, training, name, kind, lr):
    train(capsys, tmp_path, "--optimizer", name, "--schedule", "constant", "--steps", "2")
    assert type(training["optimizer"]) is kind
    assert training["rates"] == [lr, lr]  # its own default learning rate, at every step
    train(
        capsys,
        tmp_path,
        "--optimizer",
        name,
        "--lr",
        "0.125",
        "--schedule",
        "constant",
        "--steps",
        "1",
    )
    assert training["rates"][-1] == 0.125


SCHEDULED = {  # η_t for --lr 0.2 over 4 steps, t = 0 … 3, from each schedule's formula
    "constant": [0.2] * 4,
    "linear": [0.2 - 0.18 * t / 4 for t in range(4)],
    "exponential": [0.2 * 0.1 ** (t / 4) for t in range(4)],
    "cosine": [0.02 + 0.09 * (1 + math.cos(math.pi * t / 4)) for t in range(4)],
    "step": [0.2, 0.1, 0.05, 0.025],  # halved every steps // 4 = 1 step
}


@pytest.mark.parametrize("schedule", sorted(SCHEDULED))
def test_the_schedule_chosen_sets_the_learning_rate_of_each_step(
    tmp_path, capsys, training, schedule
):
    train(capsys, tmp_path, "--schedule", schedule, "--lr", "0.2", "--steps", "4")
    assert training["rates"] == pytest.approx(SCHEDULED[schedule], rel=1e-12)


@pytest.mark.parametrize(
    ("scheme", "largest"),
    [("uniform", 1.0), ("xavier", math.sqrt(6 / (2 + 64))), ("he", math.inf)],
)
def test_the_initialisation_chosen_sets_the_initial_weights(
    tmp_path, capsys, training, scheme, largest
):
    train(capsys, tmp_path, "--init", scheme, "--steps", "1", "--seed", "5")
    first_layer = training["initial"][: 64 * 3]  # 64 neurons, each 2 weights and a bias
    weights = [w for i, w in enumerate(first_layer) if i % 3 != 2]
    # The bound of the scheme (he draws from a normal of σ = √(2/2) = 1), reached closely.
    assert max(map(abs, weights)) <= largest
    assert max(map(abs, weights)) > (0.9 * largest if largest < math.inf else 1.5)
    expected = nn.MLP(2, [64, 1], init=scheme, seed=5)
    assert training["initial"] == [p.data for p in expected.parameters()]


def test_the_l2_penalty_chosen_is_the_one_trained_with(tmp_path, capsys, training):
    train(capsys, tmp_path, "--l2", "0.375", "--steps", "1")
    assert training["l2"] == 0.375
    train(capsys, tmp_path, "--steps", "1")
    assert training["l2"] == 1e-4


def test_compile_replays_every_step_without_the_eager_engine(
    tmp_path, capsys, training, monkeypatch
):
    made = []  # Values made by each call of the compiled loss
    call = Compiled.loss_gradient_and_aux  # what a compiled training step calls

    def counted(self, *inputs, **options):
        before = Value.made
        result = call(self, *inputs, **options)
        made.append(Value.made - before)
        return result

    init = Value.__init__

    def counting_init(self, *args, **kwargs):
        Value.made += 1
        init(self, *args, **kwargs)

    monkeypatch.setattr(Value, "made", 0, raising=False)
    monkeypatch.setattr(Value, "__init__", counting_init)
    monkeypatch.setattr(Compiled, "loss_gradient_and_aux", counted)
    train(capsys, tmp_path, "--compile", "--steps", "3")
    assert training["compile"] is True
    assert len(made) == 3 and made[0] > 0  # the first step traces, building the graph once
    assert made[1:] == [0, 0]  # the others replay it


@pytest.mark.parametrize("schedule", ["constant", "step", "exponential", "linear", "cosine"])
@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
def test_every_optimizer_and_schedule_runs(tmp_path, capsys, optimizer, schedule):
    code, _, err = run(
        capsys,
        "train",
        "--optimizer",
        optimizer,
        "--schedule",
        schedule,
        "--samples",
        "20",
        "--steps",
        "2",
        "--hidden",
        "2",
        "--out",
        str(tmp_path),
    )
    assert (code, err) == (0, "")


# -- predict ----------------------------------------------------------------------------------
def test_predict_prints_the_output_and_its_label(trained, capsys):
    _, out = trained
    code, printed, _ = run(capsys, "predict", "--model", str(out / "model.json"), "0.5", "-0.3")
    model = nn.load(out / "model.json")
    score = model([0.5, -0.3]).data
    assert code == 0
    assert printed == f"output {score:.6g}\nlabel {int(score > 0)}\n"


def test_a_positive_score_means_label_1(tmp_path, capsys):
    model = nn.Neuron(2, activation="linear")
    model.load_state_dict({"w1": 1.0, "w2": 0.0, "b": 0.0})
    nn.save(model, tmp_path / "m.json")
    assert run(capsys, "predict", "--model", str(tmp_path / "m.json"), "2", "0")[1].endswith(
        "label 1\n"
    )
    assert run(capsys, "predict", "--model", str(tmp_path / "m.json"), "-2", "0")[1].endswith(
        "label 0\n"
    )


def test_predict_with_several_outputs_prints_each_and_the_largest_one_s_class(tmp_path, capsys):
    model = nn.Layer(1, 3, activation="linear")
    model.load_state_dict(
        {f"neuron{k}.{p}": v for k in (1, 2, 3) for p, v in (("w1", k), ("b", 0))}
    )
    nn.save(model, tmp_path / "m.json")
    assert run(capsys, "predict", "--model", str(tmp_path / "m.json"), "1")[1] == (
        "output 1 2 3\nlabel 2\n"
    )


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--dataset", "moon"], "invalid choice: 'moon'"),
        (["train", "--activation", "gelu"], "invalid choice: 'gelu'"),
        (["train", "--loss", "l3"], "invalid choice: 'l3'"),
        (["train", "--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
        (
            ["train", "--hidden", "16,0"],
            "--hidden: must be sizes separated by commas, like 16,16, each an integer from 1 to",
        ),
        (
            ["train", "--hidden", "16,x"],
            "like 16,16, each an integer from 1 to 250,000; got '16,x'",
        ),
        (["train", "--hidden", ""], "--hidden: must be sizes separated by commas"),
        (["train", "--steps", "0"], "--steps: must be an integer from 1 to 1,000,000, got '0'"),
        (["train", "--steps", "ten"], "--steps: must be an integer from 1 to 1,000,000, got 'ten'"),
        (
            ["train", "--batch-size", "-4"],
            "--batch-size: must be an integer from 1 to 10,000, got '-4'",
        ),
        (["train", "--samples", "0"], "--samples: must be an integer from 2 to 10,000, got '0'"),
        (["train", "--samples", "1"], "--samples: must be an integer from 2 to 10,000, got '1'"),
        (["train", "--lr", "fast"], "--lr: must be a finite number > 0, got 'fast'"),
        (["train", "--lr", "0"], "--lr: must be a finite number > 0, got '0'"),
        (["train", "--lr", "nan"], "--lr: must be a finite number > 0, got 'nan'"),
        (["train", "--noise", "-1"], "--noise: must be a number in [0, 10], got '-1'"),
        (["train", "--test-fraction", "1"], "--test-fraction: must be a number in (0, 1), got '1'"),
        (
            ["train", "--seed", "1.5"],
            "--seed: must be an integer from 0 to 18,446,744,073,709,551,615, got '1.5'",
        ),
        (["train", "--classes", "1"], "--classes: must be an integer from 2 to 100, got '1'"),
        (
            ["train", "--dataset", "moons", "--classes", "3", "--loss", "cross_entropy"],
            "the moons dataset has 2 classes, not 3",
        ),
        (
            ["train", "--dataset", "blobs", "--classes", "3"],
            "the hinge loss is for two classes; use cross_entropy for 3 classes",
        ),
        (["train", "--bogus"], "unrecognized arguments: --bogus"),
        (["predict", "1", "2"], "the following arguments are required: --model"),
        (["predict", "--model", "m.json"], "the following arguments are required: X"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line(capsys, tmp_path, argv, message):
    code, printed, err = run(
        capsys, *argv, *(["--out", str(tmp_path)] if argv[0] == "train" else [])
    )
    assert code == 2
    assert err.startswith("chainrule: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert printed == ""


def test_an_output_folder_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "taken").write_text("")
    code, _, err = run(capsys, "train", "--out", str(tmp_path / "taken"))
    assert code == 2
    assert "cannot use" in err and "as the output folder" in err


def model_file(tmp_path: Path, text: str | None) -> str:
    path = tmp_path / "model.json"
    if text is not None:
        path.write_text(text)
    return str(path)


def good_model_text() -> str:
    return json.dumps(
        {
            "format": "chainrule-model",
            "version": 1,
            "type": "Neuron",
            "config": {"nin": 2, "activation": "linear"},
            "parameters": {"w1": 1.0, "w2": 2.0, "b": 0.5},
        }
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "cannot read model file"),
        ("", "the file is empty"),
        (good_model_text()[:40], "not valid JSON, perhaps truncated"),
        ("[1, 2, 3]", "not a chainrule model"),
        (good_model_text().replace('"w2"', '"w9"'), "missing w2; unexpected w9"),
        (good_model_text().replace('"nin": 2', '"nin": 3'), "missing w3"),
    ],
)
def test_broken_model_files_exit_2_naming_the_file(tmp_path, capsys, text, message):
    path = model_file(tmp_path, text)
    code, printed, err = run(capsys, "predict", "--model", path, "1", "2")
    assert code == 2
    assert message in err
    assert path in err
    assert printed == ""


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (["1", "2", "3"], "Neuron expects 2 inputs, got 3"),
        (["1"], "Neuron expects 2 inputs, got 1"),
        (["1", "two"], "argument X: must be a finite number, got 'two'"),
        (["1", "inf"], "argument X: must be a finite number, got 'inf'"),
    ],
)
def test_bad_model_inputs_exit_2(tmp_path, capsys, inputs, message):
    code, _, err = run(
        capsys, "predict", "--model", model_file(tmp_path, good_model_text()), *inputs
    )
    assert code == 2
    assert message in err


def test_the_installed_command_reports_a_mistake_without_a_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "chainrule", "predict", "--model", str(tmp_path / "none.json"), "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("chainrule: error: cannot read model file")

"""Sizes: every command and API with a size limit states it, refuses above it in one line that
names it, and below it stays within reasonable memory for the largest input it allows."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.hostile import assert_one_clear_line, run_cli

import nn
from chainrule import draw, expression, train
from nn import datasets, layers, model_file, pictures

#: How far above a limit: just above, far above, beyond any float.
excess = st.one_of(st.integers(1, 10), st.integers(11, 10**6), st.integers(10**6, 10**400))

#: API limits: (the limit, a call with a size, the words the refusal uses).
API_LIMITS = {
    "MLP parameters": (
        layers.MAX_PARAMETERS // 3,
        lambda n: nn.MLP(2, [n]),
        "250,000",
    ),
    "Layer nout": (layers.MAX_PARAMETERS // 3, lambda n: nn.Layer(2, n), "250,000"),
    "Layer nin": (layers.MAX_PARAMETERS - 1, lambda n: nn.Layer(n, 1), "250,000"),
    "Neuron nin": (layers.MAX_PARAMETERS - 1, lambda n: nn.Neuron(n), "250,000"),
    "MLP layers": (layers.MAX_PARAMETERS // 2, lambda n: nn.MLP(1, [1] * min(n, 10**6)), "250,000"),
    "data set points": (datasets.MAX_SAMPLES, lambda n: datasets.make_moons(n), "100,000"),
    "data set classes": (
        datasets.MAX_CLASSES,
        lambda n: datasets.make_blobs(200, classes=n),
        "from 2 to 100",
    ),
    "noise": (int(datasets.MAX_NOISE), lambda n: datasets.make_xor(10, noise=n), "[0, 10]"),
    "picture resolution": (
        pictures.MAX_RESOLUTION,
        lambda n: pictures.decision_boundary_png(nn.Neuron(2), [[0.0, 0.0]], [0], resolution=n),
        "from 2 to 400",
    ),
}


@given(st.sampled_from(sorted(API_LIMITS)), excess)
def test_every_api_limit_refuses_above_it_in_one_line_naming_it(limit_name, above):
    limit, call, words = API_LIMITS[limit_name]
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as refused:
            call(limit + above)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert words in str(refused.value)
    assert_one_clear_line(str(refused.value))
    assert peak < 16 * 2**20  # refused before anything of that size is made


#: Command-line limits: (the option, its limit, the words the refusal uses).
CLI_LIMITS = {
    "train --samples": (train.MAX_TRAIN_SAMPLES, "from 2 to 10,000"),
    "train --classes": (datasets.MAX_CLASSES, "from 2 to 100"),
    "train --steps": (train.MAX_STEPS, "from 1 to 1,000,000"),
    "train --batch-size": (train.MAX_TRAIN_SAMPLES, "from 1 to 10,000"),
    "train --seed": (train.MAX_SEED, "from 0 to 18,446,744,073,709,551,615"),
    "train --hidden": (layers.MAX_PARAMETERS // 2 - 1, "250,000"),
    "train --noise": (int(datasets.MAX_NOISE), "[0, 10]"),
    "draw --max-nodes": (draw.MAX_NODES_ALLOWED, "from 1 to 10,000"),
}


@given(st.sampled_from(sorted(CLI_LIMITS)), excess)
def test_every_command_line_limit_refuses_above_it_in_one_line_naming_it(
    tmp_path_factory, option, above
):
    limit, words = CLI_LIMITS[option]
    command, flag = option.split()
    before = ["draw", "x", "x=1", "-o", "x.svg"] if command == "draw" else [command]
    # --hidden N,1 makes MLP(2, [N, 1, 1]): 4N + 3 parameters, above the limit for N > limit.
    value = f"{limit + above},1" if flag == "--hidden" else str(limit + above)
    out = tmp_path_factory.mktemp("out")
    code, printed, err = run_cli(
        *before, f"{flag}={value}", *(["--out", str(out)] * (command == "train"))
    )
    assert (code, printed) == (2, "")
    assert words in err
    assert_one_clear_line(err.rstrip("\n"))
    assert list(out.iterdir()) == []


@given(st.integers(1, 10**5))
def test_an_expression_longer_than_the_limit_is_refused_naming_it(above):
    text = "x" + " " * (expression.MAX_LENGTH + above - 1)
    with pytest.raises(expression.ExpressionError, match="more than the 2000 allowed"):
        expression.parse_expression(text)


@given(st.integers(1, 900), st.sampled_from(["sin({})", "({})", "-{}", "{} * 2"]))
def test_an_expression_nested_deeper_than_the_limit_is_refused_naming_it(above, shape):
    text = "x"
    for _ in range(expression.MAX_DEPTH + above):
        text = shape.format(text)
    if len(text) > expression.MAX_LENGTH:
        text = text[: expression.MAX_LENGTH]
    with pytest.raises(expression.ExpressionError, match=r"100 levels deep|2000 allowed|syntax"):
        expression.parse_expression(text)


@given(st.sampled_from(["sin({})", "({})", "-{}", "({} * 2)"]))
def test_an_expression_at_the_depth_limit_is_evaluated(shape):
    text = "x"
    for _ in range(expression.MAX_DEPTH - 2):
        text = shape.format(text)
    assert len(text) <= expression.MAX_LENGTH
    parsed = expression.parse_expression(text)
    parsed.evaluate({"x": 0.5}).backward()


def _peak_memory(code: str, *args: str) -> int:
    """The peak of the memory Python allocates (bytes, by ``tracemalloc``) in a fresh process
    running ``code``, so that what it measures is the work alone. (The resident set size of a
    child would not do: it starts from the size of the test process it was forked from.)"""
    measure = (
        "import tracemalloc\ntracemalloc.start()\n"
        f"{code}\nprint(tracemalloc.get_traced_memory()[1])"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, *args], capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1])


def test_the_largest_data_set_takes_well_under_a_gib():
    code = (
        "from nn import datasets\nx, y = datasets.make_spirals(datasets.MAX_SAMPLES, 0.1, 0, 100)"
    )
    assert _peak_memory(code) < 256 * 2**20


def test_the_largest_model_file_loads_in_well_under_a_gib(tmp_path):
    """The largest model allowed, saved and loaded back in a process of its own."""
    model = nn.MLP(2, [496, 496, 1], seed=0)
    assert layers.MAX_PARAMETERS - 3000 < len(model.parameters()) <= layers.MAX_PARAMETERS
    path = tmp_path / "model.json"
    nn.save(model, path)
    assert path.stat().st_size < model_file.MAX_FILE_BYTES / 2
    code = "import sys, nn\nassert len(nn.load(sys.argv[1]).parameters()) > 247_000"
    assert _peak_memory(code, str(path)) < 512 * 2**20


def test_a_file_at_the_limits_of_its_structure_loads(tmp_path):
    """As many lists and objects, as deep, as a model file may have: refused for its content,
    not for its structure."""
    document = json.loads(model_file.model_bytes(nn.MLP(2, [3, 1], seed=0)))
    deep: object = 1
    for _ in range(model_file.MAX_NESTING - 2):  # inside the document and its config
        deep = [deep]
    document["config"]["seed"] = deep
    with pytest.raises(nn.ModelFileError, match="seed must be an int"):
        _load(tmp_path, document)


def _load(folder: Path, document: dict) -> nn.Module:
    path = folder / "model.json"
    path.write_text(json.dumps(document))
    return nn.load(path)


# -- every limit is stated --------------------------------------------------------------------
def test_the_train_help_states_every_limit():
    printed = _help("train")
    for words in ("at most 10,000", "at most 100)", "at most 1,000,000", "250,000", "at most 10"):
        assert words in printed, words


def test_the_draw_help_states_its_limit():
    assert "at most 10,000" in _help("draw")


def _help(command: str) -> str:
    from chainrule.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    return subparsers.choices[command].format_help()  # type: ignore[union-attr]


README = (Path(__file__).parent.parent / "README.md").read_text()


@pytest.mark.parametrize(
    "limit",
    [
        f"{layers.MAX_PARAMETERS:,}",
        f"{datasets.MAX_SAMPLES:,}",
        f"{train.MAX_TRAIN_SAMPLES:,}",
        f"{train.MAX_STEPS:,}",
        f"{model_file.MAX_FILE_BYTES // 2**20} MiB",
        f"{expression.MAX_LENGTH:,}",
    ],
)
def test_the_readme_states_each_limit(limit):
    assert limit in README

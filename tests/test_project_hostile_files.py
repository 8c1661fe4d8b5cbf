"""Model files and training runs: reading a model file is bounded whatever it holds, a save
killed at any moment leaves the previous file and a later save cleans up after it, and a
``chainrule train`` that fails writes nothing and says why in one line of its own."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from pathlib import Path
from unittest import mock

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from support.hostile import assert_one_clear_line, run_cli

import nn
from autograd.atomic import write_atomically
from nn import model_file


def good_document() -> dict:
    return json.loads(model_file.model_bytes(nn.MLP(2, [3, 1], seed=0)))


def load_text(folder: Path, text: str) -> nn.Module:
    path = folder / "model.json"
    path.write_text(text)
    return nn.load(path)


# -- reading is bounded ---------------------------------------------------------------------
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False)
    | st.integers(-(10**400), 10**400)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
SLOTS = ["nin", "nouts", "activation", "output_activation", "init", "dropout", "seed", "extra"]


@given(st.sampled_from(["config", "parameters", "document"]), st.sampled_from(SLOTS), json_values)
def test_any_json_in_any_slot_loads_or_is_one_model_file_error(
    tmp_path_factory, where, slot, value
):
    document = good_document()
    if where == "document":
        document = {"format": "chainrule-model", "version": 1, slot: value, **document}
    elif where == "config":
        document["config"][slot] = value
    else:
        document["parameters"]["layer1.neuron1.w1" if slot == "nin" else slot] = value
    folder = tmp_path_factory.mktemp("fuzz")
    try:
        model = load_text(folder, json.dumps(document))
    except nn.ModelFileError as error:
        assert_one_clear_line(str(error).replace(str(folder), ""))
    else:
        assert isinstance(model, nn.Module)


#: Wrong settings of an MLP file, each with what the message must name.
WRONG_SETTINGS = [
    ("nin", 0, "nin must be an integer from 1 to"),
    ("nin", 2.5, "nin must be an integer, not float"),
    ("nin", "2", "nin must be an integer, not str"),
    ("nin", True, "nin must be an integer, not bool"),
    ("nouts", [], "nouts must be a non-empty list"),
    ("nouts", "16", "nouts must be a non-empty list"),
    ("nouts", [3, 0], "each layer size in nouts must be an integer from 1 to"),
    ("nouts", [3, None], "each layer size in nouts must be an integer, not NoneType"),
    ("activation", "gelu", "unknown activation 'gelu'"),
    ("activation", 5, "unknown activation 5"),
    ("output_activation", None, "unknown activation None"),
    ("init", "zeros", "unknown initialisation 'zeros'"),
    ("dropout", 1, r"dropout must be a number in [0, 1), got 1"),
    ("dropout", 1.5, r"dropout must be a number in [0, 1), got 1.5"),
    ("dropout", -0.25, r"dropout must be a number in [0, 1), got -0.25"),
    ("dropout", "0.5", "dropout must be a number, not str"),
    ("dropout", [0.5], "dropout must be a number, not list"),
    ("dropout", True, "dropout must be a number, not bool"),
    ("colour", "blue", "MLP has no setting 'colour'"),
]


@given(st.sampled_from(WRONG_SETTINGS), st.sampled_from([[3, 1], [1]]))
def test_every_wrong_setting_is_named(tmp_path_factory, wrong, nouts):
    """Whether or not the model has a hidden layer for the setting to act on."""
    setting, value, message = wrong
    document = good_document()
    document["config"]["nouts"] = nouts
    document["config"][setting] = value
    with pytest.raises(nn.ModelFileError) as refused:
        load_text(tmp_path_factory.mktemp("wrong"), json.dumps(document))
    assert message in str(refused.value)


@given(st.sampled_from(["nin", "nouts"]))
def test_a_missing_setting_is_named(tmp_path_factory, setting):
    document = good_document()
    del document["config"][setting]
    with pytest.raises(nn.ModelFileError, match=f'"config" lacks {setting}, which MLP needs'):
        load_text(tmp_path_factory.mktemp("missing"), json.dumps(document))


@given(st.integers(model_file.MAX_NESTING + 1, 200_000), st.sampled_from(["[", '{"a":']))
def test_deep_nesting_is_refused_before_parsing(tmp_path_factory, depth, opening):
    closing = "]" if opening == "[" else "}"
    document = json.dumps(good_document()).replace(
        '"init"', f'"deep": {opening * depth}1{closing * depth}, "init"'
    )
    with pytest.raises(nn.ModelFileError, match="nested more than 10 deep"):
        load_text(tmp_path_factory.mktemp("deep"), document)


@given(st.integers(model_file.MAX_CONTAINERS + 1, 100_000), st.sampled_from(["[]", "{}"]))
def test_many_lists_and_objects_are_refused_before_parsing(tmp_path_factory, count, empty):
    document = json.dumps(good_document()).replace(
        '"init"', f'"many": [{",".join([empty] * count)}], "init"'
    )
    with pytest.raises(nn.ModelFileError, match="lists and objects, more than the 100"):
        load_text(tmp_path_factory.mktemp("many"), document)


@settings(max_examples=examples(0.05))
@given(
    st.integers(nn.layers.MAX_PARAMETERS // 3 + 1, 10**15),
    st.sampled_from(["MLP", "Layer", "Neuron"]),
)
def test_a_model_too_large_to_build_is_refused_before_any_parameter_is_made(
    tmp_path_factory, size, kind
):
    config = {
        "MLP": {"nin": 2, "nouts": [size]},
        "Layer": {"nin": 2, "nout": size},
        "Neuron": {"nin": size * 3},
    }[kind]
    document = {**good_document(), "type": kind, "config": config, "parameters": {}}
    path = tmp_path_factory.mktemp("huge") / "model.json"
    path.write_text(json.dumps(document))
    tracemalloc.start()
    try:
        with pytest.raises(nn.ModelFileError, match="250,000"):
            nn.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20  # a few MiB to read the file: nothing the size of the model


def test_a_file_above_the_size_limit_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "model.json"
    with open(path, "wb") as file:
        file.truncate(model_file.MAX_FILE_BYTES + 1)  # sparse: no disk space is used
    with pytest.raises(nn.ModelFileError, match="more than the 32 MiB a model file has"):
        nn.load(path)


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "fifo")
    return folder / "fifo"


def _socket(folder: Path) -> Path:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "socket"))
    return folder / "socket"


def _link_to_zero(folder: Path) -> Path:
    (folder / "link").symlink_to("/dev/zero")
    return folder / "link"


SPECIAL_FILES = {
    "/dev/zero": lambda folder: Path("/dev/zero"),
    "/dev/urandom": lambda folder: Path("/dev/urandom"),
    "a link to /dev/zero": _link_to_zero,
    "a FIFO": _fifo,
    "a socket": _socket,
    "a folder": lambda folder: folder,
}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX special files")
@pytest.mark.parametrize("kind", sorted(SPECIAL_FILES))
def test_special_files_are_refused_not_read_forever(tmp_path, kind):
    path = SPECIAL_FILES[kind](tmp_path)
    outcome: list[BaseException] = []
    # A thread, so that an endless read fails the test instead of hanging the suite.
    reader = threading.Thread(target=lambda: _record(outcome, nn.load, path), daemon=True)
    reader.start()
    reader.join(60)
    assert not reader.is_alive(), f"reading {kind} never ended"
    assert len(outcome) == 1 and isinstance(outcome[0], nn.ModelFileError), outcome
    assert "cannot read model file" in str(outcome[0])


def _record(outcome: list[BaseException], function, *args) -> None:
    try:
        function(*args)
    except BaseException as error:
        outcome.append(error)


# -- a save killed at any moment --------------------------------------------------------------
_KILLED_SAVE = textwrap.dedent(
    """
    import os, signal, sys
    from autograd import atomic
    point, offset, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "write":
        real_write, written = os.write, [0]

        def write(descriptor, data):
            if written[0] + len(data) >= offset:
                real_write(descriptor, data[: offset - written[0]])
                die()
            written[0] += real_write(descriptor, data)
            return len(data)

        os.write = write
    else:
        setattr(os, point, die)
    atomic.write_atomically(path, bytes(range(256)) * 4096)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
@settings(max_examples=examples(0.04))
@given(st.sampled_from(["write", "fsync", "replace"]), st.integers(0, 256 * 4096 - 1))
def test_a_save_killed_at_any_moment_keeps_the_old_file_and_the_next_save_cleans_up(
    tmp_path_factory, point, offset
):
    folder = tmp_path_factory.mktemp("killed")
    target = folder / "model.json"
    write_atomically(target, b"the previous model")
    child = subprocess.run(
        [sys.executable, "-c", _KILLED_SAVE, point, str(offset), str(target)], check=False
    )
    assert child.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"the previous model"
    write_atomically(target, b"the next model")
    assert target.read_bytes() == b"the next model"
    assert os.listdir(folder) == ["model.json"]


_SAVING_FOREVER = textwrap.dedent(
    """
    import sys
    from autograd.atomic import write_atomically
    size, path = int(sys.argv[1]), sys.argv[2]
    version = 0
    while True:
        version += 1
        write_atomically(path, bytes([version % 256]) * size)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_save_killed_by_a_real_signal_mid_write_keeps_a_whole_file(tmp_path):
    target = tmp_path / "model.json"
    size = 16 * 2**20
    saver = subprocess.Popen([sys.executable, "-c", _SAVING_FOREVER, str(size), str(target)])
    # A generous deadline, only so that a saver that never writes fails instead of hanging.
    deadline = time.monotonic() + 120
    try:
        while not (target.exists() and any(name.endswith(".tmp") for name in os.listdir(tmp_path))):
            assert saver.poll() is None, "the saving process ended"
            assert time.monotonic() < deadline, "the saver wrote no file mid-save in 120 s"
            time.sleep(0.001)
    finally:
        saver.kill()
        saver.wait()
    data = target.read_bytes()
    assert len(data) == size and data == data[:1] * size  # one whole version, never half of two
    write_atomically(target, b"after")
    assert os.listdir(tmp_path) == ["model.json"]


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_temporary_file_a_living_writer_holds_is_left_alone(tmp_path):
    import fcntl

    target = tmp_path / "model.json"
    busy = tmp_path / ".model.json.0123456789abcdef.tmp"
    with open(busy, "wb") as writer:
        fcntl.flock(writer, fcntl.LOCK_EX)  # as a save in progress holds it
        write_atomically(target, b"new")
        assert busy.exists()
    write_atomically(target, b"newer")
    assert sorted(os.listdir(tmp_path)) == ["model.json"]


# -- a training run that fails writes nothing ---------------------------------------------------
TINY_RUN = ["train", "--samples", "8", "--steps", "2", "--hidden", "2", "--batch-size", "4"]
OUTPUTS = ["curves.png", "decision_boundary.png", "model.json"]


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("earlier")
    code, _, _ = run_cli(*TINY_RUN, "--seed", "1", "--out", str(out))
    assert code == 0
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def _fail_on_call(number: int, error: BaseException):
    """A stand-in that raises ``error`` on its ``number``-th call and calls through before."""
    calls = [0]

    def stand_in(real):
        def call(*args, **kwargs):
            calls[0] += 1
            if calls[0] == number:
                raise error
            return real(*args, **kwargs)

        return call

    return stand_in


#: How a run can fail: what to make fail (None: the run itself overflows), with what, and on
#: which calls (pictures are saved twice, files synced three times).
FAILURES = {
    "the loss overflows": (None, None, [1]),
    "matplotlib raises ValueError": (
        "matplotlib.figure.Figure.savefig",
        ValueError("Contour levels must be increasing"),
        [1, 2],
    ),
    "matplotlib raises RuntimeError": (
        "matplotlib.figure.Figure.savefig",
        RuntimeError("libpng error: internal"),
        [1, 2],
    ),
    "the disk fills up": ("os.fsync", OSError(errno.ENOSPC, "No space left on device"), [1, 2, 3]),
    "the user presses Ctrl-C": ("matplotlib.figure.Figure.savefig", KeyboardInterrupt(), [1, 2]),
}


@settings(max_examples=examples(0.04))
@given(st.sampled_from(sorted(FAILURES)), st.data(), st.booleans())
def test_a_failed_run_replaces_none_of_an_earlier_runs_outputs(
    tmp_path_factory, earlier_run, failure, data, earlier
):
    target, error, calls = FAILURES[failure]
    out = tmp_path_factory.mktemp("run") / "out"
    if earlier:
        out.mkdir()
        for name, contents in earlier_run.items():
            (out / name).write_bytes(contents)
    argv = [*TINY_RUN, "--out", str(out)]
    if target is None:
        code, _, err = run_cli(*argv, "--lr", "1e300")
    else:
        module, _, name = target.rpartition(".")
        owner = _resolve(module)
        failing = _fail_on_call(data.draw(st.sampled_from(calls)), error)(getattr(owner, name))
        with mock.patch.object(owner, name, failing):
            code, _, err = run_cli(*argv)
    assert code == (130 if isinstance(error, KeyboardInterrupt) else 2)
    if earlier:
        assert {name: (out / name).read_bytes() for name in OUTPUTS} == earlier_run
        assert sorted(os.listdir(out)) == OUTPUTS
    else:
        assert not out.exists() or os.listdir(out) == []
    assert err.startswith("chainrule: ") and err.count("\n") == 1
    if isinstance(error, ValueError | RuntimeError):
        assert str(error) not in err  # the library's own words stay out


def _resolve(dotted: str):
    if dotted == "os":
        return os
    module, _, attribute = dotted.rpartition(".")
    return getattr(__import__(module, fromlist=[attribute]), attribute)


def test_an_earlier_run_is_replaced_whole_by_a_run_that_succeeds(tmp_path, earlier_run):
    for name, data in earlier_run.items():
        (tmp_path / name).write_bytes(data)
    code, _, _ = run_cli(*TINY_RUN, "--seed", "2", "--out", str(tmp_path))
    assert code == 0
    assert sorted(os.listdir(tmp_path)) == OUTPUTS
    assert (tmp_path / "model.json").read_bytes() != earlier_run["model.json"]
    shutil.rmtree(tmp_path)

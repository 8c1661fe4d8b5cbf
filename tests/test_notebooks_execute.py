"""Every notebook runs headless from top to bottom, in a fresh kernel."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parent.parent / "notebooks"
_spec = importlib.util.spec_from_file_location("notebook_runner", FOLDER / "execute.py")
assert _spec is not None and _spec.loader is not None
runner = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runner)

NOTEBOOKS = runner.notebooks()


def test_the_notebooks_are_there():
    assert len(NOTEBOOKS) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_without_error(path):
    """It runs, and prints what its stored outputs show (the docs show those): stale outputs
    fail, float noise in a last digit and cells tagged output-varies (timings) aside."""
    assert runner.stale_outputs(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_shipped_with_its_outputs(path):
    cells = json.loads(path.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code), "run `make notebooks` to store outputs"
    assert any(c.get("outputs") for c in code)


@pytest.mark.parametrize(
    ("stored", "fresh", "same"),
    [
        ("loss 0.1234\n", "loss 0.1234\n", True),
        ("loss 0.1234\n", "loss 0.1235\n", True),  # float noise in the last printed digit
        ("loss 0.1234\n", "loss 0.1237\n", False),
        ("grad 1.5e-08", "grad 1.6e-08", True),
        ("grad 1.5e-08", "grad 1.9e-08", False),
        ("150 steps", "151 steps", False),  # integers are exact
        ("accuracy 96.0%", "accuracy 95.0%", False),
        ("tanh 0.7071", "relu 0.7071", False),  # the words too
        ("[1.0, 2.0]", "[1.0, 2.0, 3.0]", False),
        ("value nan, then inf", "value nan, then inf", True),
        ("<Digraph at 0x7f3a200d2990>", "<Digraph at 0x7f3a02d1c4d0>", True),  # an address
    ],
)
def test_printed_numbers_are_compared_up_to_the_last_digit(stored, fresh, same):
    assert runner.same_print(stored, fresh) is same


def test_a_cell_tagged_output_varies_is_not_compared():
    import nbformat

    def notebook(timing: str, result: str):
        cells = [
            nbformat.v4.new_code_cell("timing", metadata={"tags": ["output-varies"]}),
            nbformat.v4.new_code_cell("result"),
        ]
        cells[0].outputs = [nbformat.v4.new_output("stream", text=timing)]
        cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": result})]
        return nbformat.v4.new_notebook(cells=cells)

    assert runner.differences(notebook("3.9 s", "0.25"), notebook("22.0 s", "0.25")) == []
    (stale,) = runner.differences(notebook("3.9 s", "0.25"), notebook("3.9 s", "0.5"))
    assert stale.startswith("code cell 1:") and "'0.25'" in stale and "'0.5'" in stale

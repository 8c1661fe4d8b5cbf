"""Run the step-through notebooks headless, top to bottom, failing on the first error.

    python notebooks/execute.py            # check that every notebook runs and prints what
                                           # its stored outputs show
    python notebooks/execute.py --write    # store the fresh outputs in the notebooks

Each notebook runs in a fresh kernel with the notebooks folder as its working directory, so
no cell can depend on hidden state.

A notebook's stored outputs are what the docs show, so they must be what a fresh run prints:
the text each code cell prints (its stream output and the plain text of its results) is
compared with the stored text, number by number, allowing one unit in the last printed digit
of a decimal (float noise). A cell whose output legitimately differs from run to run (a
timing) is tagged ``output-varies`` (the cell's metadata ``"tags": ["output-varies"]``) and not
compared.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

FOLDER = Path(__file__).resolve().parent


def notebooks() -> list[Path]:
    """The numbered notebooks, in order."""
    return sorted(FOLDER.glob("[0-9][0-9]_*.ipynb"))


#: The tag of a code cell whose printed output differs from run to run (a timing).
VARIES = "output-varies"

#: A printed number: an integer, a decimal, a number with an exponent, inf or nan.
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\binf\b|\bnan\b")
#: Where a Python object lives in memory ("<… at 0x7f3a200d2990>"): different in every run.
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def execute(path: Path, *, write: bool = False, timeout: int = 600) -> float:
    """Execute one notebook; returns the seconds it took. Raises on the first failing cell."""
    return run(path, write=write, timeout=timeout)[1]


def stale_outputs(path: Path, *, timeout: int = 600) -> list[str]:
    """Execute one notebook and say where its stored outputs differ from what it prints now
    (an empty list: none do). Raises on the first failing cell."""
    stored = nbformat.read(path, as_version=4)
    fresh, _ = run(path, timeout=timeout)
    return differences(stored, fresh)


def differences(stored: Any, fresh: Any) -> list[str]:
    """The code cells whose printed text differs between two runs of a notebook, beyond one
    unit in the last digit of a printed decimal; cells tagged ``output-varies`` are skipped."""
    found = []
    pairs = zip(_code_cells(stored), _code_cells(fresh), strict=True)
    for index, (before, now) in enumerate(pairs):
        if VARIES in before.metadata.get("tags", ()):
            continue
        old, new = printed(before), printed(now)
        if not same_print(old, new):
            found.append(f"code cell {index}: stored {old!r}, a fresh run prints {new!r}")
    return found


def printed(cell: Any) -> str:
    """What a code cell printed: its stream output and the plain text of its results."""
    parts = []
    for output in cell.get("outputs", ()):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/plain", ""))
    return "".join(parts)


def same_print(old: str, new: str) -> bool:
    """The same words, and the same numbers up to one unit in the last printed digit (memory
    addresses aside)."""
    old, new = ADDRESS.sub(" at 0x…", old), ADDRESS.sub(" at 0x…", new)
    if NUMBER.sub("#", old) != NUMBER.sub("#", new):
        return False
    return all(map(_same_number, NUMBER.findall(old), NUMBER.findall(new)))


def _same_number(old: str, new: str) -> bool:
    a, b = float(old), float(new)
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    if not any(c in old + new for c in ".eE"):
        return False  # integers (counts, sizes) are exact
    return abs(a - b) <= max(_last_digit(old), _last_digit(new)) * (1 + 1e-9)


def _last_digit(text: str) -> float:
    """The value of one unit in the last digit of a printed number: 0.01 for "3.14"."""
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def _code_cells(notebook: Any) -> list[Any]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def run(path: Path, *, write: bool = False, timeout: int = 600) -> tuple[Any, float]:
    """Execute one notebook: the executed notebook and the seconds it took. Raises on the
    first failing cell; with ``write``, stores the outputs in the notebook's file."""
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(FOLDER)}},
    )
    client.execute()
    elapsed = time.perf_counter() - started
    if write:
        for cell in notebook.cells:
            # Execution timestamps would change every stored notebook on every run.
            cell.metadata.pop("execution", None)
        # Same folder, then rename: a crash never leaves a half-written notebook.
        temporary = path.with_suffix(".ipynb.tmp")
        nbformat.write(notebook, temporary)
        temporary.replace(path)
    return notebook, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the outputs in the notebooks")
    parser.add_argument("names", nargs="*", help="notebook names (default: all)")
    args = parser.parse_args()
    chosen = [p for p in notebooks() if not args.names or any(n in p.name for n in args.names)]
    total = 0.0
    stale = 0
    for path in chosen:
        stored = nbformat.read(path, as_version=4)
        fresh, seconds = run(path, write=args.write)
        total += seconds
        print(f"{path.name:45} {seconds:6.1f} s")
        if not args.write:
            for difference in differences(stored, fresh):
                stale += 1
                print(f"  stale output, {difference}")
    print(f"{'all':45} {total:6.1f} s")
    if stale:
        print(f"{stale} stale outputs: store fresh ones with --write")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())

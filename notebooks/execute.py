"""Run the step-through notebooks headless, top to bottom, failing on the first error.

    python notebooks/execute.py            # check that every notebook runs
    python notebooks/execute.py --write    # and store the fresh outputs in the notebooks

Each notebook runs in a fresh kernel with the notebooks folder as its working directory, so
no cell can depend on hidden state.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

FOLDER = Path(__file__).resolve().parent


def notebooks() -> list[Path]:
    """The numbered notebooks, in order."""
    return sorted(FOLDER.glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path, *, write: bool = False, timeout: int = 600) -> float:
    """Execute one notebook; returns the seconds it took. Raises on the first failing cell."""
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
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the outputs in the notebooks")
    parser.add_argument("names", nargs="*", help="notebook names (default: all)")
    args = parser.parse_args()
    chosen = [p for p in notebooks() if not args.names or any(n in p.name for n in args.names)]
    total = 0.0
    for path in chosen:
        seconds = execute(path, write=args.write)
        total += seconds
        print(f"{path.name:45} {seconds:6.1f} s")
    print(f"{'all':45} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

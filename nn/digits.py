"""Real handwritten digits without a download: the UCI digits shipped inside the package.

1,797 digits written by 13 people, each an 8×8 image whose pixels count the ink in a 4×4
block of a 32×32 scan (0–16), here scaled to [0, 1]; labels 0–9, about 180 of each. The file
``nn/data/digits.csv.gz`` is the copy scikit-learn bundles; ``nn/data/README.md`` states its
source (Alpaydin & Kaynak, UCI Machine Learning Repository) and licence (CC BY 4.0).
"""

from __future__ import annotations

import functools
import gzip
from importlib import resources
from typing import Any

from nn.checks import boolean

#: Each digit is an image of SIZE × SIZE pixels.
SIZE = 8
#: The largest pixel count in the file: pixels are divided by it.
INK = 16


@functools.cache
def _rows() -> tuple[tuple[int, ...], ...]:
    """Every line of the file as its 64 pixel counts and its label."""
    text = gzip.decompress((resources.files("nn") / "data" / "digits.csv.gz").read_bytes())
    return tuple(tuple(map(int, line.split(","))) for line in text.decode("ascii").splitlines())


def load_digits(flat: bool = False) -> tuple[list[Any], list[int]]:
    """The 1,797 digits ``(x, y)`` in the file's order: ``x[i]`` an image ``[1][8][8]`` (one
    channel, rows, columns) of pixels in [0, 1], or with ``flat`` its 64 pixels row by row;
    ``y[i]`` its label 0–9. Split with :func:`nn.datasets.train_test_split` and a seed."""
    boolean(flat, "flat")
    x: list[Any] = []
    y: list[int] = []
    for row in _rows():
        pixels = [count / INK for count in row[:-1]]
        x.append(pixels if flat else [[pixels[r : r + SIZE] for r in range(0, SIZE * SIZE, SIZE)]])
        y.append(row[-1])
    return x, y

"""The UCI handwritten digits shipped with nn: the file, its shapes, its scaling, its labels."""

from __future__ import annotations

import collections
import hashlib
import re
from pathlib import Path

import pytest

import nn
from nn.shapes import flatten, shape_of

DATA = Path(nn.__file__).parent / "data"


def test_there_are_1797_digits_with_labels_0_to_9_about_180_each():
    x, y = nn.datasets.load_digits()
    assert len(x) == len(y) == 1797
    counts = collections.Counter(y)
    assert sorted(counts) == list(range(10))
    assert all(174 <= n <= 183 for n in counts.values())


def test_each_digit_is_one_channel_of_8_by_8_pixels_in_0_1():
    x, _ = nn.datasets.load_digits()
    assert {shape_of(image) for image in x} == {(1, 8, 8)}
    pixels = [p for image in x for p in flatten(image)]
    assert min(pixels) == 0.0 and max(pixels) == 1.0


def test_the_first_digit_is_the_files_first_line_divided_by_16():
    x, y = nn.datasets.load_digits()
    assert y[0] == 0
    assert x[0][0][0] == [0, 0, 5 / 16, 13 / 16, 9 / 16, 1 / 16, 0, 0]
    assert x[0][0][7] == [0, 0, 6 / 16, 13 / 16, 10 / 16, 0, 0, 0]


def test_flat_digits_are_the_images_read_row_by_row():
    images, labels = nn.datasets.load_digits()
    flat, same_labels = nn.datasets.load_digits(flat=True)
    assert same_labels == labels
    assert flat == [flatten(image) for image in images]


def test_the_shipped_file_is_the_one_its_readme_names():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"SHA-256 `([0-9a-f]{64})`", readme)
    assert stated is not None
    assert hashlib.sha256((DATA / "digits.csv.gz").read_bytes()).hexdigest() == stated.group(1)
    assert "CC BY 4.0" in readme and "Alpaydin" in readme


def test_the_file_and_its_readme_are_package_data():
    pyproject = (DATA.parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    line = re.search(r"^nn = \[(.*)\]$", pyproject, re.MULTILINE)
    assert line is not None
    patterns = re.findall(r'"([^"]+)"', line.group(1))
    for name in ("digits.csv.gz", "README.md"):
        assert any(Path("data", name).match(pattern) for pattern in patterns)


def test_flat_must_be_a_bool():
    with pytest.raises(TypeError, match="flat must be True or False"):
        nn.datasets.load_digits(flat="yes")  # type: ignore[arg-type]

"""Toy data sets for classification in the plane, made in pure Python from a seed.

Each ``make_*`` function returns ``(x, y)``: ``x`` a list of points [x₁, x₂], ``y`` a list of
class labels 0, 1, …, in shuffled order. ``noise`` is the standard deviation of Gaussian noise
added to each coordinate. The same seed gives the same points on every machine (Python's
``random`` is specified to be reproducible across platforms for a given seed).

:func:`train_test_split` holds some points out for testing; :func:`batches` deals out shuffled
mini-batches for one epoch.

:func:`nn.digits.load_digits` gives real data instead: the UCI handwritten digits shipped
with the package.

Sizes are bounded, so that a data set is made in well under a second and a few tens of MB:
at most :data:`MAX_SAMPLES` points, :data:`MAX_CLASSES` classes and noise :data:`MAX_NOISE`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple, TypeVar

from autograd.numbers import finite_float, shown
from nn.checks import integer
from nn.choices import choose
from nn.digits import load_digits as load_digits
from nn.seeding import Seed, make_rng

Points = list[list[float]]
Labels = list[int]
Dataset = tuple[Points, Labels]
#: A point, whatever its type.
P = TypeVar("P")

#: The most points a data set can have.
MAX_SAMPLES = 100_000
#: The most classes spirals and blobs can have (there are only so many colours).
MAX_CLASSES = 100
#: The largest noise: beyond it every data set is noise alone, and far beyond it overflows.
MAX_NOISE = 10.0


def _linspace(start: float, stop: float, n: int, *, endpoint: bool = True) -> list[float]:
    """n evenly spaced numbers from start to stop (stop included when ``endpoint``)."""
    intervals = (n - 1 if endpoint else n) or 1
    return [start + (stop - start) * i / intervals for i in range(n)]


def _finish(
    points: list[tuple[float, float]], labels: Labels, noise: float, rng: random.Random
) -> Dataset:
    """Add the noise to every coordinate, then shuffle points and labels together."""
    x = [
        [a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] if noise else [a, b]
        for a, b in points
    ]
    order = list(range(len(x)))
    rng.shuffle(order)
    return [x[i] for i in order], [labels[i] for i in order]


def _split(n_samples: int, classes: int) -> list[int]:
    """How many of n_samples points go to each class: as equal as possible, earlier ones first."""
    return [n_samples // classes + (1 if k < n_samples % classes else 0) for k in range(classes)]


def _arguments(n_samples: int, noise: float, classes: int = 2) -> tuple[int, float]:
    integer(n_samples, "n_samples", low=classes, high=MAX_SAMPLES)
    return n_samples, finite_float(noise, "noise", at_least=0, at_most=MAX_NOISE)


def make_moons(n_samples: int = 100, noise: float = 0.0, seed: Seed = None) -> Dataset:
    """Two interleaving half circles of radius 1, scikit-learn's geometry: the upper moon
    (cos θ, sin θ) is centred at (0, 0), label 0; the lower moon (1 − cos θ, ½ − sin θ) is
    centred at (1, 0.5), label 1; θ runs evenly over [0, π]."""
    n_samples, noise = _arguments(n_samples, noise)
    upper, lower = n_samples // 2, n_samples - n_samples // 2
    points = [(math.cos(t), math.sin(t)) for t in _linspace(0.0, math.pi, upper)]
    points += [(1.0 - math.cos(t), 0.5 - math.sin(t)) for t in _linspace(0.0, math.pi, lower)]
    return _finish(points, [0] * upper + [1] * lower, noise, make_rng(seed))


def make_circles(
    n_samples: int = 100, noise: float = 0.0, seed: Seed = None, factor: float = 0.5
) -> Dataset:
    """Two concentric circles centred at (0, 0): radius 1, label 0, and radius ``factor`` < 1
    inside it, label 1."""
    n_samples, noise = _arguments(n_samples, noise)
    factor = finite_float(factor, "factor", above=0, below=1)
    outer, inner = _split(n_samples, 2)
    points = [(math.cos(t), math.sin(t)) for t in _linspace(0, 2 * math.pi, outer, endpoint=False)]
    points += [
        (factor * math.cos(t), factor * math.sin(t))
        for t in _linspace(0, 2 * math.pi, inner, endpoint=False)
    ]
    return _finish(points, [0] * outer + [1] * inner, noise, make_rng(seed))


def make_spirals(
    n_samples: int = 100, noise: float = 0.0, seed: Seed = None, classes: int = 2
) -> Dataset:
    """``classes`` spiral arms wound around (0, 0): the k-th arm's points are at radius r and
    angle 2πr + 2πk/K, for r running evenly over (0, 1], one full turn per arm."""
    classes = integer(classes, "classes", low=2, high=MAX_CLASSES)
    n_samples, noise = _arguments(n_samples, noise, classes)
    points: list[tuple[float, float]] = []
    labels: Labels = []
    for k, count in enumerate(_split(n_samples, classes)):
        for i in range(count):
            r = (i + 1) / count
            angle = 2 * math.pi * r + 2 * math.pi * k / classes
            points.append((r * math.cos(angle), r * math.sin(angle)))
            labels.append(k)
    return _finish(points, labels, noise, make_rng(seed))


def make_blobs(
    n_samples: int = 100, noise: float = 0.5, seed: Seed = None, classes: int = 2
) -> Dataset:
    """``classes`` round Gaussian blobs of standard deviation ``noise``, centred evenly on the
    circle of radius 2 around (0, 0): blob k at angle 2πk/K."""
    classes = integer(classes, "classes", low=2, high=MAX_CLASSES)
    n_samples, noise = _arguments(n_samples, noise, classes)
    points: list[tuple[float, float]] = []
    labels: Labels = []
    for k, count in enumerate(_split(n_samples, classes)):
        angle = 2 * math.pi * k / classes
        points += [(2 * math.cos(angle), 2 * math.sin(angle))] * count
        labels += [k] * count
    return _finish(points, labels, noise, make_rng(seed))


def make_xor(n_samples: int = 100, noise: float = 0.0, seed: Seed = None) -> Dataset:
    """Points uniform in the square [−1, 1]², label 1 where exactly one coordinate is positive
    (x₁ > 0 XOR x₂ > 0): no straight line separates the classes."""
    n_samples, noise = _arguments(n_samples, noise)
    rng = make_rng(seed)
    points = [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(n_samples)]
    labels = [int((a > 0) != (b > 0)) for a, b in points]
    return _finish(points, labels, noise, rng)


#: The data sets by name.
DATASETS: dict[str, Callable[..., Dataset]] = {
    "moons": make_moons,
    "circles": make_circles,
    "spirals": make_spirals,
    "blobs": make_blobs,
    "xor": make_xor,
}
#: The data sets whose number of classes can be chosen (the others have two).
MULTICLASS = ("spirals", "blobs")


def make(
    name: str, n_samples: int = 100, noise: float = 0.0, seed: Seed = None, classes: int = 2
) -> Dataset:
    """The data set called ``name`` (see :data:`DATASETS`), with ``classes`` classes."""
    maker = choose(DATASETS, name, "dataset")
    if name in MULTICLASS:
        return maker(n_samples, noise, seed, classes=classes)
    if classes != 2:
        raise ValueError(f"the {name} dataset has 2 classes, not {shown(classes)}")
    return maker(n_samples, noise, seed)


class Split(NamedTuple):
    """A data set split into a part to train on and a part held out for testing."""

    x_train: Points
    x_test: Points
    y_train: Labels
    y_test: Labels


def _check_pairs(x: Sequence[object], y: Sequence[object]) -> None:
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")


def train_test_split(
    x: Sequence[list[float]], y: Sequence[int], test_fraction: float = 0.25, seed: Seed = None
) -> Split:
    """Shuffle, then hold out ``test_fraction`` of the points (at least one, and at least one
    left to train on) for testing."""
    _check_pairs(x, y)
    integer(len(x), "the number of points", low=2)
    fraction = finite_float(test_fraction, "test_fraction", above=0, below=1)
    order = list(range(len(x)))
    make_rng(seed).shuffle(order)
    n_test = min(max(1, round(fraction * len(x))), len(x) - 1)
    test, train = order[:n_test], order[n_test:]
    return Split(
        [x[i] for i in train], [x[i] for i in test], [y[i] for i in train], [y[i] for i in test]
    )


def batches(
    x: Sequence[P], y: Sequence[int], batch_size: int, seed: Seed = None
) -> Iterator[tuple[list[P], Labels]]:
    """One epoch of mini-batches ``(x_batch, y_batch)`` of ``batch_size`` points in a shuffled
    order (the last one smaller when the size does not divide the number of points)."""
    _check_pairs(x, y)
    integer(batch_size, "batch_size")
    order = list(range(len(x)))
    make_rng(seed).shuffle(order)
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        yield [x[i] for i in chosen], [y[i] for i in chosen]

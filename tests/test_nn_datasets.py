"""Toy data sets: their geometry, their labels, their seeds; splitting and mini-batches."""

from __future__ import annotations

import math
import statistics

import pytest

from nn import datasets


def points_of(x, y, label):
    return [p for p, k in zip(x, y, strict=True) if k == label]


# -- moons ------------------------------------------------------------------------------------
def test_upper_moon_is_the_unit_circle_around_the_origin_with_label_0():
    x, y = datasets.make_moons(50, seed=0)
    for a, b in points_of(x, y, 0):
        assert math.hypot(a, b) == pytest.approx(1.0)
        assert b >= -1e-12


def test_lower_moon_is_the_unit_circle_around_1_half_with_label_1():
    x, y = datasets.make_moons(50, seed=0)
    for a, b in points_of(x, y, 1):
        assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0)
        assert b <= 0.5 + 1e-12


def test_moons_run_from_end_to_end_of_their_half_circles():
    x, y = datasets.make_moons(50, seed=0)
    upper = sorted(points_of(x, y, 0))
    assert upper[0] == pytest.approx([-1.0, 0.0], abs=1e-12)
    assert upper[-1] == pytest.approx([1.0, 0.0], abs=1e-12)


def test_moons_split_the_points_between_the_classes():
    _, y = datasets.make_moons(51, seed=0)
    assert (y.count(0), y.count(1)) == (25, 26)


def test_noise_moves_the_points_off_the_circles():
    x, y = datasets.make_moons(50, noise=0.1, seed=0)
    radii = [math.hypot(a, b) for a, b in points_of(x, y, 0)]
    assert statistics.pstdev(radii) > 0.02


def test_the_same_seed_gives_the_same_points_in_the_same_order():
    assert datasets.make_moons(30, 0.1, seed=4) == datasets.make_moons(30, 0.1, seed=4)


def test_another_seed_gives_other_points():
    assert datasets.make_moons(30, 0.1, seed=4) != datasets.make_moons(30, 0.1, seed=5)


def test_points_are_shuffled():
    _, y = datasets.make_moons(40, seed=0)
    assert y != sorted(y)


# -- the other shapes -------------------------------------------------------------------------
def test_circles_are_radius_one_outside_and_factor_inside():
    x, y = datasets.make_circles(40, seed=0, factor=0.3)
    assert {round(math.hypot(*p), 9) for p in points_of(x, y, 0)} == {1.0}
    assert {round(math.hypot(*p), 9) for p in points_of(x, y, 1)} == {0.3}


def test_spirals_have_as_many_arms_as_classes_within_the_unit_disc():
    x, y = datasets.make_spirals(90, seed=0, classes=3)
    assert sorted(set(y)) == [0, 1, 2]
    assert [y.count(k) for k in range(3)] == [30, 30, 30]
    assert all(math.hypot(*p) <= 1.0 + 1e-12 for p in x)


def test_blobs_are_centred_evenly_on_the_circle_of_radius_2():
    x, y = datasets.make_blobs(300, noise=0.2, seed=0, classes=3)
    for k in range(3):
        blob = points_of(x, y, k)
        centre = [statistics.mean(p[i] for p in blob) for i in (0, 1)]
        angle = 2 * math.pi * k / 3
        assert centre == pytest.approx([2 * math.cos(angle), 2 * math.sin(angle)], abs=0.1)


def test_xor_labels_points_whose_coordinates_differ_in_sign():
    x, y = datasets.make_xor(100, seed=0)
    assert all(k == int((a > 0) != (b > 0)) for (a, b), k in zip(x, y, strict=True))
    assert all(-1 <= c <= 1 for p in x for c in p)


@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_every_dataset_is_made_by_name_with_two_classes(name):
    x, y = datasets.make(name, 20, noise=0.1, seed=1)
    assert len(x) == len(y) == 20
    assert set(y) == {0, 1}
    assert all(len(p) == 2 for p in x)


# -- errors -----------------------------------------------------------------------------------
def test_an_unknown_dataset_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown dataset 'moon' \\(choose from moons, circles"):
        datasets.make("moon")


def test_two_class_datasets_refuse_other_class_counts():
    with pytest.raises(ValueError, match="the moons dataset has 2 classes, not 3"):
        datasets.make("moons", classes=3)


@pytest.mark.parametrize("n", [0, 1])
def test_a_dataset_needs_a_point_per_class(n):
    with pytest.raises(ValueError, match="n_samples must be a"):
        datasets.make_moons(n)


def test_noise_must_not_be_negative():
    with pytest.raises(ValueError, match=r"noise must be a number in \[0, 10\], got -0.1"):
        datasets.make_circles(10, noise=-0.1)


# -- splitting and batches --------------------------------------------------------------------
def test_train_test_split_holds_out_the_fraction_and_keeps_every_point_once():
    x, y = datasets.make_moons(40, seed=0)
    split = datasets.train_test_split(x, y, test_fraction=0.25, seed=0)
    assert (len(split.x_train), len(split.x_test)) == (30, 10)
    together = sorted(map(tuple, split.x_train + split.x_test))
    assert together == sorted(map(tuple, x))
    pairs = dict(zip(map(tuple, x), y, strict=True))
    assert all(pairs[tuple(p)] == k for p, k in zip(split.x_test, split.y_test, strict=True))


def test_a_split_keeps_at_least_one_point_on_each_side():
    split = datasets.train_test_split([[0.0], [1.0]], [0, 1], test_fraction=0.01)
    assert (len(split.x_train), len(split.x_test)) == (1, 1)


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5])
def test_test_fraction_must_be_strictly_between_0_and_1(fraction):
    with pytest.raises(ValueError, match="test_fraction must be"):
        datasets.train_test_split([[0.0], [1.0]], [0, 1], test_fraction=fraction)


def test_batches_deal_every_point_once_per_epoch():
    x, y = [[float(i)] for i in range(10)], list(range(10))
    dealt = list(datasets.batches(x, y, batch_size=4, seed=0))
    assert [len(xb) for xb, _ in dealt] == [4, 4, 2]
    assert sorted(k for _, yb in dealt for k in yb) == y
    assert all(p == [float(k)] for xb, yb in dealt for p, k in zip(xb, yb, strict=True))


def test_x_and_y_must_have_the_same_length():
    with pytest.raises(ValueError, match="same length, got 2 and 1"):
        list(datasets.batches([[0.0], [1.0]], [0], batch_size=1))


def test_the_adding_problem_marks_one_step_in_each_half_and_adds_their_values():
    x, y = datasets.make_adding_problem(50, 7, seed=0)
    assert len(x) == len(y) == 50
    for sequence, target in zip(x, y, strict=True):
        assert len(sequence) == 7 and all(len(step) == 2 for step in sequence)
        marked = [t for t, (_, marker) in enumerate(sequence) if marker == 1.0]
        assert sum(marker for _, marker in sequence) == 2.0
        assert marked[0] < 3 <= marked[1]  # one in the first half (0 … 2), one in the second
        assert target == sequence[marked[0]][0] + sequence[marked[1]][0]
        assert all(0.0 <= value < 1.0 for value, _ in sequence)


def test_predicting_one_on_the_adding_problem_scores_about_one_sixth():
    _, y = datasets.make_adding_problem(20_000, 4, seed=1)
    assert sum((t - 1.0) ** 2 for t in y) / len(y) == pytest.approx(1 / 6, abs=0.005)


def test_the_adding_problem_is_the_same_for_the_same_seed():
    assert datasets.make_adding_problem(5, 10, seed=3) == datasets.make_adding_problem(
        5, 10, seed=3
    )
    assert datasets.make_adding_problem(5, 10, seed=3) != datasets.make_adding_problem(
        5, 10, seed=4
    )


@pytest.mark.parametrize(("n", "length", "message"), [(10, 1, "length"), (0, 5, "n_samples")])
def test_an_adding_problem_too_short_or_empty_is_refused(n, length, message):
    with pytest.raises(ValueError, match=message):
        datasets.make_adding_problem(n, length, seed=0)

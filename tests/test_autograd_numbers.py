"""autograd.numbers: the one way a Value or a number becomes a float; the one finiteness test."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, compile
from autograd.numbers import is_finite, number_of


@given(st.floats(allow_nan=False))
def test_number_of_a_value_is_its_data_and_of_a_number_the_number(x):
    assert number_of(Value(x)) == x
    assert number_of(x) == x
    assert type(number_of(np.float32(1.5))) is float


def test_number_of_takes_every_real_number():
    assert [number_of(n) for n in (3, True, Fraction(1, 4), np.int64(2))] == [3.0, 1.0, 0.25, 2.0]


@pytest.mark.parametrize("x", ["1.0", None, 1j, [1.0], np.array([1.0, 2.0])])
def test_number_of_anything_else_is_a_type_error_naming_it(x):
    with pytest.raises(TypeError, match="the result must be a real number"):
        number_of(x, "the result")


def test_number_of_a_traced_value_reads_its_data_without_stopping_the_trace():
    seen = []

    def f(x):
        seen.append(number_of(x))
        return x * x

    assert compile(f, [])(3.0) == 9.0
    assert seen[0] == 3.0


@given(st.floats())
def test_is_finite_agrees_with_math_isfinite_on_floats_and_values(x):
    assert is_finite(x) == is_finite(Value(x)) == math.isfinite(x)

"""What the hostile-input tests share: Hypothesis strategies for numbers beyond the float
range (as Python objects and as text), the checks every refusal must pass, and a way to run the
command line in-process inside a property test (where pytest's capsys cannot be used)."""

from __future__ import annotations

import contextlib
import io
import math

from hypothesis import strategies as st

from chainrule.cli import main

#: Integers beyond the float range: 10**400, 10**5000 (more digits than Python prints), and
#: those just below 2**1024 that float() rounds up to 2**1024 and refuses.
huge_ints = st.one_of(
    st.sampled_from([(10, 400), (-10, 401), (10, 5000), (2, 1024)]).map(
        lambda b_e: b_e[0] ** b_e[1]
    ),
    st.sampled_from([1, -1]).map(lambda sign: sign * (2**1024 - 1)),
    st.integers(309, 6000).map(lambda digits: 10**digits),
    st.integers(1, 2**969).map(lambda below: 2**1024 - below),
    st.tuples(st.integers(1025, 20_000), st.integers(1, 2**64)).map(
        lambda pair: pair[1] << pair[0]
    ),
)
not_finite = st.sampled_from([math.inf, -math.inf, math.nan])
#: Every number a float cannot hold as a finite value.
hostile_numbers = st.one_of(huge_ints, not_finite)


def _written(digits: int, sign: str, first: str) -> str:
    return sign + first + "0" * digits


#: Text for a number no float holds finitely: digits far beyond the float range (more than
#: Python converts to an int), exponents beyond it, and the words for inf and NaN.
hostile_texts = st.one_of(
    st.builds(
        _written, st.integers(309, 6000), st.sampled_from(["", "-", "+"]), st.sampled_from("19")
    ),
    st.builds("{}e{}".format, st.integers(1, 9), st.integers(309, 10**6)),
    st.builds("-{}.5E+{}".format, st.integers(1, 9), st.integers(309, 10**6)),
    st.sampled_from(
        ["inf", "-inf", "+inf", "nan", "NaN", "-nan", "Infinity", "-Infinity", "1e400"]
    ),
    st.sampled_from(["1.8e308", "2e308", "-1.7976931348623159e308"]),
)


def assert_one_clear_line(message: str, given: str | None = None) -> None:
    """A refusal a person can read: one short line, no traceback, no Python internals, and no
    infinity or NaN the user did not write."""
    assert message.count("\n") <= 1, message
    assert len(message) < 400, message[:400]
    for internal in ("Traceback", "OverflowError", "set_int_max_str_digits", "Exceeds the limit"):
        assert internal not in message, message
    if given is not None:
        for word in ("inf", "nan"):
            if word in message.lower():
                assert word in given.lower(), (message, given[:50])


def run_cli(*argv: str) -> tuple[int, str, str]:
    """``chainrule ARGV`` in this process: its exit code, what it printed and its errors."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()

"""Numbers from outside: every place that reads a number a user typed or a file holds refuses
integers beyond the float range, inf and NaN with one clear error (exit code 2 on the command
line), never an OverflowError, never a message naming a number the user did not give."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.hostile import (
    assert_one_clear_line,
    hostile_numbers,
    hostile_texts,
    huge_ints,
    not_finite,
    run_cli,
)

import nn
from autograd import Value
from autograd.numbers import as_float, finite_float, number_from_text
from chainrule.expression import ExpressionError, parse_expression


# -- the one helper ---------------------------------------------------------------------------
@given(huge_ints)
def test_a_value_refuses_an_integer_beyond_the_float_range_naming_its_argument(x):
    with pytest.raises(ValueError, match="data is too large for a float") as refused:
        Value(x)
    assert not isinstance(refused.value, OverflowError)
    assert_one_clear_line(str(refused.value))


@given(not_finite)
def test_a_value_holds_inf_and_nan_by_float_rules(x):
    assert math.isnan(Value(x).data) if math.isnan(x) else Value(x).data == x


@given(
    st.one_of(hostile_numbers, st.builds(Fraction, huge_ints), st.builds(np.float64, not_finite))
)
def test_finite_float_refuses_what_no_float_holds_finitely_in_one_line(x):
    with pytest.raises(ValueError, match=r"^lr must be a finite number > 0, got ") as refused:
        finite_float(x, "lr", above=0)
    assert_one_clear_line(str(refused.value), given=repr(float(x)) if _fits(x) else "")


def _fits(x: object) -> bool:
    try:
        float(x)  # type: ignore[arg-type]
    except OverflowError:
        return False
    return True


@given(hostile_texts)
def test_number_from_text_refuses_what_no_float_holds_showing_the_text(text):
    with pytest.raises(ValueError, match=r"^x must be a finite number, got '") as refused:
        number_from_text(text, "x")
    assert text[:20] in str(refused.value)
    assert_one_clear_line(str(refused.value), given=text)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_passes_unchanged(x):
    assert finite_float(x, "x") == x == number_from_text(repr(x), "x") == as_float(x)


# -- settings of the library ------------------------------------------------------------------
SETTINGS = {
    "SGD lr": lambda v: nn.SGD([Value(1.0)], lr=v),
    "SGD momentum": lambda v: nn.SGD([Value(1.0)], lr=0.1, momentum=v),
    "Adam beta1": lambda v: nn.Adam([Value(1.0)], betas=(v, 0.999)),
    "RMSprop eps": lambda v: nn.RMSprop([Value(1.0)], eps=v),
    "weight_decay": lambda v: nn.SGD([Value(1.0)], lr=0.1, weight_decay=v),
    "dropout p": lambda v: nn.Dropout(v),
    "MLP dropout": lambda v: nn.MLP(2, [2, 1], dropout=v),
    "noise": lambda v: nn.datasets.make_moons(10, noise=v),
    "factor": lambda v: nn.datasets.make_circles(10, factor=v),
    "test_fraction": lambda v: nn.datasets.train_test_split([[0.0]] * 4, [0] * 4, v),
    "l2 penalty": lambda v: nn.l2_penalty([Value(1.0)], v),
    "StepDecay gamma": lambda v: nn.StepDecay(0.1, 10, v),
    "LinearDecay end_lr": lambda v: nn.LinearDecay(0.1, v, 10),
    "hinge_loss target": lambda v: nn.hinge_loss([Value(0.5)], [v]),
    "binary_cross_entropy target": lambda v: nn.binary_cross_entropy([Value(0.5)], [v]),
}


@given(st.sampled_from(sorted(SETTINGS)), hostile_numbers)
def test_every_setting_refuses_what_no_float_holds_finitely(setting, x):
    with pytest.raises(ValueError) as refused:
        SETTINGS[setting](x)
    assert not isinstance(refused.value, OverflowError)
    assert_one_clear_line(str(refused.value), given=repr(x) if isinstance(x, float) else "")


@given(st.sampled_from(["nin", "nout"]), huge_ints)
def test_sizes_refuse_integers_beyond_any_limit_in_one_line(what, n):
    with pytest.raises(ValueError, match=f"{what} must be an integer from 1 to") as refused:
        nn.Layer(n if what == "nin" else 2, n if what == "nout" else 2)
    assert_one_clear_line(str(refused.value))


@given(hostile_numbers)
def test_load_state_dict_refuses_what_no_float_holds_finitely_and_changes_nothing(x):
    model = nn.Neuron(1, seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="parameter b must be a finite number") as refused:
        model.load_state_dict({"w1": 0.5, "b": x})
    assert model.state_dict() == before
    assert_one_clear_line(str(refused.value), given=repr(x) if isinstance(x, float) else "")


# -- model files --------------------------------------------------------------------------------
#: A JSON number no float holds finitely, as it would be written in a file.
json_hostile = st.one_of(
    hostile_texts.filter(lambda text: text.lstrip("+-")[0].isdigit() and not text.startswith("+")),
    st.sampled_from(["NaN", "Infinity", "-Infinity"]),
)
#: Where a number sits in a model file, and how to put one there.
PLACES = {
    "a parameter": lambda d, t: d["parameters"].__setitem__("layer1.neuron1.w1", t),
    "nin": lambda d, t: d["config"].__setitem__("nin", t),
    "a layer size": lambda d, t: d["config"]["nouts"].__setitem__(0, t),
    "dropout": lambda d, t: d["config"].__setitem__("dropout", t),
    "version": lambda d, t: d.__setitem__("version", t),
}
_MARK = "@@NUMBER@@"


@given(st.sampled_from(sorted(PLACES)), json_hostile)
def test_a_model_file_refuses_a_number_no_float_holds_naming_the_file(
    tmp_path_factory, place, text
):
    folder = tmp_path_factory.mktemp("files")
    nn.save(nn.MLP(2, [3, 1], seed=0), folder / "good.json")
    document = json.loads((folder / "good.json").read_text())
    PLACES[place](document, _MARK)
    path = folder / "bad.json"
    path.write_text(json.dumps(document).replace(f'"{_MARK}"', text))
    with pytest.raises(nn.ModelFileError, match=r"bad\.json") as refused:
        nn.load(path)
    assert_one_clear_line(str(refused.value).replace(str(folder), ""), given=text)


# -- the command line ---------------------------------------------------------------------------
#: Every option of every command that reads a number, with the words before it. The number is
#: given as ``--option=TEXT`` (so that ``-inf`` is not taken for an option) or after ``--``.
OPTIONS = {
    "train --samples": ["train"],
    "train --noise": ["train"],
    "train --classes": ["train"],
    "train --test-fraction": ["train"],
    "train --lr": ["train"],
    "train --l2": ["train"],
    "train --steps": ["train"],
    "train --batch-size": ["train"],
    "train --seed": ["train"],
    "train --hidden": ["train"],
    "predict X": ["predict", "--model", "model.json", "--", "1"],
    "draw --max-nodes": ["draw", "x", "x=1", "-o", "x.svg"],
    "check --order": ["check", "x", "x=1"],
    "check --eps": ["check", "x", "x=1"],
    "check --atol": ["check", "x", "x=1"],
    "check --rtol": ["check", "x", "x=1"],
}


@given(st.sampled_from(sorted(OPTIONS)), hostile_texts)
def test_every_number_option_refuses_what_no_float_holds_in_one_line(option, text):
    name = option.split()[-1]
    if name == "X":
        argv = [*OPTIONS[option], text]
    else:
        argv = [*OPTIONS[option], f"{name}=16,{text}" if name == "--hidden" else f"{name}={text}"]
    code, printed, err = run_cli(*argv)
    assert (code, printed) == (2, "")
    assert err.startswith(f"chainrule: error: chainrule {option.split()[0]}: argument {name}: ")
    assert_one_clear_line(err.rstrip("\n"), given=text)


@given(st.sampled_from(["draw", "check"]), hostile_texts)
def test_a_binding_refuses_what_no_float_holds_in_one_line(tmp_path_factory, command, text):
    out = tmp_path_factory.mktemp("out") / "x.svg"
    argv = [command, "x * y", "x=1", f"y={text}", *(["-o", str(out)] if command == "draw" else [])]
    code, _, err = run_cli(*argv)
    assert code == 2
    assert err.startswith("chainrule: error: y must be a finite number, got ")
    assert_one_clear_line(err.rstrip("\n"), given=text)
    assert not out.exists()


# -- expressions --------------------------------------------------------------------------------
def _literal(n: int) -> str:
    """``n`` written out in decimal, however many digits (``str`` refuses a few thousand)."""
    return format(n, "d") if n.bit_length() < 10_000 else "9" * 3000


expression_literals = st.one_of(
    huge_ints.filter(lambda n: n > 0 and n.bit_length() < 6000).map(_literal),
    huge_ints.filter(lambda n: n > 0 and n.bit_length() < 7000).map(lambda n: f"{n:#x}"),
    st.builds("{}e{}".format, st.integers(1, 9), st.integers(309, 10**6)),
    st.builds("{}.{}E{}".format, st.integers(1, 9), st.integers(0, 99), st.integers(309, 999)),
)


@given(expression_literals, st.sampled_from(["x * {}", "{} + x", "sin(x) ** {}", "-{}*x"]))
def test_an_expression_refuses_a_number_too_large_for_a_float(literal, template):
    text = template.format(literal)
    if len(text) > 2000:
        text = template.format(literal[:1500])
    with pytest.raises(ExpressionError) as refused:
        parse_expression(text)
    message = str(refused.value)
    assert "number too large for a float" in message or "characters long" in message
    assert_one_clear_line(message, given=text)

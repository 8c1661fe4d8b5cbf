"""The expression parser: a whitelist of syntax, evaluated into a graph of ``Value`` nodes."""

from __future__ import annotations

import builtins
import math

import pytest

from autograd import Value
from chainrule.expression import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    parse_expression,
)


def test_the_neuron_evaluates_like_the_same_values_built_by_hand() -> None:
    f = parse_expression("tanh(x1*w1 + x2*w2 + b)")
    out = f.evaluate({"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432})
    assert out.data == pytest.approx(math.tanh(2 * -3 + 6.8813735870195432))
    assert out.op == "tanh"


def test_names_are_listed_in_order_of_first_appearance() -> None:
    assert parse_expression("tanh(x1*w1 + x2*w2 + b) + x1").names == ("x1", "w1", "x2", "w2", "b")


def test_a_call_binds_the_names_in_order() -> None:
    f = parse_expression("x - y")
    assert f(5.0, 2.0).data == 3.0


def test_a_call_with_the_wrong_number_of_values_says_which_it_takes() -> None:
    with pytest.raises(TypeError, match=r"takes 2 values \(x, y\), got 1"):
        parse_expression("x - y")(1.0)


def test_evaluating_builds_a_graph_that_backpropagates() -> None:
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    out = parse_expression("x*y + sin(x)").evaluate({"x": x, "y": y})
    out.backward()
    assert x.grad == pytest.approx(2.0 + math.cos(0.5))
    assert y.grad == pytest.approx(0.5)


def test_variables_are_labelled_by_their_names() -> None:
    out = parse_expression("x * y").evaluate({"x": 1.0, "y": 2.0})
    assert [node.label for node in out.inputs] == ["x", "y"]


def test_with_label_short_sub_expressions_label_their_nodes() -> None:
    out = parse_expression("tanh(x1*w1 + b)").evaluate({"x1": 1, "w1": 2, "b": 3}, label=True)
    assert out.label == "tanh(x1*w1 + b)"
    assert out.inputs[0].label == "x1*w1 + b"
    assert out.inputs[0].inputs[0].label == "x1*w1"


def test_long_sub_expressions_leave_their_nodes_unlabelled() -> None:
    text = "x + " * 10 + "x"
    out = parse_expression(text).evaluate({"x": 1.0}, label=True)
    assert out.label == ""


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_computes_what_the_value_method_does(name: str) -> None:
    got = parse_expression(f"{name}(x)")(0.7)
    assert got.data == FUNCTIONS[name](Value(0.7)).data


def test_a_constant_exponent_allows_a_negative_base() -> None:
    x = Value(-3.0)
    out = parse_expression("x ** 2").evaluate({"x": x})
    out.backward()
    assert (out.data, x.grad) == (9.0, -6.0)


def test_a_constant_exponent_may_be_an_expression_of_numbers() -> None:
    assert parse_expression("x ** (1/2)")(9.0).data == pytest.approx(3.0)
    assert parse_expression("x ** -1")(4.0).data == 0.25


def test_a_variable_exponent_is_differentiated_in_the_exponent_too() -> None:
    x, y = Value(2.0), Value(3.0)
    out = parse_expression("x ** y").evaluate({"x": x, "y": y})
    out.backward()
    assert y.grad == pytest.approx(8.0 * math.log(2.0))


def test_unary_plus_and_minus_and_parentheses() -> None:
    assert parse_expression("-(x - 3) * +2")(1.0).data == 4.0


def test_an_unbound_name_is_named_with_an_example() -> None:
    with pytest.raises(ExpressionError, match=r"no value for z: give one, e\.g\. z=1\.0"):
        parse_expression("x + z").evaluate({"x": 1.0})


def test_a_value_for_a_name_that_is_not_used_is_a_mistake() -> None:
    with pytest.raises(ExpressionError, match="y is given a value but not used"):
        parse_expression("x + 1").evaluate({"x": 1.0, "y": 2.0})


def test_a_domain_error_names_the_op() -> None:
    with pytest.raises(ValueError, match="log"):
        parse_expression("log(x)")(0.0)


def test_evaluation_never_calls_eval_or_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object) -> None:
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert parse_expression("sqrt(x) * 2 ** 3")(4.0).data == 16.0


HOSTILE = {
    "__import__('os').system('echo hi')": "only the engine's functions can be called",
    "x.__class__": "attribute access not allowed",
    "[x for x in y]": "comprehensions not allowed",
    "(x for x in y)": "generator expressions not allowed",
    "lambda: 1": "lambda not allowed",
    "open('f')": "unknown function 'open'",
    "eval('1')": "unknown function 'eval'",
    "x[0]": "subscripts not allowed",
    "sin(x=1)": "sin takes no keyword arguments",
    "sin(x, y)": "sin takes exactly one argument, got 2",
    "sin(*x)": "starred arguments not allowed",
    "sin": "sin is a function",
    "x if y else z": "conditional expressions not allowed",
    "x < y": "comparisons not allowed",
    "x and y": "'and' / 'or' not allowed",
    "(x := 1)": "assignment",
    "x, y": "tuples not allowed",
    "{x: 1}": "dicts not allowed",
    "f'{x}'": "f-strings not allowed",
    "'text'": "str 'text' is not a real number",
    "True": "bool True is not a real number",
    "1j": "complex 1j is not a real number",
    "_secret": "names cannot start with _",
    "x // 2": "the operator // is not supported",
    "x ^ 2": "write a power as **",
    "not x": "the operator not is not supported",
    "x +": "syntax error",
    "": "the expression is empty",
    "x\0": "null bytes",
    "1e999": "number too large for a float",
    "9" * 400: "number too large for a float",
    "9**9**9**9": "overflow or NaN",
    "10 ** 400": "overflow or NaN",
    "exp(1000)": "overflow or NaN",
    "(" * 150 + "1" + ")" * 150: "parentheses are nested more than 100 levels deep",
    "-" * 500 + "1": "nested more than 100 levels deep",
    "1" + "+1" * 150: "nested more than 100 levels deep",
    "1" * (MAX_LENGTH + 1): f"more than the {MAX_LENGTH} allowed",
}


@pytest.mark.parametrize("text", list(HOSTILE))
def test_anything_outside_the_whitelist_gets_a_one_line_message(text: str) -> None:
    with pytest.raises(ExpressionError) as refused:
        parse_expression(text).evaluate({})
    message = str(refused.value)
    assert HOSTILE[text] in message
    assert "\n" not in message
    assert len(message) < 400


def test_a_refusal_says_where_the_problem_is() -> None:
    with pytest.raises(ExpressionError, match=r"'x\.__class__' at column 5"):
        parse_expression("1 + x.__class__")


def test_a_refusal_of_syntax_lists_what_is_allowed() -> None:
    with pytest.raises(ExpressionError, match=r"allowed: numbers, variables, \+ - \* / \*\*"):
        parse_expression("x % 2")


def test_nesting_just_inside_the_limits_is_fine() -> None:
    deep = "(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1)
    assert parse_expression(deep)(2.0).data == 2.0
    assert parse_expression("x" + " + x" * (MAX_DEPTH - 2))(1.0).data == MAX_DEPTH - 1


def test_a_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        parse_expression(3)  # type: ignore[arg-type]


def test_any_warning_while_parsing_is_the_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import ast
    import warnings

    parse = ast.parse

    def warns(*args: object, **kwargs: object) -> ast.AST:
        warnings.warn("a parser's own remark", DeprecationWarning, stacklevel=1)
        return parse(*args, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(ast, "parse", warns)
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # the test fails, not merely warns, if it leaks
        with pytest.raises(ExpressionError, match="not a valid expression: a parser's own remark"):
            parse_expression("x + 1")

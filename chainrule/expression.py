"""Expressions typed on the command line, such as ``tanh(x1*w1 + x2*w2 + b)``, made safe to run.

The text is parsed with Python's own parser (``ast.parse(mode="eval")``), and then every node of
the syntax tree is checked against a whitelist before anything is computed: numbers, variable
names, ``+ - * / **``, unary ``-`` and ``+``, parentheses and calls of the engine's one-argument
functions. Nothing is ever handed to ``eval`` or ``exec``: evaluating a checked tree only builds
``Value`` nodes, so an expression can compute numbers and nothing else.

Every rejection is an :class:`ExpressionError` whose one-line message names the problem and
where it is.
"""

from __future__ import annotations

import ast
import contextlib
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import SupportsFloat

from autograd import detect_anomaly
from autograd.errors import AnomalyError
from autograd.numbers import NumberError, finite_float, listed, short_repr
from autograd.value import Value

#: The functions an expression may call, each with exactly one argument.
FUNCTIONS: Mapping[str, Callable[[Value], Value]] = {
    "abs": Value.__abs__,
    "cos": Value.cos,
    "exp": Value.exp,
    "leaky_relu": Value.leaky_relu,
    "log": Value.log,
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "sin": Value.sin,
    "softplus": Value.softplus,
    "sqrt": Value.sqrt,
    "tanh": Value.tanh,
}

#: Longer or deeper input is refused before it can cost time or memory.
MAX_LENGTH = 2000
MAX_DEPTH = 100

#: Sub-expressions up to this long label their node on a drawing (``x1*w1``); longer ones don't.
MAX_LABEL = 24

_BINARY: Mapping[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: Value.__add__,
    ast.Sub: Value.__sub__,
    ast.Mult: Value.__mul__,
    ast.Div: Value.__truediv__,
}

#: What the refused kinds of syntax are called in a message.
_REFUSED: Mapping[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and' / 'or'",
    ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignment (:=)",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.JoinedStr: "f-strings",
    ast.Starred: "starred arguments",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}

_OPERATORS: Mapping[type[ast.AST], str] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.BitXor: "^ (write a power as **)",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Not: "not",
    ast.Invert: "~",
}

#: What an expression may contain, in words: for messages and the command line's help.
ALLOWED = "numbers, variables, + - * / **, parentheses and the functions " + ", ".join(FUNCTIONS)


class ExpressionError(ValueError):
    """An expression that cannot be parsed, is not allowed, or cannot be evaluated."""


def parse_expression(text: str) -> ParsedExpression:
    """Parse and check ``text``; the result can then be evaluated for any values of its names.

    Raises :class:`ExpressionError` for syntax errors, anything outside the whitelist, input
    longer than ``MAX_LENGTH`` characters or nested deeper than ``MAX_DEPTH`` levels, and
    numbers too large for a float.
    """
    if not isinstance(text, str):
        raise TypeError(f"an expression must be a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long, more than the {MAX_LENGTH} allowed"
        )
    if not text.strip():
        raise ExpressionError("the expression is empty")
    _check_parentheses(text)
    try:
        with warnings.catch_warnings():
            # A warning from the parser (2in(x): "invalid decimal literal") would print a line of
            # its own; as an error it becomes this function's one-line message. A SyntaxWarning
            # turns into a SyntaxError.
            warnings.simplefilter("error")
            tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        where = f" at column {error.offset}" if error.offset else ""
        raise ExpressionError(f"syntax error{where}: {error.msg}") from None
    except (ValueError, RecursionError, MemoryError, Warning) as error:
        # The parser's own limits (null bytes, nesting it cannot handle) and its warnings.
        raise ExpressionError(f"not a valid expression: {error}") from None
    _check_depth(tree)
    names: list[str] = []
    _Checker(text.strip(), names).visit(tree)
    return ParsedExpression(text.strip(), tuple(names), tree)


@dataclass(frozen=True)
class ParsedExpression:
    """A checked expression: evaluate it with :meth:`evaluate` or call it like a function.

    ``names`` are its variables in order of first appearance, which is also the order of the
    arguments of a call: ``parse_expression("x*y + sin(x)")(0.5, 2.0)``.
    """

    text: str
    names: tuple[str, ...]
    tree: ast.expr

    def __call__(self, *values: Value | SupportsFloat) -> Value:
        """The expression's value with its names bound in the order of ``names``."""
        if len(values) != len(self.names):
            raise TypeError(
                f"{self.text!r} takes {len(self.names)} values ({', '.join(self.names)}), "
                f"got {len(values)}"
            )
        return self.evaluate(dict(zip(self.names, values, strict=True)))

    def evaluate(
        self, bindings: Mapping[str, Value | SupportsFloat], *, label: bool = False
    ) -> Value:
        """The expression's value as a graph of ``Value`` nodes, its names bound to ``bindings``.

        Every name must be bound and every binding used: a typo gets a message instead of a
        silently wrong graph. With ``label=True`` each new node whose source text is short is
        labelled with it (``x1*w1``), for drawings.
        """
        unbound = [name for name in self.names if name not in bindings]
        if unbound:
            raise ExpressionError(
                f"no value for {listed(unbound)}: give one, e.g. {listed(unbound[:1])}=1.0"
            )
        unused = [name for name in bindings if name not in self.names]
        if unused:
            raise ExpressionError(
                f"{listed(unused)} {'is' if len(unused) == 1 else 'are'} given a value "
                f"but not used in {short_repr(self.text)}"
            )
        nodes = {
            name: value if isinstance(value, Value) else Value(value, label=name)
            for name, value in bindings.items()
        }
        with finite_arithmetic():
            return _Evaluator(self.text if label else None, nodes).value(self.tree)


@contextlib.contextmanager
def finite_arithmetic() -> Iterator[None]:
    """Refuse the first op that makes inf or NaN from finite numbers, as an ExpressionError.

    ``9**9**9**9`` is inf, not an answer; anomaly mode names the op that overflowed (in the
    forward pass, and in a backward pass run inside the block).
    """
    try:
        with detect_anomaly():
            yield
    except AnomalyError as error:
        raise ExpressionError(f"overflow or NaN: {error}") from None


def _check_parentheses(text: str) -> None:
    """Refuse parentheses nested deeper than ``MAX_DEPTH`` (the syntax tree does not show them)."""
    depth = 0
    for character in text:
        depth += (character == "(") - (character == ")")
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"parentheses are nested more than {MAX_DEPTH} levels deep: split the expression"
            )


def _check_depth(tree: ast.AST) -> None:
    """Refuse trees deeper than ``MAX_DEPTH``, walking iteratively so that depth cannot hurt."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"the expression is nested more than {MAX_DEPTH} levels deep: split it up"
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


class _Checker(ast.NodeVisitor):
    """Walks a parsed tree and raises on the first node outside the whitelist.

    Collects the variable names in order of first appearance.
    """

    def __init__(self, text: str, names: list[str]):
        self.text = text
        self.names = names

    def refuse(self, node: ast.AST, problem: str, *, hint: bool = False) -> ExpressionError:
        allowed = f"; allowed: {ALLOWED}" if hint else ""
        return ExpressionError(f"{problem}{_where(self.text, node)}{allowed}")

    def generic_visit(self, node: ast.AST) -> None:
        what = _REFUSED.get(type(node), type(node).__name__)
        raise self.refuse(node, f"{what} not allowed", hint=True)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.refuse(
                node, f"{type(value).__name__} {short_repr(value)} is not a real number"
            )
        try:
            finite_float(value, "a number")
        except NumberError:
            # The parser reads 1e400 as inf: the message shows the text, not inf.
            raise self.refuse(node, "number too large for a float") from None

    def visit_Name(self, node: ast.Name) -> None:
        if node.id.startswith("_"):
            raise self.refuse(
                node, f"the name {node.id!r} is not allowed (names cannot start with _)"
            )
        if node.id in FUNCTIONS:
            raise self.refuse(node, f"{node.id} is a function: call it, e.g. {node.id}(x)")
        if node.id not in self.names:
            self.names.append(node.id)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if type(node.op) not in _BINARY and not isinstance(node.op, ast.Pow):
            operator = _OPERATORS[type(node.op)]
            raise self.refuse(node, f"the operator {operator} is not supported", hint=True)
        self.visit(node.left)
        self.visit(node.right)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if not isinstance(node.op, ast.USub | ast.UAdd):
            operator = _OPERATORS[type(node.op)]
            raise self.refuse(node, f"the operator {operator} is not supported", hint=True)
        self.visit(node.operand)

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        if not isinstance(function, ast.Name):
            raise self.refuse(node, "only the engine's functions can be called", hint=True)
        name = function.id
        if name not in FUNCTIONS:
            raise self.refuse(node, f"unknown function {name!r}", hint=True)
        if node.keywords:
            raise self.refuse(node, f"{name} takes no keyword arguments")
        if len(node.args) != 1:
            raise self.refuse(node, f"{name} takes exactly one argument, got {len(node.args)}")
        self.visit(node.args[0])


class _Evaluator:
    """Builds the ``Value`` graph of a checked tree, recursively: its depth is at most 100."""

    def __init__(self, text: str | None, variables: Mapping[str, Value]):
        self.text = text
        self.variables = variables

    def value(self, node: ast.expr) -> Value:
        result = self._compute(node)
        if self.text is not None and not result.label:
            segment = ast.get_source_segment(self.text, node) or ""
            if len(segment) <= MAX_LABEL:
                result.label = segment
        return result

    def _compute(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, int | float)
            return Value(node.value)
        if isinstance(node, ast.Name):
            return self.variables[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            return FUNCTIONS[node.func.id](self.value(node.args[0]))
        assert isinstance(node, ast.BinOp)
        left = self.value(node.left)
        if isinstance(node.op, ast.Pow) and not _has_names(node.right):
            # A constant exponent makes xᶜ, defined for negative x too; a variable one
            # makes xʸ, whose derivative in y needs ln x.
            return left ** self.value(node.right).data
        right = self.value(node.right)
        if isinstance(node.op, ast.Pow):
            return left**right
        return _BINARY[type(node.op)](left, right)


def _has_names(node: ast.AST) -> bool:
    return any(isinstance(child, ast.Name) for child in ast.walk(node))


def _where(text: str, node: ast.AST) -> str:
    """``: 'x.__class__' at column 3``, shortened and on one line."""
    segment = " ".join((ast.get_source_segment(text, node) or "").split())
    if len(segment) > 40:
        segment = segment[:37] + "..."
    line, offset = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
    # The parser counts UTF-8 bytes; a reader counts characters.
    column = len(text.splitlines()[line - 1].encode()[:offset].decode(errors="ignore")) + 1
    where = f" at column {column}" if line == 1 else f" at line {line}, column {column}"
    return f": {segment!r}{where}"

"""The explorer page as written by Python: its parts, its data, the op table as JavaScript,
its options and its size. (What it does in a browser: test_autograd_draw_explorer_browser.py.)"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support.graphs import neuron

from autograd import Value, explore, ops, topological_order
from autograd.draw import Explorer, GraphTooLargeError
from autograd.draw.javascript import RUNTIME, rule_function
from autograd.ops import MATH_FUNCTIONS, Math, Op, Operand
from autograd.symbols import JAVASCRIPT, PYTHON, NotWritable, Symbol, SymbolMath, constant
from benchmarks.drawing import recurrent_chain
from chainrule.cli import main


def graph_data(page: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" class="cr-graph">(.*?)</script>', page)
    assert found is not None
    data: dict[str, object] = json.loads(found.group(1))
    return data


# -- the op table as JavaScript ------------------------------------------------------------------
def test_the_runtime_defines_every_function_of_the_math_protocol() -> None:
    assert set(RUNTIME) == set(MATH_FUNCTIONS)


def test_symbol_math_provides_every_function_of_the_math_protocol() -> None:
    assert all(callable(getattr(SymbolMath, name)) for name in MATH_FUNCTIONS)


def test_a_rule_is_written_from_the_op_table() -> None:
    assert rule_function(ops.TANH, 1) == (
        "function (x) { var out = m.tanh(x[0]); return [out, [1.0 - out * out]]; }"
    )
    assert rule_function(ops.MUL, 2) == (
        "function (x) { var out = x[0] * x[1]; return [out, [x[1], x[0]]]; }"
    )


def test_a_constant_power_is_written_for_the_page_as_for_the_eager_engine() -> None:
    rule = (Value(3.0) ** 2).rule
    assert rule is not None and rule.eager_source is not None
    assert "node.data = out = x0 * x0" in rule.eager_source
    assert rule_function(rule, 1) == (
        "function (x) { var out = x[0] * x[0]; return [out, [2.0 * x[0]]]; }"
    )


def test_a_sum_is_written_in_the_order_python_adds() -> None:
    assert "var out = x[4] + x[0] * x[2] + x[1] * x[3];" in rule_function(ops.LINEAR, 5)


def test_numbers_are_written_as_javascript_reads_them() -> None:
    assert [constant(x, JAVASCRIPT).code for x in (0.1, -2.5, 1e-300, math.inf, -math.inf)] == [
        "0.1",
        "-2.5",
        "1e-300",
        "Infinity",
        "-Infinity",
    ]
    assert constant(math.nan, JAVASCRIPT).code == "NaN"


def test_one_writer_spells_the_same_code_in_python_and_in_javascript() -> None:
    def written(m: SymbolMath) -> str:
        x = Symbol("x", target=m.target)
        return (m.relu(x) * math.inf - m.exp(-x) / (1.0 + abs(x))).code

    python, javascript = (SymbolMath(scalar=True, target=t) for t in (PYTHON, JAVASCRIPT))
    assert written(python) == "(0.0 if x <= 0.0 else x) * inf - exp(-x) / (1.0 + abs(x))"
    assert written(javascript) == "(x <= 0.0 ? 0.0 : x) * Infinity - m.exp(-x) / (1.0 + m.abs(x))"


def test_a_double_negation_is_not_written_as_a_decrement() -> None:
    negated = -Symbol("x", target=JAVASCRIPT)
    assert (-negated).code == "-(-x)"


def test_parentheses_follow_precedence() -> None:
    x, y, z = (Symbol(name, target=JAVASCRIPT) for name in "xyz")
    assert ((x + y) * z).code == "(x + y) * z"
    assert (x - (y - z)).code == "x - (y - z)"
    assert (x / (y * z)).code == "x / (y * z)"
    assert (x * 1.0 + 0.0).code == "x"


class Branchy(Op):
    name = symbol = "branchy"

    def forward(self, m: Math, x: Operand) -> Operand:
        return x if x > 0 else -x

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (1.0,)


def test_a_rule_that_branches_on_an_operand_cannot_be_written() -> None:
    with pytest.raises(NotWritable):
        rule_function(Branchy(), 1)


class TwoForOne(Op):
    name = symbol = "two"

    def forward(self, m: Math, x: Operand) -> Operand:
        return x

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (1.0, 1.0)


def test_a_rule_that_gives_the_wrong_number_of_derivatives_cannot_be_written() -> None:
    with pytest.raises(NotWritable, match="2 derivatives for 1 inputs"):
        rule_function(TwoForOne(), 1)


# -- the page --------------------------------------------------------------------------------------
def test_explore_gives_an_explorer_whose_html_is_a_whole_page() -> None:
    page = explore(neuron())
    assert isinstance(page, Explorer)
    assert page.html.startswith("<!DOCTYPE html>") and page.html.count("<svg") == 1
    assert "<title>o</title>" in page.html


def test_jupyter_shows_the_page_inline_as_a_fragment() -> None:
    fragment = explore(neuron())._repr_html_()
    assert fragment.startswith('<div class="chainrule-explorer"')
    assert "<html" not in fragment and '"standalone": false' in fragment


def test_the_page_holds_the_graph_in_topological_order_with_the_final_gradients() -> None:
    root = neuron()
    data = graph_data(explore(root).html)
    nodes = data["nodes"]
    assert isinstance(nodes, list)
    order = topological_order(root)
    assert [n["label"] for n in nodes] == [v.label for v in order]
    assert [n["grad"] for n in nodes] == [v.grad for v in order]


def test_explore_leaves_the_grads_as_they_were() -> None:
    root = neuron()
    before = [v.grad for v in topological_order(root)]
    explore(root)
    explore(root)
    assert [v.grad for v in topological_order(root)] == before


def test_one_function_per_rule_however_many_nodes_use_it() -> None:
    data = graph_data(explore(recurrent_chain(60)).html)
    assert len(data["code"]) == 2  # type: ignore[arg-type]


def test_an_op_the_page_cannot_compute_is_listed() -> None:
    from autograd.value import _apply

    data = graph_data(explore(_apply(Branchy(), Value(1.0)) * 2).html)
    assert data["unwritable"] == ["branchy (the rule branches on the value of an operand)"]


def test_non_finite_numbers_are_kept_as_names() -> None:
    x = Value(1000.0, label="x")
    data = graph_data(explore(x.exp() * 0.0).html)
    assert data["nodes"][1]["data"] == "inf"  # type: ignore[index]


@pytest.mark.parametrize("option", ["highlight", "pending", "grad_scale", "grads", "show_grad"])
def test_options_the_page_sets_itself_are_refused(option: str) -> None:
    with pytest.raises(TypeError, match=f"explore sets {option} itself"):
        explore(neuron(), **{option: None})


def test_explore_takes_one_value() -> None:
    with pytest.raises(TypeError, match="explore takes one Value, not list"):
        explore([neuron()])  # type: ignore[arg-type]


def test_a_graph_too_large_is_refused() -> None:
    with pytest.raises(GraphTooLargeError):
        explore(recurrent_chain(20), max_nodes=10)


def test_save_writes_the_page_atomically(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text("previous")
    explore(neuron()).save(path)
    assert path.read_text().startswith("<!DOCTYPE html>")
    assert os.listdir(tmp_path) == ["page.html"]


def test_the_page_grows_linearly_with_the_graph() -> None:
    small, large = (len(explore(recurrent_chain(n)).html) for n in (100, 400))
    assert large < 5 * small


def test_a_graph_at_the_size_limit_makes_a_page_of_a_few_megabytes() -> None:
    assert len(explore(recurrent_chain(500), show_local=True).html.encode()) < 4_000_000


def test_importing_autograd_imports_no_third_party_module() -> None:
    code = (
        "import sys, autograd; autograd.Explorer; "
        "print(sorted(m for m in ('graphviz', 'hypothesis', 'playwright') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "['graphviz']"  # only once the explorer is asked for
    code = (
        "import sys, autograd; print([m for m in ('graphviz', 'hypothesis') if m in sys.modules])"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


# -- chainrule draw -o page.html -----------------------------------------------------------------
def test_chainrule_draw_writes_an_exercise_page(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    assert main(["draw", "x*y", "x=1", "y=2", "-o", str(page), "--exercise"]) == 0
    assert graph_data(page.read_text())["exercise"] is True


def test_chainrule_draw_passes_draw_options_to_the_page(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    assert main(["draw", "x*y", "x=1", "y=2", "-o", str(page), "--local"]) == 0
    assert "∂ = 2.0000" in page.read_text()


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["-o", "f.svg", "--exercise"], "--exercise makes an explorer page"),
        (["-o", "f.html", "--no-grad"], "--no-grad draws no gradients"),
    ],
)
def test_chainrule_draw_refuses_options_that_do_not_fit_the_format(
    argv: list[str],
    problem: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["draw", "x", "x=1", *argv]) == 2
    err = capsys.readouterr().err
    assert problem in err and err.count("\n") == 1
    assert os.listdir(tmp_path) == []


def test_graphviz_runs_once_per_page(graphviz_runs: list[str]) -> None:
    page = explore(recurrent_chain(100))
    assert page.html.count("<svg") == page._repr_html_().count("<svg") == 1
    assert len(graphviz_runs) == 1


def test_the_page_s_plain_text_names_its_title_and_size_not_its_html():
    page = explore(neuron())
    assert repr(page) == f"Explorer(title={page.title!r}, nodes=10)"

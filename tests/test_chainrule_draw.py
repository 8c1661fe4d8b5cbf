"""``chainrule draw`` and ``chainrule check``, with good and hostile input."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.cli import main
from chainrule.expression import FUNCTIONS

SVG = "{http://www.w3.org/2000/svg}"
NEURON = ["tanh(x1*w1 + x2*w2 + b)", "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]
CHAINRULE = Path(sys.executable).with_name("chainrule")


def texts(svg_file: Path) -> list[str]:
    root = ET.fromstring(svg_file.read_bytes())
    return [(t.text or "").replace("\xa0", " ").strip() for t in root.iter(f"{SVG}text")]


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run a command that must fail as a usage error; its one-line message."""
    assert main(list(argv)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("chainrule: error: ") and err.count("\n") == 1
    assert "Traceback" not in err
    return err


# -- draw ----------------------------------------------------------------------------------------
def test_draw_writes_the_neurons_graph_with_data_and_grads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture = tmp_path / "neuron.svg"
    assert main(["draw", *NEURON, "-o", str(picture)]) == 0
    assert capsys.readouterr().out == f"wrote {picture}\n"
    drawn = texts(picture)
    for text in ["x1", "w1", "x1*w1", "tanh(x1*w1 + x2*w2 + b)", "2.0000", "-1.5000", "0.7071"]:
        assert text in drawn
    assert drawn.count("grad") == 10


def test_draw_titles_the_picture_with_the_expression(tmp_path: Path) -> None:
    picture = tmp_path / "f.svg"
    assert main(["draw", "x*y + sin(x)", "x=0.5", "y=2", "-o", str(picture)]) == 0
    assert texts(picture)[0] == "x*y + sin(x)"
    assert main(["draw", "x*y", "x=1", "y=2", "-o", str(picture), "--title", "a product"]) == 0
    assert "a product" in texts(picture)


def test_draw_can_label_edges_with_local_derivatives(tmp_path: Path) -> None:
    picture = tmp_path / "f.svg"
    assert main(["draw", *NEURON, "-o", str(picture), "--local"]) == 0
    assert "∂ = -3.0000" in texts(picture)


def test_draw_without_grad_shows_values_only(tmp_path: Path) -> None:
    picture = tmp_path / "f.svg"
    assert main(["draw", *NEURON, "-o", str(picture), "--no-grad"]) == 0
    assert "grad" not in " ".join(texts(picture))


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("f.png", b"\x89PNG"),
        ("f.pdf", b"%PDF"),
        ("f.dot", b"digraph"),
        ("f.gv", b"digraph"),
        ("f.SVG", b"<?xml"),
    ],
)
def test_draw_takes_the_format_from_the_extension(tmp_path: Path, name: str, start: bytes) -> None:
    assert main(["draw", "x * 2", "x=1", "-o", str(tmp_path / name)]) == 0
    assert (tmp_path / name).read_bytes().startswith(start)


def test_draw_to_html_writes_the_explorer_page_with_one_drawing(tmp_path: Path) -> None:
    page = tmp_path / "steps.html"
    assert main(["draw", "x*y + sin(x)", "x=0.5", "y=2", "-o", str(page)]) == 0
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") == 1
    assert 'class="chainrule-explorer"' in html


def test_draw_with_rankdir(tmp_path: Path) -> None:
    dot = tmp_path / "f.dot"
    assert main(["draw", "x * 2", "x=1", "-o", str(dot), "--rankdir", "TB"]) == 0
    assert "rankdir=TB" in dot.read_text()


def test_draw_refuses_an_unknown_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = refused(capsys, "draw", "x", "x=1", "-o", str(tmp_path / "f.jpg"))
    assert "cannot tell the format" in message and ".svg" in message


def test_draw_refuses_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no folder" in refused(capsys, "draw", "x", "x=1", "-o", str(tmp_path / "no" / "f.svg"))


def test_draw_needs_an_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert "-o/--output" in refused(capsys, "draw", "x", "x=1")


def test_draw_refuses_too_many_nodes_with_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = refused(
        capsys, "draw", "x*x*x*x", "x=1", "-o", str(tmp_path / "f.svg"), "--max-nodes", "3"
    )
    assert "more than max_nodes=3" in message


def test_a_failed_draw_keeps_the_previous_picture_and_leaves_no_temporary_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture = tmp_path / "f.svg"
    picture.write_text("previous")
    refused(capsys, "draw", "log(x)", "x=-1", "-o", str(picture))
    refused(capsys, "draw", "x", "x=1", "-o", str(picture), "--max-nodes", "0")
    assert picture.read_text() == "previous"
    assert os.listdir(tmp_path) == ["f.svg"]


def test_a_successful_draw_replaces_the_previous_picture(tmp_path: Path) -> None:
    picture = tmp_path / "f.svg"
    picture.write_text("previous")
    assert main(["draw", "x", "x=1", "-o", str(picture)]) == 0
    assert picture.read_text().startswith("<?xml")
    assert os.listdir(tmp_path) == ["f.svg"]


# -- hostile input -------------------------------------------------------------------------------
HOSTILE = [
    "__import__('os').system('touch pwned')",
    "x.__class__",
    "[x for x in y]",
    "lambda: 1",
    "open('pwned', 'w')",
    "9**9**9**9",
    "(" * 300 + "1" + ")" * 300,
    "-" * 1000 + "1",
    "1+" * 1500 + "1",
    "exp(exp(exp(9)))",
    "x[0]",
    "getattr(x, 'y')",
    "x if 1 else 2",
    "'a' * 10**9",
    "\0",
]


@pytest.mark.parametrize("command", ["draw", "check"])
@pytest.mark.parametrize("expression", HOSTILE)
def test_hostile_expressions_get_one_line_and_run_nothing(
    expression: str,
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["draw", expression, "-o", "f.svg"] if command == "draw" else ["check", expression]
    refused(capsys, *argv)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("bindings", "problem"),
    [
        (["x"], "'x' is not NAME=VALUE"),
        (["x=one"], "x must be a finite number, got 'one'"),
        (["x=nan"], "x must be a finite number, got 'nan'"),
        (["x=1e999"], "x must be a finite number, got '1e999'"),
        (["x=1", "x=2"], "x is given a value twice"),
        (["2x=1"], "not a variable name"),
        ([], "no value for x"),
        (["x=1", "z=2"], "z is given a value but not used"),
    ],
)
def test_bad_bindings_are_named(
    bindings: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert problem in refused(capsys, "check", "x * 2", *bindings)


def test_a_domain_error_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "log" in refused(capsys, "draw", "log(x)", "x=0", "-o", str(tmp_path / "f.svg"))


# -- check ---------------------------------------------------------------------------------------
def test_check_prints_each_derivative_and_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "x*y + sin(x)", "x=0.5", "y=2"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "f = x*y + sin(x)   at x=0.5, y=2"
    assert "autograd" in lines[1] and "finite difference" in lines[1] and "difference" in lines[1]
    dx = lines[2].split()
    assert dx[0] == "∂f/∂x" and float(dx[1]) == pytest.approx(2 + math.cos(0.5), abs=1e-12)
    assert float(dx[2]) == pytest.approx(2 + math.cos(0.5), abs=1e-8) and dx[-1] == "ok"
    assert lines[3].split()[0] == "∂f/∂y" and float(lines[3].split()[1]) == 0.5
    assert lines[-1].startswith("all 2 derivatives agree")


def test_check_order_2_adds_every_second_derivative(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "x*y + sin(x)", "x=0.5", "y=2", "--order", "2"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[2:-1]}
    assert list(rows) == ["∂f/∂x", "∂f/∂y", "∂²f/∂x²", "∂²f/∂y∂x", "∂²f/∂x∂y", "∂²f/∂y²"]
    assert float(rows["∂²f/∂x²"][1]) == pytest.approx(-math.sin(0.5))
    assert float(rows["∂²f/∂y∂x"][1]) == 1.0


def test_check_exits_1_when_a_derivative_disagrees(capsys: pytest.CaptureFixture[str]) -> None:
    # At relu's kink the finite difference averages both slopes: 0.5, autograd says 0.
    assert main(["check", "relu(x)", "x=0"]) == 1
    out = capsys.readouterr().out
    assert "DIFFERENT" in out and out.splitlines()[-1].startswith("1 of 1 derivatives disagree")


def test_check_tolerances_can_be_loosened(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "relu(x)", "x=0", "--atol", "0.6"]) == 0


def test_check_needs_a_variable(capsys: pytest.CaptureFixture[str]) -> None:
    assert "nothing to check" in refused(capsys, "check", "2 * 3")


def test_check_refuses_a_step_out_of_the_domain(capsys: pytest.CaptureFixture[str]) -> None:
    assert "out of the domain" in refused(capsys, "check", "log(x)", "x=1e-9", "--eps", "1e-6")


def test_check_refuses_an_infinite_derivative(capsys: pytest.CaptureFixture[str]) -> None:
    assert "overflow or NaN" in refused(capsys, "check", "sqrt(x)", "x=0")


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["x*3", "x=1e10", "--eps", "1e-7"], "below the spacing of floats at x = 1e+10"),
        (["x*x", "x=1e10"], "rounding in f can move the finite difference"),
        (["x + 1e10", "x=1"], "rounding in f can move the finite difference"),
        (["x", "x=1e308", "--eps", "1e308"], "x ± ε overflows"),
        (["exp(x)", "x=709.7", "--eps", "1"], "f cannot be evaluated at x + ε = 710.7: overflow"),
        (["x*y", "x=1", "y=1e10", "--eps", "1e-7"], "∂f/∂y cannot be checked"),
    ],
)
def test_check_says_why_a_finite_difference_means_nothing_instead_of_different(
    argv: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    message = refused(capsys, "check", *argv)
    assert "cannot be checked at" in message and reason in message


def test_check_never_calls_a_correct_derivative_different() -> None:
    """``chainrule check`` passes (0) or says it cannot check (2), never calls a correct
    derivative wrong (1); and most of the cases drawn are checked, not refused."""
    codes: list[int] = []

    @settings(max_examples=examples(0.2, at_least=10))
    @given(
        st.floats(1e8, 1e150),
        st.sampled_from([1e-9, 1e-6, 1e-3]),
        st.sampled_from(["relative"] * 3 + ["absolute"]),
        st.sampled_from(["x*3", "x*x", "sqrt(x)", "x + 1e12", "tanh(x/x) * x"]),
    )
    def never_wrong(x: float, eps: float, step: str, expression: str) -> None:
        # An absolute step is below the spacing of floats at most huge points (refused); a
        # step relative to x can be checked, so three draws in four take one.
        eps = eps * x if step == "relative" else eps
        codes.append(main(["check", expression, f"x={x!r}", "--eps", repr(eps)]))
        assert codes[-1] in (0, 2)

    never_wrong()
    assert codes.count(0) > len(codes) / 2, codes


@pytest.mark.parametrize("option", ["--eps=0", "--eps=-1", "--atol=-1", "--rtol=nan"])
def test_check_refuses_bad_tolerances(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert option.split("=")[0] in refused(capsys, "check", "x", "x=1", option)


def test_check_refuses_an_order_other_than_1_or_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--order" in refused(capsys, "check", "x", "x=1", "--order", "3")


# -- the installed command -----------------------------------------------------------------------
def test_the_installed_command_draws(tmp_path: Path) -> None:
    picture = tmp_path / "neuron.svg"
    run = subprocess.run(
        [CHAINRULE, "draw", *NEURON, "-o", picture], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "-1.5000" in texts(picture)


def test_the_installed_command_refuses_hostile_input_without_a_traceback(tmp_path: Path) -> None:
    run = subprocess.run(
        [CHAINRULE, "check", "__import__('os').system('touch pwned')"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 2
    assert run.stderr.startswith("chainrule: error: only the engine's functions can be called")
    assert run.stderr.count("\n") == 1 and run.stdout == ""
    assert os.listdir(tmp_path) == []


def test_a_value_that_starts_with_a_dash_is_given_after_an_equals_sign(tmp_path, capsys):
    out = tmp_path / "f.svg"
    assert main(["draw", "x*y", "x=1", "y=2", "--title", "-x", "-o", str(out)]) == 2
    assert "write a value that starts with '-' after '=': --title=-x" in capsys.readouterr().err
    assert main(["draw", "x*y", "x=1", "y=2", "--title=-x", "-o", str(out)]) == 0
    assert out.exists()


@pytest.mark.parametrize("command", ["draw", "check"])
def test_a_parser_warning_never_reaches_the_terminal(tmp_path: Path, command: str) -> None:
    output = ["-o", tmp_path / "f.svg"] if command == "draw" else []
    run = subprocess.run(
        [CHAINRULE, command, "2in(x)", "x=1", *output], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert run.stderr == ("chainrule: error: syntax error at column 1: invalid decimal literal\n")


@pytest.mark.parametrize("command", ["draw", "check"])
def test_the_help_lists_every_function_an_expression_may_call(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert ", ".join(FUNCTIONS) in text

"""Any text that reaches Graphviz or HTML (labels, titles, scope names, op symbols) is drawn as
text: control characters, NUL, escape sequences, lone surrogates and other characters that
cannot be drawn are replaced by �, long text is shortened with …, markup is escaped; and the user
never sees Graphviz's own error output."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import Value, explore, scope
from autograd.draw import RenderError, draw_graph, render
from autograd.draw.style import LABEL_LENGTH, REPLACEMENT, TITLE_LENGTH, shown
from chainrule.cli import main

SVG = "{http://www.w3.org/2000/svg}"
CHAINRULE = Path(sys.executable).with_name("chainrule")

#: Text a hostile or careless user might give: every kind of character, long runs of it.
TEXT = st.text(st.characters(codec=None), max_size=80) | st.sampled_from(
    [
        "a\0b",
        "\x1b[31mred\x1b[0m",
        "\x7f\x01\x02",
        "a\ud800b",
        "\ufffe\uffff",
        "x" * 100_000,
        "\\N \\G \\L \\\\",
        "\" ' < > & &amp; <b>",
        "\u202eevil\u202c",
        "line\nbreak\ttab\r\x0b\x0c",
        "😀 ünïcödé ∂σ",
        "]",
        "]]>",
        "",
        "   ",
    ]
)
DRAWN = settings(
    max_examples=examples(0.2),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [(t.text or "").replace("\xa0", " ") for t in root.iter(f"{SVG}text")]


# -- what a drawing shows -------------------------------------------------------------------------
@given(TEXT, st.integers(1, 300))
def test_shown_text_is_one_drawable_line_within_the_limit(text: str, limit: int) -> None:
    line = shown(text, limit)
    assert len(line) <= limit
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]", line)
    assert line == line.strip() and "  " not in line
    assert shown(line, limit) == line


@given(st.text(st.characters(exclude_categories=["Cc", "Cs", "Z"]), min_size=1, max_size=40))
def test_drawable_text_within_the_limit_is_shown_as_written(text: str) -> None:
    assert shown(text, LABEL_LENGTH) == text.replace("\ufffe", REPLACEMENT).replace(
        "\uffff", REPLACEMENT
    )


@DRAWN
@given(label=TEXT, title=TEXT)
def test_any_label_and_title_render_and_read_back_as_shown(
    label: str, title: str, capfd: pytest.CaptureFixture[str]
) -> None:
    x = Value(1.0, label=label)
    svg = render(draw_graph(x * 2, title=title), "svg")
    texts = svg_texts(svg)
    if shown(title, TITLE_LENGTH):
        assert texts[0] == shown(title, TITLE_LENGTH)
    if shown(label, LABEL_LENGTH):
        assert shown(label, LABEL_LENGTH) in texts
    assert capfd.readouterr().err == ""


@DRAWN
@given(name=TEXT.filter(lambda name: name and "/" not in name))
def test_any_scope_name_renders_as_its_box_title(name: str) -> None:
    with scope(name):
        y = Value(1.0) * 2
    texts = svg_texts(render(draw_graph(y), "svg"))
    assert shown(name, LABEL_LENGTH) in texts or not shown(name, LABEL_LENGTH)


@DRAWN
@given(label=TEXT)
def test_any_label_renders_in_every_format(label: str) -> None:
    graph = draw_graph(Value(1.0, label=label) * 2)
    assert render(graph, "png").startswith(b"\x89PNG")


def test_graphvizs_own_error_output_never_reaches_the_user(
    capfd: pytest.CaptureFixture[str],
) -> None:
    broken = graphviz.Digraph(body=["  a -> {\n"])
    with pytest.raises(RenderError) as error:
        render(broken, "svg")
    assert str(error.value) == "Graphviz's dot could not draw this graph as svg (exit code 1)"
    assert capfd.readouterr().err == ""


# -- the explorer page ----------------------------------------------------------------------------
@DRAWN
@given(label=TEXT)
def test_the_explorer_page_keeps_any_label_as_data_and_shows_it_as_the_drawing_does(
    label: str,
) -> None:
    page = explore(Value(1.0, label=label) * 2, title=label).html
    page.encode()  # every character is one a file can hold
    graph = re.search(r'<script type="application/json" class="cr-graph">(.*?)</script>', page)
    assert graph is not None
    assert json.loads(graph.group(1))["nodes"][0]["label"] == label
    assert "<script>window" not in page and page.count("<script") == 2
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL)
    assert title is not None and "\n" not in title.group(1)


# -- chainrule draw -------------------------------------------------------------------------------
@settings(max_examples=examples(0.075), deadline=None)
@given(title=TEXT.filter(lambda t: "\0" not in t and not re.search(r"[\ud800-\udfff]", t)))
def test_chainrule_draw_takes_any_title(
    title: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("titles")
    for name in ("f.svg", "f.html"):
        run = subprocess.run(
            [CHAINRULE, "draw", "x*y", "x=1", "y=2", f"--title={title}", "-o", folder / name],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stderr
        assert run.stderr == ""


def test_chainrule_draw_shortens_a_huge_title(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture = tmp_path / "f.svg"
    assert main(["draw", "x", "x=1", "--title", "t" * 200_000, "-o", str(picture)]) == 0
    assert svg_texts(picture.read_bytes())[0] == "t" * (TITLE_LENGTH - 1) + "…"
    assert capsys.readouterr().err == ""


def test_chainrule_draw_replaces_escape_sequences_in_a_title(tmp_path: Path) -> None:
    picture = tmp_path / "f.svg"
    assert main(["draw", "x", "x=1", "--title", "\x1b[31mred\x1b[0m", "-o", str(picture)]) == 0
    assert svg_texts(picture.read_bytes())[0] == "�[31mred�[0m"

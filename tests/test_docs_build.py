"""``make docs``: the API reference and the notebooks as HTML; the build fails when a docstring's
cross-reference or a page's link points nowhere."""

from __future__ import annotations

import importlib.util
import itertools
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from playwright.sync_api import Route, sync_playwright
from support.browser import ARGS, chromium

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("docs_build", ROOT / "docs" / "build.py")
assert _spec is not None and _spec.loader is not None
docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs)

_names = itertools.count()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The real site, built as ``make docs`` builds it."""
    out = tmp_path_factory.mktemp("docs") / "site"
    result = subprocess.run(
        [sys.executable, "docs/build.py", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return out


def links_on(page: Path) -> list[str]:
    return docs.Anchors.of(page).links


def test_the_index_links_resolve_to_pages_of_the_site(site):
    links = links_on(site / "index.html")
    assert links
    for link in links:
        assert (site / link.partition("#")[0]).is_file(), link


def test_the_index_links_the_api_reference_of_each_package(site):
    links = links_on(site / "index.html")
    assert {"autograd.html", "nn.html", "chainrule.html"} <= set(links)


def test_the_index_gives_the_reading_order_value_ops_backprop(site):
    links = [link for link in links_on(site / "index.html") if "#" not in link]
    reading = [link for link in links if link.startswith("autograd/")]
    assert reading == ["autograd/value.html", "autograd/ops.html", "autograd/backprop.html"]


@pytest.mark.parametrize(
    ("page", "names"),
    [
        ("autograd/value.html", ["Value", "Value.backward"]),
        ("autograd/ops.html", ["Op", "Math", "Tanh"]),
        ("autograd/backprop.html", ["topological_order", "chain_rule", "backward"]),
    ],
)
def test_the_engine_pages_document_the_names_to_read(site, page, names):
    text = (site / page).read_text(encoding="utf-8")
    for name in names:
        assert f'id="{name}"' in text, name


def test_package_pages_list_every_submodule(site):
    text = (site / "autograd.html").read_text(encoding="utf-8")
    for module in ("value", "ops", "backprop", "draw", "replay"):
        assert f'href="autograd/{module}.html"' in text, module


def test_cross_references_become_links(site):
    text = (site / "autograd.html").read_text(encoding="utf-8")
    assert '<code><a href="autograd/backprop.html">autograd.backprop</a></code>' in text


@pytest.mark.parametrize("notebook", docs.NOTEBOOKS, ids=[p.stem for p in docs.NOTEBOOKS])
def test_each_notebook_has_a_page_with_its_stored_outputs(site, notebook):
    page = site / "notebooks" / f"{notebook.stem}.html"
    text = page.read_text(encoding="utf-8")
    assert "jp-OutputArea-output" in text
    assert f"notebooks/{notebook.stem}.html" in links_on(site / "index.html")


def test_no_page_loads_a_script_or_stylesheet_from_the_network(site):
    pages = sorted(site.rglob("*.html"))
    loads = [(page, target) for page in pages for target in docs.Anchors.of(page).loads]
    assert any(page.parent.name == "notebooks" for page, _ in loads)  # MathJax, at least
    remote = [target for _, target in loads if re.match(r"(https?:)?//", target)]
    assert remote == []
    for page, target in loads:
        assert (page.parent / target).is_file(), (page, target)


def test_formulas_render_in_a_browser_without_the_network(site, tmp_path):
    """The notebook page typesets its TeX with the site's own MathJax, every request outside
    the site's folder refused."""
    page_file = site / "notebooks" / "05_the_maths_of_neural_networks.html"
    refused: list[str] = []

    def only_files(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        page.route("**/*", only_files)
        page.goto(page_file.as_uri())
        page.wait_for_selector("mjx-container svg", timeout=20_000)
        typeset = page.eval_on_selector_all("mjx-container", "els => els.length")
        raw = page.evaluate(
            "Array.from(document.querySelectorAll('.jp-MarkdownOutput'))"
            ".filter(e => /\\$[^$]+\\$/.test(e.innerText)).length"
        )
        page.screenshot(path=str(tmp_path / "formulas.png"))
        browser.close()
    assert typeset > 10
    assert raw == 0
    assert refused == []


# The failure paths, on small packages and pages made for them.


def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> str:
    """A one-module package with this source, importable under a name no other test uses."""
    name = f"docs_fake_{next(_names)}"
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text(textwrap.dedent(source), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def build_fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> Path:
    out = tmp_path / "site"
    docs.build(out, [fake_package(tmp_path, monkeypatch, source)], notebooks=())
    return out


def fake_page(out: Path) -> str:
    (page,) = out.glob("docs_fake_*.html")
    return page.read_text(encoding="utf-8")


def test_a_package_whose_references_resolve_builds(tmp_path, monkeypatch):
    out = build_fake(
        tmp_path,
        monkeypatch,
        '''
        """Add with :func:`add`, and see :class:`Box`."""

        def add(x, y):
            """x + y, boxed by :class:`Box`."""
            return x + y

        class Box:
            """Holds a number; :meth:`Box.open` gives it back."""

            def open(self):
                """The number."""
        ''',
    )
    assert (out / "index.html").is_file()


def test_args_sections_render_as_a_list(tmp_path, monkeypatch):
    source = '''
        def f(x):
            """Twice x.

            Args:
                x: a number.
            """
        '''
    text = fake_page(build_fake(tmp_path, monkeypatch, source))
    assert "Arguments:</h6>" in text
    assert "<li><strong>x:</strong>  a number.</li>" in text


def test_a_literal_block_marker_reads_as_in_restructured_text(tmp_path, monkeypatch):
    source = '"""A file looks like::\n\n    {"x": 1}\n\nand more ::\n\n    y\n"""\n'
    text = fake_page(build_fake(tmp_path, monkeypatch, source))
    assert "<p>A file looks like:</p>" in text
    assert "<p>and more</p>" in text
    assert '<pre><code>{"x": 1}' in text


def test_an_attribute_written_with_its_dot_stays_code(tmp_path, monkeypatch):
    source = '''
        """Fills ``.grad`` in, see :func:`grad`."""

        def grad():
            """A function of the same name."""
        '''
    text = fake_page(build_fake(tmp_path, monkeypatch, source))
    assert "<code>&#46;grad</code>" in text
    assert '<code><a href="#grad">grad()</a></code>' in text


def test_a_reference_that_does_not_resolve_fails_the_build(tmp_path, monkeypatch):
    with pytest.raises(docs.DocsError, match=r":func:`missing`"):
        build_fake(tmp_path, monkeypatch, '"""See :func:`missing`."""\n')


def test_a_reference_in_a_function_docstring_is_checked_too(tmp_path, monkeypatch):
    source = '''
        def f():
            """Like :class:`Nowhere`."""
        '''
    with pytest.raises(docs.DocsError, match=r"\.f: :class:`Nowhere`"):
        build_fake(tmp_path, monkeypatch, source)


def test_a_reference_written_with_a_tilde_fails_the_build(tmp_path, monkeypatch):
    source = '''
        """See :func:`~f`."""

        def f():
            """Nothing."""
        '''
    with pytest.raises(docs.DocsError, match=r":func:`~f`"):
        build_fake(tmp_path, monkeypatch, source)


def test_a_pdoc_warning_fails_the_build(tmp_path, monkeypatch):
    source = '"""Exports a name it does not have."""\n__all__ = ["missing"]\n'
    with pytest.raises(docs.DocsError, match=r"pdoc warns: .*'missing'"):
        build_fake(tmp_path, monkeypatch, source)


def test_a_dead_link_in_a_docstring_fails_the_build(tmp_path, monkeypatch):
    source = '"""Read `the guide <guide.html>`_ first."""\n'
    with pytest.raises(docs.DocsError, match=r"dead links: docs_fake_\d+\.html -> guide\.html"):
        build_fake(tmp_path, monkeypatch, source)


def page(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")
    return path


def test_links_to_existing_pages_and_ids_pass(tmp_path):
    page(tmp_path, "a.html", '<a href="b.html#x">b</a> <a href="#top">top</a> <p id="top"></p>')
    page(tmp_path, "b.html", '<h2 id="x">x</h2> <a href="https://example.org/missing">out</a>')
    docs.check_links(tmp_path)


@pytest.mark.parametrize(
    ("body", "dead"),
    [
        ('<a href="missing.html">gone</a>', "missing.html"),
        ('<a href="#nowhere">gone</a> <p id="somewhere"></p>', "#nowhere"),
        ('<a href="b.html#nowhere">gone</a>', "b.html#nowhere"),
        ('<img src="picture.png" alt="">', "picture.png"),
        ('<link rel="stylesheet" href="style.css">', "style.css"),
    ],
    ids=["page", "anchor", "anchor-on-another-page", "image", "stylesheet"],
)
def test_a_local_link_to_nowhere_fails(tmp_path, body, dead):
    page(tmp_path, "a.html", body)
    page(tmp_path, "b.html", '<p id="here"></p>')
    with pytest.raises(docs.DocsError, match=re.escape(f"1 dead links: a.html -> {dead}") + "$"):
        docs.check_links(tmp_path)


@pytest.mark.parametrize(
    "load",
    [
        '<script src="https://cdn.example.org/tex.js"></script>',
        '<script src="//cdn.example.org/tex.js"></script>',
        '<link rel="stylesheet" href="http://cdn.example.org/style.css">',
    ],
    ids=["https-script", "protocol-relative-script", "http-stylesheet"],
)
def test_a_script_or_stylesheet_from_the_network_fails_the_build(tmp_path, load):
    page(tmp_path, "a.html", f'{load}<a href="https://example.org/">a link is fine</a>')
    with pytest.raises(
        docs.DocsError, match=re.escape("1 scripts or stylesheets need the network: a.html")
    ):
        docs.check_offline(tmp_path)


def test_a_percent_encoded_anchor_finds_its_id(tmp_path):
    page(tmp_path, "a.html", '<a href="#1-%C2%B7-Start">go</a> <h1 id="1-·-Start">Start</h1>')
    docs.check_links(tmp_path)


def test_a_failed_build_says_why_in_one_line_and_keeps_the_previous_site(
    tmp_path, monkeypatch, capsys
):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the previous site", encoding="utf-8")

    def failing_build(folder: Path) -> None:
        (folder / "index.html").write_text("half a site", encoding="utf-8")
        raise docs.DocsError("1 dead links: a.html -> b.html")

    monkeypatch.setattr(docs, "build", failing_build)
    assert docs.main(["--out", str(out)]) == 1
    assert capsys.readouterr().err == "docs: 1 dead links: a.html -> b.html\n"
    assert (out / "index.html").read_text(encoding="utf-8") == "the previous site"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_a_successful_build_replaces_the_previous_site_whole(tmp_path, monkeypatch):
    out = tmp_path / "site"
    out.mkdir()
    (out / "stale.html").write_text("an old page", encoding="utf-8")
    monkeypatch.setattr(docs, "build", lambda folder: page(folder, "index.html", "new"))
    assert docs.main(["--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["site"]

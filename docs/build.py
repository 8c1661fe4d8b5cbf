"""Build the documentation site: the API reference from the docstrings, the notebooks beside it.

    python docs/build.py               # into site/
    python docs/build.py --out folder

pdoc renders every public module of ``autograd``, ``nn`` and ``chainrule`` from its docstrings as
written (reStructuredText-ish: ``code``, :func:`name`); nbconvert renders each notebook with the
outputs stored in it (nothing is executed); ``index.html`` links them and gives the order in which
to read the engine. The site reads offline: the notebooks' formulas are typeset by the copy of
MathJax that npm installs (``make node``), put beside ``index.html``. The build fails, with one
line, when pdoc warns, when a cross-reference such as :func:`name` does not become a link, when a
page links to a local file or anchor that does not exist, or when it loads a script or a
stylesheet from the network.
"""

from __future__ import annotations

import argparse
import html
import importlib
import importlib.metadata
import pkgutil
import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote, urlsplit

import nbformat
import pdoc.doc
import pdoc.docstrings
import pdoc.render
import pdoc.render_helpers
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn", "chainrule")
NOTEBOOKS = tuple(sorted((ROOT / "notebooks").glob("*.ipynb")))
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: MathJax, as npm installs it (``make node``): one file that typesets TeX as SVG, fonts included,
#: so the notebooks' formulas render without a network.
MATHJAX = ROOT / "node_modules" / "mathjax" / "es5" / "tex-svg-full.js"

#: The order in which to read the engine: each module, what it holds, and the names to read there.
READING_ORDER = (
    ("autograd.value", "a node", ("Value",)),
    ("autograd.ops", "a rule, one class per op, over the namespace Math", ("Op", "Tanh", "Math")),
    ("autograd.backprop", "the loop", ("topological_order", "chain_rule", "backward")),
)

#: pdoc evaluates annotations at run time. It cannot for functions a library generates (a
#: Hypothesis composite, a NamedTuple's constructor) nor for generics that are not subscriptable
#: at run time (argparse's _SubParsersAction), and shows those as written, which reads the same.
#: (A misspelt annotation is mypy's to find.)
HARMLESS_WARNING = "Error parsing type annotation"

#: A cross-reference role, as pdoc reads it: it renders :func:`f` as ``f()``, :class:`C` as ``C``.
ROLE = re.compile(r"(?::py)?:(mod|func|data|const|class|meth|attr|exc|obj):`([^`]+)`")

#: reStructuredText's literal-block marker ends a paragraph line: "text::" reads "text:", while
#: "text ::" and a lone "::" vanish.
LITERAL_MARKER = re.compile(r"^(\S.*?)?( ?)::$", re.MULTILINE)


class DocsError(Exception):
    """The site would mislead a reader: a warning, a reference that is not a link, a dead link."""


def build(
    out: Path, packages: Sequence[str] = PACKAGES, notebooks: Sequence[Path] = NOTEBOOKS
) -> None:
    """Write the API pages, the notebook pages and the index into ``out``, then check the links."""
    modules = api_reference(out, packages)
    copy_mathjax(out)
    pages = [
        (f"notebooks/{path.stem}.html", render_notebook(path, out / "notebooks"))
        for path in notebooks
    ]
    write_index(out / "index.html", modules, pages)
    check_links(out)
    check_offline(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site", help="folder (default: site/)")
    out = parser.parse_args(argv).out
    out.parent.mkdir(parents=True, exist_ok=True)
    # Built beside its place and then swapped in: a failed build leaves the previous site whole.
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        build(staging)
        replace_folder(out, staging)
    except DocsError as error:
        print(f"docs: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"docs: {out / 'index.html'}")
    return 0


def replace_folder(folder: Path, new: Path) -> None:
    """Put ``new`` in the place of ``folder``, which it replaces whole."""
    old = new.with_name(f"{new.name}-old")
    if folder.exists():
        folder.rename(old)
    new.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


# The API reference ------------------------------------------------------------------------------


def api_reference(out: Path, packages: Sequence[str]) -> dict[str, pdoc.doc.Module]:
    """Render one page per public module with pdoc; returns the modules by name."""
    configure_pdoc()
    unresolved: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for package in packages:
            expose_lazy_names(importlib.import_module(package))
        modules = {name: pdoc.doc.Module.from_name(name) for name in public_modules(packages)}
        for name, module in modules.items():
            page = pdoc.render.html_module(module, modules)
            unresolved += unresolved_references(module, page)
            path = out / f"{name.replace('.', '/')}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(page, encoding="utf-8")
        (out / "search.js").write_text(pdoc.render.search_index(modules), encoding="utf-8")
    pdoc_folder = Path(pdoc.doc.__file__).parent
    warned = [
        str(w.message).splitlines()[0]
        for w in caught
        if pdoc_folder in Path(w.filename).parents and HARMLESS_WARNING not in str(w.message)
    ]
    if warned:
        raise DocsError(f"pdoc warns: {'; '.join(warned)}")
    if unresolved:
        raise DocsError(
            f"{len(unresolved)} references do not render as links (write the name in full, "
            f"without ~, as it is documented): {'; '.join(unresolved)}"
        )
    return modules


def configure_pdoc() -> None:
    """pdoc, set up for these docstrings: reStructuredText roles and Google's "Args:" sections."""
    pdoc.render.configure(docformat="google", template_directory=TEMPLATES)
    pdoc.render.env.filters["to_markdown"] = to_markdown
    pdoc.render.env.filters["linkify"] = linkify


@pass_context
def to_markdown(context: Context, docstring: str) -> str:
    """pdoc's conversion to Markdown, and reStructuredText's ``::`` read as it is meant.

    The marker goes after the conversion: "text:" before an indented block would be taken for
    a Google-style section heading.
    """

    def read(marker: re.Match[str]) -> str:
        text, spaced = marker[1] or "", marker[2]
        return f"{text}:" if text and not spaced else text

    return LITERAL_MARKER.sub(
        read, pdoc.render_helpers.to_markdown_with_context(context, docstring)
    )


@pass_context
def linkify(context: Context, code: str, namespace: str = "", shorten: bool = True) -> Markup:
    """pdoc's links to documented names, except that ``.grad`` stays an attribute.

    pdoc reads code that starts with a dot as a name relative to the module, which would link
    ``.grad`` to the function ``autograd.grad``. An entity for the dot keeps it as written.
    """
    code = str(code).replace("<code>.", "<code>&#46;")
    return pdoc.render_helpers.linkify(context, Markup(code), namespace, shorten)


def public_modules(packages: Sequence[str]) -> list[str]:
    """Each package and its submodules, except those whose name starts with an underscore.

    pdoc follows a package's ``__all__``, which here names what the package exports, not which
    modules it has, so those are listed from the files.
    """
    names = []
    for package in packages:
        names.append(package)
        path = importlib.import_module(package).__path__
        for info in pkgutil.walk_packages(path, prefix=f"{package}."):
            if not any(part.startswith("_") for part in info.name.split(".")):
                names.append(info.name)
    return names


def expose_lazy_names(package: ModuleType) -> None:
    """Load the names a package imports on first use (its ``__getattr__``), so pdoc finds them."""
    for name in getattr(package, "__all__", ()):
        if name not in vars(package) and hasattr(package, name):
            setattr(package, name, getattr(package, name))


def unresolved_references(module: pdoc.doc.Module, page: str) -> list[str]:
    """The :role:`name` references in the page's docstrings that did not become a proper link.

    A docstring shown on several pages (a package re-exports the object) must link on each.
    """
    parser = DocstringCode()
    parser.feed(page)
    unresolved = []
    for owner, unlinked in parser.unlinked.items():
        doc = module.get(owner) if owner else module
        for kind, name in ROLE.findall(doc.docstring if doc else ""):
            shown = f"{name}()" if kind in ("func", "meth") else name
            if shown in unlinked or name.startswith("~"):
                unresolved.append(
                    f"{module.modulename}.{owner}".rstrip(".") + f": :{kind}:`{name}`"
                )
    return unresolved


class DocstringCode(HTMLParser):
    """Per documented object (the id around its docstring), the code in its docstring that is no
    link."""

    def __init__(self) -> None:
        super().__init__()
        self.unlinked: dict[str, set[str]] = {}
        self.ids: list[str | None] = []  # one per open <section> or <div>
        self.depth = 0  # the <div>s open from the docstring's own on; 0 outside a docstring
        self.code: list[str] | None = None  # the text of the open <code>, if in a docstring
        self.linked = False

    def owner(self) -> str:
        """The qualified name of the object documented here ('' for the module)."""
        return next((i for i in reversed(self.ids) if i), "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("section", "div"):
            self.ids.append(attributes.get("id"))
        if tag == "div" and (self.depth or "docstring" in (attributes.get("class") or "").split()):
            self.depth += 1
            self.unlinked.setdefault(self.owner(), set())
        elif tag == "code" and self.depth:
            self.code, self.linked = [], False
        elif tag == "a" and self.code is not None:
            self.linked = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("section", "div") and self.ids:
            self.ids.pop()
        if tag == "div" and self.depth:
            self.depth -= 1
        elif tag == "code" and self.code is not None:
            if not self.linked:
                self.unlinked[self.owner()].add("".join(self.code))
            self.code = None

    def handle_data(self, data: str) -> None:
        if self.code is not None:
            self.code.append(data)


# The notebooks and the index --------------------------------------------------------------------


def render_notebook(path: Path, folder: Path) -> str:
    """Write the notebook as HTML with its stored outputs; returns its title (its first heading)."""
    notebook = nbformat.read(path, as_version=4)
    headings = (
        line.removeprefix("# ").strip()
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("# ")
    )
    title = next(headings, path.stem)
    exporter = HTMLExporter(template_name="notebook", extra_template_basedirs=[str(TEMPLATES)])
    page, _ = exporter.from_notebook_node(
        notebook, resources={"metadata": {"name": title}, "mathjax_src": f"../{MATHJAX.name}"}
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{path.stem}.html").write_text(page, encoding="utf-8")
    return title


def copy_mathjax(out: Path) -> None:
    """Put MathJax in the site, beside index.html, for the notebook pages to load."""
    if not MATHJAX.is_file():
        raise DocsError(
            f"MathJax is missing ({MATHJAX.relative_to(ROOT)}): `make node` installs it"
        )
    shutil.copyfile(MATHJAX, out / MATHJAX.name)


def write_index(
    path: Path, modules: dict[str, pdoc.doc.Module], notebooks: Sequence[tuple[str, str]]
) -> None:
    """The front page: the packages, the order in which to read the engine, the notebooks."""

    def link(href: str, text: str, code: bool = True) -> str:
        shown = f"<code>{html.escape(text)}</code>" if code else html.escape(text)
        return f'<a href="{html.escape(href)}">{shown}</a>'

    def page(module: str) -> str:
        return f"{module.replace('.', '/')}.html"

    def summary(module: pdoc.doc.Module) -> str:
        first_line = module.docstring.partition("\n")[0]
        markdown = pdoc.docstrings.convert(first_line, "google", None)
        return (
            pdoc.render_helpers.to_html(markdown).strip().removeprefix("<p>").removesuffix("</p>")
        )

    packages = [
        f"<li>{link(page(name), name)}: {summary(module)}</li>"
        for name, module in modules.items()
        if "." not in name
    ]
    reading = [
        f"<li>{link(page(name), name)}: {html.escape(what)}. Read "
        + ", ".join(link(f"{page(name)}#{member}", member) for member in members)
        + ".</li>"
        for name, what, members in READING_ORDER
        if name in modules
    ]
    pages = [f"<li>{link(href, title, code=False)}</li>" for href, title in notebooks]
    sections = [
        ("API reference", "ul", packages),
        ("Reading the engine", "ol", reading),
        ("Notebooks", "ol", pages),
    ]
    body = "".join(
        f"<h2>{heading}</h2>\n<{tag}>\n" + "\n".join(items) + f"\n</{tag}>\n"
        for heading, tag, items in sections
        if items
    )
    about = html.escape(importlib.metadata.metadata("chainrule")["Summary"])
    path.write_text(
        "<!doctype html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<title>chainrule</title>\n<style>body { font-family: sans-serif; max-width: 46em; "
        "margin: 2em auto; padding: 0 1em; line-height: 1.5 }</style>\n</head>\n<body>\n"
        f"<h1>chainrule</h1>\n<p>{about}</p>\n{body}</body>\n</html>\n",
        encoding="utf-8",
    )


# The links --------------------------------------------------------------------------------------


def check_links(site: Path) -> None:
    """Every local href or src on every page must name a file that exists, and an id in it."""
    site = site.resolve()
    pages = {page: Anchors.of(page) for page in sorted(site.rglob("*.html"))}
    dead = []
    for page, anchors in pages.items():
        for target in anchors.links:
            parts = urlsplit(target)
            if parts.scheme or parts.netloc:
                continue
            file = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not file.is_file():
                dead.append(f"{page.relative_to(site)} -> {target}")
            elif parts.fragment and file.suffix == ".html":
                ids = pages[file].ids if file in pages else Anchors.of(file).ids
                # As browsers do: the id as written, else percent-decoded.
                if parts.fragment not in ids and unquote(parts.fragment) not in ids:
                    dead.append(f"{page.relative_to(site)} -> {target}")
    if dead:
        raise DocsError(f"{len(dead)} dead links: {'; '.join(dead[:5])}")


def check_offline(site: Path) -> None:
    """No page may load a script or a stylesheet from the network: the site is read offline (in
    a classroom, on a train), where such a page would show its formulas as raw TeX."""
    remote = [
        f"{page.relative_to(site)} -> {target}"
        for page in sorted(site.rglob("*.html"))
        for target in Anchors.of(page).loads
        if urlsplit(target).netloc
    ]
    if remote:
        raise DocsError(
            f"{len(remote)} scripts or stylesheets need the network: {'; '.join(remote[:5])}"
        )


class Anchors(HTMLParser):
    """The ids a page defines, the links it makes and the scripts and stylesheets it loads."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.loads: list[str] = []

    @classmethod
    def of(cls, page: Path) -> Anchors:
        parser = cls()
        parser.feed(page.read_text(encoding="utf-8"))
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)
            elif (name == "href" and tag in ("a", "link", "area")) or name == "src":
                self.links.append(value)
        loaded = {"script": "src", "link": "href"}.get(tag)
        stylesheet = "stylesheet" in (dict(attrs).get("rel") or "").split()
        if loaded and (tag == "script" or stylesheet):
            self.loads += [value for name, value in attrs if name == loaded and value is not None]


if __name__ == "__main__":
    sys.exit(main())

"""The layout shows the architecture: dependencies point one way, no module imports itself back,
and the reading guide names what is really there."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

import autograd
from autograd import backprop

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn", "chainrule")
#: Which of the project's packages each one may import: chainrule → nn → autograd.
ALLOWED = {"autograd": {"autograd"}, "nn": {"autograd", "nn"}, "chainrule": set(PACKAGES)}


def module_files() -> dict[str, Path]:
    files = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            files[name] = path
    return files


MODULES = module_files()


def _resolve(name: str) -> str | None:
    """The project module that ``name`` (a module, or a name inside one) is defined in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(module: str) -> set[str]:
    """Every project module ``module`` imports, at the top or inside a function (imports only
    for type checkers excepted)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            names = []
        for name in names:
            target = _resolve(name)
            if target is not None and target != module:
                found.add(target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_dependencies_point_one_way(module):
    top = module.split(".")[0]
    wrong = {target for target in GRAPH[module] if target.split(".")[0] not in ALLOWED[top]}
    assert not wrong, f"{module} imports {sorted(wrong)}"


def test_no_module_imports_itself_back():
    # Tarjan's strongly connected components: a component of two or more modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def connect(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in GRAPH[module]:
            if target not in index:
                connect(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            connect(module)
    assert cycles == []


def test_the_import_graph_is_read_correctly():
    # The checks above would pass vacuously on an empty graph.
    assert "autograd.backprop" in GRAPH["autograd.value"]
    assert "autograd.value" not in GRAPH["autograd.backprop"]
    assert "nn.registry" in GRAPH["nn.model_file"] and "nn.module" in GRAPH["nn.model_file"]
    assert "chainrule.expression" in GRAPH["chainrule.draw"]


def test_engine_errors_are_not_command_line_errors():
    from chainrule.errors import UsageError

    for name in ("DomainError", "AnomalyError", "GradcheckError", "TracingError"):
        assert not issubclass(getattr(autograd, name), UsageError)


# -- the reading guide --------------------------------------------------------------------------
def reading_guide() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Reading the engine")
    return readme[start : readme.index("\n## ", start + 1)]


def named_things(text: str) -> set[str]:
    """The identifiers written as code (`name` or ``name``) in ``text``."""
    quoted = re.findall(r"``([^`]+)``|`([^`]+)`", text)
    return {a or b for a, b in quoted if re.fullmatch(r"[A-Za-z_][\w.]*", a or b)}


GUIDED = ["autograd", "autograd.value", "autograd.ops", "autograd.backprop", "autograd.functional"]
GUIDED += ["autograd.gradcheck", "autograd.modes", "autograd.testing", "autograd.forward"]


def resolves(name: str) -> bool:
    """Whether ``name`` is a module, a file or folder of the engine, or a name defined in one of
    the modules the guide walks through."""
    if name.endswith(".py") or name.rstrip("/") in {"draw", "replay"}:
        return (ROOT / "autograd" / name).exists() or (ROOT / name).exists()
    for module_name in GUIDED:
        thing: object = importlib.import_module(module_name)
        try:
            for part in name.split("."):
                thing = getattr(thing, part)
        except AttributeError:
            continue
        return True
    return False


@pytest.mark.parametrize("where", ["README", "autograd docstring"])
def test_the_reading_guide_names_what_is_there(where):
    text = reading_guide() if where == "README" else autograd.__doc__ or ""
    names = named_things(text)
    assert {"Value.__init__", "_apply", "chain_rule", "topological_order"} <= names | {
        n.split(".")[-1] for n in names
    }
    missing = sorted(n for n in names if not resolves(n) and not n.startswith("autograd"))
    missing += sorted(n for n in names if n.startswith("autograd.") and not _is_module(n))
    assert missing == []


def _is_module(name: str) -> bool:
    """Whether ``name`` is a module of the project, or a name defined in one."""
    module, _, attribute = name.rpartition(".")
    try:
        importlib.import_module(name)
    except ImportError:
        return hasattr(importlib.import_module(module), attribute)
    return True


def test_the_chain_rule_reads_like_the_formula():
    source = inspect.getsource(backprop.chain_rule)
    assert "child.grad += derivative * node.grad" in source
    assert "child.grad += derivative * node.grad" in reading_guide()
    writer = (ROOT / "autograd" / "replay" / "writer.py").read_text(encoding="utf-8")
    assert "chain_rule" in writer and "child.grad += derivative * node.grad" in writer


def test_every_test_file_is_named_after_the_package_it_tests():
    """tests/test_<package>_<module or feature>.py: a reader finds a module's tests by its name
    (``project`` for what crosses packages: the layout, hostile input, micrograd's code)."""
    packages = ("autograd", "nn", "chainrule", "benchmarks", "docs", "notebooks", "project")
    pattern = re.compile(rf"test_({'|'.join(packages)})_[a-z0-9_]+\.py")
    misnamed = [p.name for p in (ROOT / "tests").glob("test_*.py") if not pattern.fullmatch(p.name)]
    assert misnamed == []

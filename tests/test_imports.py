"""The product's imports, read with ``ast`` (every import, those inside functions included), flow one way:
ingest -> layout -> normalize -> the rest, with no import cycle among the product's modules.

Imports under ``if TYPE_CHECKING:`` are for annotations only and never run: they are not counted."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ingest", "layout", "normalize", "overlay", "batch", "audit", "corrections", "review")
TOP_MODULES = ("pipeline", "cli", "runner")
LATER_THAN_INGEST = (
    "layout",
    "normalize",
    "overlay",
    "batch",
    "audit",
    "corrections",
    "review",
    "pipeline",
    "cli",
    "runner",
)
LATER_THAN_NORMALIZE = ("overlay", "batch", "audit", "corrections", "review", "pipeline", "cli", "runner")
# The grid model's vocabulary: the only part of ingest that layout and normalize may use.
GRID_MODEL = ("ingest.grid", "ingest.errors", "ingest.textrules")
# Import edges kept on purpose, each with its reason; a cycle through any other edge fails.
ALLOWED_EDGES = {
    ("ingest.html.pictures", "ingest"): "a web page's attachment is a file of any format, read through the "
    "registry (ingest.load) inside read_attachments; web pages are refused there, so the recursion ends",
    ("overlay.render", "overlay.ofd"): "the OFD page drawer, loaded only for an OFD file, builds on render's "
    "page-image types (PageImage, Rendered); to be split when the overlay gets its own package",
}
# Imports by a string kept on purpose: the isolated child is told its target function on its command line.
STRING_IMPORTS = {"runner.resolve": "the child process runs the function named on its command line"}


def module_name(path: Path) -> str:
    """The dotted module name of a product source file."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_files() -> dict[str, Path]:
    """Every product module (the packages and the top-level modules) by dotted name."""
    files = {name: ROOT / f"{name}.py" for name in TOP_MODULES}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            files[module_name(path)] = path
    return files


MODULES = product_files()


def resolve(node: ast.ImportFrom, importer: str) -> str:
    """The absolute module a ``from ... import`` names (relative imports resolved against the importer)."""
    if not node.level:
        return node.module or ""
    is_pkg = MODULES[importer].name == "__init__.py"
    base = importer.split(".")
    base = base[: len(base) - node.level + (1 if is_pkg else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def without_type_checking(tree: ast.Module) -> ast.Module:
    """The module without its ``if TYPE_CHECKING:`` blocks (imports for annotations only, never run)."""
    for node in ast.walk(tree):
        for name in ("body", "orelse"):
            stmts = getattr(node, name, None)
            if isinstance(stmts, list):
                setattr(node, name, [s for s in stmts if not is_type_checking(s)])
    return tree


def is_type_checking(stmt: object) -> bool:
    """Whether a statement is ``if TYPE_CHECKING:`` (as a name or typing.TYPE_CHECKING)."""
    if not isinstance(stmt, ast.If):
        return False
    test = stmt.test
    return (
        isinstance(test, ast.Name)
        and test.id == "TYPE_CHECKING"
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def imported(importer: str) -> Iterator[tuple[str, int]]:
    """Each product module the importer imports anywhere in its file, with the line of the import."""
    tree = ast.parse(MODULES[importer].read_text(encoding="utf-8"))
    for node in ast.walk(without_type_checking(tree)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = resolve(node, importer)
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:  # "import ingest.grid.x" -> the deepest product module
                name = name.rpartition(".")[0]
            if name:
                yield name, node.lineno


GRAPH = {m: sorted({t for t, _ in imported(m) if t != m}) for m in MODULES}


def top(name: str) -> str:
    """The top-level package (or module) of a dotted name."""
    return name.split(".")[0]


def breaches(importers: tuple[str, ...], allowed: Callable[[str, str], bool]) -> list[str]:
    """Imports from the given top-level packages for which ``allowed(importer, target)`` is false."""
    out = []
    for m in MODULES:
        if top(m) not in importers:
            continue
        for target, line in imported(m):
            if not allowed(m, target):
                out.append(f"{MODULES[m].relative_to(ROOT)}:{line} imports {target}")
    return out


def test_ingest_imports_nothing_later() -> None:
    """The adapters never reach up into layout, normalize or what uses them."""
    assert breaches(("ingest",), lambda m, t: top(t) not in LATER_THAN_INGEST) == []


def test_layout_uses_only_the_grid_model() -> None:
    """layout imports from ingest only the grid model, and nothing of normalize or later."""
    allowed = ("ingest", "normalize", *LATER_THAN_NORMALIZE)
    bad = breaches(("layout",), lambda m, t: top(t) not in allowed or t in GRID_MODEL)
    assert bad == []


def test_normalize_uses_only_the_grid_model_and_layout() -> None:
    """normalize imports from ingest only the grid model, may use layout, and nothing later."""
    bad = breaches(("normalize",), lambda m, t: top(t) not in ("ingest", *LATER_THAN_NORMALIZE) or t in GRID_MODEL)
    assert bad == []


@pytest.mark.parametrize("package", ["audit", "corrections", "review"])
def test_reviewing_never_reads_files(package: str) -> None:
    """The audit, the corrections and the review app work on JSON reports, never on an adapter."""
    assert breaches((package,), lambda m, t: top(t) != "ingest") == []


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One import cycle of the graph as a path whose last module is its first, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for t in graph.get(m, []):
            if state.get(t) == 1:
                return path[path.index(t) :] + [t]
            if t not in state and (found := visit(t)):
                return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_find_cycle_sees_a_cycle() -> None:
    """The cycle finder itself: a three-module loop is found, a chain is not."""
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": ["c"], "c": []}) is None


def test_no_import_cycle() -> None:
    """No product module imports, directly or through others, a module that imports it back."""
    graph = {m: [t for t in ts if (m, t) not in ALLOWED_EDGES] for m, ts in GRAPH.items()}
    assert find_cycle(graph) is None


def test_allowed_edges_still_exist() -> None:
    """Each import allowed by exception is still there (else its exception goes)."""
    assert [e for e in ALLOWED_EDGES if e[1] not in GRAPH.get(e[0], [])] == []


def string_imports(tree: ast.AST, qualname: str) -> Iterator[tuple[str, int]]:
    """Each call of importlib.import_module or __import__ under ``tree``, with the function holding it."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield from string_imports(node, f"{qualname}.{node.name}")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "import_module"
            or (isinstance(node, ast.Name) and node.id == "__import__")
        ):
            yield qualname, node.lineno
        else:
            yield from string_imports(node, qualname)


def test_no_import_by_string() -> None:
    """No product module imports another by a string (importlib), where this test cannot see it."""
    bad = [
        f"{MODULES[name].relative_to(ROOT)}:{line} ({where})"
        for name in MODULES
        for where, line in string_imports(ast.parse(MODULES[name].read_text(encoding="utf-8")), name)
        if where not in STRING_IMPORTS
    ]
    assert bad == []

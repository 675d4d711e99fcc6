"""No import circles between memberctl's modules.

Every module under memberctl/ is parsed with `ast` (nothing is imported), and every import in it
counts: module-level, inside functions (the lazy imports that keep `--help` fast) and under
`TYPE_CHECKING`, because a circle hidden in a function is still a circle in the design; it only
fails later, at run time, in whichever order the modules happen to load.

How an import becomes an edge:
- `import a.b.c` depends on `a.b.c`;
- `from a.b import c` depends on `a.b.c` when that is a module, else on `a.b` (the package's
  `__init__`, which may re-export `c` and so carries its own edge to where `c` lives);
- relative imports are resolved against the importing module's package;
- the parent packages a dotted import runs on the way (`a`, `a.b`) are not edges: every module
  would otherwise depend on its own package's `__init__`, and every package that re-exports its
  modules would be a circle with each of them.

A circle is a strongly connected component of more than one module (or a module importing
itself), found with Tarjan's algorithm.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "memberctl"

# Circles that exist today and are being removed elsewhere. Each entry is the sorted tuple of one
# strongly connected component; an entry that no longer matches a real circle fails the test too,
# so this set can only shrink.
# Circles allowed for now (none: the last, spreadsheets.importer <-> spreadsheets.members, went
# when the import rules moved to domain/imports/). An entry must still be a circle.
KNOWN: set[tuple[str, ...]] = set()


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def find_modules(root: Path) -> dict[str, Path]:
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The module `from <node.module> import ...` names, with a relative import resolved."""
    if node.level == 0:
        return node.module or ""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(tree: ast.AST, importer: str, is_package: bool, modules: Iterable[str]) -> set[str]:
    """The modules of `modules` that `tree` imports anywhere, as the docstring above describes."""
    known = set(modules)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, importer, is_package)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in known else source)
    return found & known


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = find_modules(root)
    return {
        name: imports_of(
            ast.parse(path.read_text(encoding="utf-8"), str(path)),
            name,
            path.name == "__init__.py",
            modules,
        )
        for name, path in modules.items()
    }


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's algorithm. Recursive: the depth is at most the number of modules (a few hundred)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            at = stack.index(node)
            components.append(sorted(stack[at:]))
            del stack[at:]

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def cycles(graph: Mapping[str, Iterable[str]]) -> set[tuple[str, ...]]:
    return {
        tuple(component)
        for component in strongly_connected(graph)
        if len(component) > 1 or component[0] in graph.get(component[0], ())
    }


def describe(component: tuple[str, ...], graph: Mapping[str, Iterable[str]]) -> str:
    inside = set(component)
    edges = [f"{a} -> {b}" for a in component for b in sorted(graph[a]) if b in inside]
    return "\n    ".join([" <-> ".join(component), *edges])


def test_no_new_import_cycles():
    graph = import_graph(ROOT)
    found = cycles(graph)
    new = sorted(found - KNOWN)
    assert not new, "import circles between memberctl modules:\n  " + "\n  ".join(
        describe(c, graph) for c in new
    )


def test_known_cycles_still_exist():
    """A circle that was broken must leave KNOWN, so that it cannot come back unnoticed."""
    gone = sorted(KNOWN - cycles(import_graph(ROOT)))
    assert not gone, f"no longer circles, remove them from KNOWN: {gone}"


def test_graph_sees_every_kind_of_import():
    """Edges of each kind named above: a package re-export, a lazy import, a module-level one."""
    graph = import_graph(ROOT)
    assert len(graph) > 100
    assert "memberctl.models.member" in graph["memberctl.models"]  # __init__ re-export
    assert "memberctl.domain.members" in graph["memberctl.cli.member"]  # lazy, inside a command
    assert "memberctl.cli._output" in graph["memberctl.cli.member"]


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, set()),
        ({"a": {"b"}, "b": {"a"}}, {("a", "b")}),
        ({"a": {"a"}}, {("a",)}),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, {("a", "b", "c")}),
        (
            {"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"c"}, "e": {"d"}},
            {("a", "b"), ("c", "d")},
        ),
    ],
    ids=["chain", "pair", "self", "triangle with a tail", "two circles"],
)
def test_cycle_finder(graph, expected):
    assert cycles(graph) == expected


def test_imports_of_resolves_relative_and_submodule_imports(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    for name in ["__init__", "a", "b", "sub/__init__", "sub/c"]:
        (package / f"{name}.py").write_text("", encoding="utf-8")
    (package / "a.py").write_text(
        "from . import b\nfrom .sub import c\ndef f():\n    from pkg.sub import thing\n",
        encoding="utf-8",
    )
    (package / "sub" / "c.py").write_text("from ..a import f\n", encoding="utf-8")
    graph = import_graph(package)
    assert graph["pkg.a"] == {"pkg.b", "pkg.sub.c", "pkg.sub"}
    assert graph["pkg.sub.c"] == {"pkg.a"}
    assert cycles(graph) == {("pkg.a", "pkg.sub.c")}

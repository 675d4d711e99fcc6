"""The spreadsheet package reads and writes files; the import rules live in domain/imports.

Read from the source (every import, inside functions too): what spreadsheets/ may take from the
domain, no module pair importing each other, and escaping as a leaf both sides use."""

from __future__ import annotations

import ast
import sys
from itertools import combinations
from pathlib import Path

import memberctl

PACKAGE = Path(memberctl.__file__).parent
# Value types and parsers only: nothing that holds a session or decides an import.
SPREADSHEETS_MAY_USE = {
    "memberctl.domain.fields",
    "memberctl.domain.money",
    "memberctl.domain.phones",
    "memberctl.domain.tiers",
    "memberctl.domain.exports",
    "memberctl.domain.reports",
    "memberctl.domain.reports.growth",
    "memberctl.domain.reports.rfm",
    "memberctl.domain.reports.survey",
    "memberctl.domain.reports.forecast",
    "memberctl.domain.reports.by_store",
    "memberctl.domain.reports.referrals",
    "memberctl.domain.reports.products",
}  # fmt: skip  (the reports: their row types, for a sheet's columns)


def imports_of(path: Path) -> set[str]:
    """Every memberctl module `path` imports (`from memberctl.x import y` counts as
    memberctl.x.y when that is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("memberctl") and _is_module(name)}


def _is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative).is_dir()


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(folder: str) -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted((PACKAGE / folder).rglob("*.py"))}


def test_spreadsheets_take_only_value_types_and_parsers_from_the_domain():
    used = {
        (name, target)
        for name, targets in modules("spreadsheets").items()
        for target in targets
        if target.startswith("memberctl.domain") and target != "memberctl.domain"
    }
    assert {(name, t) for name, t in used if t not in SPREADSHEETS_MAY_USE} == set()
    assert {t for _name, t in used} <= SPREADSHEETS_MAY_USE


def test_no_module_pair_imports_each_other():
    graph = modules("spreadsheets") | modules("domain/imports")
    graph |= {"memberctl.domain.import_runs": imports_of(PACKAGE / "domain" / "import_runs.py")}
    pairs = [(a, b) for a, b in combinations(graph, 2) if b in graph[a] and a in graph[b]]
    assert pairs == []


def test_escaping_is_a_leaf():
    source = ast.parse((PACKAGE / "escaping.py").read_text(encoding="utf-8"))
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(source)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported - {"__future__"} <= sys.stdlib_module_names


def test_the_import_rules_do_not_reach_into_spreadsheets():
    reached = {
        (name, target)
        for name, targets in modules("domain/imports").items()
        for target in targets
        if target.startswith("memberctl.spreadsheets")
    }
    assert reached == set()

"""No SQL is built from strings: no f-string, `%`, `+` or `.format()` goes into sqlalchemy's
`text(...)` / `literal_column(...)`, nor into any `.execute(...)`, `.exec_driver_sql(...)` or
`.executescript(...)`, anywhere in the package (migrations included). Checked on the syntax
tree, so a call split over lines is caught too; ruff's S608 (SQL built from strings) is on."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import memberctl

PACKAGE = Path(memberctl.__file__).parent
ROOT = PACKAGE.parent
SQL_CALLS = {"execute", "exec_driver_sql", "executescript"}  # methods: any receiver
SQL_FUNCTIONS = {"text", "literal_column"}  # functions: when imported from sqlalchemy/sqlmodel


def _built(node: ast.expr) -> bool:
    """A string assembled at run time: f-string, `%` or `+` with a string, or `.format()`."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return any(_stringy(side) or _built(side) for side in (node.left, node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and isinstance(
            node.func.value, ast.Constant | ast.JoinedStr
        )
    return False


def _stringy(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _sql_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in {
            "sqlalchemy",
            "sqlmodel",
        }:
            names |= {a.asname or a.name for a in node.names if a.name in SQL_FUNCTIONS}
    return names


def offenders_in(source: str, where: str = "<test>") -> list[str]:
    tree = ast.parse(source)
    functions = _sql_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        is_sql = (
            isinstance(func, ast.Attribute)
            and (
                func.attr in SQL_CALLS
                or (
                    func.attr in SQL_FUNCTIONS
                    and isinstance(func.value, ast.Name)
                    and func.value.id in {"sa", "sqlalchemy"}
                )
            )
        ) or (isinstance(func, ast.Name) and func.id in functions)
        if is_sql and _built(node.args[0]):
            found.append(f"{where}:{node.lineno}")
    return found


def test_no_sql_is_built_from_strings():
    offenders = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        for hit in offenders_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert offenders == []


def test_the_check_catches_what_it_should():
    header = "from sqlalchemy import text, literal_column as lc\nimport sqlalchemy as sa\n"
    caught = [
        'text(f"SELECT * FROM member WHERE id = {x}")',
        'text("SELECT %s" % x)',
        'text("SELECT * FROM " + table)',
        'text("SELECT {}".format(x))',
        'lc(f"{x}")',
        'sa.text(f"DELETE FROM {t}")',
        'conn.exec_driver_sql(f"DROP SCHEMA {s}")',
        'session.execute(\n    "SELECT " + x\n)',
        'cursor.executescript("PRAGMA %s" % x)',
    ]
    for line in caught:
        assert offenders_in(header + line), line
    fine = [
        'text("SELECT 1")',
        'text("SELECT :x").bindparams(x=x)',
        "session.execute(select(Member).where(Member.id == x))",
        'questionary.text(f"Name {x}")',  # a prompt, not sqlalchemy's text
        'conn.execute(text("SELECT 1"))',
    ]
    for line in fine:
        assert not offenders_in(header + line), line


def test_ruff_s608_is_on_and_passes():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "S608" in config["tool"]["ruff"]["lint"]["select"]
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    done = subprocess.run(
        [ruff, "check", "--select", "S608", "--no-cache", str(PACKAGE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr

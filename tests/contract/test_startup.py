"""Start-up: the help path imports no database, spreadsheet or prompt library.

Each case runs the real entry point in a fresh interpreter under `-X importtime`, which lists
every module imported, so a heavy import anywhere on the path (a module-level `import sqlmodel`
in a command module, say) fails here. Timings are measured by benchmarks/startup.py, not here.

pydantic is allowed on a subcommand's help only: typer 0.29 builds a pydantic TypeAdapter for
each root option (`--db`, `--operator`) when the root callback runs, even when it is not given.
The top-level help and `--version` exit before that and stay free of it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HEAVY = {
    "sqlalchemy", "sqlmodel", "alembic", "pandas", "openpyxl", "xlrd", "questionary",
    "phonenumbers", "psycopg", "psycopg_binary",
}  # fmt: skip
OWN_HEAVY = ("memberctl.db", "memberctl.domain", "memberctl.models", "memberctl.spreadsheets")

HELP_PATHS = [
    ["--help"],
    ["-h"],
    ["--version"],
    ["member", "--help"],
    ["member", "enroll", "--help"],
    ["member", "show", "--help"],
    ["tier", "--help"],
    ["db", "--help"],
]


def imported_modules(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMBERCTL_")}
    env["MEMBERCTL_DB"] = "/nonexistent/never-opened.db"  # help must not touch the database
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "memberctl", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    return result, modules - {"imported package"}


def _heavy(modules: set[str], packages: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in packages or m.startswith(OWN_HEAVY))


@pytest.mark.parametrize("args", HELP_PATHS, ids=" ".join)
def test_help_path_imports_nothing_heavy(args):
    result, modules = imported_modules(*args)

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip(), "no help or version on stdout"
    assert "memberctl.cli" in modules, "importtime output not understood"
    heavy = _heavy(modules, HEAVY)
    assert heavy == [], f"imported on `memberctl {' '.join(args)}`: {heavy}"


@pytest.mark.parametrize("args", [["--help"], ["--version"]], ids=" ".join)
def test_top_level_help_does_not_even_import_pydantic(args):
    result, modules = imported_modules(*args)

    assert result.returncode == 0, result.stderr[-2000:]
    assert _heavy(modules, {"pydantic", "pydantic_core"}) == []


def test_a_real_command_does_import_the_database_layer(tmp_path):
    """Guards the guard: the same probe does see sqlmodel when a command needs it."""
    _, modules = imported_modules("--db", str(tmp_path / "m.db"), "tier", "list")
    assert {"sqlmodel", "sqlalchemy", "memberctl.db.engine"} <= modules


def test_a_command_imports_only_its_own_group():
    """Command groups are imported and built on first use (memberctl.cli.GROUPS): `member show`
    reads no other group's module, while the top-level help, which lists them all, does."""
    _, modules = imported_modules("member", "show", "--help")
    groups = {m for m in modules if m.startswith("memberctl.cli.")}
    assert "memberctl.cli.member" in groups
    assert not groups & {"memberctl.cli.report", "memberctl.cli.campaign", "memberctl.cli.sale"}

    _, everything = imported_modules("--help")
    assert {"memberctl.cli.report", "memberctl.cli.campaign", "memberctl.cli.sale"} <= everything


@pytest.mark.parametrize("args", [["tier", "list"], ["member", "show", "M000001"]], ids=" ".join)
def test_a_sqlite_command_does_not_import_the_postgresql_dialect(tmp_path, args):
    """A `postgresql_*` keyword on a table or an index (fillfactor, INCLUDE, a partial index's
    predicate) makes SQLAlchemy import its PostgreSQL dialect and every driver module of it,
    about 20 ms of CPU, to check the keyword: such options live in the migrations only."""
    db = str(tmp_path / "m.db")
    made, _ = imported_modules(
        "--db", db, "member", "enroll", "--name", "A", "--phone", "13800138000"
    )
    assert made.returncode == 0, made.stderr[-2000:]  # made and migrated: the next run only reads

    _, modules = imported_modules("--db", db, *args)
    assert "memberctl.models.member" in modules, "the probe did not reach the tables"
    assert not {m for m in modules if m.startswith("sqlalchemy.dialects.postgresql")}

"""Shared fixtures: a pristine database per test (SQLite file, or a PostgreSQL schema when
MEMBERCTL_TEST_DB is set), an engine and session on it, and `run` for the real CLI.

Migrating takes about a second, so each test process migrates one template; a test gets a copy
of the SQLite file, or the PostgreSQL schema emptied and re-seeded. `fresh_db_url` is a database
that was never migrated, for first-use and upgrade tests."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# The tests read English whatever the machine's locale; set before memberctl.cli is imported,
# because Typer builds the help texts then (tests/i18n switches to Chinese in subprocesses).
os.environ["MEMBERCTL_LANG"] = "en"

from sqlalchemy import (
    Engine,
    MetaData,
    create_engine,
    delete,
    insert,
    select,
)
from sqlalchemy.pool import NullPool
from sqlmodel import Session
from typer.testing import CliRunner, Result

from memberctl.cli import app
from memberctl.db.backup import sync_id_sequence
from memberctl.db.engine import make_engine
from memberctl.db.migrate import ensure_schema

PG_URL = os.environ.get("MEMBERCTL_TEST_DB")
SLOW_DIR = Path(__file__).resolve().parent / "slow"
AS_OF = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 10, 0, 0)
TEST_ENV = {
    "COLUMNS": "120", "TERMINAL_WIDTH": "120", "MEMBERCTL_OPERATOR": "tester",
    "MEMBERCTL_LANG": "en",
}  # fmt: skip


def _with_search_path(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


def _admin() -> Engine:
    return create_engine(PG_URL or "", poolclass=NullPool)


@contextmanager
def _new_pg_schema() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = _admin()
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def fresh_db_url(tmp_path: Path) -> Iterator[str]:
    """An empty database that has never been migrated (first-use and upgrade tests)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with _new_pg_schema() as schema:
        yield _with_search_path(PG_URL, schema)


@dataclass
class Template:
    """A database migrated once per test process; each test gets a pristine copy of it."""

    url: str
    path: Path | None = None  # SQLite: the migrated file to copy
    schema: str | None = None  # PostgreSQL: the schema to reset
    seed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    metadata: MetaData | None = None


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    if not PG_URL:
        path = tmp_path_factory.mktemp("template") / "members.db"
        _migrate(f"sqlite:///{path}")
        yield Template(url=f"sqlite:///{path}", path=path)
        return
    with _new_pg_schema() as schema:
        url = _with_search_path(PG_URL, schema)
        yield Template(url=url, schema=schema, seed=_migrate(url))


def _migrate(url: str) -> dict[str, list[dict[str, Any]]]:
    """Migrate, then remember the rows the migrations seeded (tiers, counters)."""
    engine = make_engine(url)
    try:
        ensure_schema(engine)
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: [dict(row._mapping) for row in connection.execute(select(table))]
                for name, table in metadata.tables.items()
                if name != "alembic_version"
            }
    finally:
        engine.dispose()  # closes the last connection, which checkpoints SQLite's WAL


def _reset_pg(template: Template) -> None:
    """Empty every table and put the seeded rows back: as good as a fresh schema, much faster
    (DELETE on a few rows beats TRUNCATE, which rewrites every table and index file)."""
    if template.metadata is None:
        template.metadata = MetaData()
        template.metadata.reflect(create_engine(template.url, poolclass=NullPool))
    # the derived tables too: a test may empty member_name_position (the migration's own rows,
    # put back from the seed like the tiers), and the keys then outlive their members
    tables = [t for t in template.metadata.sorted_tables if t.name != "alembic_version"]
    engine = create_engine(template.url, poolclass=NullPool)
    with engine.begin() as connection:
        for table in reversed(tables):
            connection.execute(delete(table))
        for table in tables:
            rows = template.seed.get(table.name)
            if rows:
                connection.execute(insert(table), rows)
            sync_id_sequence(connection, table)
    engine.dispose()


@pytest.fixture
def db_url(template: Template, tmp_path: Path) -> str:
    """A migrated database holding only what a fresh one holds (the default tiers)."""
    if template.path is not None:
        path = tmp_path / "members.db"
        shutil.copyfile(template.path, path)
        path.chmod(0o600)
        return f"sqlite:///{path}"
    _reset_pg(template)
    return template.url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@dataclass
class Run:
    """`run(*args)` invokes the real CLI on the test database; `.json()` parses stdout."""

    db_url: str

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str | None] | None = None
    ) -> Result:
        runner = CliRunner(env={**TEST_ENV, **(env or {})})
        return runner.invoke(
            app, ["--db", self.db_url, "--no-input", *args], input=input, catch_exceptions=False
        )

    def json(self, *args: str) -> Any:
        result = self(*args, "--format", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def run(engine: Engine, db_url: str) -> Run:  # noqa: ARG001  (engine: schema in place first)
    return Run(db_url)


def error_line(result: Result) -> str:
    """The one line a failing command prints on stderr (and nothing on stdout)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {result.stderr!r}"
    assert result.stdout == "", f"expected nothing on stdout, got: {result.stdout!r}"
    return lines[0]


Enroller = Callable[..., Any]


def failure(result: Result, exit_code: int, *fragments: str) -> str:
    """Assert a failed run: the exit code, one `error: ...` line on stderr holding every fragment,
    nothing on stdout. Returns the line."""
    assert result.exit_code == exit_code, (result.exit_code, result.stdout, result.stderr)
    line = error_line(result)
    assert line.startswith("error: "), line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    return line


# Tests outside tests/slow that take several seconds by their nature (a walk of every command,
# subprocess shell completion, big files), measured with `pytest -n 0 --durations=40 tests/cli
# tests/i18n -m "not slow"` (seconds on the shared 2-core machine, about 2x its CPU time).
# Marked here rather than in their files; `pytest` (CI) still runs them.
SLOW_ELSEWHERE = {
    # 18 s: every command in Chinese, each in a fresh interpreter (a module-wide fixture)
    "tests/i18n/test_no_english.py",
    # 11 s
    "tests/cli/test_tier_kept.py::test_imported_tiers_are_kept_a_full_window_then_the_grace_rules_apply",
    # 8-9.5 s each: shell completion in subprocesses
    "tests/cli/test_completion.py::test_member_numbers_complete_by_prefix",
    "tests/cli/test_completion.py::test_tier_codes",
    "tests/cli/test_completion.py::test_campaign_codes",
    # 8-9 s per language
    "tests/cli/test_terminal_text.py::test_every_table_shows_hostile_text_literally_and_harmlessly",
    # 9 s: writes an .xls over the size limit
    "tests/cli/test_import_xls.py::test_an_xls_over_the_size_limit_is_refused_before_it_is_read",
}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark SLOW_ELSEWHERE `slow`; then every test under tests/slow must be marked `slow`, so
    that `pytest -m "not slow"` (the developers' fast run) leaves out all the soak, SIGKILL, pty
    and concurrency tests."""
    for item in items:
        function = item.nodeid.split("[")[0]
        if function in SLOW_ELSEWHERE or function.split("::")[0] in SLOW_ELSEWHERE:
            item.add_marker(pytest.mark.slow)
    unmarked = [
        item.nodeid
        for item in items
        if SLOW_DIR in item.path.parents and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests/slow holds tests not marked slow (add pytestmark = pytest.mark.slow): "
            + ", ".join(unmarked)
        )


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its smallest cost for tests that log in many times (the library defaults take
    0.5 s a hash here); tests/cli/test_staff.py checks the real parameters once."""
    from argon2 import PasswordHasher

    from memberctl.domain import login, staff

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(staff, "hasher", lambda: cheap)
    monkeypatch.setattr(login, "hasher", lambda: cheap)
    monkeypatch.setattr(staff, "_decoy", lambda: cheap.hash("decoy"))

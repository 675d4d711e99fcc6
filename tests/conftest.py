"""Shared fixtures: an empty database per test (SQLite file, or a PostgreSQL schema when
MEMBERCTL_TEST_DB is set), an engine and session on it, and `run` for the real CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session
from typer.testing import CliRunner, Result

from memberctl.cli import app
from memberctl.db.engine import make_engine
from memberctl.db.migrate import ensure_schema

PG_URL = os.environ.get("MEMBERCTL_TEST_DB")
AS_OF = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 10, 0, 0)
TEST_ENV = {"COLUMNS": "120", "TERMINAL_WIDTH": "120", "MEMBERCTL_OPERATOR": "tester"}


def _with_search_path(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture
def db_url(tmp_path: Any) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'members.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL, poolclass=NullPool)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield _with_search_path(PG_URL, schema)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


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
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
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

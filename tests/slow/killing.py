"""Shared by the SIGKILL tests: start a memberctl job, wait until it writes, kill it later."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from memberctl.models import MIGRATION_DATA

ROOT = Path(__file__).resolve().parents[2]


def holds_write_lock(engine: Engine) -> bool:
    """Does another connection hold a write transaction on this database?"""
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(engine.url.database or "", timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc) or "busy" in str(exc), exc
            return True
        finally:
            probe.close()
    with engine.connect() as connection:
        query = text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE c.relnamespace = current_schema()::regnamespace"
            " AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"
        )
        return bool(connection.execute(query).scalar())


def popen(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def start_and_wait(
    engine: Engine, command: list[str], env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], float]:
    """Start the job; return once it holds a write transaction (or has already ended)."""
    process = popen(command, env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None or holds_write_lock(engine):
            return process, time.monotonic()
        time.sleep(0.01)
    process.kill()
    process.communicate()
    pytest.fail("the job never started writing")


def measure(
    engine: Engine, command: list[str], env: dict[str, str]
) -> tuple[float, dict[str, Any]]:
    """A clean run: how long its work lasts from its first write to its exit, and its JSON."""
    process, writing_at = start_and_wait(engine, command, env)
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr.decode()
    return time.monotonic() - writing_at, json.loads(stdout)


def kill_after(engine: Engine, command: list[str], env: dict[str, str], delay: float) -> str:
    """Kill the job `delay` seconds into its work; 'killed' or 'finished' (ended before)."""
    process, writing_at = start_and_wait(engine, command, env)
    time.sleep(max(0.0, writing_at + delay - time.monotonic()))
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == -signal.SIGKILL:
        return "killed"
    assert process.returncode == 0, stderr.decode()
    return "finished"


@pytest.fixture(autouse=True)
def truncate_after(engine: Engine) -> Iterator[None]:
    """PostgreSQL: empty the tables with TRUNCATE after a big test; the per-test reset deletes
    row by row, which is slow for the tens of thousands of rows these tests write."""
    yield
    if engine.dialect.name != "postgresql":
        return
    kept = ["alembic_version", *MIGRATION_DATA]  # the migrations' own rows (the reset keeps them)
    with engine.begin() as connection:
        tables = connection.execute(
            text(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()"
                " AND tablename <> ALL(:kept)"
            ),
            {"kept": kept},
        ).scalars()
        connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)} CASCADE")  # noqa: S608


def finish(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run `command` to the end (the re-run after a kill): exit 0, no traceback, its JSON."""
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    return json.loads(done.stdout)


def db_check(run: Any) -> None:
    """`db check` finds nothing wrong."""
    result = run("db", "check", "-f", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == {"ok": True, "problems": []}

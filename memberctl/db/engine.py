"""Engines for SQLite (the default) and PostgreSQL.

SQLite is opened in WAL mode with a busy timeout and foreign keys on, and its file is created
owner-only (0600). Transactions are begun explicitly so that writers can take the write lock up
front (`BEGIN IMMEDIATE`) instead of failing half-way with "database is locked".

A writer waits for the write lock on SQLite's busy timeout (30 s). If `BEGIN IMMEDIATE` still
answers SQLITE_BUSY (another writer held the lock all that time, e.g. a nightly step over a big
shop; or one of the cases where SQLite answers busy without waiting, such as a connection
recovering the WAL index), it is tried again a bounded number of times after a growing pause
with jitter; after the last try the command fails with one line saying that the database is
busy and that nothing was written (`DatabaseBusy`, exit 1). Nothing has been written at BEGIN,
so retrying it is always safe.

Erased data does not linger in the files (`member forget`): `secure_delete` makes SQLite overwrite
deleted content with zeros, and `checkpoint` copies the WAL into the database and truncates it,
since the WAL keeps the pages as they were before the erasure. A connection that is still reading
holds the old pages in the WAL (and, not yet copied over, in the database): then `checkpoint`
reports it blocked after CHECKPOINT_WAIT_MS, and the nightly job's checkpoint finishes it.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from memberctl.errors import MemberctlError
from memberctl.i18n import _

BUSY_TIMEOUT_MS = 30_000
_BUSY_PRAGMA = "PRAGMA busy_timeout=30000"  # = BUSY_TIMEOUT_MS (a PRAGMA takes no parameters)
_BEGIN = {mode: f"BEGIN {mode}" for mode in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")}
BUSY_RETRY_PAUSES = (0.5, 2.0)  # seconds before each further BEGIN IMMEDIATE after SQLITE_BUSY
SQLITE_BEGIN_OPTION = "memberctl_sqlite_begin"
CHECKPOINT_WAIT_MS = 2_000  # how long a checkpoint waits for readers to finish
_CHECKPOINT_BUSY_PRAGMA = "PRAGMA busy_timeout=2000"  # = CHECKPOINT_WAIT_MS


class DatabaseBusy(MemberctlError):
    """SQLite's write lock stayed held by another connection through every retry (exit 1)."""


def make_engine(url: str) -> Engine:
    """`hide_parameters`: a database error's message (shown on stderr as one line) would
    otherwise quote the statement's values, phone numbers and names among them."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _create_private_file(database: str | None) -> None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def _sqlite_engine(url: str, database: str | None) -> Engine:
    _create_private_file(database)
    engine = create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(_BUSY_PRAGMA)
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted content overwritten, not left behind
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        if mode == "DEFERRED":  # takes no lock: never busy
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        begin_with_retry(connection.connection.dbapi_connection, mode)

    return engine


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def begin_with_retry(dbapi_connection: Any, mode: str) -> None:
    """`BEGIN IMMEDIATE` (or EXCLUSIVE), tried again after a pause while SQLite answers busy."""
    started = time.monotonic()
    for pause in (*BUSY_RETRY_PAUSES, None):
        try:
            dbapi_connection.execute(_BEGIN[mode])  # a fixed statement per mode, never built
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            if pause is None:
                waited = time.monotonic() - started
                raise DatabaseBusy(
                    _("the database is busy: another program held its write lock for {s:.0f} s"
                      " (a nightly job or an import?); nothing was written").format(s=waited),
                    _("try again when it has finished"),
                ) from exc  # fmt: skip
            time.sleep(pause * random.uniform(0.5, 1.5))  # noqa: S311  (jitter, not secrets)


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (it stays so). SQLite answers "database is locked" at once, without
    waiting on the busy timeout, when two first connections switch a new file at the same time."""
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return  # the common case: the file was switched long ago
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@dataclass(frozen=True)
class Checkpoint:
    database: str  # the database's file name (members.db)
    wal: str  # the WAL's file name (members.db-wal)
    wiped: bool  # False: a reader kept the WAL from being copied and emptied


def checkpoint(engine: Engine) -> Checkpoint | None:
    """SQLite: copy the WAL into the database file and truncate it to nothing, waiting at most
    CHECKPOINT_WAIT_MS for other connections' reads to end. None for other databases."""
    database = engine.url.database
    if not is_sqlite(engine) or not database or database == ":memory:":
        return None
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.execute(_CHECKPOINT_BUSY_PRAGMA)
        try:
            busy = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            busy = 1
        finally:
            raw.execute(_BUSY_PRAGMA)
    name = Path(database).name
    return Checkpoint(database=name, wal=name + "-wal", wiped=busy == 0)

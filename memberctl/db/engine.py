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

from memberctl.errors import (
    InvalidInput,
    MemberctlError,
    NotFound,
    NotPermitted,
    RuleViolation,
    UsageProblem,
)
from memberctl.i18n import _

BUSY_TIMEOUT_MS = 30_000
_BUSY_PRAGMA = "PRAGMA busy_timeout=30000"  # = BUSY_TIMEOUT_MS (a PRAGMA takes no parameters)
_BEGIN = {mode: f"BEGIN {mode}" for mode in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")}
BUSY_RETRY_PAUSES = (0.5, 2.0)  # seconds before each further BEGIN IMMEDIATE after SQLITE_BUSY
SQLITE_BEGIN_OPTION = "memberctl_sqlite_begin"
# A bulk write (an import, its undo) keeps SQLite's temporary files in memory from its BEGIN on
# (the connection keeps it): the triggers on member make every inserted row a statement that
# needs a statement journal, which SQLite otherwise opens as a temporary file per row (measured
# on 100,000 members: 19 microseconds a member with files, 5 in memory).
SQLITE_BULK_OPTION = "memberctl_sqlite_bulk"
_TEMP_IN_MEMORY = "PRAGMA temp_store=MEMORY"
CHECKPOINT_WAIT_MS = 2_000  # how long a checkpoint waits for readers to finish
_CHECKPOINT_BUSY_PRAGMA = "PRAGMA busy_timeout=2000"  # = CHECKPOINT_WAIT_MS


class DatabaseBusy(MemberctlError):
    """SQLite's write lock stayed held by another connection through every retry (exit 1)."""


class DatabaseNotPermitted(MemberctlError):
    """The system does not let this user write (or open) the database file or its folder."""

    exit_code = 6


class DatabaseUnavailable(MemberctlError):
    """A failure that may pass (a full disk, an unreachable server): exit 1, what to do."""


SQLITE_HEADER = b"SQLite format 3\x00"


def make_engine(url: str) -> Engine:
    """`hide_parameters`: a database error's message (shown on stderr as one line) would
    otherwise quote the statement's values, phone numbers and names among them."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    _quiet_driver_log()
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _quiet_driver_log() -> None:
    """psycopg logs a warning ("error ignored terminating <psycopg.Pipeline ...>") when a failed
    batch also fails to end; with no handler Python prints it to stderr as a second line beside
    the one error line. The error itself still reaches the error boundary."""
    import logging

    driver = logging.getLogger("psycopg")
    if not any(isinstance(h, logging.NullHandler) for h in driver.handlers):
        driver.addHandler(logging.NullHandler())


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL; None for other backends, memory and `file:` URIs."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else Path(database)


def prepare_sqlite_file(url: str, *, create_folders: bool) -> Path | None:
    """Check the file `--db` names before SQLite opens it, and create it (0600) when missing.

    A folder, or a file that is not a SQLite database, is refused; a missing folder too, unless
    `create_folders` (`db upgrade`, or the default database in the user's data folder), since a
    mistyped path would otherwise leave a new database and folders behind. Returns the path when
    this call created the file, else None."""
    path = sqlite_file(url)
    if path is None:
        return None
    if path.is_dir():
        raise UsageProblem(
            _("--db '{path}' is a folder, not a database file").format(path=path),
            _("give a file in it, e.g. {example}").format(example=path / "memberctl.db"),
        )
    if path.exists():
        if os.path.realpath(path) not in _OPENED_BY_SQLITE:
            _check_header(path)
        return None
    if not path.parent.is_dir():
        if not create_folders:
            raise NotFound(
                _("no folder '{folder}' for the database {name}").format(
                    folder=path.parent, name=path.name
                ),
                _(
                    "check the path, create the folder, or run 'memberctl --db {path} db upgrade' "
                    "to create both"
                ).format(path=path),
            )
        _as_not_permitted(path, lambda: path.parent.mkdir(parents=True, exist_ok=True))
    _as_not_permitted(path, lambda: _create_private_file(str(path)))
    return path


def _as_not_permitted(path: Path, action: Any) -> None:
    try:
        action()
    except PermissionError:
        raise DatabaseNotPermitted(
            _("cannot create the database {path}: this user may not write its folder").format(
                path=path
            ),
            _("choose a folder you can write, or ask who owns it"),
        ) from None


# SQLite files this process has made an engine for. Their header is never read again here:
# closing any descriptor of a file drops every POSIX lock the process holds on it, so a check
# beside a live connection (a test's engine and an in-process CLI run, say) would let another
# process checkpoint and delete the WAL under that connection, and corrupt the database.
_OPENED_BY_SQLITE: set[str] = set()


def _check_header(path: Path) -> None:
    """SQLite takes a file shorter than a page for an empty database and writes over it: a
    small CSV given as --db would be lost. Read only before SQLite opened it in this process."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except PermissionError:
        raise not_permitted(path) from None
    if head and head != SQLITE_HEADER:  # an empty file is an empty database
        raise not_a_database(path)


def not_a_database(path: Path) -> InvalidInput:
    return InvalidInput(
        _("'{path}' is not a SQLite database").format(path=path),
        _("check --db: memberctl creates a new database only where no file exists yet"),
    )


def not_permitted(path: Path | str) -> DatabaseNotPermitted:
    return DatabaseNotPermitted(
        _(
            "cannot write the database {path}: the file or its folder is read-only for this "
            "user; nothing was written"
        ).format(path=path),
        _(
            "let this user write both (SQLite keeps -wal and -shm files beside the database), "
            "or use a copy"
        ),
    )


def _create_private_file(database: str | None) -> None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)  # the CLI decided first (prepare_sqlite_file)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def _sqlite_engine(url: str, database: str | None) -> Engine:
    _create_private_file(database)
    if database and database != ":memory:" and not database.startswith("file:"):
        _OPENED_BY_SQLITE.add(os.path.realpath(database))
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
        options = connection.get_execution_options()
        if options.get(SQLITE_BULK_OPTION):  # before BEGIN: inside a transaction it is ignored
            connection.connection.dbapi_connection.execute(_TEMP_IN_MEMORY)
        mode = options.get(SQLITE_BEGIN_OPTION, "DEFERRED")
        if mode == "DEFERRED":  # takes no lock: never busy
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        begin_with_retry(connection.connection.dbapi_connection, mode)

    return engine


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """SQLite's answer that another connection holds a lock ("database is locked", "busy")."""
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
            if not is_busy(exc):
                raise
            if pause is None:
                waited = time.monotonic() - started
                raise DatabaseBusy(
                    _(
                        "the database is busy: another program held its write lock for {s:.0f} s"
                        " (a nightly job or an import?); nothing was written"
                    ).format(s=waited),
                    _("try again when it has finished"),
                ) from exc
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


def explain(exc: BaseException, url: str) -> MemberctlError | None:
    """What an error from the database driver means for the person at the keyboard, or None
    when it is not an environment failure (then it stays unexpected)."""
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, sqlite3.Error):
        return _explain_sqlite(str(orig).lower(), url)
    if type(orig).__module__.startswith("psycopg"):
        return _explain_postgresql(orig, url)
    return None


def _explain_postgresql(orig: BaseException, url: str) -> MemberctlError | None:
    sqlstate = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    if sqlstate == "42501":  # insufficient_privilege: a staff member's own role (issue 18)
        return NotPermitted(
            _("the database refused: this login role may not do that ({table})").format(
                table=getattr(diag, "table_name", None) or "?"
            ),
            _("ask the owner, or connect as a staff member whose role may"),
        )
    if sqlstate == "23505" and getattr(diag, "constraint_name", None) == "member_phone_key":
        # the member holding the phone is in a store this staff member cannot see (row-level
        # security), so the check before the INSERT did not find them
        return RuleViolation(
            _("the phone number is already used by a member of another store; nothing was written"),
            _("ask a manager of that store, or the owner, to look the member up"),
        )
    if "connection" in str(orig).lower():
        where = make_url(url).render_as_string(hide_password=True)
        return DatabaseUnavailable(
            _("cannot reach the database server at {url}").format(url=where),
            _("check that PostgreSQL is running and that the URL is right"),
        )
    return None


def _explain_sqlite(text: str, url: str) -> MemberctlError | None:
    path = sqlite_file(url) or make_url(url).database or url
    if "readonly" in text or "unable to open database file" in text:
        return not_permitted(path)
    if "file is not a database" in text:
        return not_a_database(Path(path))
    if "malformed" in text or "disk i/o error" in text:
        return InvalidInput(
            _("the database {path} is damaged ({error})").format(path=path, error=text),
            _("restore the latest backup with 'memberctl db restore FILE'"),
        )
    if "database or disk is full" in text:
        return DatabaseUnavailable(
            _("the disk holding {path} is full; nothing was written").format(path=path),
            _("free some space and run the command again"),
        )
    return None


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
            if not is_busy(exc):
                raise
            busy = 1
        finally:
            raw.execute(_BUSY_PRAGMA)
    name = Path(database).name
    return Checkpoint(database=name, wal=name + "-wal", wiped=busy == 0)

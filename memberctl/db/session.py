"""One unit of work: a session, one commit at the end, rollback on any error.

Domain functions never commit; the caller wraps them in `transaction()`, which is what makes
"nothing half-written" true.

`run_transaction(engine, work)` runs `work(session)` in such a transaction and runs the whole of
it again, in a new transaction, when the database gave it up for a conflict with another writer
that trying again resolves: on PostgreSQL a deadlock (SQLSTATE 40P01) or a serialization failure
(40001); on SQLite "database is locked" or "busy" that the busy timeout did not wait out (a
snapshot gone stale under a reader that wants to write). Nothing of the failed try was
committed, so trying again is safe; `work` must do nothing outside the database that it cannot
do twice. After RETRY_PAUSES the error goes on to the caller as before. Each retry is logged at
INFO on the `memberctl.db.retry` logger (silent unless a handler is added: benchmarks/load.py
counts them).
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from memberctl.db.engine import SQLITE_BEGIN_OPTION, SQLITE_BULK_OPTION, is_busy, is_sqlite

T = TypeVar("T")
RETRY_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
RETRY_PAUSES = (0.02, 0.05, 0.1, 0.25, 0.5)  # seconds (jittered) before each further try
retry_log = logging.getLogger("memberctl.db.retry")


@contextmanager
def transaction(engine: Engine, *, write: bool = True, bulk: bool = False) -> Iterator[Session]:
    """Yield a session; commit when the block ends, roll back if it raises.

    `write=True` takes SQLite's write lock at BEGIN (`BEGIN IMMEDIATE`) so that concurrent writers
    queue on the busy timeout instead of failing when they upgrade a read lock. `bulk=True`
    (imports) keeps SQLite's temporary files in memory (`engine.SQLITE_BULK_OPTION`).
    """
    bind = engine
    if write and is_sqlite(engine):
        options = {SQLITE_BEGIN_OPTION: "IMMEDIATE", SQLITE_BULK_OPTION: bulk}
        bind = engine.execution_options(**options)
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def is_retryable(exc: BaseException) -> bool:
    """A conflict with another transaction that the database resolved by giving this one up."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in RETRY_SQLSTATES:
        return True
    return isinstance(orig, sqlite3.OperationalError) and is_busy(orig)


def run_transaction(engine: Engine, work: Callable[[Session], T], *, write: bool = True) -> T:
    """`work(session)` in one transaction, committed; the whole of it tried again (after a short
    growing pause with jitter) while it fails with a conflict `is_retryable` names."""
    for attempt, pause in enumerate((*RETRY_PAUSES, None), start=1):
        try:
            with transaction(engine, write=write) as session:
                return work(session)
        except DBAPIError as exc:
            if pause is None or not is_retryable(exc):
                raise
            code = getattr(exc.orig, "sqlstate", None) or "busy"
            retry_log.info("try %d gave way to another transaction (%s); again", attempt, code)
            time.sleep(pause * random.uniform(0.5, 1.5))  # noqa: S311  (jitter, not secrets)
    raise AssertionError("unreachable")  # pragma: no cover  (the last try returns or raises)

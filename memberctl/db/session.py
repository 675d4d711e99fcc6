"""One unit of work: a session, one commit at the end, rollback on any error.

Domain functions never commit; the caller wraps them in `transaction()`, which is what makes
"nothing half-written" true.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

from memberctl.db.engine import SQLITE_BEGIN_OPTION, is_sqlite


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """Yield a session; commit when the block ends, roll back if it raises.

    `write=True` takes SQLite's write lock at BEGIN (`BEGIN IMMEDIATE`) so that concurrent writers
    queue on the busy timeout instead of failing when they upgrade a read lock.
    """
    bind = engine
    if write and is_sqlite(engine):
        bind = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

"""Fresh planner statistics on PostgreSQL before a query that joins large tables.

PostgreSQL plans joins from table statistics. Right after bulk writes (in this transaction, or
before autovacuum has caught up) they say the tables are small, the planner picks nested loops,
and a join over a few hundred thousand rows turns quadratic (minutes instead of seconds).
ANALYZE samples rows, so it stays cheap. SQLite plans without statistics: nothing to do there.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session


def refresh(session: Session, statements: Iterable[str]) -> None:
    """Run each `ANALYZE table` statement (literal SQL, fixed by the caller) on PostgreSQL."""
    if session.get_bind().dialect.name != "postgresql":
        return
    connection = session.connection()
    for statement in statements:
        connection.exec_driver_sql(statement)

"""PostgreSQL: staff as login roles, group roles per memberctl role, grants and row-level
security, so the database enforces the permission matrix as well as the code does (issue 18).

Stub of the foundation commit: filled in by the PostgreSQL work.
"""

from __future__ import annotations

from sqlalchemy import Connection

from memberctl.domain.permissions import Identity


def whoami(connection: Connection) -> Identity | None:
    """The staff member whose login role this connection is (`current_user`), or None when the
    connection is not a staff member's own role (SQLite, or an administrator's connection)."""
    del connection
    return None

"""PostgreSQL: staff as login roles, group roles per memberctl role, grants and row-level
security, so the database enforces the permission matrix as well as the code does (issue 18).

Stubs of the foundation commit (no-ops, and no-ops on SQLite always): filled in by the
PostgreSQL work. `domain/staff.py` calls the `on_*` hooks inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from memberctl.domain.permissions import Identity


def whoami(connection: Connection) -> Identity | None:
    """The staff member whose login role this connection is (`current_user`), or None when the
    connection is not a staff member's own role (SQLite, or an administrator's connection)."""
    del connection
    return None


def on_staff_added(
    connection: Connection,
    *,
    staff_id: int,
    name: str,
    role: str,
    stores: Sequence[str],
    password: str | None,
) -> str | None:
    """PostgreSQL: create the staff member's login role (member of the group role of `role`)
    and return its name, which `staff.db_role` keeps; None on SQLite."""
    del connection, staff_id, name, role, stores, password
    return None


def on_password(connection: Connection, *, db_role: str | None, password: str) -> None:
    """PostgreSQL: the login role gets the new password too."""
    del connection, db_role, password


def on_disabled(connection: Connection, *, db_role: str | None) -> None:
    """PostgreSQL: the login role may no longer log in (NOLOGIN)."""
    del connection, db_role

"""Staff, the stores each may work in, and their sessions and job tokens (issue 18).

A password is stored only as its argon2id hash; a session or job token only as its SHA-256
(a random 256-bit token needs no slow hash: nothing can be guessed from it).
"""

import datetime as dt

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=16)  # owner | manager | clerk | job (permissions.Role)
    password_hash: str | None = Field(default=None, max_length=200)  # None: a job
    db_role: str | None = Field(default=None, max_length=63)  # PostgreSQL: the login role
    failed_logins: int = Field(default=0)
    locked_until: dt.datetime | None = Field(default=None, sa_type=DateTime)
    disabled_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    created_at: dt.datetime = Field(sa_type=DateTime)


class StaffStore(SQLModel, table=True):
    """The stores a staff member works in; none at all means every store."""

    __tablename__ = "staff_store"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    store: str = Field(max_length=64, primary_key=True)


class StaffSession(SQLModel, table=True):
    """A login session (kind `login`) or a job's token (kind `job`)."""

    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    kind: str = Field(max_length=8)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: dt.datetime = Field(sa_type=DateTime)
    last_used_at: dt.datetime = Field(sa_type=DateTime)
    expires_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    ended_at: dt.datetime | None = Field(default=None, sa_type=DateTime)

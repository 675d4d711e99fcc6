"""The append-only audit log: who did what, when. `details` never holds personal data."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

# The tables named by this module's foreign keys: a flush resolves every foreign key of
# the tables it writes, so they are declared first (see memberctl/models/__init__.py).
import memberctl.models.member  # noqa: F401


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_type=DateTime, index=True)  # the real clock: when it was done
    # The day the action was done FOR (`--as-of`, `--taken-at`, `--at`), when that is not today.
    business_date: dt.date | None = None
    operator: str = Field(max_length=100)
    action: str = Field(max_length=48, index=True)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

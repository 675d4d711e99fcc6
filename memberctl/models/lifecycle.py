"""Every status and tier change of a member, with its reason, operator and time."""

import datetime as dt

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

# The tables named by this module's foreign keys: a flush resolves every foreign key of
# the tables it writes, so they are declared first (see memberctl/models/__init__.py).
import memberctl.models.member  # noqa: F401


class LifecycleChange(SQLModel, table=True):
    __tablename__ = "lifecycle_change"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(max_length=16)  # "status" or "tier"
    action: str = Field(max_length=32)  # enroll, freeze, upgrade, ...
    from_value: str | None = Field(default=None, max_length=32)
    to_value: str = Field(max_length=32)
    reason: str | None = Field(default=None, max_length=500)
    operator: str = Field(max_length=100)
    at: dt.datetime = Field(sa_type=DateTime, index=True)

"""Interactions with a member (calls, complaints, feedback, visits), as notes."""

import datetime as dt

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

# The tables named by this module's foreign keys: a flush resolves every foreign key of
# the tables it writes, so they are declared first (see memberctl/models/__init__.py).
import memberctl.models.member  # noqa: F401


class Interaction(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(max_length=16)
    text: str | None = Field(default=None, max_length=4000)  # NULL once the member is forgotten
    operator: str = Field(max_length=100)
    at: dt.datetime = Field(sa_type=DateTime)
    resolved_at: dt.datetime | None = Field(default=None, sa_type=DateTime)

"""Interactions with a member (calls, complaints, feedback, visits), as notes."""

import datetime as dt

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel


class Interaction(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(max_length=16)
    text: str | None = Field(default=None, max_length=4000)  # NULL once the member is forgotten
    operator: str = Field(max_length=100)
    at: dt.datetime = Field(sa_type=DateTime)
    resolved_at: dt.datetime | None = Field(default=None, sa_type=DateTime)

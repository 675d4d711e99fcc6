"""Saved segments: a name for a `--where` expression."""

import datetime as dt

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel


class Segment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    expr: str = Field(max_length=2000)
    operator: str = Field(max_length=100)
    created_at: dt.datetime = Field(sa_type=DateTime)
    updated_at: dt.datetime = Field(sa_type=DateTime)

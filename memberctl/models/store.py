"""The shop's stores: `member.store` and `purchase.store` hold a store's code (issue 17)."""

import datetime as dt

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel


class Store(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=100)
    created_at: dt.datetime = Field(sa_type=DateTime)

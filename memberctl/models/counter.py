"""Named counters handed out under a row lock (member numbers): concurrent writers never collide."""

from sqlmodel import Field, SQLModel


class Counter(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=32)
    value: int = 0

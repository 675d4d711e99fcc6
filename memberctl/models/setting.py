"""Shop-wide settings as key/value text (expiry policy, birthday multiplier, grace period...)."""

from sqlmodel import Field, SQLModel


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=500)

"""Members and their tags.

Points and balance are caches of the ledgers, updated in the same transaction as the ledger rows.
"""

import datetime as dt
from decimal import Decimal

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

# The tables named by this module's foreign keys: a flush resolves every foreign key of
# the tables it writes, so they are declared first (see memberctl/models/__init__.py).
import memberctl.models.tier  # noqa: F401
from memberctl.models._indexes import POINTS, SEARCH_PIECE, where_not_null


class Member(SQLModel, table=True):
    # Most members have no referrer: a partial index. On PostgreSQL half of each page stays free
    # (schema 0016, fillfactor 50), so updating the points and balance caches is a HOT update
    # that writes no index: none of the indexed columns below is a cache. The fillfactor is the
    # migration's alone: a `postgresql_with` here would import the PostgreSQL dialect in every
    # SQLite command (see `where_not_null`).
    __table_args__ = (where_not_null("member", "referrer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_no: str = Field(max_length=32, unique=True)
    name: str | None = Field(default=None, max_length=100)
    # Pinyin initials of the name ("张三丰" -> "zsf") for a clerk's search; NULL until computed
    # (bulk imports leave it to the first search or the nightly job, to stay fast).
    name_initials: str | None = Field(default=None, max_length=100, index=True)
    # E.164; NULL once forgotten, so the unique index only binds members that are not forgotten.
    phone: str | None = Field(default=None, max_length=20, unique=True)
    gender: str | None = Field(default=None, max_length=8)
    birthday: dt.date | None = None
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=500)
    tier_code: str = Field(foreign_key="tier.code", max_length=32, index=True)
    status: str = Field(default="active", max_length=16, index=True)
    points: int = Field(default=0, sa_type=POINTS)
    balance: Decimal = Field(default=Decimal("0.00"), max_digits=14, decimal_places=2)
    store: str | None = Field(default=None, max_length=64, index=True)
    referrer_id: int | None = Field(default=None, foreign_key="member.id")
    joined_at: dt.datetime = Field(sa_type=DateTime, index=True)
    created_at: dt.datetime = Field(sa_type=DateTime)
    updated_at: dt.datetime = Field(sa_type=DateTime)
    forgotten_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    # First day the member's 12-month spend was below its tier's threshold (downgrade grace period).
    below_tier_since: dt.date | None = None
    # The tier was set by hand or brought from another system: evaluation only upgrades the
    # member until this day (inclusive), so a tier earned elsewhere is not lost to missing spend.
    tier_kept_until: dt.date | None = None
    # The member asked not to receive marketing messages (notify render skips them).
    opt_out: bool = False


class MemberTag(SQLModel, table=True):
    __tablename__ = "member_tag"

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    tag: str = Field(max_length=64, primary_key=True, index=True)


NAME_KEY_LENGTH = 16  # characters of a name per search key (migration 0017's PIECE)


class MemberSearchKey(SQLModel, table=True):
    """What a clerk's search looks members up by, kept by the database's own triggers on
    `member` (migration 0017), never written by memberctl: `n` every piece of the lower-case
    name from each of its characters on (at most 16 characters: "张三丰" -> 张三丰, 三丰, 丰),
    `i` the pinyin initials, `p` the phone's last four digits, `m` the upper-case member number.
    A search reads a range of this index instead of every member (`domain/search.py`)."""

    __tablename__ = "member_search_key"
    __table_args__ = {"sqlite_with_rowid": False}

    kind: str = Field(max_length=1, primary_key=True)
    # Compared as code points (COLLATE "C" on PostgreSQL), so that a prefix is one range.
    piece: str = Field(sa_type=SEARCH_PIECE, primary_key=True)
    member_id: int = Field(primary_key=True)


class MemberNamePosition(SQLModel, table=True):
    """The numbers 1 to 100, the character positions a name (VARCHAR(100)) may have: the
    triggers that keep `member_search_key` take a name's pieces from each (migration 0017)."""

    __tablename__ = "member_name_position"

    position: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})

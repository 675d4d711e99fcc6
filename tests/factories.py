"""Build test data through domain functions, each call in its own committed transaction, and read
the database back for assertions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

import memberctl.models
from memberctl.db.session import transaction
from memberctl.domain import interactions, members, privacy, refs, stores, tiers
from memberctl.domain.members import MemberRecord
from memberctl.models import Member

memberctl.models.load_all()  # every table in the metadata, for `snapshot`

NOW = dt.datetime(2026, 11, 25, 10, 0, 0)
_phone_seq = iter(range(10_000_000))


def next_phone() -> str:
    return f"139{next(_phone_seq):08d}"


def add_store(engine: Engine, code: str, name: str | None = None) -> None:
    """Register a store (`store add`), unless a store of that code or name is registered."""
    with transaction(engine) as session:
        if stores.find(session, code) is None:
            stores.add(session=session, code=code, name=name, operator="factory", at=NOW)


def enroll(
    engine: Engine, name: str = "张三", phone: str | None = None, **raw: Any
) -> MemberRecord:
    """A new member; a `store` given is registered first (as `store add` would), since every
    store a member names is a registered one."""
    tags = raw.pop("tags", [])
    at = raw.pop("at", NOW)
    values = {"name": name, "phone": phone or next_phone(), **{k: str(v) for k, v in raw.items()}}
    if raw.get("store"):
        add_store(engine, str(raw["store"]))
    with transaction(engine) as session:
        data, _ = members.parse_input(session, region="CN", raw=values, tags=tags)
        return members.enroll(session=session, data=data, operator="factory", at=at)


def act(engine: Engine, member_no: str, *actions: str, at: dt.datetime = NOW) -> MemberRecord:
    """Apply lifecycle actions (freeze, cancel, ...) in order, one minute apart."""
    record = None
    for step, action in enumerate(actions, start=1):
        with transaction(engine) as session:
            member = refs.resolve(session, member_no)
            record = members.change_status(
                session=session,
                member=member,
                action=action,
                reason=f"step {step}",
                operator="factory",
                at=at + dt.timedelta(minutes=step),
            )
    assert record is not None
    return record


STATUS_PATH = {"active": (), "frozen": ("freeze",), "cancelled": ("cancel",)}


def member_in(engine: Engine, status: str, **raw: Any) -> MemberRecord:
    """A new member brought to `status` through allowed transitions."""
    record = enroll(engine, **raw)
    if STATUS_PATH[status]:
        record = act(engine, record.member_no, *STATUS_PATH[status])
    return record


def move_tier(
    engine: Engine, member_no: str, direction: str, to: str | None = None, at: dt.datetime = NOW
) -> None:
    with transaction(engine) as session:
        member = refs.resolve(session, member_no)
        tiers.change_tier(
            session=session,
            member=member,
            direction=direction,
            to=to,
            reason=None,
            operator="factory",
            at=at,
        )


def note(
    engine: Engine, member_no: str, text: str, kind: str = "note", at: dt.datetime = NOW
) -> None:
    with transaction(engine) as session:
        member = refs.resolve(session, member_no)
        interactions.add_note(
            session=session, member=member, text=text, kind=kind, operator="factory", at=at
        )


def forget(engine: Engine, member_no: str, at: dt.datetime = NOW) -> None:
    with transaction(engine) as session:
        member = refs.resolve(session, member_no)
        privacy.forget(session=session, member=member, operator="factory", at=at)


def member_row(session: Session, member_no: str) -> Member:
    """The member's row as it is now in the database: the session's transaction (and with it an
    older SQLite snapshot and cached objects) is ended first."""
    session.rollback()
    return session.exec(select(Member).where(Member.member_no == member_no)).one()


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, for "nothing was written" checks."""
    with engine.connect() as connection:
        state = {
            name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for name, table in SQLModel.metadata.tables.items()
        }
        connection.rollback()
    return state


MEMBER_KEYS = {
    "member_no", "name", "phone", "gender", "birthday", "email", "tier", "status", "points",
    "balance", "store", "tags", "joined_at", "referrer",
}  # fmt: skip


def load_tiers(engine: Engine, path: Any) -> None:
    with transaction(engine) as session:
        tiers.load(session=session, path=path, operator="factory", at=NOW)


def members_at_revision(engine: Engine, revision: str, rows: list[dict[str, Any]]) -> None:
    """Migrate a fresh database to `revision` only, then write members as that schema had
    them (id, member_no, name, name_initials, phone given; the rest an active basic member),
    for a test of what a later migration does to them."""
    from sqlalchemy import MetaData, Table, insert

    from memberctl.db.migrate import upgrade

    at = dt.datetime(2026, 1, 1)
    upgrade(engine, revision)
    defaults = {"tier_code": "basic", "status": "active", "points": 0, "balance": 0,
                "joined_at": at, "created_at": at, "updated_at": at}  # fmt: skip
    with engine.begin() as connection:
        member = Table("member", MetaData(), autoload_with=connection)
        connection.execute(insert(member), [defaults | row for row in rows])

"""Set-based reads and writes for imports: many members, tags, ledger rows and purchases at once.

Everything here is Core `insert()/update()` executemany or `IN (...)` lookups in batches, never
one ORM object per row. The caller owns the transaction: an import is one transaction, recorded
in `import_run` inside it, so a failed or killed import leaves nothing behind.
Member caches (`member.points`, `member.balance`) are written together with the ledger rows
they summarise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, delete, func, insert, select, update
from sqlmodel import Session

from memberctl import models
from memberctl.models import ImportRun, LifecycleChange, Member, MemberTag, Purchase, Tier

BATCH = 5_000  # bound parameters per IN (...) lookup, well under SQLite's limit
MEMBER = Member.__table__  # type: ignore[attr-defined]
TAG = MemberTag.__table__  # type: ignore[attr-defined]
LIFECYCLE = LifecycleChange.__table__  # type: ignore[attr-defined]
POINTS = models.PointsEntry.__table__
WALLET = models.WalletEntry.__table__
PURCHASE = Purchase.__table__  # type: ignore[attr-defined]
RUN = ImportRun.__table__  # type: ignore[attr-defined]
# What an import compares and may update on an existing member.
MEMBER_FIELDS = (
    "name", "phone", "gender", "birthday", "email", "address", "tier_code", "status", "store",
    "joined_at",
)  # fmt: skip


def batches(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Tiers:
    codes: dict[str, str]  # lower-case code or name -> code
    lowest: str


def tiers(session: Session) -> Tiers:
    rows = session.connection().execute(select(Tier.code, Tier.name).order_by(Tier.rank)).all()
    codes = {code.lower(): code for code, _ in rows}
    codes.update({name.strip().lower(): code for code, name in rows})
    return Tiers(codes, rows[0][0])


def members_by(session: Session, column: str, values: Iterable[str]) -> dict[str, Row[Any]]:
    """Existing members whose `column` (phone or member_no) is one of `values`."""
    wanted = sorted({v for v in values if v})
    found: dict[str, Row[Any]] = {}
    target = MEMBER.c[column]
    query = select(MEMBER).where(target.in_(bindparam("keys", expanding=True)))
    for part in batches(wanted):
        for row in session.connection().execute(query, {"keys": list(part)}):
            found[getattr(row, column)] = row
    return found


def tags_of(session: Session, member_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for part in batches(list(member_ids)):
        query = select(TAG.c.member_id, TAG.c.tag).where(TAG.c.member_id.in_(part))
        for member_id, tag in session.connection().execute(query.order_by(TAG.c.tag)):
            found.setdefault(member_id, []).append(tag)
    return found


def insert_members(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert members (plain executemany: RETURNING would make SQLAlchemy send them one by one
    to keep their order); their ids, looked up by member number, in the order given."""
    if not rows:
        return []
    connection = session.connection()
    top = connection.execute(select(func.coalesce(func.max(MEMBER.c.id), 0))).scalar_one()
    insert_rows(session, MEMBER, rows)
    query = select(MEMBER.c.member_no, MEMBER.c.id).where(MEMBER.c.id > top)
    found = dict(connection.execute(query).all())
    return [found[row["member_no"]] for row in rows]


def ids_by(session: Session, column: str, values: Iterable[str]) -> dict[str, int]:
    """Member ids by phone or member_no, for the given values that exist."""
    wanted = sorted({v for v in values if v})
    found: dict[str, int] = {}
    target = MEMBER.c[column]
    query = select(target, MEMBER.c.id).where(target.in_(bindparam("keys", expanding=True)))
    for part in batches(wanted):
        found.update(session.connection().execute(query, {"keys": list(part)}).all())
    return found


def insert_rows(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Core executemany, with the column types' bind processing done column by column and the
    rows handed to the driver's executemany as they are: SQLAlchemy's per-row parameter
    handling would cost more than the database's own work."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    columns: dict[str, list[Any]] = {}
    for name in compiled.params:  # the given columns, and those with a Python-side default
        values = [row[name] for row in rows] if name in rows[0] else _defaults(table, name, rows)
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            values = _processed(values, process)
        columns[name] = values
    if compiled.positional:
        order = [columns[name] for name in compiled.positiontup or []]
        connection.exec_driver_sql(compiled.string, list(zip(*order, strict=True)))
    else:
        params = [
            dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)
        ]
        connection.exec_driver_sql(compiled.string, params)


def _processed(values: list[Any], process: Any) -> list[Any]:
    """Bind processing once per distinct value (dates and times repeat a lot)."""
    done: dict[Any, Any] = {None: None}
    try:
        return [done[v] if v in done else done.setdefault(v, process(v)) for v in values]
    except TypeError:  # unhashable values
        return [None if v is None else process(v) for v in values]


def _defaults(table: Any, name: str, rows: list[dict[str, Any]]) -> list[Any]:
    default = table.c[name].default
    if default is None or not default.is_scalar:
        raise ValueError(f"no value for {table.name}.{name}")
    return [default.arg] * len(rows)


def enrolments(
    member_ids: Sequence[int], statuses: Sequence[str], operator: str, at: dt.datetime
) -> list[dict[str, Any]]:
    return [
        {"member_id": member_id, "kind": "status", "action": "enroll", "from_value": None,
         "to_value": status, "reason": "import", "operator": operator, "at": at}
        for member_id, status in zip(member_ids, statuses, strict=True)
    ]  # fmt: skip


def change_rows(
    changes: list[tuple[int, str, str, str]], operator: str, at: dt.datetime
) -> list[dict[str, Any]]:
    """Lifecycle rows for (member_id, kind, from, to) status or tier changes made by an import."""
    return [
        {"member_id": member_id, "kind": kind, "action": "import", "from_value": old,
         "to_value": new, "reason": "import", "operator": operator, "at": at}
        for member_id, kind, old, new in changes
    ]  # fmt: skip


@dataclass(frozen=True)
class Opening:
    """Opening points and stored value of newly imported members, as ledger rows."""

    import_run_id: int
    operator: str
    at: dt.datetime
    expires_on: dt.date | None
    reason: str

    def points_rows(self, pairs: Iterable[tuple[int, int]]) -> list[dict[str, Any]]:
        return [
            {"member_id": member_id, "kind": "import", "points": points,
             "expires_on": self.expires_on, "reason": self.reason, "operator": self.operator,
             "at": self.at, "import_run_id": self.import_run_id}
            for member_id, points in pairs if points
        ]  # fmt: skip

    def wallet_rows(self, pairs: Iterable[tuple[int, Decimal]]) -> list[dict[str, Any]]:
        return [
            {"member_id": member_id, "kind": "import", "amount": amount, "reason": self.reason,
             "operator": self.operator, "at": self.at, "import_run_id": self.import_run_id}
            for member_id, amount in pairs if amount
        ]  # fmt: skip


def update_members(session: Session, changes: list[dict[str, Any]]) -> None:
    """Apply per-member field changes; each dict has `member_id` and the fields to set."""
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        shape = tuple(sorted(k for k in change if k != "member_id"))
        by_shape.setdefault(shape, []).append(change)
    for shape, rows in by_shape.items():
        query = (
            update(MEMBER)
            .where(MEMBER.c.id == bindparam("member_id"))
            .values({name: bindparam(name) for name in shape})
        )
        session.connection().execute(query, rows)


def replace_tags(session: Session, tags: dict[int, list[str]]) -> None:
    ids = list(tags)
    for part in batches(ids):
        session.connection().execute(delete(TAG).where(TAG.c.member_id.in_(part)))
    insert_rows(session, TAG, [{"member_id": i, "tag": t} for i, ts in tags.items() for t in ts])


def resolve_refs(session: Session, by_member_no: set[str], by_phone: set[str]) -> dict[str, int]:
    """Member ids for member numbers and E.164 phones (keys as given)."""
    found = ids_by(session, "member_no", by_member_no)
    found.update(ids_by(session, "phone", by_phone))
    return found


def set_referrers(session: Session, pairs: list[tuple[int, int]]) -> None:
    rows = [{"member_id": member_id, "referrer_id": referrer} for member_id, referrer in pairs]
    update_members(session, rows)


def start_run(session: Session, **values: Any) -> int:
    query = insert(RUN).returning(RUN.c.id)
    return int(session.connection().execute(query, [values]).scalar_one())


def finish_run(session: Session, run_id: int, **values: Any) -> None:
    session.connection().execute(update(RUN).where(RUN.c.id == run_id).values(**values))


def existing_orders(session: Session, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (store, order_no) pairs are already recorded."""
    found: set[tuple[str, str]] = set()
    order_nos = sorted({order_no for _, order_no in keys})
    for part in batches(order_nos):
        query = select(PURCHASE.c.store, PURCHASE.c.order_no).where(PURCHASE.c.order_no.in_(part))
        found.update((s, o) for s, o in session.connection().execute(query) if (s, o) in keys)
    return found


def member_count(session: Session) -> int:
    return int(session.connection().execute(select(func.count()).select_from(MEMBER)).scalar_one())


# --- export ----------------------------------------------------------------------------------

EXPORT_FIELDS = (
    "member_no", "name", "phone", "gender", "birthday", "email", "tier", "status", "points",
    "balance", "store", "tags", "joined_at", "referrer", "address",
)  # fmt: skip


def export_rows(
    session: Session, *, conditions: Sequence[ColumnElement[bool]] = ()
) -> Iterator[tuple[Any, ...]]:
    """Members not forgotten, oldest first, as tuples in `EXPORT_FIELDS` order; `conditions`
    are those of `member list` (members.member_conditions)."""
    referrer = MEMBER.alias("referrer")
    query = (
        select(
            MEMBER.c.id,
            MEMBER.c.member_no,
            MEMBER.c.name,
            MEMBER.c.phone,
            MEMBER.c.gender,
            MEMBER.c.birthday,
            MEMBER.c.email,
            MEMBER.c.tier_code,
            MEMBER.c.status,
            MEMBER.c.points,
            MEMBER.c.balance,
            MEMBER.c.store,
            MEMBER.c.joined_at,
            referrer.c.member_no,
            MEMBER.c.address,
        )  # fmt: skip
        .outerjoin(referrer, referrer.c.id == MEMBER.c.referrer_id)
        .where(MEMBER.c.forgotten_at.is_(None))
        .order_by(MEMBER.c.id)
    )
    query = query.where(*conditions)
    tags = _all_tags(session)
    for row in session.connection().execute(query):
        member_id, *rest = row
        yield (*rest[:11], tags.get(member_id, []), *rest[11:])


def _all_tags(session: Session) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    query = select(TAG.c.member_id, TAG.c.tag).order_by(TAG.c.member_id, TAG.c.tag)
    for member_id, tag in session.connection().execute(query):
        found.setdefault(member_id, []).append(tag)
    return found

"""Set-based reads and writes of the imports: many members, tags, ledger rows and purchases.

Everything here is set-based: inserts through memberctl.db.bulk (multi-row INSERTs on SQLite, COPY
on PostgreSQL), updates as Core executemany, lookups as `IN (...)` in batches; never one ORM
object per row. The caller owns the transaction: an import is one transaction, recorded
in `import_run` inside it, so a failed or killed import leaves nothing behind.
Member caches (`member.points`, `member.balance`) are written together with the ledger rows
they summarise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlmodel import Session, col

from memberctl import models
from memberctl.db.bulk import batches, insert_columns, insert_rows
from memberctl.domain.tiers import TierNames
from memberctl.models import ImportRun, LifecycleChange, Member, MemberTag, Purchase, Tier

MEMBER = Member.__table__  # type: ignore[attr-defined]
TAG = MemberTag.__table__  # type: ignore[attr-defined]
LIFECYCLE = LifecycleChange.__table__  # type: ignore[attr-defined]
POINTS = models.PointsEntry.__table__  # type: ignore[attr-defined]
WALLET = models.WalletEntry.__table__  # type: ignore[attr-defined]
PURCHASE = Purchase.__table__  # type: ignore[attr-defined]
RUN = ImportRun.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Tiers:
    names: TierNames  # code, name or short name -> code
    lowest: str


def tiers(session: Session) -> Tiers:
    rows = (
        session.connection()
        .execute(select(col(Tier.code), col(Tier.name)).order_by(col(Tier.rank)))
        .all()
    )
    return Tiers(TierNames((code, name) for code, name in rows), rows[0][0])


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


def insert_members(session: Session, columns: dict[str, list[Any]]) -> list[int]:
    """Insert members given column by column (plain executemany: RETURNING would make
    SQLAlchemy send them one by one to keep their order); their ids in the order given.
    SQLite: the write lock is held, so the ids are the next ones after the highest, given
    explicitly (as SQLite would assign them). PostgreSQL: the sequence assigns them, and they
    are looked up by member number."""
    numbers = columns["member_no"]
    if not numbers:
        return []
    if "name" in columns and "name_initials" not in columns:  # as enrolment does: a search
        columns = {**columns, "name_initials": _initials(columns["name"])}  # only reads
    connection = session.connection()
    top = connection.execute(select(func.coalesce(func.max(MEMBER.c.id), 0))).scalar_one()
    if connection.dialect.name == "sqlite":
        ids = list(range(top + 1, top + 1 + len(numbers)))
        insert_columns(session, MEMBER, {"id": ids, **columns})
        return ids
    insert_columns(session, MEMBER, columns)
    query = select(MEMBER.c.member_no, MEMBER.c.id).where(MEMBER.c.id > top)
    found: dict[str, int] = dict(connection.execute(query).all())
    return [found[number] for number in numbers]


def renumber(session: Session, numbers: dict[str, str]) -> None:
    """Give members new numbers: {old member_no: new member_no}."""
    query = (
        update(MEMBER)
        .where(MEMBER.c.member_no == bindparam("old"))
        .values(member_no=bindparam("new"))
    )
    rows = [{"old": old, "new": new} for old, new in numbers.items()]
    if rows:
        session.connection().execute(query, rows)


def ids_by(session: Session, column: str, values: Iterable[str]) -> dict[str, int]:
    """Member ids by phone or member_no, for the given values that exist."""
    wanted = sorted({v for v in values if v})
    found: dict[str, int] = {}
    target = MEMBER.c[column]
    query = select(target, MEMBER.c.id).where(target.in_(bindparam("keys", expanding=True)))
    for part in batches(wanted):
        found.update(session.connection().execute(query, {"keys": list(part)}).all())
    return found


def enrolments(
    member_ids: list[int], statuses: list[str], operator: str, at: dt.datetime
) -> dict[str, list[Any]]:
    """Lifecycle rows (column by column) enrolling imported members in their first status."""
    count = len(member_ids)
    return {
        "member_id": member_ids,
        "kind": ["status"] * count,
        "action": ["enroll"] * count,
        "from_value": [None] * count,
        "to_value": statuses,
        "reason": ["import"] * count,
        "operator": [operator] * count,
        "at": [at] * count,
    }


def change_rows(
    changes: list[tuple[int, str, str, str]], operator: str, at: dt.datetime
) -> list[dict[str, Any]]:
    """Lifecycle rows for (member_id, kind, from, to) status or tier changes made by an import."""
    return [
        {
            "member_id": member_id,
            "kind": kind,
            "action": "import",
            "from_value": old,
            "to_value": new,
            "reason": "import",
            "operator": operator,
            "at": at,
        }
        for member_id, kind, old, new in changes
    ]


@dataclass(frozen=True)
class Opening:
    """Opening points and stored value of newly imported members, as ledger rows."""

    import_run_id: int
    operator: str
    at: dt.datetime
    expires_on: dt.date | None
    reason: str

    def points_rows(self, member_ids: list[int], points: list[int]) -> dict[str, list[Any]]:
        """Points entries (column by column) for the members with opening points."""
        pairs = [(member_id, p) for member_id, p in zip(member_ids, points, strict=True) if p]
        return {
            "member_id": [member_id for member_id, _ in pairs],
            "points": [p for _, p in pairs],
            "expires_on": [self.expires_on] * len(pairs),
            **self._common(len(pairs)),
        }

    def wallet_rows(self, member_ids: list[int], amounts: list[Decimal]) -> dict[str, list[Any]]:
        """Wallet entries (column by column) for the members with an opening balance."""
        pairs = [(member_id, a) for member_id, a in zip(member_ids, amounts, strict=True) if a]
        return {
            "member_id": [member_id for member_id, _ in pairs],
            "amount": [a for _, a in pairs],
            **self._common(len(pairs)),
        }

    def _common(self, count: int) -> dict[str, list[Any]]:
        return {
            "kind": ["import"] * count,
            "reason": [self.reason] * count,
            "operator": [self.operator] * count,
            "at": [self.at] * count,
            "import_run_id": [self.import_run_id] * count,
        }


def update_members(session: Session, changes: list[dict[str, Any]]) -> None:
    """Apply per-member field changes; each dict has `member_id` and the fields to set."""
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        if "name" in change and change.get("name_initials") is None:  # unless given (undo)
            change = {**change, "name_initials": _initials([change["name"]])[0]}
        shape = tuple(sorted(k for k in change if k != "member_id"))
        by_shape.setdefault(shape, []).append(change)
    for shape, rows in by_shape.items():
        query = (
            update(MEMBER)
            .where(MEMBER.c.id == bindparam("member_id"))
            .values({name: bindparam(name) for name in shape})
        )
        session.connection().execute(query, rows)


def _initials(names: list[str | None]) -> list[str | None]:
    """`member.name_initials` for each name, as `members.enroll` sets it ("" for a name without
    letters, so that no row is left for a later pass to fill)."""
    from memberctl.domain.names import initials

    known: dict[str, str] = {}  # common names repeat (王伟, 张伟 ...)
    out: list[str | None] = []
    for name in names:
        if name is not None and name not in known:
            known[name] = initials(name) or ""
        out.append(None if name is None else known[name])
    return out


def replace_tags(session: Session, tags: dict[int, list[str]]) -> None:
    ids = list(tags)
    for part in batches(ids):
        session.connection().execute(delete(TAG).where(TAG.c.member_id.in_(part)))
    insert_rows(session, TAG, [{"member_id": i, "tag": t} for i, ts in tags.items() for t in ts])


def set_referrers(session: Session, pairs: list[tuple[int, int]]) -> None:
    rows = [{"member_id": member_id, "referrer_id": referrer} for member_id, referrer in pairs]
    update_members(session, rows)


def start_run(session: Session, **values: Any) -> int:
    query = insert(RUN).returning(RUN.c.id)
    return int(session.connection().execute(query, [values]).scalar_one())


def finish_run(session: Session, run_id: int, **values: Any) -> None:
    session.connection().execute(update(RUN).where(RUN.c.id == run_id).values(**values))


def member_count(session: Session) -> int:
    return int(session.connection().execute(select(func.count()).select_from(MEMBER)).scalar_one())

"""The imports done (`import runs`) and taking one back (`import undo`).

A member import records, set-based beside its own writes, one `import_change` row per member it
inserted and one per field it updated (the value before, as JSON text); when it finishes, the
run keeps the highest id of every table that refers to a member (`marks`). A row above its
table's mark, or a change of a later import, is newer than the import.

Undo, in one transaction, while no member the import touched has anything newer: the members it
inserted go with the rows it wrote for them (tags, enrolment, opening points and balance); the
fields it updated get their old values back and its tier or status rows go; the run is marked
undone and the undo audited. A purchase import is undone the same way: its purchases and the
points they earned go and the members' points caches drop by as much. Undoing an undone run
changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlmodel import Session, SQLModel

from memberctl.db.bulk import batches, insert_columns
from memberctl.domain import audit
from memberctl.domain.imports import store
from memberctl.errors import NotFound, RuleViolation
from memberctl.i18n import _
from memberctl.models import ImportChange, load_all
from memberctl.models.import_change import INSERTED

CHANGE = ImportChange.__table__  # type: ignore[attr-defined]
RUN = store.RUN
MEMBER = store.MEMBER
TAGS = "tags"  # an import_change field that is not a member column: the member's tags
# Old values kept as ISO text (`_encode`) and read back as dates or date-times.
_DATES = {"birthday", "tier_kept_until", "below_tier_since"}
_TIMES = {"joined_at", "updated_at"}
# How restored fields are named to the clerk (as `member show` names them); HIDDEN go unnamed.
SHOWN = {"tier_code": "tier", "referrer_id": "referrer"}
HIDDEN = {"updated_at", "name_initials", "below_tier_since", "tier_kept_until"}


# --- recording, called by the import ----------------------------------------------------------


def record_inserted(session: Session, run_id: int, member_ids: list[int]) -> None:
    """The members an import inserted, one row each (column by column, like the import)."""
    count = len(member_ids)
    insert_columns(
        session,
        CHANGE,
        {
            "run_id": [run_id] * count,
            "member_id": member_ids,
            "field": [INSERTED] * count,
            "old_value": [None] * count,
        },
    )


def record_updated(session: Session, run_id: int, old: list[tuple[int, str, Any]]) -> None:
    """(member id, field, value before) of each field an import is about to update."""
    insert_columns(
        session,
        CHANGE,
        {
            "run_id": [run_id] * len(old),
            "member_id": [m for m, _f, _v in old],
            "field": [f for _m, f, _v in old],
            "old_value": [_encode(v) for _m, _f, v in old],
        },
    )


def starting_marks(session: Session) -> dict[str, int]:
    """Taken when an import starts: which lifecycle rows are older than it."""
    return {"lifecycle_change_start": _max_id(session, store.LIFECYCLE)}


def finish_marks(session: Session, run_id: int) -> None:
    """The highest id of every table referring to a member, into the run (import's end)."""
    marks = dict(
        session.connection().execute(select(RUN.c.marks).where(RUN.c.id == run_id)).scalar_one()
        or {}
    )
    marks.update({table.name: _max_id(session, table) for table, _columns in _referring()})
    session.connection().execute(update(RUN).where(RUN.c.id == run_id).values(marks=marks))


def _max_id(session: Session, table: Table) -> int:
    query = select(func.coalesce(func.max(table.c.id), 0))
    return int(session.connection().execute(query).scalar_one())


def _referring() -> list[tuple[Table, list[Any]]]:
    """Tables with an id and a foreign key to member.id (but member and import_change): where
    something newer than an import can be. Read from the metadata, so new tables count too."""
    load_all()  # a table left undeclared would be missing from the marks, not refused
    found = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name in ("member", "import_change") or "id" not in table.c:
            continue
        columns = [fk.parent for fk in table.foreign_keys if fk.column is MEMBER.c.id]
        if columns:
            found.append((table, columns))
    return found


def _encode(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date | dt.datetime):
        return json.dumps(value.isoformat())
    if isinstance(value, Decimal):
        return json.dumps(str(value))
    return json.dumps(value, ensure_ascii=False)


def _decode(name: str, text: str | None) -> Any:
    if text is None:
        return None
    value = json.loads(text)
    if name in _DATES:
        return dt.date.fromisoformat(value)
    if name in _TIMES:
        return dt.datetime.fromisoformat(value)
    return value


# --- listing ------------------------------------------------------------------------------------


def list_runs(session: Session) -> list[dict[str, Any]]:
    """Every finished import, oldest first."""
    query = select(RUN).where(RUN.c.status == "done").order_by(RUN.c.id)
    return [
        {
            "run": row.id,
            "file": row.file_name,
            "at": row.started_at,
            "operator": row.operator,
            "kind": row.kind,
            "inserted": row.inserted,
            "updated": row.updated,
            "rejected": row.rejected,
            "undone": row.undone_at is not None,
            "undone_at": row.undone_at,
            "undone_by": row.undone_by,
        }
        for row in session.connection().execute(query)
    ]


# --- undo ---------------------------------------------------------------------------------------


@dataclass
class Undo:
    run: int
    kind: str
    file: str
    dry_run: bool = False
    already_undone: bool = False
    removed: int = 0  # members (member import) or purchases (purchase import)
    restored: int = 0  # members whose fields get their old values back
    members: list[dict[str, Any]] = field(default_factory=list)

    def result(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "kind": self.kind,
            "file": self.file,
            "dry_run": self.dry_run,
            "already_undone": self.already_undone,
            "removed": self.removed,
            "restored": self.restored,
            "members": self.members,
        }


def undo(
    *, session: Session, run_id: int, operator: str, at: dt.datetime, dry_run: bool = False
) -> Undo:
    run = session.connection().execute(select(RUN).where(RUN.c.id == run_id)).first()
    if run is None or run.status != "done":
        raise NotFound(
            _("no import run {run}").format(run=run_id), _("see `memberctl import runs`")
        )
    result = Undo(run_id, run.kind, run.file_name, dry_run=dry_run)
    if run.undone_at is not None:
        result.already_undone = True
        return result
    if run.marks is None or "lifecycle_change_start" not in run.marks:
        raise RuleViolation(
            _("import {run} was done before imports could be undone").format(run=run_id),
            _("correct those members by hand"),
        )
    touched = _touched(run)
    if session.connection().dialect.name == "postgresql":  # nobody adds to them meanwhile
        session.connection().execute(
            select(MEMBER.c.id)
            .where(MEMBER.c.id.in_(touched))
            .order_by(MEMBER.c.id)
            .with_for_update()
        )
    _refuse_newer(session, run, touched)
    if run.kind == "members":
        _refuse_taken_phones(session, run)
    if run.kind == "purchases":
        _undo_purchases(session, run, result)
    else:
        _undo_members(session, run, result)
    if dry_run:
        return result
    session.connection().execute(
        update(RUN).where(RUN.c.id == run_id).values(undone_at=at, undone_by=operator)
    )
    audit.record(
        session=session,
        operator=operator,
        action="import.undo",
        at=at,
        details={
            "import_run": run_id,
            "kind": run.kind,
            "file": run.file_name,
            "removed": result.removed,
            "restored": result.restored,
        },
    )
    return result


def _inserted(run: Any) -> Any:
    """A query of the ids of the members the run inserted."""
    return select(CHANGE.c.member_id).where(CHANGE.c.run_id == run.id, CHANGE.c.field == INSERTED)


def _touched(run: Any) -> Any:
    """A query of the ids of the members the run touched."""
    if run.kind == "purchases":
        purchase = store.PURCHASE
        return select(purchase.c.member_id).where(purchase.c.import_run_id == run.id)
    return select(CHANGE.c.member_id).where(CHANGE.c.run_id == run.id)


def _refuse_newer(session: Session, run: Any, touched: Any) -> None:
    """RuleViolation naming the first member touched by the run that has something newer."""
    connection = session.connection()
    found: list[tuple[int, bool, str]] = []  # (member id, from the audit log, what)
    for table, columns in _referring():
        mark = run.marks.get(table.name)
        if mark is None:  # a table newer than the run: every row in it is newer
            mark = 0
        for column in columns:
            query = (
                select(column, table.c.id, *([table.c.action] if "action" in table.c else []))
                .where(column.in_(touched), table.c.id > mark)
                .order_by(table.c.id)
                .limit(1)
            )
            row = connection.execute(query).first()
            if row is not None:  # the audit log only when nothing more telling is there
                found.append((row[0], table.name == "audit_entry", _what(table.name, row)))
    later = (
        select(CHANGE.c.member_id, CHANGE.c.run_id)
        .where(CHANGE.c.member_id.in_(touched), CHANGE.c.run_id > run.id)
        .order_by(CHANGE.c.run_id)
        .limit(1)
    )
    row = connection.execute(later).first()
    if row is not None:
        found.append((row[0], False, _("a later import (run {run})").format(run=row[1])))
    if run.kind == "members":  # a member enrolled since names an inserted one as referrer
        inserted = _inserted(run)
        referring = (
            select(MEMBER.c.referrer_id, MEMBER.c.member_no)
            .where(MEMBER.c.referrer_id.in_(inserted), MEMBER.c.id.not_in(inserted))
            .order_by(MEMBER.c.id)
            .limit(1)
        )
        row = connection.execute(referring).first()
        if row is not None:
            found.append((row[0], False, _("member {other} as referee").format(other=row[1])))
    if not found:
        return
    member_id, _audit, what = min(found, key=lambda f: (f[0], f[1]))
    number = connection.execute(
        select(MEMBER.c.member_no).where(MEMBER.c.id == member_id)
    ).scalar_one()
    raise RuleViolation(
        _("import {run} cannot be undone: member {member_no} has {what} made after it").format(
            run=run.id, member_no=number, what=what
        ),
        _("undo or correct the later change first, or correct the members by hand"),
    )


def _refuse_taken_phones(session: Session, run: Any) -> None:
    """A phone the import replaced that another member has taken since cannot come back."""
    query = (
        select(CHANGE.c.member_id, CHANGE.c.old_value)
        .where(CHANGE.c.run_id == run.id, CHANGE.c.field == "phone")
        .order_by(CHANGE.c.member_id)
    )
    old = {
        json.loads(text): member_id
        for member_id, text in session.connection().execute(query)
        if text is not None
    }
    holders = store.members_by(session, "phone", old)
    taken = sorted(
        (old[phone], holder.member_no)
        for phone, holder in holders.items()
        if holder.id != old[phone]
    )
    if taken:
        member_id, other = taken[0]
        raise RuleViolation(
            _(
                "import {run} cannot be undone: the old phone of member {member_no} now belongs "
                "to member {other}"
            ).format(run=run.id, member_no=_numbers(session, [member_id])[member_id], other=other),
            _("change that member's phone first, or correct the members by hand"),
        )


def _what(table: str, row: Any) -> str:
    words = {
        "purchase": _("a purchase"),
        "points_entry": _("a points entry"),
        "wallet_entry": _("a wallet entry"),
        "lifecycle_change": _("a status or tier change"),
        "interaction": _("a note"),
        "coupon": _("a coupon"),
        "survey_response": _("a survey response"),
        "campaign_award": _("a campaign award"),
    }
    if table == "audit_entry":
        return _("a later change ({action})").format(action=row[2])
    return words.get(table, table.replace("_", " "))


def _numbers(session: Session, ids: Any) -> dict[int, str]:
    query = select(MEMBER.c.id, MEMBER.c.member_no).where(MEMBER.c.id.in_(ids))
    return dict(session.connection().execute(query).all())


def _undo_members(session: Session, run: Any, result: Undo) -> None:
    connection = session.connection()
    rows = connection.execute(
        select(CHANGE.c.member_id, CHANGE.c.field, CHANGE.c.old_value)
        .where(CHANGE.c.run_id == run.id)
        .order_by(CHANGE.c.id)
    ).all()
    inserted = [m for m, name, _old in rows if name == INSERTED]
    updated: dict[int, dict[str, Any]] = {}
    for member_id, name, old in rows:
        if name != INSERTED:
            updated.setdefault(member_id, {})[name] = _decode(name, old)
    touched = select(CHANGE.c.member_id).where(CHANGE.c.run_id == run.id)
    numbers = _numbers(session, touched)
    result.removed, result.restored = len(inserted), len(updated)
    result.members = [
        {"member_no": numbers[m], "action": "remove", "fields": []} for m in inserted
    ] + [
        {
            "member_no": numbers[m],
            "action": "restore",
            "fields": sorted(SHOWN.get(f, f) for f in fields if f not in HIDDEN),
        }
        for m, fields in updated.items()
    ]
    result.members.sort(key=lambda m: str(m["member_no"]))
    if result.dry_run:
        return
    _restore(session, run, updated)
    _remove(session, run)
    connection.execute(delete(CHANGE).where(CHANGE.c.run_id == run.id))


def _restore(session: Session, run: Any, updated: dict[int, dict[str, Any]]) -> None:
    tags = {m: fields.pop(TAGS) or [] for m, fields in updated.items() if TAGS in fields}
    changes = [{"member_id": m, **fields} for m, fields in updated.items() if fields]
    store.update_members(session, changes)
    store.replace_tags(session, tags)
    lifecycle = store.LIFECYCLE
    ours = select(CHANGE.c.member_id).where(CHANGE.c.run_id == run.id, CHANGE.c.field != INSERTED)
    session.connection().execute(
        delete(lifecycle).where(
            lifecycle.c.member_id.in_(ours),
            lifecycle.c.action == "import",
            lifecycle.c.id > run.marks["lifecycle_change_start"],
            lifecycle.c.id <= run.marks.get("lifecycle_change", 0),
        )
    )


def _remove(session: Session, run: Any) -> None:
    """The inserted members and every row written for them (anything newer was refused)."""
    connection = session.connection()
    inserted = _inserted(run)
    connection.execute(update(MEMBER).where(MEMBER.c.id.in_(inserted)).values(referrer_id=None))
    for table in (store.TAG, store.LIFECYCLE, store.POINTS, store.WALLET):
        connection.execute(delete(table).where(table.c.member_id.in_(inserted)))
    ids = connection.execute(inserted).scalars().all()
    for part in batches(list(ids)):
        connection.execute(delete(CHANGE).where(CHANGE.c.member_id.in_(part)))
        connection.execute(delete(MEMBER).where(MEMBER.c.id.in_(part)))


def _undo_purchases(session: Session, run: Any, result: Undo) -> None:
    connection = session.connection()
    purchase, points, wallet = store.PURCHASE, store.POINTS, store.WALLET
    theirs = select(purchase.c.id).where(purchase.c.import_run_id == run.id)
    paid = connection.execute(
        select(wallet.c.id).where(wallet.c.purchase_id.in_(theirs)).limit(1)
    ).first()
    if paid is not None:  # not written by imports today; refused rather than guessed
        raise RuleViolation(
            _("import {run} cannot be undone: its purchases have wallet entries").format(
                run=run.id
            ),
            _("correct those purchases by hand"),
        )
    counts = connection.execute(
        select(purchase.c.member_id, func.count())
        .where(purchase.c.import_run_id == run.id)
        .group_by(purchase.c.member_id)
    ).all()
    numbers = _numbers(session, [m for m, _count in counts])
    result.removed = sum(count for _m, count in counts)
    result.members = sorted(
        (
            {"member_no": numbers[m], "action": "remove purchases", "purchases": count}
            for m, count in counts
        ),
        key=lambda m: m["member_no"],
    )
    if result.dry_run:
        return
    earned = connection.execute(
        select(points.c.member_id, func.sum(points.c.points))
        .where(points.c.purchase_id.in_(theirs))
        .group_by(points.c.member_id)
    ).all()
    if earned:
        connection.execute(
            update(MEMBER)
            .where(MEMBER.c.id == bindparam("member"))
            .values(points=MEMBER.c.points - bindparam("earned")),
            [{"member": m, "earned": int(p)} for m, p in earned],
        )
    connection.execute(delete(points).where(points.c.purchase_id.in_(theirs)))
    connection.execute(delete(purchase).where(purchase.c.import_run_id == run.id))
    session.expire_all()

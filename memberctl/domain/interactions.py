"""Interactions with a member (calls, complaints, feedback, visits), recorded as notes.

A complaint is open until it is resolved (`resolve`): its `resolved_at` is set, and the
resolution is recorded as a note of kind `resolution` (its text the optional `--text`, its
operator who resolved it); the audit entry `member.note.resolve` links the two
(`{"note_id", "resolution_id"}`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from sqlmodel import Session, col, select

from memberctl.domain import audit, db_roles, fields, lifecycle
from memberctl.errors import InvalidInput, NotFound, RuleViolation
from memberctl.i18n import _
from memberctl.models import AuditEntry, Interaction, Member

KINDS = ("call", "complaint", "feedback", "visit", "event", "note")
RESOLUTION = "resolution"  # recorded by `resolve`, never given with --kind


@dataclass(frozen=True)
class NoteRecord:
    id: int
    member_no: str
    kind: str
    text: str | None
    operator: str
    at: dt.datetime
    status: str | None = None  # complaints: "open" or "resolved"
    resolved_at: dt.datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None


def add_note(
    *,
    session: Session,
    member: Member,
    text: str,
    kind: str,
    operator: str,
    at: dt.datetime,
) -> NoteRecord:
    lifecycle.ensure_not_forgotten(member, _("add a note to"))
    clean = fields.parse_free_text(text, _("the note"), 4000, multiline=True)
    if clean is None:
        raise InvalidInput(_("the note is empty"), _("write what happened"))
    note = Interaction(
        member_id=cast(int, member.id), kind=kind, text=clean, operator=operator, at=at
    )
    session.add(note)
    session.flush()
    audit.record(
        session=session,
        operator=operator,
        action="member.note",
        at=at,
        member=member,
        details={"kind": kind, "note_id": note.id},
    )
    status = "open" if kind == "complaint" else None
    return NoteRecord(note.id or 0, member.member_no, kind, clean, operator, at, status)


@dataclass(frozen=True)
class Resolution:
    note_id: int  # the complaint
    resolution_id: int  # the `resolution` note
    operator: str
    at: dt.datetime


def resolutions(session: Session, member_ids: list[int]) -> dict[int, Resolution]:
    """The resolutions of these members' complaints, by complaint id (from the audit log)."""
    if not member_ids:
        return {}
    through = db_roles.note_resolutions(session.connection(), member_ids)
    if through is not None:  # PostgreSQL with staff roles: clerks may not read the log itself
        return {n: Resolution(n, r, operator, at) for n, r, operator, at in through}
    query = select(AuditEntry).where(
        AuditEntry.action == "member.note.resolve", col(AuditEntry.member_id).in_(member_ids)
    )
    found = {}
    for entry in session.exec(query):
        note_id, resolution_id = entry.details.get("note_id"), entry.details.get("resolution_id")
        if isinstance(note_id, int) and isinstance(resolution_id, int):
            found[note_id] = Resolution(note_id, resolution_id, entry.operator, entry.at)
    return found


def resolve(
    *, session: Session, note_id: int, text: str | None, operator: str, at: dt.datetime
) -> NoteRecord:
    """Close an open complaint: unknown id -> 3; not a complaint, or already resolved -> 4."""
    query = select(Interaction).where(Interaction.id == note_id).with_for_update()
    note = session.exec(query).first()
    if note is None or note.kind == RESOLUTION:
        raise NotFound(_("no note #{id}").format(id=note_id), _("see member notes for the ids"))
    member = session.exec(select(Member).where(Member.id == note.member_id)).one()
    if note.kind != "complaint":
        raise RuleViolation(
            _("note #{id} is a {kind}, not a complaint").format(id=note_id, kind=note.kind),
            _("only complaints are resolved"),
        )
    if note.resolved_at is not None:
        raise RuleViolation(
            _("complaint #{id} was already resolved on {day}").format(
                id=note_id, day=note.resolved_at.date().isoformat()
            )
        )
    clean = fields.parse_free_text(text, _("the resolution"), 4000, multiline=True)
    if clean is not None:
        lifecycle.ensure_not_forgotten(member, _("add a note to"))
    note.resolved_at = at
    resolution = Interaction(
        member_id=note.member_id, kind=RESOLUTION, text=clean, operator=operator, at=at
    )
    session.add_all([note, resolution])
    session.flush()
    audit.record(
        session=session,
        operator=operator,
        action="member.note.resolve",
        at=at,
        member=member,
        details={"note_id": note_id, "resolution_id": resolution.id},
    )
    return NoteRecord(
        note_id,
        member.member_no,
        note.kind,
        note.text,
        note.operator,
        note.at,
        "resolved",
        at,
        operator,
        clean,
    )


def list_notes(
    *,
    session: Session,
    member: Member | None = None,
    kind: str | None = None,
    open_only: bool = False,
    limit: int | None = None,
) -> list[NoteRecord]:
    """Notes newest first (resolutions are shown on their complaint); `open_only`: open
    complaints only."""
    query = select(Interaction, Member.member_no).join(
        Member, col(Member.id) == col(Interaction.member_id)
    )
    query = query.where(col(Interaction.kind) != RESOLUTION)
    if member is not None:
        query = query.where(Interaction.member_id == member.id)
    if kind is not None or open_only:
        query = query.where(Interaction.kind == (kind or "complaint"))
    if open_only:
        query = query.where(col(Interaction.resolved_at).is_(None))
    query = query.order_by(col(Interaction.at).desc(), col(Interaction.id).desc()).limit(limit)
    rows = session.exec(query).all()
    done = resolutions(session, sorted({n.member_id for n, _no in rows if n.resolved_at}))
    texts = _resolution_texts(session, [r.resolution_id for r in done.values()])
    return [_record(note, member_no, done, texts) for note, member_no in rows]


def _resolution_texts(session: Session, ids: list[int]) -> dict[int, str | None]:
    if not ids:
        return {}
    query = select(Interaction.id, Interaction.text).where(col(Interaction.id).in_(ids))
    return {note_id or 0: text for note_id, text in session.exec(query)}


def _record(
    note: Interaction, member_no: str, done: dict[int, Resolution], texts: dict[int, str | None]
) -> NoteRecord:
    if note.kind != "complaint":
        return NoteRecord(note.id or 0, member_no, note.kind, note.text, note.operator, note.at)
    found = done.get(note.id or 0)
    return NoteRecord(
        note.id or 0,
        member_no,
        note.kind,
        note.text,
        note.operator,
        note.at,
        "resolved" if note.resolved_at else "open",
        note.resolved_at,
        found.operator if found else None,
        texts.get(found.resolution_id) if found else None,
    )

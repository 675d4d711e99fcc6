"""Interactions with a member (calls, complaints, feedback, visits), recorded as notes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from memberctl.domain import audit, fields, lifecycle
from memberctl.errors import InvalidInput
from memberctl.models import Interaction, Member

KINDS = ("call", "complaint", "feedback", "visit", "event", "note")


@dataclass(frozen=True)
class NoteRecord:
    id: int
    member_no: str
    kind: str
    text: str | None
    operator: str
    at: dt.datetime


def add_note(
    *,
    session: Session,
    member: Member,
    text: str,
    kind: str,
    operator: str,
    at: dt.datetime,
) -> NoteRecord:
    lifecycle.ensure_not_forgotten(member, "add a note to")
    clean = fields.parse_text(text, "the note", 4000)
    if clean is None:
        raise InvalidInput("the note is empty", "write what happened")
    note = Interaction(member_id=member.id, kind=kind, text=clean, operator=operator, at=at)
    session.add(note)
    session.flush()
    audit.record(
        session=session, operator=operator, action="member.note", at=at, member=member,
        details={"kind": kind, "note_id": note.id},
    )  # fmt: skip
    return NoteRecord(note.id or 0, member.member_no, kind, clean, operator, at)

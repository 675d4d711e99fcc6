"""One timeline per member: status and tier changes and interactions, oldest first.

Later ledgers (points, purchases, wallet) add their own sources to `SOURCES`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from memberctl.models import Interaction, LifecycleChange, Member


@dataclass(frozen=True)
class HistoryEvent:
    at: dt.datetime
    kind: str
    action: str
    detail: str | None
    operator: str


def _lifecycle_events(session: Session, member: Member) -> list[HistoryEvent]:
    query = (
        select(LifecycleChange)
        .where(LifecycleChange.member_id == member.id)
        .order_by(col(LifecycleChange.id))
    )
    events = []
    for change in session.exec(query):
        move = f"{change.from_value} -> {change.to_value}" if change.from_value else change.to_value
        detail = f"{move} ({change.reason})" if change.reason else move
        events.append(HistoryEvent(change.at, change.kind, change.action, detail, change.operator))
    return events


def _interaction_events(session: Session, member: Member) -> list[HistoryEvent]:
    query = select(Interaction).where(Interaction.member_id == member.id)
    return [
        HistoryEvent(note.at, "note", note.kind, note.text, note.operator)
        for note in session.exec(query.order_by(col(Interaction.id)))
    ]


SOURCES: list[Callable[[Session, Member], list[HistoryEvent]]] = [
    _lifecycle_events,
    _interaction_events,
]


def timeline(*, session: Session, member: Member) -> list[HistoryEvent]:
    events = [event for source in SOURCES for event in source(session, member)]
    return sorted(events, key=lambda event: event.at)  # stable: same-time events keep their order

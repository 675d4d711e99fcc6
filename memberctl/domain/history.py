"""One timeline per member: status and tier changes, interactions, points, purchases and
stored value, oldest first. Each source is a function in `SOURCES`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from memberctl.domain import interactions, money
from memberctl.i18n import N_, Phrase, _, pgettext, phrase
from memberctl.models import (
    Interaction,
    LifecycleChange,
    Member,
    PointsEntry,
    Purchase,
    Tier,
    WalletEntry,
)

# Reasons the program itself writes into the ledgers (purchases.py, campaign_runs.py): data in
# English, shown in the reader's language.
_SYSTEM_REASONS = (
    (re.compile(r"order (?P<order_no>\S+)"), N_("order {order_no}")),
    (re.compile(r"refund of order (?P<order_no>\S+)"), N_("refund of order {order_no}")),
    (re.compile(r"sale (?P<order_no>\S+)"), N_("sale {order_no}")),
    (re.compile(r"refund of sale (?P<order_no>\S+)"), N_("refund of sale {order_no}")),
    (re.compile(r"campaign (?P<code>\S+) (?P<period>\S+)"), N_("campaign {code} {period}")),
    (re.compile(r"campaign (?P<code>\S+)"), N_("campaign {code}")),
)


def reason_words(reason: str) -> str:
    """A ledger reason in the reader's language: "order A1" reads 订单 A1; a clerk's own words
    are shown as typed."""
    for pattern, template in _SYSTEM_REASONS:
        match = pattern.fullmatch(reason)
        if match:
            return _(template).format(**match.groupdict())
    return reason


@dataclass(frozen=True)
class HistoryEvent:
    at: dt.datetime
    kind: str
    action: str
    detail: str | None  # a Phrase where we wrote it: English in data, `.local` in tables
    operator: str
    note_id: int | None = None  # notes: the note's id; a resolution: the complaint it closed
    state: str | None = None  # complaints: "open" or "resolved"


def _lifecycle_events(session: Session, member: Member) -> list[HistoryEvent]:
    query = (
        select(LifecycleChange)
        .where(LifecycleChange.member_id == member.id)
        .order_by(col(LifecycleChange.id))
    )
    names = {tier.code: tier.name for tier in session.exec(select(Tier))}
    events = []
    for change in session.exec(query):
        detail = _with_reason(_move(change, names), change.reason)
        events.append(HistoryEvent(change.at, change.kind, change.action, detail, change.operator))
    return events


def _move(change: LifecycleChange, tier_names: dict[str, str]) -> Phrase:
    """Data keeps the codes ("basic -> silver"); a table reads 正常, 银卡会员 (tier names in
    English tables too: the codes are the shop's keys, the names its words)."""

    def word(value: str) -> str:
        if change.kind == "tier":
            return tier_names.get(value, value)
        return pgettext("status", value) if change.kind == "status" else value

    if not change.from_value:
        return Phrase(change.to_value, word(change.to_value))
    before, after = change.from_value, change.to_value
    return phrase(
        N_("{before} -> {after}"),
        before=before,
        after=after,
        local={"before": word(before), "after": word(after)},
    )


def _with_reason(detail: Phrase, reason: str | None) -> Phrase:
    if not reason:
        return detail
    return phrase(
        N_("{detail} ({reason})"),
        detail=detail,
        reason=reason,
        local={"detail": detail.local, "reason": reason_words(reason)},
    )


def _interaction_events(session: Session, member: Member) -> list[HistoryEvent]:
    query = select(Interaction).where(Interaction.member_id == member.id)
    found = interactions.resolutions(session, [member.id or 0])
    closed = {r.resolution_id: r.note_id for r in found.values()}
    events = []
    for note in session.exec(query.order_by(col(Interaction.id))):
        note_id, state = note.id, None
        if note.kind == "complaint":
            state = "resolved" if note.resolved_at else "open"
        elif note.kind == interactions.RESOLUTION:
            note_id = closed.get(note.id or 0)
        events.append(
            HistoryEvent(note.at, "note", note.kind, note.text, note.operator, note_id, state)
        )
    return events


def _points_events(session: Session, member: Member) -> list[HistoryEvent]:
    query = select(PointsEntry).where(PointsEntry.member_id == member.id)
    events = []
    for entry in session.exec(query.order_by(col(PointsEntry.id))):
        if entry.expires_on:
            detail = phrase(
                N_("{points:+d} points, expires {date}"),
                points=entry.points,
                date=entry.expires_on.isoformat(),
            )
        else:
            detail = phrase(N_("{points:+d} points"), points=entry.points)
        detail = _with_reason(detail, entry.reason)
        events.append(HistoryEvent(entry.at, "points", entry.kind, detail, entry.operator))
    return events


def _purchase_events(session: Session, member: Member) -> list[HistoryEvent]:
    query = select(Purchase).where(Purchase.member_id == member.id)
    events = []
    for sale in session.exec(query.order_by(col(Purchase.id))):
        amount = money.format(sale.amount)
        if sale.store:
            detail = phrase(
                N_("order {order_no} at {store}: {amount}"),
                order_no=sale.order_no,
                store=sale.store,
                amount=amount,
            )
        else:
            detail = phrase(N_("order {order_no}: {amount}"), order_no=sale.order_no, amount=amount)
        events.append(HistoryEvent(sale.at, "purchase", "purchase", detail, sale.operator))
        if sale.refunded_at is not None:
            events.append(
                HistoryEvent(sale.refunded_at, "purchase", "refund", detail, sale.operator)
            )
    return events


def _wallet_events(session: Session, member: Member) -> list[HistoryEvent]:
    query = select(WalletEntry).where(WalletEntry.member_id == member.id)
    return [
        HistoryEvent(
            entry.at,
            "wallet",
            entry.kind,
            _with_reason(Phrase(money.format(entry.amount)), entry.reason),
            entry.operator,
        )
        for entry in session.exec(query.order_by(col(WalletEntry.id)))
    ]


SOURCES: list[Callable[[Session, Member], list[HistoryEvent]]] = [
    _lifecycle_events,
    _interaction_events,
    _points_events,
    _purchase_events,
    _wallet_events,
]


def timeline(*, session: Session, member: Member) -> list[HistoryEvent]:
    events = [event for source in SOURCES for event in source(session, member)]
    return sorted(events, key=lambda event: event.at)  # stable: same-time events keep their order

"""Saved segments: a name for a `--where` expression, and `resolve_filter`, the one way every
command turns its `--where` / `--segment` options into a condition on members.

An expression is checked when it is saved (a bad one is a usage error, exit 2) and compiled
again each time it is used, so derived fields (age, spend_12m, ...) follow `--as-of`.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from memberctl.domain import audit, fields, members, stores
from memberctl.domain.members import MemberRecord
from memberctl.domain.permissions import Identity
from memberctl.domain.where import Clause, ExpressionError, member_filter
from memberctl.domain.where.parser import MAX_LENGTH
from memberctl.errors import NotFound, UsageProblem
from memberctl.i18n import _
from memberctl.models import Member, Segment

NAME_LIMIT = 64
EXPR_LIMIT = MAX_LENGTH  # one limit for a saved expression and a --where


@dataclass(frozen=True)
class SegmentRecord:
    name: str
    expr: str
    updated_at: dt.datetime


@dataclass(frozen=True)
class SavedSegment:
    name: str
    expr: str
    updated_at: dt.datetime
    replaced: bool
    previous_expr: str | None


@dataclass(frozen=True)
class SegmentView:
    name: str
    expr: str
    count: int
    sample: list[MemberRecord]


def _name(raw: str) -> str:
    name = fields.check_text(unicodedata.normalize("NFKC", raw).strip(), _("the segment name"))
    if not name:
        raise UsageProblem(_("the segment name is empty"), _("give a name such as vip-lapsed"))
    if len(name) > NAME_LIMIT or not name.isprintable():
        raise UsageProblem(
            _("segment name '{raw}' is not usable").format(raw=raw),
            _("use up to {NAME_LIMIT} printable characters").format(NAME_LIMIT=NAME_LIMIT),
        )
    return name


def _record(segment: Segment) -> SegmentRecord:
    return SegmentRecord(segment.name, segment.expr, segment.updated_at)


def get(session: Session, name: str) -> Segment:
    """The segment called `name`, or NotFound (exit 3) listing the saved ones."""
    wanted = unicodedata.normalize("NFKC", name).strip()
    segment = session.exec(select(Segment).where(col(Segment.name) == wanted)).first()
    if segment is None:
        names = session.exec(select(Segment.name).order_by(col(Segment.name))).all()
        hint = (
            _("segments are: {names}").format(names=", ".join(names))
            if names
            else _("save one with segment save")
        )
        raise NotFound(_("no segment '{name}'").format(name=name), hint)
    return segment


def check(session: Session, expr: str, as_of: dt.date) -> str:
    """`expr` stripped, once it is known to parse and compile; else ExpressionError (exit 2)."""
    text = expr.strip()
    if len(text) > EXPR_LIMIT:
        raise UsageProblem(
            _("the expression is longer than {EXPR_LIMIT} characters").format(
                EXPR_LIMIT=EXPR_LIMIT
            ),
            _("shorten it"),
        )
    member_filter(session, text, as_of)
    return text


def save(*, session: Session, name: str, expr: str, operator: str, at: dt.datetime) -> SavedSegment:
    """Save `expr` as `name`; an existing segment of that name is replaced (and says so)."""
    name = _name(name)
    text = check(session, expr, at.date())
    segment = session.exec(select(Segment).where(col(Segment.name) == name)).first()
    previous = segment.expr if segment else None
    if segment is None:
        segment = Segment(name=name, expr=text, operator=operator, created_at=at, updated_at=at)
    else:
        segment.expr, segment.operator, segment.updated_at = text, operator, at
    session.add(segment)
    session.flush()
    audit.record(
        session=session,
        operator=operator,
        action="segment.save",
        at=at,
        details={"segment": name, "replaced": previous is not None},
    )
    return SavedSegment(name, text, at, previous is not None, previous)


def list_segments(*, session: Session) -> list[SegmentRecord]:
    return [_record(s) for s in session.exec(select(Segment).order_by(col(Segment.name)))]


def delete(*, session: Session, name: str, operator: str, at: dt.datetime) -> SegmentRecord:
    segment = get(session, name)
    record = _record(segment)
    session.delete(segment)
    session.flush()
    audit.record(
        session=session,
        operator=operator,
        action="segment.delete",
        at=at,
        details={"segment": segment.name},
    )
    return record


def segment_filter(session: Session, name: str, as_of: dt.date) -> Clause:
    """The condition of a saved segment; an expression that no longer compiles (a tier was
    removed since) is a usage error naming the segment."""
    segment = get(session, name)
    try:
        return member_filter(session, segment.expr, as_of)
    except ExpressionError as exc:
        raise ExpressionError(
            _("segment '{name}': {message}").format(name=segment.name, message=exc.message),
            exc.column,
            exc.hint,
        ) from None


def resolve_filter(
    session: Session, where: str | None, segment: str | None, as_of: dt.date
) -> Clause | None:
    """`--where` and `--segment` as one condition on `Member` (both: AND), or None for neither."""
    clauses = []
    if segment is not None:
        clauses.append(segment_filter(session, segment, as_of))
    if where is not None:
        clauses.append(member_filter(session, where, as_of))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else and_(*clauses)


def count(session: Session, clause: Clause | None) -> int:
    query = select(func.count()).select_from(Member)
    if clause is not None:
        query = query.where(clause)
    return session.exec(query).one()


def show(
    *,
    session: Session,
    name: str,
    as_of: dt.date,
    limit: int = 10,
    staff: Identity | None = None,
) -> SegmentView:
    """How many members the segment holds at `as_of`, and the newest `limit` of them; with
    `staff`, of the stores they work in (`stores.kept_to`)."""
    segment = get(session, name)
    clause = segment_filter(session, name, as_of)
    in_store = stores.kept_to(staff, None, Member.store)
    if in_store is not None:
        clause = and_(clause, in_store)
    sample = (
        members.list_members(session=session, where_clause=clause, limit=limit) if limit else []
    )
    return SegmentView(segment.name, segment.expr, count(session, clause), sample)

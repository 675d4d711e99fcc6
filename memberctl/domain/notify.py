"""Message lists for outreach: a text template rendered per member into a CSV an SMS or WeChat
tool can send.

The template is plain text with placeholders in braces: {name}, {member_no}, {points}, {tier}
(the code), {tier_name}, {balance} ("12.50"), {expiring_points} (points of lots whose last day is
within the 30 days from --as-of, both ends included, not yet spent), {birthday} (YYYY-MM-DD or
empty). `{{` and `}}` are literal braces. Anything else in braces is a usage error (exit 2)
naming it; the template is only substituted, never evaluated.

The CSV (UTF-8 with a BOM, so Excel reads the Chinese) has the columns member_no, phone (E.164),
message. A template is at most 64 KB and a list at most 1024 MB (MEMBERCTL_MAX_OUTPUT_MB), both
exit 5 with nothing written: a long template over many members once wrote 26 GB. Members who
opted out of marketing, cancelled members and forgotten members are never written; members
without a phone neither. Rows stream from one query, in member number order.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import string
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Date, and_, func, literal
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from memberctl.atomic import OutputLimit, text_output
from memberctl.domain import lifecycle, money, segments
from memberctl.errors import InvalidInput, NotFound, UsageProblem
from memberctl.escaping import escape_cell  # formulas never run when the list is opened
from memberctl.i18n import _
from memberctl.models import Member, PointsAllocation, PointsEntry, Tier

PLACEHOLDERS = (
    "name", "member_no", "points", "tier", "tier_name", "balance", "expiring_points", "birthday",
)  # fmt: skip
EXPIRING_DAYS = 30
MAX_TEMPLATE_BYTES = 64 * 1024  # a message, not a document: SMS and WeChat take a few KB
MAX_OUTPUT_MB_ENV = "MEMBERCTL_MAX_OUTPUT_MB"
MAX_OUTPUT_MB = 1024  # a list for 200,000 members of 1 KB messages is ~250 MB
COLUMNS = ("member_no", "phone", "message")
Piece = tuple[str, str | None]  # literal text, then a placeholder (or None)


@dataclass(frozen=True)
class RenderResult:
    out: str
    as_of: dt.date
    rows: int
    skipped_opt_out: int


def read_template(path: Path) -> list[Piece]:
    try:
        if path.stat().st_size > MAX_TEMPLATE_BYTES:
            raise InvalidInput(
                _("{name} is larger than {size} KB: too long for a message").format(
                    name=path.name, size=MAX_TEMPLATE_BYTES // 1024
                ),
                _("a template is one message; shorten it"),
            )
        text = path.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        raise NotFound(
            _("no template file '{path}'").format(path=path), _("give a UTF-8 text file")
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput(
            _("{name}: not UTF-8 text").format(name=path.name), _("save the template as UTF-8")
        ) from None
    text = text.rstrip("\r\n")
    if not text.strip():
        raise InvalidInput(
            _("{name} is empty").format(name=path.name), _("write the message, e.g. 您好 {name}")
        )
    return parse_template(text, path.name)


def parse_template(text: str, source: str = "template") -> list[Piece]:
    """The template as (literal, placeholder) pieces; a usage error for anything else in braces."""
    known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise UsageProblem(
            f"{source}: {exc}", _("write a literal brace as {{ or }}; placeholders are: ") + known
        ) from None
    pieces: list[Piece] = []
    for literal_text, name, spec, conversion in parsed:
        if name is not None and (name not in PLACEHOLDERS or spec or conversion):
            shown = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise UsageProblem(
                _("{source}: unknown placeholder {shown}").format(source=source, shown=shown),
                _("placeholders are: {known}").format(known=known),
            )
        pieces.append((literal_text, name))
    return pieces


def fill(pieces: list[Piece], values: dict[str, str]) -> str:
    return "".join(text + (values[name] if name else "") for text, name in pieces)


def _expiring(as_of: dt.date) -> Any:
    """(member_id, points) left of the lots whose last day is in [as_of, as_of + 30 days]."""
    used = func.coalesce(func.sum(PointsAllocation.points), 0)
    lots = (
        select(PointsEntry.member_id, (PointsEntry.points - used).label("left"))
        .outerjoin(PointsAllocation, col(PointsAllocation.credit_id) == PointsEntry.id)
        .where(
            PointsEntry.points > 0,
            col(PointsEntry.expires_on) >= literal(as_of, Date),
            col(PointsEntry.expires_on) <= literal(as_of + dt.timedelta(days=EXPIRING_DAYS), Date),
        )
        .group_by(col(PointsEntry.id), col(PointsEntry.member_id), col(PointsEntry.points))
        .subquery("lots")
    )
    return (
        select(lots.c.member_id, func.sum(lots.c.left).label("points"))
        .group_by(lots.c.member_id)
        .subquery("expiring")
    )


def _reachable(clause: Any) -> Any:
    """Who a message may go to: matching the filter, not cancelled or forgotten, with a phone."""
    base = and_(
        col(Member.status) != lifecycle.CANCELLED,
        col(Member.forgotten_at).is_(None),
        col(Member.phone).is_not(None),
    )
    return base if clause is None else and_(base, clause)


def render(
    *,
    session: Session,
    template: Path,
    out: Path,
    as_of: dt.date,
    where: str | None = None,
    segment: str | None = None,
) -> RenderResult:
    """Write the message list for the members `where`/`segment` select (all when neither)."""
    pieces = read_template(template)
    reachable = _reachable(segments.resolve_filter(session, where, segment, as_of))
    expiring = _expiring(as_of)
    query = (
        core_select(
            col(Member.member_no),
            col(Member.phone),
            col(Member.name),
            col(Member.points),
            col(Member.tier_code),
            col(Tier.name),
            col(Member.balance),
            col(Member.birthday),
            func.coalesce(expiring.c.points, 0),
        )
        .join(Tier, col(Tier.code) == Member.tier_code)
        .outerjoin(expiring, expiring.c.member_id == Member.id)
        .where(reachable, col(Member.opt_out).is_(False))
        .order_by(col(Member.member_no))
        .execution_options(yield_per=5000)
    )
    rows = _write(out, pieces, lambda: session.execute(query), max_output_mb())
    opted_out = session.exec(
        select(func.count()).select_from(Member).where(reachable, col(Member.opt_out).is_(True))
    ).one()
    return RenderResult(str(out), as_of, rows, int(opted_out))


def _write(out: Path, pieces: list[Piece], select_rows: Any, limit: int) -> int:
    """Write the list whole or not at all (memberctl.atomic): a reader never sees half a list,
    a failure leaves no file behind and an earlier list as it was."""
    count = 0
    try:
        # The query runs once the output can be written, and its cursor (server-side on
        # PostgreSQL) is closed whatever happens.
        with (
            text_output(out, bom=True, limit=limit * 1024 * 1024) as stream,
            closing(select_rows()) as rows,
        ):
            writer = csv.writer(stream)
            writer.writerow(COLUMNS)
            for member_no, phone, name, pts, tier, tier_name, balance, birthday, expiring in rows:
                values = {
                    "name": name or "",
                    "member_no": member_no,
                    "points": str(pts),
                    "tier": tier,
                    "tier_name": tier_name,
                    "balance": money.format(balance) or "0.00",
                    "expiring_points": str(int(expiring)),
                    "birthday": birthday.isoformat() if birthday else "",
                }
                writer.writerow([escape_cell(v) for v in (member_no, phone, fill(pieces, values))])
                count += 1
    except OutputLimit:
        raise InvalidInput(
            _(
                "the message list would be larger than {limit} MB after {count:,} members; "
                "nothing was written"
            ).format(limit=limit, count=count),
            _(
                "shorten the template, choose fewer members with --where or --segment, or raise "
                "the limit with {env}"
            ).format(env=MAX_OUTPUT_MB_ENV),
        ) from None
    return count


def max_output_mb() -> int:
    """The cap on a message list, in MB: MEMBERCTL_MAX_OUTPUT_MB, else MAX_OUTPUT_MB."""
    raw = os.environ.get(MAX_OUTPUT_MB_ENV, "").strip()
    if not raw:
        return MAX_OUTPUT_MB
    if not raw.isdigit() or int(raw) < 1:
        raise UsageProblem(
            _("{env} must be a whole number of MB, at least 1 (not '{raw}')").format(
                env=MAX_OUTPUT_MB_ENV, raw=raw
            ),
            _("e.g. {env}=4096").format(env=MAX_OUTPUT_MB_ENV),
        )
    return int(raw)

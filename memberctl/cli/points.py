"""`memberctl points ...`: credit, redeem and expire points, and read a member's ledger."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from memberctl.cli._context import AppContext, app_context
from memberctl.cli._options import AllowFutureOpt, AsOfOpt, FormatOpt, LimitOpt, RefArg
from memberctl.cli._output import Column, Format, emit, message
from memberctl.cli._prompt import ask
from memberctl.i18n import _

points_app = typer.Typer(
    no_args_is_help=True, help=_("Points: credit, redeem, expire, and a member's points ledger.")
)

PointsArg = Annotated[
    str, typer.Argument(metavar="N", help=_("Points, a whole number from 1 to 1,000,000,000."))
]
ReasonReq = Annotated[
    str | None, typer.Option(help=_("Why; kept in the ledger (asked on a terminal if missing)."))
]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key", metavar="K", help=_("Idempotency key: a repeat changes nothing.")),
]
ExpiresOpt = Annotated[
    str | None,
    typer.Option(
        metavar="YYYY-MM-DD|never",
        help=_("Last day the points can be spent; default: the shop's expiry policy."),
    ),
]

RESULT_COLUMNS = [
    Column("member_no", _("Member")),
    Column("change", _("Change"), justify="right"),
    Column("points", _("Points now"), justify="right"),
    Column("expires_on", _("Expires")),
    Column("duplicate", _("Repeat (nothing changed)")),
]
HISTORY_COLUMNS = [
    Column("at", _("When"), show=lambda t: t.strftime("%Y-%m-%d %H:%M")),
    Column("kind", _("Kind")),
    Column("points", _("Points"), justify="right"),
    Column("remaining", _("Left"), justify="right"),
    Column("expires_on", _("Expires")),
    Column("reason", _("Reason"), show=lambda r: _reason_words(r)),
    Column("order_no", _("Order")),
    Column("operator", _("By")),
]


def _say(result: Any, verb: str) -> None:
    if result.duplicate:
        message(
            _("{member_no}: key '{key}' was used before; nothing changed").format(
                member_no=result.member_no, key=result.entry.key
            )
        )
    else:
        message(
            _("{member_no}: {verb} {change} points, now {points}").format(
                member_no=result.member_no,
                verb=verb,
                change=abs(result.change),
                points=result.points,
            )
        )


def _reason(reason: str | None, no_input: bool) -> str:
    from memberctl.domain import fields

    text = reason or ask(_("Reason 原因:"), "--reason", no_input=no_input)
    clean = fields.parse_free_text(text, _("the reason"), 200)
    if clean is None:
        raise typer.BadParameter(_("the reason is empty"), param_hint="--reason")
    return clean


def _expires(raw: str | None) -> Any:
    from memberctl.domain import fields, points

    if raw is None:
        return points.POLICY
    if raw.strip().lower() == "never":
        return None
    return fields.parse_date(raw, _("expiry date"))


@points_app.command(
    help=_("Credit N points to a member (refused for frozen or cancelled members, exit 4).")
)
def add(
    ctx: typer.Context,
    ref: RefArg,
    n: PointsArg,
    reason: ReasonReq = None,
    key: KeyOpt = None,
    expires: ExpiresOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import points

    app = app_context(ctx)
    count = points.parse_points(n)
    why = _reason(reason, app.no_input)
    with app.write() as session:
        member = app.member(session, ref, for_update=True)
        result = points.add(
            session=session,
            member=member,
            points=count,
            reason=why,
            operator=app.operator,
            at=clock.now(),
            key=key,
            expires_on=_expires(expires),
        )
    _say(result, _("added"))
    emit(result, fmt, RESULT_COLUMNS)


@points_app.command(
    help=_(
        "Redeem N points: the soonest-expiring first, never-expiring last; not enough -> exit 4."
    )
)
def deduct(
    ctx: typer.Context,
    ref: RefArg,
    n: PointsArg,
    reason: ReasonReq = None,
    key: KeyOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    deduct_points(app_context(ctx), ref, n, reason=reason, key=key, fmt=fmt)


def deduct_points(
    app: AppContext,
    ref: str,
    n: str,
    *,
    reason: str | None,
    key: str | None = None,
    fmt: Format = Format.table,
) -> None:
    """`points deduct` (and the menu's "Redeem points"): spend them, say so, show it."""
    from memberctl import clock
    from memberctl.domain import points

    count = points.parse_points(n)
    why = _reason(reason, app.no_input)
    with app.write() as session:
        member = app.member(session, ref, for_update=True)
        result = points.deduct(
            session=session,
            member=member,
            points=count,
            reason=why,
            operator=app.operator,
            at=clock.now(),
            key=key,
        )
    _say(result, _("deducted"))
    emit(result, fmt, RESULT_COLUMNS)


@points_app.command(
    help=_("A member's points: the total, what can be spent now, and the next expiry.")
)
def balance(
    ctx: typer.Context, ref: RefArg, as_of: AsOfOpt = None, fmt: FormatOpt = Format.table
) -> None:
    from memberctl import clock
    from memberctl.domain import points

    app = app_context(ctx)
    with app.read() as session:
        member = app.member(session, ref)
        record = points.balance(
            session=session, member=member, as_of=clock.today(as_of.date() if as_of else None)
        )
    emit(record, fmt)


@points_app.command(
    help=_("A member's points ledger, oldest first; credits show how many points are left of them.")
)
def history(
    ctx: typer.Context, ref: RefArg, limit: LimitOpt = None, fmt: FormatOpt = Format.table
) -> None:
    from memberctl.domain import points

    app = app_context(ctx)
    with app.read() as session:
        member = app.member(session, ref)
        rows = points.history(session=session, member=member, limit=limit)
    emit(rows, fmt, HISTORY_COLUMNS, title=member.member_no)


@points_app.command(
    help=_("Expire what is left of points past their expiry date; safe to run twice for one day.")
)
def expire(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    allow_future: AllowFutureOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import points

    app = app_context(ctx)
    day = clock.writing_day(as_of.date() if as_of else None, allow_future=allow_future)
    with app.write() as session:
        result = points.expire(
            session=session, as_of=day, operator=app.operator, at=clock.moment(day)
        )
    message(
        _("expired {points} points in {entries} lots of {members} members").format(
            points=result.points, entries=result.entries, members=result.members
        )
    )
    emit(result, fmt)


def _reason_words(reason: str) -> str:
    """A reason the program wrote ("order A1") reads 订单 A1 in Chinese."""
    from memberctl.domain.history import reason_words

    return reason_words(reason)

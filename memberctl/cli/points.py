"""`memberctl points ...`: credit, redeem and expire points, and read a member's ledger."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import AsOfOpt, FormatOpt, LimitOpt, RefArg
from memberctl.cli._output import Column, Format, emit, message
from memberctl.cli._prompt import ask

points_app = typer.Typer(
    no_args_is_help=True, help="Points: credit, redeem, expire, and a member's points ledger."
)

PointsArg = Annotated[int, typer.Argument(metavar="N", min=1, help="Points, a whole number.")]
ReasonReq = Annotated[
    str | None, typer.Option(help="Why; kept in the ledger (asked on a terminal if missing).")
]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key", metavar="K", help="Idempotency key: a repeat changes nothing."),
]
ExpiresOpt = Annotated[
    str | None,
    typer.Option(
        metavar="YYYY-MM-DD|never",
        help="Last day the points can be spent; default: the shop's expiry policy.",
    ),
]

RESULT_COLUMNS = [
    Column("member_no", "Member"),
    Column("change", "Change", justify="right"),
    Column("points", "Points now", justify="right"),
    Column("expires_on", "Expires"),
    Column("duplicate", "Repeat (nothing changed)"),
]
HISTORY_COLUMNS = [
    Column("at", "When", show=lambda t: t.strftime("%Y-%m-%d %H:%M")),
    Column("kind", "Kind"),
    Column("points", "Points", justify="right"),
    Column("remaining", "Left", justify="right"),
    Column("expires_on", "Expires"),
    Column("reason", "Reason"),
    Column("order_no", "Order"),
    Column("operator", "By"),
]


def _say(result: Any, verb: str) -> None:
    if result.duplicate:
        message(f"{result.member_no}: key '{result.entry.key}' was used before; nothing changed")
    else:
        message(f"{result.member_no}: {verb} {abs(result.change)} points, now {result.points}")


def _reason(reason: str | None, no_input: bool) -> str:
    from memberctl.domain import fields

    text = reason or ask("Reason 原因:", "--reason", no_input=no_input)
    clean = fields.parse_text(text, "the reason", 200)
    if clean is None:
        raise typer.BadParameter("the reason is empty", param_hint="--reason")
    return clean


def _expires(raw: str | None) -> Any:
    from memberctl.domain import fields, points

    if raw is None:
        return points.POLICY
    if raw.strip().lower() == "never":
        return None
    return fields.parse_date(raw, "expiry date")


@points_app.command()
def add(
    ctx: typer.Context,
    ref: RefArg,
    n: PointsArg,
    reason: ReasonReq = None,
    key: KeyOpt = None,
    expires: ExpiresOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Credit N points to a member (refused for frozen or cancelled members, exit 4)."""
    from memberctl import clock
    from memberctl.domain import points, refs

    app = app_context(ctx)
    why = _reason(reason, app.no_input)
    with app.write() as session:
        member = refs.resolve(session, ref, region=app.region, for_update=True)
        result = points.add(
            session=session, member=member, points=n, reason=why, operator=app.operator,
            at=clock.now(), key=key, expires_on=_expires(expires),
        )  # fmt: skip
    _say(result, "added")
    emit(result, fmt, RESULT_COLUMNS)


@points_app.command()
def deduct(
    ctx: typer.Context,
    ref: RefArg,
    n: PointsArg,
    reason: ReasonReq = None,
    key: KeyOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Redeem N points: the soonest-expiring first, never-expiring last; not enough -> exit 4."""
    from memberctl import clock
    from memberctl.domain import points, refs

    app = app_context(ctx)
    why = _reason(reason, app.no_input)
    with app.write() as session:
        member = refs.resolve(session, ref, region=app.region, for_update=True)
        result = points.deduct(
            session=session, member=member, points=n, reason=why, operator=app.operator,
            at=clock.now(), key=key,
        )  # fmt: skip
    _say(result, "deducted")
    emit(result, fmt, RESULT_COLUMNS)


@points_app.command()
def balance(
    ctx: typer.Context, ref: RefArg, as_of: AsOfOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """A member's points: the total, what can be spent now, and the next expiry."""
    from memberctl import clock
    from memberctl.domain import points, refs

    app = app_context(ctx)
    with app.read() as session:
        member = refs.resolve(session, ref, region=app.region)
        record = points.balance(
            session=session, member=member, as_of=clock.today(as_of.date() if as_of else None)
        )
    emit(record, fmt)


@points_app.command()
def history(
    ctx: typer.Context, ref: RefArg, limit: LimitOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """A member's points ledger, oldest first; credits show how many points are left of them."""
    from memberctl.domain import points, refs

    app = app_context(ctx)
    with app.read() as session:
        member = refs.resolve(session, ref, region=app.region)
        rows = points.history(session=session, member=member, limit=limit)
    emit(rows, fmt, HISTORY_COLUMNS, title=member.member_no)


@points_app.command()
def expire(ctx: typer.Context, as_of: AsOfOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Expire what is left of points past their expiry date; safe to run twice for one day."""
    from memberctl import clock
    from memberctl.domain import points

    app = app_context(ctx)
    day = clock.today(as_of.date() if as_of else None)
    with app.write() as session:
        result = points.expire(
            session=session, as_of=day, operator=app.operator, at=clock.moment(day)
        )
    message(f"expired {result.points} points in {result.entries} lots of {result.members} members")
    emit(result, fmt)

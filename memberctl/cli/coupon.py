"""`memberctl coupon ...`: the coupons campaigns issued, and using one."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import AsOfOpt, FormatOpt, LimitOpt
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _, pgettext

coupon_app = typer.Typer(no_args_is_help=True, help=_("Coupons: list them and redeem one."))


class Status(enum.StrEnum):
    unused = "unused"
    used = "used"
    expired = "expired"


COUPON_COLUMNS = [
    Column("code", _("Code"), no_wrap=True),
    Column("member_no", _("Member"), no_wrap=True),
    Column("campaign", _("Campaign")),
    Column("value", _("Value"), justify="right"),
    Column("min_spend", _("Min spend"), justify="right", drop=2),
    Column(
        "valid_from", pgettext("validity", "From"), drop=1
    ),  # 生效日: the first day it can be used
    Column("valid_to", pgettext("validity", "To")),  # 到期日: the last
    Column("weekdays_only", _("Mon-Fri"), drop=4),
    Column("no_holidays", _("No holidays"), drop=5),
    Column("status", _("Status")),
    Column("redeemed_at", _("Used at"), show=lambda t: t.strftime("%Y-%m-%d %H:%M")),
    Column("redeemed_order", _("Order"), drop=3),
]


@coupon_app.command(
    "list", help=_("Coupons, newest first, with their status at --as-of (default today).")
)
def list_(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(metavar="[REF]", help=_("Only this member's (member number or phone).")),
    ] = None,
    status: Annotated[
        Status | None, typer.Option(help=_("unused, used or expired (at --as-of)."))
    ] = None,
    as_of: AsOfOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import coupons

    app = app_context(ctx)
    with app.read() as session:
        member = app.member(session, ref) if ref is not None else None
        rows = coupons.list_coupons(
            session=session,
            as_of=clock.today(as_of.date() if as_of else None),
            member=member,
            status=status.value if status else None,
            limit=limit,
        )
    emit(rows, fmt, COUPON_COLUMNS)


@coupon_app.command(
    help=_(
        "Use a coupon, once. Unknown code: exit 3; used, expired, not valid that "
        "day, below the\n"
        "minimum spend, or the member frozen or cancelled: exit 4."
    )
)
def redeem(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar="CODE", help=_("The coupon code (any case)."))],
    at: Annotated[
        str | None,
        typer.Option(metavar="DATETIME", help=_("When it is used (ISO 8601); default now.")),
    ] = None,
    order_no: Annotated[
        str | None, typer.Option(metavar="X", help=_("The order it is used for."))
    ] = None,
    amount: Annotated[
        str | None,
        typer.Option(metavar="A", help=_("The order's spend, checked against the minimum spend.")),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import coupons, fields, money, purchases

    app = app_context(ctx)
    app.require_options("coupon redeem", at=at)  # back-dating: a manager's
    when = fields.parse_datetime(at, "--at") if at is not None else clock.now()
    spend = money.parse(amount) if amount is not None else None
    order = purchases.order_number(order_no)
    with app.write() as session:
        record = coupons.redeem(
            session=session,
            code=code,
            at=when,
            operator=app.operator,
            order_no=order,
            amount=spend,
            staff=app.identity,
        )
    message(
        _("coupon {code} used ({value} off) for {member_no}").format(
            code=record.code, value=money.format(record.value), member_no=record.member_no
        )
    )
    emit(record, fmt, COUPON_COLUMNS)

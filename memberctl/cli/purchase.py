"""`memberctl purchase ...`: record purchases (they earn points) and refund them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from memberctl.cli import _completion
from memberctl.cli._context import AppContext, app_context
from memberctl.cli._options import FormatOpt, RefArg
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _

if TYPE_CHECKING:
    from sqlmodel import Session

purchase_app = typer.Typer(
    no_args_is_help=True, help=_("Purchases: record them (they earn points) and refund them.")
)

StoreOpt = Annotated[
    str | None,
    typer.Option(
        help=_("Store; order numbers are unique per store."),
        autocompletion=_completion.store_codes,
    ),
]
COLUMNS = [
    Column("member_no", _("Member")),
    Column("order_no", _("Order")),
    Column("store", _("Store")),
    Column("amount", _("Amount"), justify="right"),
    Column("points_earned", _("Points earned"), justify="right"),
    Column("points", _("Points now"), justify="right"),
    Column("duplicate", _("Repeat (nothing changed)")),
]
REFUND_COLUMNS = [
    *COLUMNS[:5],
    Column("points_reversed", _("Points reversed"), justify="right"),
    Column("points_not_reversed", _("Already spent"), justify="right"),
    Column("points", _("Points now"), justify="right"),
    Column("duplicate", _("Repeat (nothing changed)")),
]


def _order(result: Any) -> str:
    if result.store:
        return _("order {order_no} of store {store}").format(
            order_no=result.order_no, store=result.store
        )
    return _("order {order_no}").format(order_no=result.order_no)


@purchase_app.command(
    help=_(
        "Record a purchase; it earns points by the member's tier (double in the "
        "birthday month).\n"
        "\n"
        "The same purchase again under its --order-no (per store) changes nothing; that "
        "number for another\n"
        "member, amount or --at is refused (exit 4); frozen or cancelled members: exit 4."
    )
)
def record(
    ctx: typer.Context,
    ref: RefArg,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help=_("Amount paid, e.g. 128.50."))],
    order_no: Annotated[
        str | None, typer.Option(help=_("Order number; default: a generated one."))
    ] = None,
    at: Annotated[str | None, typer.Option(metavar="DATETIME", help=_("Default: now."))] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    record_purchase(app_context(ctx), ref, amount, order_no=order_no, at=at, store=store, fmt=fmt)


def record_purchase(
    app: AppContext,
    ref: str,
    amount: str,
    *,
    order_no: str | None = None,
    at: str | None = None,
    store: str | None = None,
    fmt: Format = Format.table,
) -> None:
    """`purchase record` (and the menu's "Record a purchase"): record it, say so, show it."""
    from memberctl import clock
    from memberctl.domain import fields, money, purchases, stores

    app.require_options("purchase record", at=at)  # back-dating: a manager's
    when = fields.parse_datetime(at, "--at") if at else None
    number = purchases.order_number(order_no)
    paid = money.parse(amount)

    def work(session: Session) -> purchases.PurchaseResult:
        return purchases.record(
            session=session,
            member=app.member(session, ref, for_update=True),
            amount=paid,
            order_no=number,
            store=stores.resolve_for(session, store, app.identity),
            operator=app.operator,
            at=when,
            now=clock.now(),
        )

    result = app.run_write(work)
    if result.duplicate:
        message(
            _("{order} was already recorded for {member_no}; nothing changed").format(
                order=_order(result), member_no=result.member_no
            )
        )
    else:
        message(
            _("{member_no}: {order} earned {points_earned} points").format(
                member_no=result.member_no, order=_order(result), points_earned=result.points_earned
            )
        )
    emit(result, fmt, COLUMNS)


@purchase_app.command(
    help=_(
        "Refund an order: reverse what is left of the points it earned (spent points stay spent)."
    )
)
def refund(
    ctx: typer.Context,
    order: Annotated[str, typer.Argument(metavar="ORDER", help=_("The order number."))],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import purchases, stores

    app = app_context(ctx)
    result = app.run_write(
        lambda session: purchases.refund(
            session=session,
            order_no=order.strip(),
            store=stores.resolve_for(session, store, app.identity),
            operator=app.operator,
            at=clock.now(),
        )
    )
    if result.duplicate:
        message(_("{order} was already refunded; nothing changed").format(order=_order(result)))
    else:
        message(
            _(
                "{member_no}: {order} refunded, {points_reversed} points reversed, "
                "{points_not_reversed} already spent"
            ).format(
                member_no=result.member_no,
                order=_order(result),
                points_reversed=result.points_reversed,
                points_not_reversed=result.points_not_reversed,
            )
        )
    emit(result, fmt, REFUND_COLUMNS)

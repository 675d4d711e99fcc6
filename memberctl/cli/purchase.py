"""`memberctl purchase ...`: record purchases (they earn points) and refund them."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt, RefArg
from memberctl.cli._output import Column, Format, emit, message

purchase_app = typer.Typer(
    no_args_is_help=True, help="Purchases: record them (they earn points) and refund them."
)

StoreOpt = Annotated[str | None, typer.Option(help="Store; order numbers are unique per store.")]
COLUMNS = [
    Column("member_no", "Member"),
    Column("order_no", "Order"),
    Column("store", "Store"),
    Column("amount", "Amount", justify="right"),
    Column("points_earned", "Points earned", justify="right"),
    Column("points", "Points now", justify="right"),
    Column("duplicate", "Repeat (nothing changed)"),
]
REFUND_COLUMNS = [
    *COLUMNS[:5],
    Column("points_reversed", "Points reversed", justify="right"),
    Column("points_not_reversed", "Already spent", justify="right"),
    Column("points", "Points now", justify="right"),
    Column("duplicate", "Repeat (nothing changed)"),
]


def _order(result: Any) -> str:
    return f"order {result.order_no}" + (f" of store {result.store}" if result.store else "")


@purchase_app.command()
def record(
    ctx: typer.Context,
    ref: RefArg,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Amount paid, e.g. 128.50.")],
    order_no: Annotated[
        str | None, typer.Option(help="Order number; default: a generated one.")
    ] = None,
    at: Annotated[str | None, typer.Option(metavar="DATETIME", help="Default: now.")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record a purchase; it earns points by the member's tier (double in the birthday month).

    A repeated --order-no (per store) changes nothing; frozen or cancelled members: exit 4.
    """
    from memberctl import clock
    from memberctl.domain import fields, money, purchases, refs

    app = app_context(ctx)
    now = clock.now()
    when = fields.parse_datetime(at, "--at") if at else now
    with app.write() as session:
        member = refs.resolve(session, ref, region=app.region, for_update=True)
        result = purchases.record(
            session=session, member=member, amount=money.parse(amount),
            order_no=fields.parse_text(order_no, "the order number", 64),
            store=fields.parse_text(store, "the store", 64), operator=app.operator,
            at=when, now=now,
        )  # fmt: skip
    if result.duplicate:
        message(f"{_order(result)} was already recorded for {result.member_no}; nothing changed")
    else:
        message(f"{result.member_no}: {_order(result)} earned {result.points_earned} points")
    emit(result, fmt, COLUMNS)


@purchase_app.command()
def refund(
    ctx: typer.Context,
    order: Annotated[str, typer.Argument(metavar="ORDER", help="The order number.")],
    store: StoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Refund an order: reverse what is left of the points it earned (spent points stay spent)."""
    from memberctl import clock
    from memberctl.domain import purchases

    app = app_context(ctx)
    with app.write() as session:
        result = purchases.refund(
            session=session, order_no=order.strip(), store=store, operator=app.operator,
            at=clock.now(),
        )  # fmt: skip
    if result.duplicate:
        message(f"{_order(result)} was already refunded; nothing changed")
    else:
        message(f"{result.member_no}: {_order(result)} refunded, {result.points_reversed} points "
                f"reversed, {result.points_not_reversed} already spent")  # fmt: skip
    emit(result, fmt, REFUND_COLUMNS)

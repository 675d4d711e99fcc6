"""`memberctl sale REF ...`: the till (tier price, coupon, points, stored value, tender) and
`memberctl sale refund ORDER`. `sell` is the plain function the command and the menu call."""

from __future__ import annotations

import dataclasses
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from memberctl.cli._context import AppContext, app_context
from memberctl.cli._options import FormatOpt, RefArg
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _, current

if TYPE_CHECKING:
    from sqlmodel import Session

    from memberctl.domain.sale_refunds import SaleRefund
    from memberctl.domain.sales import Receipt

DEFAULT = "record"


class SaleGroup(TyperGroup):
    """`sale REF ...` runs `sale record REF ...`: a first word that is not a sub-command (nor
    -h/--help) gets the default sub-command's name put in front of it."""

    default_command = DEFAULT

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


sale_app = typer.Typer(
    cls=SaleGroup,
    no_args_is_help=True,
    help=_(
        "The till: one sale applies the tier price, a coupon, points and stored value.\n"
        "\n"
        "memberctl sale REF --amount 300 --pay wechat ...   (the same as 'sale record')\n"
        "memberctl sale refund ORDER"
    ),
)


class PayMethod(enum.StrEnum):
    cash = "cash"
    card = "card"
    wechat = "wechat"
    alipay = "alipay"
    other = "other"


StoreOpt = Annotated[
    str | None, typer.Option(help=_("Store (code or name); order numbers are unique per store."))
]
AtOpt = Annotated[str | None, typer.Option(metavar="DATETIME", help=_("Default: now."))]


def pay_words() -> dict[str, str]:
    return {
        "cash": _("Cash"),
        "card": _("Card"),
        "wechat": _("WeChat Pay"),
        "alipay": _("Alipay"),
        "other": _("Other payment"),
    }


@sale_app.command(
    DEFAULT,
    help=_(
        "Ring up a sale (the default: memberctl sale REF ...).\n"
        "\n"
        "In order: list total, tier price, coupon, points, stored value, the rest by --pay; "
        "points are earned on what was paid in money and stored value. One transaction: a "
        "refusal writes nothing (exit 4). The same --order-no again changes nothing."
    ),
)
def record(
    ctx: typer.Context,
    ref: RefArg,
    amount: Annotated[
        str | None, typer.Option(metavar="A", help=_("The list total, e.g. 300.00."))
    ] = None,
    item: Annotated[
        list[str] | None,
        typer.Option(
            metavar="SPEC",
            help=_('An item, repeatable: NAME:QTY:UNIT_PRICE[:CATEGORY], e.g. "T-shirt:2:99.50".'),
        ),
    ] = None,
    coupon: Annotated[str | None, typer.Option(metavar="CODE", help=_("A coupon."))] = None,
    points: Annotated[
        str | None, typer.Option(metavar="N|max", help=_("Pay with N points, or the most allowed."))
    ] = None,
    wallet: Annotated[
        str | None,
        typer.Option(metavar="A|max", help=_("Pay A from stored value, or as much as it can.")),
    ] = None,
    pay: Annotated[
        PayMethod | None, typer.Option(help=_("How the rest is paid (needed when some is left)."))
    ] = None,
    order_no: Annotated[
        str | None, typer.Option(help=_("Order number; default: a generated one."))
    ] = None,
    store: StoreOpt = None,
    at: AtOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=_("Show the receipt; write nothing."))
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    receipt = sell(
        app_context(ctx),
        ref,
        amount=amount,
        items=item or [],
        coupon=coupon,
        points=points,
        wallet=wallet,
        pay=pay.value if pay else None,
        order_no=order_no,
        store=store,
        at=at,
        dry_run=dry_run,
    )
    show_receipt(receipt, fmt)


def sell(
    app: AppContext,
    ref: str,
    *,
    amount: str | None = None,
    items: list[str] | None = None,
    coupon: str | None = None,
    points: str | None = None,
    wallet: str | None = None,
    pay: str | None = None,
    order_no: str | None = None,
    store: str | None = None,
    at: str | None = None,
    dry_run: bool = False,
) -> Receipt:
    """`sale` (and the menu's checkout): parse, sell in one transaction, say what happened."""
    from memberctl import clock
    from memberctl.domain import fields, money, purchases, sales, stores

    app.require_options("sale record", at=at)  # back-dating: a manager's
    request = sales.SaleRequest(
        amount=money.parse(amount) if amount is not None else None,
        lines=tuple(sales.parse_item(spec) for spec in items or []),
        coupon=coupon,
        points=sales.parse_points(points),
        wallet=sales.parse_wallet(wallet),
        pay=pay,
        order_no=purchases.order_number(order_no),
        at=fields.parse_datetime(at, "--at") if at else None,
        dry_run=dry_run,
    )

    def work(session: Session) -> Receipt:
        member = app.member(session, ref, for_update=True)
        asked = dataclasses.replace(request, store=stores.resolve_for(session, store, app.identity))
        return sales.sell(
            session=session, member=member, request=asked, operator=app.operator, now=clock.now()
        )

    receipt = app.run_write(work)
    _say(receipt)
    return receipt


def _say(receipt: Receipt) -> None:
    from memberctl.domain import money

    order = receipt.order_no or _("(new)")
    if receipt.dry_run:
        message(
            _("{member_no}: preview of order {order}; nothing written").format(
                member_no=receipt.member_no, order=order
            )
        )
    elif receipt.duplicate and receipt.refunded_at is not None:
        message(
            _(
                "order {order} was already sold to {member_no} and refunded on {date}; "
                "nothing changed"
            ).format(order=order, member_no=receipt.member_no, date=receipt.refunded_at.date())
        )
    elif receipt.duplicate:
        message(
            _("order {order} was already sold to {member_no}; nothing changed").format(
                order=order, member_no=receipt.member_no
            )
        )
    else:
        paid = (
            _("{amount} by {method}").format(
                amount=money.format(receipt.tendered),
                method=pay_words()[receipt.pay_method],
            )
            if receipt.pay_method
            else _("nothing left to pay")
        )
        message(
            _("{member_no}: order {order}, {paid}, {points} points earned").format(
                member_no=receipt.member_no, order=order, paid=paid, points=receipt.points_earned
            )
        )


def receipt_rows(receipt: Receipt, tier_name: str) -> list[tuple[str, str]]:
    """The receipt a clerk reads: (label, value) rows in the reader's language."""
    from memberctl.domain import money
    from memberctl.domain.sales import quantity_text

    def off(amount: Any) -> str:
        return f"-{money.format(amount)}"

    rows = [(_("Member"), receipt.member_no)]
    rows += [(_("Order"), receipt.order_no)] if receipt.order_no else []
    rows += [(_("Store"), receipt.store)] if receipt.store else []
    rows.append((_("Time"), receipt.at.strftime("%Y-%m-%d %H:%M")))
    for line in receipt.lines:
        label = f"{line.name} × {quantity_text(line.quantity)} @ {money.format(line.unit_price)}"
        rows.append((label, money.format(line.amount)))
    factor = f"{receipt.price_factor:.2f}"
    rows += [
        (_("List total"), money.format(receipt.list_total)),
        (_("Member price ({tier} {factor})").format(tier=tier_name, factor=factor),
         money.format(receipt.price)),
    ]  # fmt: skip
    if receipt.coupon:
        rows.append((_("Coupon {code}").format(code=receipt.coupon), off(receipt.coupon_value)))
    if receipt.points_used:
        label = _("Points ({points} points)").format(points=receipt.points_used)
        rows.append((label, off(receipt.points_value)))
    if receipt.wallet_paid:
        rows.append((_("Stored value paid"), money.format(receipt.wallet_paid)))
    if receipt.pay_method:
        rows.append((pay_words()[receipt.pay_method], money.format(receipt.tendered)))
    rows += [
        (_("Points earned"), str(receipt.points_earned)),
        (_("Points balance"), str(receipt.points)),
        (_("Stored value balance"), money.format(receipt.balance)),
    ]
    return rows


def receipt_data(receipt: Receipt) -> dict[str, Any]:
    """The receipt's JSON keys (the tier code is the table's only)."""
    from memberctl.cli._output import plain

    data: dict[str, Any] = plain(receipt)
    data.pop("tier")
    from memberctl.domain.sales import quantity_text

    for line, given in zip(data["lines"], receipt.lines, strict=True):
        line["quantity"] = quantity_text(given.quantity)
    data["price_factor"] = f"{receipt.price_factor:.2f}"
    return data


def show_receipt(receipt: Receipt, fmt: Format, tier_names: dict[str, str] | None = None) -> None:
    if fmt != Format.table:
        emit(receipt_data(receipt), fmt)
        return
    from memberctl.cli._framework import current_context

    if tier_names is None:
        ctx = current_context()
        app = ctx.find_root().obj if ctx is not None else None
        tier_names = app.tier_names() if app is not None else {}
    name = tier_names.get(receipt.tier, receipt.tier) if current() == "zh" else receipt.tier
    rows = receipt_rows(receipt, name)
    columns = [Column(str(i), label) for i, (label, _value) in enumerate(rows)]
    title = None
    if receipt.dry_run:
        title = _("Preview: nothing written")
    elif receipt.duplicate:
        title = _("Repeat: nothing changed")
    emit({str(i): value for i, (_label, value) in enumerate(rows)}, fmt, columns, title=title)


REFUND_COLUMNS = [
    Column("member_no", _("Member")),
    Column("order_no", _("Order")),
    Column("store", _("Store")),
    Column("tendered_back", _("Money back"), justify="right"),
    Column("pay_method", _("Paid by"), show=lambda method: pay_words().get(method, method)),
    Column("wallet_back", _("Stored value back"), justify="right"),
    Column("points_returned", _("Points returned"), justify="right"),
    Column("points_reversed", _("Points reversed"), justify="right"),
    Column("points_not_reversed", _("Already spent"), justify="right"),
    Column("coupon", _("Coupon")),
    Column("coupon_returned", _("Coupon returned")),
    Column("points", _("Points now"), justify="right"),
    Column("balance", _("Balance now"), justify="right"),
    Column("duplicate", _("Repeat (nothing changed)")),
]


@sale_app.command(
    help=_(
        "Refund a whole sale (no partial refunds).\n"
        "\n"
        "Money and stored value back, points spent returned (with their lots' expiry), points "
        "earned reversed, the coupon returned while still valid. A second refund changes nothing."
    )
)
def refund(
    ctx: typer.Context,
    order: Annotated[str, typer.Argument(metavar="ORDER", help=_("The sale's order number."))],
    store: StoreOpt = None,
    at: AtOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    result = refund_sale(app_context(ctx), order, store=store, at=at)
    emit(result, fmt, REFUND_COLUMNS)


def refund_sale(
    app: AppContext, order: str, *, store: str | None = None, at: str | None = None
) -> SaleRefund:
    from memberctl import clock
    from memberctl.domain import fields, sale_refunds, stores

    when = fields.parse_datetime(at, "--at") if at else clock.now()
    result = app.run_write(
        lambda session: sale_refunds.refund(
            session=session,
            order_no=order.strip(),
            store=stores.resolve_for(session, store, app.identity),
            operator=app.operator,
            at=when,
        )
    )
    if result.duplicate:
        message(
            _("order {order} was already refunded; nothing changed").format(order=result.order_no)
        )
    else:
        message(
            _(
                "{member_no}: order {order} refunded, {tendered} back, {wallet} to stored value, "
                "{points} points returned, {reversed} points reversed"
            ).format(
                member_no=result.member_no,
                order=result.order_no,
                tendered=_money(result.tendered_back),
                wallet=_money(result.wallet_back),
                points=result.points_returned,
                reversed=result.points_reversed,
            )
        )
    return result


def _money(amount: Decimal) -> str:
    from memberctl.domain import money

    return money.format(amount)

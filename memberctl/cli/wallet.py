"""`memberctl wallet ...`: stored value (top up, pay, refund) and its ledger."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from memberctl.cli._context import AppContext, app_context
from memberctl.cli._options import FormatOpt, RefArg
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _, pgettext

wallet_app = typer.Typer(
    no_args_is_help=True, help=_("Stored value: top up, pay, refund, balance and ledger.")
)

AmountArg = Annotated[str, typer.Argument(metavar="AMOUNT", help=_("Money, e.g. 100.00."))]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key", metavar="K", help=_("Idempotency key: a repeat changes nothing.")),
]
ReasonOpt = Annotated[str | None, typer.Option(help=_("Why; kept in the ledger."))]
RESULT_COLUMNS = [
    Column("member_no", _("Member")),
    Column("amount", _("Amount"), justify="right"),
    Column("bonus", _("Bonus"), justify="right"),
    Column("balance", _("Balance now"), justify="right"),
    Column("duplicate", _("Repeat (nothing changed)")),
]
HISTORY_COLUMNS = [
    Column("at", _("When"), show=lambda t: t.strftime("%Y-%m-%d %H:%M")),
    Column("kind", _("Kind")),
    Column("amount", _("Amount"), justify="right"),
    Column("reason", _("Reason"), show=lambda r: _reason_words(r)),
    Column("key", _("Key")),
    Column("operator", _("By")),
]


def _write(app: AppContext, action: str, ref: str, amount: str, **extra: Any) -> Any:
    from memberctl import clock
    from memberctl.domain import fields, money, wallet

    if extra.get("bonus") is not None:
        extra["bonus"] = money.parse(extra["bonus"])
    extra["reason"] = fields.parse_free_text(extra.get("reason"), _("the reason"), 200)
    with app.write() as session:
        member = app.member(session, ref, for_update=True)
        result = getattr(wallet, action)(
            session=session,
            member=member,
            amount=money.parse(amount),
            operator=app.operator,
            at=clock.now(),
            **{k: v for k, v in extra.items() if v is not None},
        )
    if result.duplicate:
        message(
            _("{member_no}: key '{get}' was used before; nothing changed").format(
                member_no=result.member_no, get=extra.get("key")
            )
        )
    else:
        message(
            _("{member_no}: {action} done, balance {balance}").format(
                member_no=result.member_no,
                action=pgettext("kind", action),  # 充值, 支付, 退款
                balance=money.format(result.balance),
            )
        )
    return result


@wallet_app.command(
    help=_("Top up a member's stored value; --bonus B adds B too, as a separate 'bonus' row.")
)
def topup(
    ctx: typer.Context,
    ref: RefArg,
    amount: AmountArg,
    bonus: Annotated[
        str | None, typer.Option(metavar="B", help=_("Extra stored value given with it."))
    ] = None,
    key: KeyOpt = None,
    reason: ReasonOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    top_up(app_context(ctx), ref, amount, bonus=bonus, key=key, reason=reason, fmt=fmt)


def top_up(
    app: AppContext,
    ref: str,
    amount: str,
    *,
    bonus: str | None = None,
    key: str | None = None,
    reason: str | None = None,
    fmt: Format = Format.table,
) -> None:
    """`wallet topup` (and the menu's "Top up stored value"): add it, say so, show it."""
    app.require_options("wallet topup", bonus=bonus)  # stored value given away: a manager's
    result = _write(app, "topup", ref, amount, bonus=bonus, key=key, reason=reason)
    emit(result, fmt, RESULT_COLUMNS)


@wallet_app.command(
    help=_("Pay from a member's stored value; more than the balance is refused (exit 4).")
)
def pay(
    ctx: typer.Context,
    ref: RefArg,
    amount: AmountArg,
    key: KeyOpt = None,
    reason: ReasonOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    result = _write(app_context(ctx), "pay", ref, amount, key=key, reason=reason)
    emit(result, fmt, RESULT_COLUMNS)


@wallet_app.command(
    help=_("Give money paid from the wallet back to it (at most what was paid and not refunded).")
)
def refund(
    ctx: typer.Context,
    ref: RefArg,
    amount: AmountArg,
    key: KeyOpt = None,
    reason: ReasonOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    result = _write(app_context(ctx), "refund", ref, amount, key=key, reason=reason)
    emit(result, fmt, RESULT_COLUMNS)


@wallet_app.command(
    help=_("A member's stored value, and how much of it a refund may still give back.")
)
def balance(ctx: typer.Context, ref: RefArg, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import wallet

    app = app_context(ctx)
    with app.read() as session:
        member = app.member(session, ref)
        record = wallet.balance(session=session, member=member)
    emit(record, fmt)


@wallet_app.command(help=_("A member's stored-value ledger, oldest first."))
def history(ctx: typer.Context, ref: RefArg, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import wallet

    app = app_context(ctx)
    with app.read() as session:
        member = app.member(session, ref)
        rows = wallet.history(session=session, member=member)
    emit(rows, fmt, HISTORY_COLUMNS, title=member.member_no)


def _reason_words(reason: str) -> str:
    """A reason the program wrote ("order A1") reads 订单 A1 in Chinese."""
    from memberctl.domain.history import reason_words

    return reason_words(reason)

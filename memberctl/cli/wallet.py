"""`memberctl wallet ...`: stored value (top up, pay, refund) and its ledger."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt, RefArg
from memberctl.cli._output import Column, Format, emit, message

wallet_app = typer.Typer(
    no_args_is_help=True, help="Stored value: top up, pay, refund, balance and ledger."
)

AmountArg = Annotated[str, typer.Argument(metavar="AMOUNT", help="Money, e.g. 100.00.")]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key", metavar="K", help="Idempotency key: a repeat changes nothing."),
]
ReasonOpt = Annotated[str | None, typer.Option(help="Why; kept in the ledger.")]
RESULT_COLUMNS = [
    Column("member_no", "Member"),
    Column("amount", "Amount", justify="right"),
    Column("bonus", "Bonus", justify="right"),
    Column("balance", "Balance now", justify="right"),
    Column("duplicate", "Repeat (nothing changed)"),
]
HISTORY_COLUMNS = [
    Column("at", "When", show=lambda t: t.strftime("%Y-%m-%d %H:%M")),
    Column("kind", "Kind"),
    Column("amount", "Amount", justify="right"),
    Column("reason", "Reason"),
    Column("key", "Key"),
    Column("operator", "By"),
]


def _write(ctx: typer.Context, action: str, ref: str, amount: str, **extra: Any) -> Any:
    from memberctl import clock
    from memberctl.domain import fields, money, refs, wallet

    app = app_context(ctx)
    if extra.get("bonus") is not None:
        extra["bonus"] = money.parse(extra["bonus"])
    extra["reason"] = fields.parse_text(extra.get("reason"), "the reason", 200)
    with app.write() as session:
        member = refs.resolve(session, ref, region=app.region, for_update=True)
        result = getattr(wallet, action)(
            session=session, member=member, amount=money.parse(amount), operator=app.operator,
            at=clock.now(), **{k: v for k, v in extra.items() if v is not None},
        )  # fmt: skip
    if result.duplicate:
        message(f"{result.member_no}: key '{extra.get('key')}' was used before; nothing changed")
    else:
        message(f"{result.member_no}: {action} done, balance {money.format(result.balance)}")
    return result


@wallet_app.command()
def topup(
    ctx: typer.Context,
    ref: RefArg,
    amount: AmountArg,
    bonus: Annotated[
        str | None, typer.Option(metavar="B", help="Extra stored value given with it.")
    ] = None,
    key: KeyOpt = None,
    reason: ReasonOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Top up a member's stored value; --bonus B adds B too, as a separate 'bonus' row."""
    result = _write(ctx, "topup", ref, amount, bonus=bonus, key=key, reason=reason)
    emit(result, fmt, RESULT_COLUMNS)


@wallet_app.command()
def pay(
    ctx: typer.Context,
    ref: RefArg,
    amount: AmountArg,
    key: KeyOpt = None,
    reason: ReasonOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Pay from a member's stored value; more than the balance is refused (exit 4)."""
    result = _write(ctx, "pay", ref, amount, key=key, reason=reason)
    emit(result, fmt, RESULT_COLUMNS)


@wallet_app.command()
def refund(
    ctx: typer.Context,
    ref: RefArg,
    amount: AmountArg,
    key: KeyOpt = None,
    reason: ReasonOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Give money paid from the wallet back to it (at most what was paid and not refunded)."""
    result = _write(ctx, "refund", ref, amount, key=key, reason=reason)
    emit(result, fmt, RESULT_COLUMNS)


@wallet_app.command()
def balance(ctx: typer.Context, ref: RefArg, fmt: FormatOpt = Format.table) -> None:
    """A member's stored value, and how much of it a refund may still give back."""
    from memberctl.domain import refs, wallet

    app = app_context(ctx)
    with app.read() as session:
        member = refs.resolve(session, ref, region=app.region)
        record = wallet.balance(session=session, member=member)
    emit(record, fmt)


@wallet_app.command()
def history(ctx: typer.Context, ref: RefArg, fmt: FormatOpt = Format.table) -> None:
    """A member's stored-value ledger, oldest first."""
    from memberctl.domain import refs, wallet

    app = app_context(ctx)
    with app.read() as session:
        member = refs.resolve(session, ref, region=app.region)
        rows = wallet.history(session=session, member=member)
    emit(rows, fmt, HISTORY_COLUMNS, title=member.member_no)

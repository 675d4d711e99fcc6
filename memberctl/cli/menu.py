"""The clerk's terminal: the menu `memberctl` opens on a terminal.

Every menu item asks what it needs (checked as it is typed) and then runs what a script would
run, so the rules, the messages and the output are the commands' own: the items call the plain
functions the commands wrap (cli/_members.py, cli/_enrol_wizard.py, purchase.record_purchase,
points.deduct_points, wallet.top_up, report.show_default, sale.sell), never a Typer command
function. The checkout (收银) shows the sale's receipt as a preview (`sale --dry-run`) and sells
only after a yes. An
error is shown as one line and the menu comes back. Nothing here runs without a terminal: the
root callback calls in only when `_prompt.interactive()` says so.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from memberctl.cli import _enrol_wizard, _members
from memberctl.cli._context import AppContext, app_context
from memberctl.cli._output import Format, err_console, message, visible
from memberctl.cli._prompt import pick, text
from memberctl.errors import MemberctlError
from memberctl.i18n import _


def _member_ref(ctx: typer.Context) -> str:
    """A member, found the way `member search` finds them; a pick list when several match."""
    app = app_context(ctx)
    while True:
        typed = text(
            _("Member (number, phone, part of the name, last 4 digits, pinyin initials):"),
            required=True,
        )
        found = _members.find(app, typed or "", limit=50)
        if len(found) == 1:
            return str(found[0].member_no)
        if found:
            return _members.pick_member(found)
        message(_("No member matches '{text}'.").format(text=typed))


def _check_amount(typed: str) -> object:
    from memberctl.domain import money

    return money.parse(typed)


def _check_points(typed: str) -> object:
    from memberctl.errors import InvalidInput

    if not typed.strip().isdigit() or int(typed) < 1:
        raise InvalidInput(_("give a whole number of points, 1 or more"))
    return int(typed)


def _check_points_or_max(typed: str) -> object:
    return typed if typed.strip().lower() == "max" else _check_points(typed)


def _check_amount_or_max(typed: str) -> object:
    return typed if typed.strip().lower() == "max" else _check_amount(typed)


def _enrol(ctx: typer.Context) -> None:
    app = app_context(ctx)
    raw, tags = _enrol_wizard.enrol_wizard(app)
    _members.enroll(app, raw, tags, Format.table)


def _find(ctx: typer.Context) -> None:
    _members.show(app_context(ctx), _member_ref(ctx), Format.table)


def _purchase(ctx: typer.Context) -> None:
    from memberctl.cli import purchase

    ref = _member_ref(ctx)
    amount = text(_("Amount paid:"), check=_check_amount, required=True)
    order_no = text(_("Order number (optional):"))
    purchase.record_purchase(app_context(ctx), ref, amount or "", order_no=order_no)


def _redeem(ctx: typer.Context) -> None:
    from memberctl.cli import points

    ref = _member_ref(ctx)
    n = text(_("Points to redeem:"), check=_check_points, required=True)
    reason = text(_("Reason:"), required=True)
    points.deduct_points(app_context(ctx), ref, str(n or ""), reason=reason)


def _topup(ctx: typer.Context) -> None:
    from memberctl.cli import wallet

    ref = _member_ref(ctx)
    amount = text(_("Amount to top up:"), check=_check_amount, required=True)
    bonus = None  # a clerk gives no bonus (permissions.OPTION_RULES): not asked
    if app_context(ctx).may_give("wallet topup", "--bonus"):
        bonus = text(_("Bonus (optional):"), check=_check_amount)
    wallet.top_up(app_context(ctx), ref, amount or "", bonus=bonus)


def _checkout(ctx: typer.Context) -> None:
    """收银: the sale's questions, its receipt as a preview, a yes, then the sale itself."""
    from memberctl.cli import sale
    from memberctl.cli._prompt import agree

    app = app_context(ctx)
    ref = _member_ref(ctx)
    amount = text(_("List total:"), check=_check_amount, required=True)
    coupon = text(_("Coupon code (optional):"))
    points = text(_("Points to use (optional, a number or max):"), check=_check_points_or_max)
    wallet = text(
        _("Stored value to use (optional, an amount or max):"), check=_check_amount_or_max
    )
    pay = pick(
        _("How is the rest paid?"), [(word, code) for code, word in sale.pay_words().items()]
    )

    def sell(dry_run: bool) -> None:
        receipt = sale.sell(
            app, ref, amount=amount, coupon=coupon, points=points, wallet=wallet, pay=pay,
            dry_run=dry_run,
        )  # fmt: skip
        sale.show_receipt(receipt, Format.table, app.tier_names())

    sell(dry_run=True)
    if not agree(_("Complete this sale?")):
        message(_("Cancelled; nothing was changed."))
        return
    sell(dry_run=False)


def _report_choices(ctx: typer.Context) -> list[tuple[str, str]]:
    """The reports of the menu that whoever is acting may read."""
    app = app_context(ctx)
    choices = [
        (_("Summary"), "summary"),
        (_("Close to the next tier (upgrades)"), "upgrades"),
        (_("Lapsed buyers (churn)"), "churn"),
        (_("Birthdays this month"), "birthdays"),
    ]
    return [(label, code) for label, code in choices if _may(app, f"report {code}")]


def _reports(ctx: typer.Context) -> None:
    from memberctl.cli import report

    chosen = pick(_("Which report?"), _report_choices(ctx))
    app_context(ctx).require(f"report {chosen}")
    report.show_default(app_context(ctx), chosen)


ACTIONS: dict[str, Callable[[typer.Context], None]] = {
    "enroll": _enrol,
    "find": _find,
    "purchase": _purchase,
    "redeem": _redeem,
    "topup": _topup,
    "checkout": _checkout,
    "reports": _reports,
}

# Each item runs what this command runs, and is offered only to whom the matrix lets run it
# (permissions.MATRIX); "reports" offers the reports one may read, and is left out without any.
COMMANDS: dict[str, str] = {
    "enroll": "member enroll",
    "find": "member search",
    "purchase": "purchase record",
    "redeem": "points deduct",
    "topup": "wallet topup",
    "checkout": "sale record",
}


def _may(app: AppContext, command: str) -> bool:
    from memberctl.domain.permissions import may

    role = app.identity.role
    return role is None or may(role, command)


def _menu_choices(ctx: typer.Context) -> list[tuple[str, str]]:
    """The items whoever is acting may use, then Quit."""
    app = app_context(ctx)
    items = [
        (_("Enrol a member"), "enroll"),
        (_("Find a member"), "find"),
        (_("Record a purchase"), "purchase"),
        (_("Redeem points"), "redeem"),
        (_("Top up stored value"), "topup"),
        (_("Reports"), "reports"),
        (_("Checkout"), "checkout"),
    ]
    offered = [
        (label, key)
        for label, key in items
        if (_may(app, COMMANDS[key]) if key in COMMANDS else bool(_report_choices(ctx)))
    ]
    return [*offered, (_("Quit"), "quit")]


def _gated(key: str) -> Callable[[typer.Context], None]:
    """The item's action, after the matrix check of its command (exit 6's sentence if not)."""

    def action(ctx: typer.Context) -> None:
        if key in COMMANDS:
            app_context(ctx).require(COMMANDS[key])
        ACTIONS[key](ctx)

    return action


def _attempt(ctx: typer.Context, action: Callable[[typer.Context], None]) -> None:
    """Run one item; whatever goes wrong is one line, and the menu comes back."""
    from memberctl.cli._framework import ClickException, usage_error

    try:
        action(ctx)
    except MemberctlError as exc:
        err_console.print(visible(_("error: {message}").format(message=exc)), markup=False)
    except ClickException as exc:  # a bad value a command refused (typer.BadParameter)
        err_console.print(
            visible(_("error: {message}").format(message=usage_error(exc.format_message()))),
            markup=False,
        )
    except typer.Abort:
        message(_("Cancelled; nothing was changed."))


def run(ctx: typer.Context) -> None:
    """The menu, until the clerk quits (or presses Ctrl-C at the menu)."""
    while True:
        try:
            chosen = pick(_("What would you like to do?"), _menu_choices(ctx))
        except typer.Abort:
            return
        if chosen == "quit":
            return
        _attempt(ctx, _gated(chosen))

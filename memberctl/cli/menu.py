"""The clerk's terminal: the menu `memberctl` opens on a terminal, and the enrol wizard.

Every menu item asks what it needs (checked as it is typed) and then calls the very command
function a script would run (`member enroll`, `purchase record`, `points deduct`, ...), so the
rules, the messages and the output are the commands' own. An error is shown as one line and the
menu comes back. Nothing here runs without a terminal: the root callback and `member enroll`
call in only when `_prompt.interactive()` says so.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from memberctl.cli._context import AppContext, app_context
from memberctl.cli._output import err_console, message, visible
from memberctl.cli._prompt import agree, pick, text
from memberctl.errors import MemberctlError
from memberctl.i18n import _


# -- the enrol wizard ------------------------------------------------------------------------
def _check_phone(app: AppContext) -> Callable[[str], object]:
    def check(typed: str) -> object:
        from memberctl.domain import phones

        return phones.parse(typed, app.region)

    return check


def _check_name(typed: str) -> object:
    from memberctl.domain import fields

    return fields.parse_name(typed)


def _check_birthday(typed: str) -> object:
    from memberctl import clock
    from memberctl.domain import fields

    return fields.parse_birthday(typed, clock.today())


def _check_store(typed: str) -> object:
    from memberctl.domain import fields

    return fields.parse_label(typed, "the store", 64)


def _check_tags(typed: str) -> object:
    from memberctl.domain import fields

    return fields.parse_tags([typed])


def _tier_choices(app: AppContext) -> list[tuple[str, str]]:
    from memberctl.domain import tiers

    with app.read() as session:
        rows = tiers.list_tiers(session=session)
    return [(f"{t.code}  {t.name}", t.code) for t in rows]


def enrol_answers(app: AppContext) -> tuple[dict[str, str | None], list[str]]:
    """Ask for a new member field by field: the raw values `member enroll` takes, and tags."""
    name = text(_("Name:"), check=_check_name, required=True)
    phone = text(_("Phone:"), check=_check_phone(app), required=True)
    gender = pick(
        _("Gender:"),
        [(_("(not given)"), ""), (_("male"), "male"), (_("female"), "female")],
    )
    birthday = text(_("Birthday (YYYY-MM-DD, optional):"), check=_check_birthday)
    choices = _tier_choices(app)
    tier = pick(_("Tier:"), choices, default=choices[0][1])
    store = text(_("Store (optional):"), check=_check_store)
    tags = text(_("Tags (comma separated, optional):"), check=_check_tags)
    raw: dict[str, str | None] = {"name": name, "phone": phone, "gender": gender or None,
                                  "birthday": birthday, "tier": tier, "store": store}  # fmt: skip
    return raw, [tags] if tags else []


def _preview(app: AppContext, raw: dict[str, str | None], tags: list[str]) -> None:
    """The new member as it will be written, checked by the domain (nothing is written)."""
    from rich.table import Table
    from rich.text import Text

    from memberctl.domain import members, phones

    with app.read() as session:
        data, _given = members.parse_input(session, region=app.region, raw=raw, tags=tags)
    table = Table(title=_("New member"), show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column()
    rows = [
        (_("Name"), data.name),
        (_("Phone"), phones.national(data.phone, app.region)),
        (_("Gender"), _(data.gender) if data.gender else ""),
        (_("Birthday"), data.birthday.isoformat() if data.birthday else ""),
        (_("Tier"), app.tier_names().get(data.tier, data.tier) if data.tier else ""),
        (_("Store"), data.store),
        (_("Tags"), ", ".join(data.tags)),
    ]
    for label, value in rows:
        table.add_row(Text(label), Text(visible(value or "")))
    err_console.print(table)


def enrol_wizard(app: AppContext) -> tuple[dict[str, str | None], list[str]]:
    """Ask, show what will be written, and go on only if the clerk says yes."""
    raw, tags = enrol_answers(app)
    _preview(app, raw, tags)
    if not agree(_("Enrol this member?"), default=True):
        raise typer.Abort()
    return raw, tags


# -- the menu --------------------------------------------------------------------------------
def _member_ref(ctx: typer.Context) -> str:
    """A member, found the way `member search` finds them; a pick list when several match."""
    from memberctl.cli import member

    app = app_context(ctx)
    while True:
        typed = text(
            _("Member (number, phone, part of the name, last 4 digits, pinyin initials):"),
            required=True,
        )
        found = member.find(app, typed or "", limit=50)
        if len(found) == 1:
            return str(found[0].member_no)
        if found:
            return member.pick_member(found)
        message(_("No member matches '{text}'.").format(text=typed))


def _check_amount(typed: str) -> object:
    from memberctl.domain import money

    return money.parse(typed)


def _check_points(typed: str) -> object:
    from memberctl.errors import InvalidInput

    if not typed.strip().isdigit() or int(typed) < 1:
        raise InvalidInput(_("give a whole number of points, 1 or more"))
    return int(typed)


def _enrol(ctx: typer.Context) -> None:
    from memberctl.cli import member

    member.enroll(ctx)


def _find(ctx: typer.Context) -> None:
    from memberctl.cli import member

    member.show(ctx, _member_ref(ctx))


def _purchase(ctx: typer.Context) -> None:
    from memberctl.cli import purchase

    ref = _member_ref(ctx)
    amount = text(_("Amount paid:"), check=_check_amount, required=True)
    order_no = text(_("Order number (optional):"))
    purchase.record(ctx, ref, amount or "", order_no=order_no)


def _redeem(ctx: typer.Context) -> None:
    from memberctl.cli import points

    ref = _member_ref(ctx)
    n = text(_("Points to redeem:"), check=_check_points, required=True)
    reason = text(_("Reason:"), required=True)
    points.deduct(ctx, ref, str(n or ""), reason=reason)


def _topup(ctx: typer.Context) -> None:
    from memberctl.cli import wallet

    ref = _member_ref(ctx)
    amount = text(_("Amount to top up:"), check=_check_amount, required=True)
    bonus = text(_("Bonus (optional):"), check=_check_amount)
    wallet.topup(ctx, ref, amount or "", bonus=bonus)


def _reports(ctx: typer.Context) -> None:
    from memberctl.cli import report

    chosen = pick(
        _("Which report?"),
        [
            (_("Summary"), "summary"),
            (_("Close to the next tier (upgrades)"), "upgrades"),
            (_("Lapsed buyers (churn)"), "churn"),
            (_("Birthdays this month"), "birthdays"),
        ],
    )
    getattr(report, chosen)(ctx)


ACTIONS: dict[str, Callable[[typer.Context], None]] = {
    "enroll": _enrol,
    "find": _find,
    "purchase": _purchase,
    "redeem": _redeem,
    "topup": _topup,
    "reports": _reports,
}


def _menu_choices() -> list[tuple[str, str]]:
    return [
        (_("Enrol a member"), "enroll"),
        (_("Find a member"), "find"),
        (_("Record a purchase"), "purchase"),
        (_("Redeem points"), "redeem"),
        (_("Top up stored value"), "topup"),
        (_("Reports"), "reports"),
        (_("Quit"), "quit"),
    ]


def _attempt(ctx: typer.Context, action: Callable[[typer.Context], None]) -> None:
    """Run one item; whatever goes wrong is one line, and the menu comes back."""
    from memberctl.cli._framework import ClickException

    try:
        action(ctx)
    except MemberctlError as exc:
        err_console.print(visible(_("error: {message}").format(message=exc)), markup=False)
    except ClickException as exc:  # a bad value a command refused (typer.BadParameter)
        err_console.print(
            visible(_("error: {message}").format(message=exc.format_message())), markup=False
        )
    except typer.Abort:
        message(_("Cancelled; nothing was changed."))


def run(ctx: typer.Context) -> None:
    """The menu, until the clerk quits (or presses Ctrl-C at the menu)."""
    while True:
        try:
            chosen = pick(_("What would you like to do?"), _menu_choices())
        except typer.Abort:
            return
        if chosen == "quit":
            return
        _attempt(ctx, ACTIONS[chosen])

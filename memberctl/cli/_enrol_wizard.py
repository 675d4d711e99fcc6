"""The enrol wizard: a new member asked for field by field, shown as it will be written, confirmed.

Called by `member enroll` on a terminal when no option is given, and by the clerk's menu. Each
answer is checked by the domain's own parser as it is typed, and the preview is the domain's
parse of all of them together; nothing is written here.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from memberctl.cli._context import AppContext
from memberctl.cli._output import err_console, visible
from memberctl.cli._prompt import agree, pick, text
from memberctl.i18n import _


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


def _check_tags(typed: str) -> object:
    from memberctl.domain import fields

    return fields.parse_tags([typed])


def _tier_choices(app: AppContext) -> list[tuple[str, str]]:
    from memberctl.domain import tiers

    with app.read() as session:
        rows = tiers.list_tiers(session=session)
    return [(f"{t.code}  {t.name}", t.code) for t in rows]


def _store_choices(app: AppContext) -> list[tuple[str, str]]:
    """The registered stores to pick from, "(no store)" first; empty when none is registered."""
    from memberctl.domain import stores

    with app.read() as session:
        rows = stores.known(session)
    if not rows:
        return []
    named = [(s.code if s.name == s.code else f"{s.code}  {s.name}", s.code) for s in rows]
    return [(_("(no store)"), ""), *named]


def enrol_answers(app: AppContext) -> tuple[dict[str, str | None], list[str]]:
    """Ask for a new member field by field: the raw values `member enroll` takes, and tags."""
    name = text(_("Name:"), check=_check_name, required=True)
    phone = text(_("Phone:"), check=_check_phone(app), required=True)
    gender = pick(
        _("Gender:"),
        [(_("(not given)"), ""), (_("male"), "male"), (_("female"), "female")],
    )
    birthday = text(_("Birthday (YYYY-MM-DD, optional):"), check=_check_birthday)
    tier = None  # a clerk enrols into the lowest tier (permissions.OPTION_RULES): not asked
    if app.may_give("member enroll", "--tier"):
        choices = _tier_choices(app)
        tier = pick(_("Tier:"), choices, default=choices[0][1])
    # A store is picked from the registered ones; a shop without stores is not asked.
    store_choices = _store_choices(app)
    store = pick(_("Store:"), store_choices, default="") if store_choices else ""
    tags = text(_("Tags (comma separated, optional):"), check=_check_tags)
    raw: dict[str, str | None] = {
        "name": name,
        "phone": phone,
        "gender": gender or None,
        "birthday": birthday,
        "tier": tier,
        "store": store or None,
    }
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

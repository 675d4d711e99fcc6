"""`memberctl settings ...`: the shop's rules (points, tiers, the till), shown and changed."""

from __future__ import annotations

from typing import Annotated

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _, pgettext

settings_app = typer.Typer(
    no_args_is_help=True,
    help=_(
        "Show and change the shop's rules: points earned and their expiry, tier grace, "
        "paying with points, price rounding."
    ),
)


def _complete_key(incomplete: str) -> list[str]:
    from memberctl.domain.policy import KEYS

    return [key for key in KEYS if key.startswith(incomplete.strip().lower())]


KeyArg = Annotated[
    str,
    typer.Argument(
        metavar="KEY",
        help=_("The setting, such as points.per_unit (settings list shows them all)."),
        autocompletion=_complete_key,
    ),
]
SETTING_COLUMNS = [
    Column("key", pgettext("setting", "Setting"), no_wrap=True),
    Column("value", pgettext("setting", "Value"), no_wrap=True),
    Column("default", pgettext("setting", "Default"), no_wrap=True),
    Column("changed", pgettext("setting", "Changed"), no_wrap=True),
    Column("description", pgettext("setting", "Meaning")),
]
CHANGE_COLUMNS = [*SETTING_COLUMNS[:2], Column("previous", pgettext("setting", "Was"))]


@settings_app.command(
    "list", help=_("Every setting: its value, its default, whether it was changed, its meaning.")
)
def list_(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import policy

    with app_context(ctx).read() as session:
        rows = policy.list_settings(session=session)
    emit(rows, fmt, SETTING_COLUMNS)


@settings_app.command(help=_("One setting: its value, its default and its meaning."))
def get(ctx: typer.Context, key: KeyArg, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import policy

    with app_context(ctx).read() as session:
        row = policy.get_setting(session=session, key=key)
    emit(row, fmt, SETTING_COLUMNS)


@settings_app.command(
    "set",
    context_settings={"ignore_unknown_options": True},  # a negative VALUE is a value, not an option
    help=_(
        "Change a setting (checked first: a value not allowed is exit 5 and says what is). Audited."
    ),
)
def set_(
    ctx: typer.Context,
    key: KeyArg,
    value: Annotated[str, typer.Argument(metavar="VALUE", help=_("The new value."))],
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import policy

    app = app_context(ctx)
    with app.write() as session:
        done = policy.change(
            session=session, key=key, value=value, operator=app.operator, at=clock.now()
        )
    if done.updated:
        message(
            _("{key} changed from {old} to {new}").format(
                key=done.key, old=done.previous, new=done.value
            )
        )
    else:
        message(
            _("{key} is already {value}: nothing changed").format(key=done.key, value=done.value)
        )
    emit(done, fmt, CHANGE_COLUMNS)


@settings_app.command(help=_("Put a setting back to its default. Audited."))
def reset(ctx: typer.Context, key: KeyArg, fmt: FormatOpt = Format.table) -> None:
    from memberctl import clock
    from memberctl.domain import policy

    app = app_context(ctx)
    with app.write() as session:
        done = policy.reset(session=session, key=key, operator=app.operator, at=clock.now())
    if done.updated:
        message(
            _("{key} is back to its default, {value} (was {old})").format(
                key=done.key, value=done.value, old=done.previous
            )
        )
    else:
        message(
            _("{key} is already its default, {value}: nothing changed").format(
                key=done.key, value=done.value
            )
        )
    emit(done, fmt, CHANGE_COLUMNS)

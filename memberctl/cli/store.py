"""`memberctl store ...`: the shop's stores, a list the owner keeps.

Every `--store` (enrol, edit, list, purchase, reports, the till) names a store registered here,
by its code or its name; members and purchases hold the code, so renaming a store changes
nothing else.
"""

from __future__ import annotations

from typing import Annotated

import typer

from memberctl.cli import _completion
from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _, pgettext

store_app = typer.Typer(
    no_args_is_help=True,
    help=_("The shop's stores: add, list and rename them. Every --store names one of these."),
)

COLUMNS = [
    Column("code", _("Code")),
    Column("name", pgettext("thing", "Name")),
    Column("members", _("Members"), justify="right"),
    Column("purchases", _("Purchases"), justify="right"),
]


@store_app.command(
    help=_(
        "Register a store. Its code is what members and purchases hold; the name defaults to the "
        "code.\n"
        "A code or name another store already has is refused (exit 4)."
    )
)
def add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar="CODE", help=_("A short code, e.g. S01."))],
    name: Annotated[
        str | None, typer.Option(help=_("The store's name, e.g. 旗舰店; default the code."))
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import stores

    app = app_context(ctx)
    with app.write() as session:
        record = stores.add(
            session=session, code=code, name=name, operator=app.operator, at=clock.now()
        )
    message(_("store {code} added: {name}").format(code=record.code, name=record.name))
    emit(record, fmt, COLUMNS[:2])


@store_app.command("list", help=_("List the stores with their members and purchases."))
def list_(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import stores

    with app_context(ctx).read() as session:
        rows = stores.list_stores(session=session)
    emit(rows, fmt, COLUMNS)


@store_app.command(
    help=_(
        "Give a store a new name; its code, and so its members and purchases, stay. A name "
        "another store has is refused (exit 4)."
    )
)
def rename(
    ctx: typer.Context,
    store: Annotated[
        str,
        typer.Argument(
            metavar="STORE",
            help=_("The store's code or name."),
            autocompletion=_completion.store_codes,
        ),
    ],
    new_name: Annotated[str, typer.Argument(metavar="NEW_NAME", help=_("Its new name."))],
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import stores

    app = app_context(ctx)
    with app.write() as session:
        record = stores.rename(
            session=session, ref=store, name=new_name, operator=app.operator, at=clock.now()
        )
    message(_("store {code} is now named {name}").format(code=record.code, name=record.name))
    emit(record, fmt, COLUMNS[:2])

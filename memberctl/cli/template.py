"""`memberctl template members FILE.xlsx` (or .ods): a blank import template with the expected
headers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from memberctl.cli._context import app_context
from memberctl.cli._output import message
from memberctl.cli.exports import Lang, LangOpt
from memberctl.i18n import _

template_app = typer.Typer(no_args_is_help=True, help=_("Write blank import templates."))


@template_app.command(
    help=_(
        "A members template: headers, one example row to overwrite, drop-downs "
        "for gender, tier\n"
        "and status, phone columns as text and date columns as dates."
    )
)
def members(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(metavar="FILE.xlsx", help=_("Where to write it (.xlsx or .ods)."))
    ],
    lang: LangOpt = Lang.zh,
) -> None:
    from memberctl.domain import tiers
    from memberctl.spreadsheets.template import write_template

    app = app_context(ctx)
    with app.read() as session:
        codes = [t.code for t in tiers.list_tiers(session=session)]
    write_template(file, codes, lang.value)
    message(
        _("wrote {file}: fill in one member per row, then: memberctl import members {file}").format(
            file=file
        )
    )

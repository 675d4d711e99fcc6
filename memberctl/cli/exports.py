"""`memberctl export members FILE`: members to .xlsx or .csv, in a shape that imports back."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from memberctl.cli import _completion
from memberctl.cli._context import app_context
from memberctl.cli._options import AsOfOpt, FormatOpt, SegmentOpt, ShowPiiOpt, WhereOpt
from memberctl.cli._output import Format, emit, message
from memberctl.i18n import _

export_app = typer.Typer(no_args_is_help=True, help=_("Export members to a sheet."))


class Lang(StrEnum):
    zh = "zh"
    en = "en"


LangOpt = Annotated[Lang, typer.Option("--lang", help=_("Header language: zh (default) or en."))]


@export_app.command(
    help=_("Export members (all statuses unless --status); the file imports back unchanged.")
)
def members(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help=_(".xlsx, .ods or .csv file to write."))
    ],
    status: Annotated[str | None, typer.Option(help=_("active, frozen or cancelled."))] = None,
    tier: Annotated[
        str | None, typer.Option(help=_("Tier: its code or name (gold, 金卡会员, 金卡)."))
    ] = None,
    tag: Annotated[str | None, typer.Option(help=_("Members with this tag."))] = None,
    store: Annotated[
        str | None,
        typer.Option(help=_("Members of this store."), autocompletion=_completion.store_codes),
    ] = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    as_of: AsOfOpt = None,
    mask_phone: Annotated[
        bool,
        typer.Option("--mask-phone", help=_("Show phones as 138****8000 (not re-importable).")),
    ] = False,
    show_pii: ShowPiiOpt = False,
    lang: LangOpt = Lang.zh,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.cli._members import disclosing, masks
    from memberctl.domain import members, segments
    from memberctl.domain.exports import export_rows
    from memberctl.spreadsheets.export import export_members

    app = app_context(ctx)
    day = clock.today(as_of.date() if as_of else None)
    masked = masks(app, "export members", show_pii=show_pii, default=mask_phone)
    with disclosing(app, "export members", show_pii=show_pii) as session:
        chosen = segments.resolve_filter(session, where, segment, day)
        conditions = members.member_conditions(
            session,
            status=status,
            tier=tier,
            tag=tag,
            store=store,
            where_clause=chosen,
            staff=app.identity,
        )
        rows = export_rows(session, conditions=conditions)
        count = export_members(rows=rows, path=file, lang=lang.value, mask_phone=masked)
    if fmt == Format.table:
        message(_("exported {count} member(s) to {file}").format(count=count, file=file))
    else:
        emit({"file": str(file), "rows": count}, fmt)

"""`memberctl notify ...`: message lists for outreach (SMS, WeChat), rendered per member."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import AsOfOpt, FormatOpt, SegmentOpt, WhereOpt
from memberctl.cli._output import Format, emit, message
from memberctl.i18n import _

notify_app = typer.Typer(no_args_is_help=True, help=_("Message lists for outreach."))


@notify_app.command(
    help=_(
        "Render a message per member into a CSV (member_no, phone, message; "
        "UTF-8 with BOM).\n"
        "\n"
        "Members who opted out (member edit --opt-out), cancelled and forgotten "
        "members are left out."
    )
)
def render(
    ctx: typer.Context,
    template: Annotated[
        Path,
        typer.Option(
            metavar="FILE",
            help=_(
                "UTF-8 text with {name} {member_no} {points} {tier} {tier_name} {balance} "
                "{expiring_points} {birthday}."
            ),
        ),
    ],
    out: Annotated[Path, typer.Option(metavar="FILE.csv", help=_("The CSV to write."))],
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import notify

    app = app_context(ctx)
    with app.read() as session:
        result = notify.render(
            session=session,
            template=template,
            out=out,
            where=where,
            segment=segment,
            as_of=clock.today(as_of.date() if as_of else None),
        )
    message(
        _("wrote {rows} messages to {out} ({skipped_opt_out} opted out)").format(
            rows=result.rows, out=result.out, skipped_opt_out=result.skipped_opt_out
        )
    )
    emit(result, fmt)

"""`memberctl segment ...`: saved `--where` expressions, usable as `--segment NAME`."""

from __future__ import annotations

from typing import Annotated

import typer

from memberctl.cli import _completion
from memberctl.cli._context import app_context
from memberctl.cli._options import AsOfOpt, FormatOpt, ShowPiiOpt
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _, pgettext

segment_app = typer.Typer(
    no_args_is_help=True, help=_("Save, list and inspect named --where filters (segments).")
)

NameArg = Annotated[
    str,
    typer.Argument(
        metavar="NAME", help=_("The segment's name."), autocompletion=_completion.segment_names
    ),
]
SEGMENT_COLUMNS = [
    Column("name", pgettext("thing", "Name"), no_wrap=True),
    Column("expr", _("Expression")),
    Column("updated_at", _("Updated"), show=lambda t: t.strftime("%Y-%m-%d %H:%M"), no_wrap=True),
]


@segment_app.command(
    help=_(
        "Save EXPR as segment NAME (checked first; a bad one is exit 2). An "
        "existing NAME is\n"
        "replaced."
    )
)
def save(
    ctx: typer.Context,
    name: NameArg,
    expr: Annotated[
        str, typer.Argument(metavar="EXPR", help=_('A --where expression, e.g. "tag = vip".'))
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import segments

    app = app_context(ctx)
    with app.write() as session:
        saved = segments.save(
            session=session, name=name, expr=expr, operator=app.operator, at=clock.now()
        )
    if saved.replaced:
        message(
            _("segment '{name}' replaced (was: {previous_expr})").format(
                name=saved.name, previous_expr=saved.previous_expr
            )
        )
    else:
        message(_("segment '{name}' saved").format(name=saved.name))
    emit(saved, fmt, SEGMENT_COLUMNS)


@segment_app.command("list", help=_("List the saved segments by name."))
def list_(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import segments

    with app_context(ctx).read() as session:
        rows = segments.list_segments(session=session)
    emit(rows, fmt, SEGMENT_COLUMNS)


@segment_app.command(
    help=_("How many members a segment holds (at --as-of, default today) and the newest of them.")
)
def show(
    ctx: typer.Context,
    name: NameArg,
    as_of: AsOfOpt = None,
    limit: Annotated[int, typer.Option(min=0, help=_("Members in the sample."))] = 10,
    show_pii: ShowPiiOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    import dataclasses

    from memberctl import clock
    from memberctl.cli._members import disclosing, list_columns, masks
    from memberctl.domain import privacy, segments

    app = app_context(ctx)
    masked = masks(app, "segment show", show_pii=show_pii)
    with disclosing(app, "segment show", show_pii=show_pii) as session:
        view = segments.show(
            session=session,
            name=name,
            as_of=clock.today(as_of.date() if as_of else None),
            limit=limit,
            staff=app.identity,
        )
    if masked:
        view = dataclasses.replace(view, sample=privacy.mask_phones(view.sample))
    if fmt != Format.table:
        emit(view, fmt)
        return
    emit(view, fmt, SEGMENT_COLUMNS[:2] + [Column("count", _("Members"), justify="right")])
    emit(
        view.sample,
        fmt,
        list_columns(app.region, masked),
        title=_("sample ({count})").format(count=len(view.sample)),
    )


@segment_app.command(help=_("Delete a saved segment (members are not touched)."))
def delete(ctx: typer.Context, name: NameArg, fmt: FormatOpt = Format.table) -> None:
    from memberctl import clock
    from memberctl.domain import segments

    app = app_context(ctx)
    with app.write() as session:
        record = segments.delete(session=session, name=name, operator=app.operator, at=clock.now())
    message(_("segment '{name}' deleted").format(name=record.name))
    emit(record, fmt, SEGMENT_COLUMNS)

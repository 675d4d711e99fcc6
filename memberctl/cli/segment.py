"""`memberctl segment ...`: saved `--where` expressions, usable as `--segment NAME`."""

from __future__ import annotations

from typing import Annotated

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import AsOfOpt, FormatOpt
from memberctl.cli._output import Column, Format, emit, message

segment_app = typer.Typer(
    no_args_is_help=True, help="Save, list and inspect named --where filters (segments)."
)

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The segment's name.")]
SEGMENT_COLUMNS = [
    Column("name", "Name", no_wrap=True),
    Column("expr", "Expression"),
    Column("updated_at", "Updated", show=lambda t: t.strftime("%Y-%m-%d %H:%M"), no_wrap=True),
]


@segment_app.command()
def save(
    ctx: typer.Context,
    name: NameArg,
    expr: Annotated[
        str, typer.Argument(metavar="EXPR", help='A --where expression, e.g. "tag = vip".')
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    """Save EXPR as segment NAME (checked first; a bad one is exit 2). An existing NAME is
    replaced."""
    from memberctl import clock
    from memberctl.domain import segments

    app = app_context(ctx)
    with app.write() as session:
        saved = segments.save(
            session=session, name=name, expr=expr, operator=app.operator, at=clock.now()
        )
    if saved.replaced:
        message(f"segment '{saved.name}' replaced (was: {saved.previous_expr})")
    else:
        message(f"segment '{saved.name}' saved")
    emit(saved, fmt, SEGMENT_COLUMNS)


@segment_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """List the saved segments by name."""
    from memberctl.domain import segments

    with app_context(ctx).read() as session:
        rows = segments.list_segments(session=session)
    emit(rows, fmt, SEGMENT_COLUMNS)


@segment_app.command()
def show(
    ctx: typer.Context,
    name: NameArg,
    as_of: AsOfOpt = None,
    limit: Annotated[int, typer.Option(min=0, help="Members in the sample.")] = 10,
    fmt: FormatOpt = Format.table,
) -> None:
    """How many members a segment holds (at --as-of, default today) and the newest of them."""
    from memberctl import clock
    from memberctl.cli.member import _list_columns
    from memberctl.domain import segments

    app = app_context(ctx)
    with app.read() as session:
        view = segments.show(
            session=session, name=name, as_of=clock.today(as_of.date() if as_of else None),
            limit=limit,
        )  # fmt: skip
    if fmt != Format.table:
        emit(view, fmt)
        return
    emit(view, fmt, SEGMENT_COLUMNS[:2] + [Column("count", "Members", justify="right")])
    emit(view.sample, fmt, _list_columns(app.region), title=f"sample ({len(view.sample)})")


@segment_app.command()
def delete(ctx: typer.Context, name: NameArg, fmt: FormatOpt = Format.table) -> None:
    """Delete a saved segment (members are not touched)."""
    from memberctl import clock
    from memberctl.domain import segments

    app = app_context(ctx)
    with app.write() as session:
        record = segments.delete(session=session, name=name, operator=app.operator, at=clock.now())
    message(f"segment '{record.name}' deleted")
    emit(record, fmt, SEGMENT_COLUMNS)

"""Interaction notes beyond `member note REF TEXT`: the `member notes` group lists notes
(`--open`: the complaints still open) and `member notes resolve NOTE_ID` closes a complaint.

`member notes` is a plain Typer group (its callback lists when no command follows), so every
command here is in the command tree: `--help`, docs/cli.md and the docs test see it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt, LimitOpt
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _

NOTES_HELP = _(
    "Interaction notes with their ids, newest first; --open lists the open complaints.\n\n"
    "Resolve a complaint with `member notes resolve NOTE_ID [--text T]`."
)

notes_app = typer.Typer(invoke_without_command=True, no_args_is_help=False, help=NOTES_HELP)


def note_columns() -> list[Column]:
    return [
        Column("id", _("Note"), show=lambda i: f"#{i}", no_wrap=True),
        Column("member_no", _("Member no"), no_wrap=True),
        Column("kind", _("Kind")),
        Column("status", _("State")),
        Column("at", _("When"), show=lambda t: t.strftime("%Y-%m-%d %H:%M"), no_wrap=True),
        Column("text", _("Text")),
        Column("operator", _("By")),
        Column("resolved_at", _("Resolved"), show=lambda t: t.strftime("%Y-%m-%d %H:%M")),
        Column("resolved_by", _("Resolved by")),
        Column("resolution", _("Resolution")),
    ]


@notes_app.command(
    help=_(
        "Resolve an open complaint (exit 4 if it is not a complaint or already resolved).\n\n"
        "Records when and by whom, and --text as a `resolution` note in the member's history."
    )
)
def resolve(
    ctx: typer.Context,
    note_id: Annotated[
        int, typer.Argument(metavar="NOTE_ID", help=_("The complaint's id (member notes)."))
    ],
    text: Annotated[str | None, typer.Option(help=_("How it was resolved."))] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import interactions

    app = app_context(ctx)
    with app.write() as session:
        record = interactions.resolve(
            session=session, note_id=note_id, text=text, operator=app.operator, at=clock.now()
        )
    message(
        _("complaint #{id} of {member_no} resolved").format(
            id=record.id, member_no=record.member_no
        )
    )
    emit(record, fmt, note_columns())


@notes_app.callback()
def list_notes(
    ctx: typer.Context,
    member: Annotated[
        str | None, typer.Option(metavar="REF", help=_("Only this member's notes."))
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help=_("Only this kind (call, complaint, ...)."))
    ] = None,
    open_: Annotated[
        bool, typer.Option("--open", help=_("Only complaints that are not resolved yet."))
    ] = False,
    limit: LimitOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl.domain import interactions

    if ctx.invoked_subcommand is not None:
        return  # `member notes resolve ...`: the command does the work
    if kind is not None and kind not in interactions.KINDS:
        raise typer.BadParameter(
            _("'{kind}' is not one of {kinds}").format(
                kind=kind, kinds=", ".join(interactions.KINDS)
            ),
            param_hint="--kind",
        )
    if open_ and kind not in (None, "complaint"):
        raise typer.BadParameter(_("--open lists complaints only"), param_hint="--kind")
    app = app_context(ctx)
    with app.read() as session:
        who = app.member(session, member) if member else None
        rows = interactions.list_notes(
            session=session, member=who, kind=kind, open_only=open_, limit=limit
        )
    columns = note_columns()
    emit(rows, fmt, columns if fmt == Format.csv else columns[:7])  # the table fits 80 columns

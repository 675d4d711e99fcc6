"""Interaction notes beyond `member note REF TEXT`: `member note resolve NOTE_ID` closes a
complaint, `member notes` lists notes (`--open`: the complaints still open).

`member note` takes the member positionally, so `member note resolve ...` is routed here by the
member group itself (`MemberGroup`): no member number is the word "resolve" (numbers are letters
and digits chosen by the shop, and `resolve` is reserved), and a phone is digits.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.main import get_command

from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt, LimitOpt
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _


class MemberGroup(TyperGroup):
    """The `member` group: `member note resolve ...` runs the resolve command."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args[:2] == ["note", "resolve"]:
            return "note resolve", get_command(resolve_app), args[2:]
        return super().resolve_command(ctx, args)


resolve_app = typer.Typer(add_completion=False)


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


@resolve_app.command(
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
    message(_("complaint #{id} of {member_no} resolved").format(
        id=record.id, member_no=record.member_no))  # fmt: skip
    emit(record, fmt, note_columns())


NOTES_HELP = _(
    "Interaction notes with their ids, newest first; --open lists the open complaints.\n\n"
    "Resolve a complaint with `member note resolve NOTE_ID [--text T]`."
)


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
    from memberctl.domain import interactions, refs

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
        who = refs.resolve(session, member, region=app.region) if member else None
        rows = interactions.list_notes(
            session=session, member=who, kind=kind, open_only=open_, limit=limit
        )
    columns = note_columns()
    emit(rows, fmt, columns if fmt == Format.csv else columns[:7])  # the table fits 80 columns

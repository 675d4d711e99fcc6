"""`memberctl member ...`: enrol, find, change and look after members."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from memberctl.cli import _completion, _enrol_wizard, _members, notes
from memberctl.cli._context import AppContext, app_context
from memberctl.cli._options import (
    AsOfOpt,
    FormatOpt,
    LimitOpt,
    ReasonOpt,
    RefArg,
    SegmentOpt,
    ShowPiiOpt,
    TierUntilOpt,
    WhereOpt,
    YesOpt,
)
from memberctl.cli._output import Column, Format, emit, message
from memberctl.cli._prompt import ask, confirm, interactive
from memberctl.i18n import _

member_app = typer.Typer(
    no_args_is_help=True,
    help=_("Enrol, find, change and look after members."),
)


MaskPhoneOpt = Annotated[
    bool, typer.Option("--mask-phone", help=_("Show phones as 138****8000, in every format."))
]
EmailOpt = Annotated[str | None, typer.Option(help=_("E-mail address."))]
AddressOpt = Annotated[str | None, typer.Option(help=_("Postal address."))]
StoreOpt = Annotated[
    str | None,
    typer.Option(help=_("The member's home store."), autocompletion=_completion.store_codes),
]


@member_app.command(
    help=_("Enrol a new active member. A phone already used by another member is refused (exit 4).")
)
def enroll(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Option(help=_("Full name (asked on a terminal if missing)."))
    ] = None,
    phone: Annotated[
        str | None, typer.Option(help=_("Mobile, any common form (asked if missing)."))
    ] = None,
    gender: Annotated[str | None, typer.Option(help=_("male/female, 男/女, M/F."))] = None,
    birthday: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD")] = None,
    email: EmailOpt = None,
    address: AddressOpt = None,
    tier: Annotated[
        str | None,
        typer.Option(
            help=_("Tier: its code or name (gold, 金卡会员, 金卡); default the lowest."),
            autocompletion=_completion.tier_codes,
        ),
    ] = None,
    store: StoreOpt = None,
    referrer: Annotated[
        str | None, typer.Option(metavar="REF", help=_("Who referred them."))
    ] = None,
    tag: Annotated[list[str] | None, typer.Option(help=_("A tag; repeat for more."))] = None,
    member_no: Annotated[
        str | None, typer.Option(help=_("Keep this number (default: next M000001...)."))
    ] = None,
    joined_at: Annotated[
        str | None, typer.Option(metavar="DATETIME", help=_("Default: now."))
    ] = None,
    tier_until: TierUntilOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    app = app_context(ctx)
    raw = {
        "name": name,
        "phone": phone,
        "gender": gender,
        "birthday": birthday,
        "email": email,
        "address": address,
        "tier": tier,
        "store": store,
        "referrer": referrer,
        "member_no": member_no,
        "joined_at": joined_at,
    }
    tags = tag or []
    if all(v is None for v in raw.values()) and not tags and interactive(app.no_input):
        raw, tags = _enrol_wizard.enrol_wizard(app)  # field by field, shown, confirmed
    else:
        _ask_name_and_phone(app, raw)
    _members.enroll(app, raw, tags, fmt, tier_until.date() if tier_until else None)


def _ask_name_and_phone(app: AppContext, raw: dict[str, str | None]) -> None:
    """The required values that are missing, asked on a terminal (else a usage error)."""
    from memberctl.domain import fields, phones

    if not raw["name"]:
        raw["name"] = ask(_("Name:"), "--name", no_input=app.no_input, check=fields.parse_name)
    if not raw["phone"]:
        raw["phone"] = ask(
            _("Phone:"),
            "--phone",
            no_input=app.no_input,
            check=lambda t: phones.parse(t, app.region),
        )


@member_app.command(help=_("Show one member."))
def show(
    ctx: typer.Context, ref: RefArg, mask_phone: MaskPhoneOpt = False, fmt: FormatOpt = Format.table
) -> None:
    _members.show(app_context(ctx), ref, fmt, mask=mask_phone)


@member_app.command(
    help=_(
        "Find members by part of the name, the last 4 digits of the phone, or pinyin "
        "(zs or zhangsan finds 张三). On a terminal, several matches give a pick list."
    )
)
def search(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help=_("Name part, phone digits or pinyin."))
    ],
    limit: Annotated[int, typer.Option(min=1, help=_("At most this many members."))] = 50,
    show_pii: ShowPiiOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl.errors import NotFound

    app = app_context(ctx)
    found = _members.find(app, text, limit, show_pii=show_pii)
    if not found:
        raise NotFound(_("no member matches '{text}'").format(text=text.strip()))
    if len(found) > 1 and fmt == Format.table and interactive(app.no_input):
        chosen = _members.pick_member(found)
        _members.show_member(app, next(r for r in found if r.member_no == chosen), fmt)
        return
    emit(found, fmt, _members.search_columns())


@member_app.command(
    "list",
    help=_(
        "List members, newest first (every status unless --status is given).\n"
        "\n"
        "--where, --segment and the other filters combine with AND; derived "
        "fields (age,\n"
        "spend_12m, ...) are measured at --as-of (default today)."
    ),
)
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help=_("active, frozen or cancelled."))] = None,
    tier: Annotated[
        str | None,
        typer.Option(
            help=_("Tier: its code or name (gold, 金卡会员, 金卡)."),
            autocompletion=_completion.tier_codes,
        ),
    ] = None,
    tag: Annotated[str | None, typer.Option(help=_("Members with this tag."))] = None,
    store: Annotated[
        str | None,
        typer.Option(help=_("Members of this store."), autocompletion=_completion.store_codes),
    ] = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    as_of: AsOfOpt = None,
    limit: LimitOpt = None,
    mask_phone: MaskPhoneOpt = False,
    show_pii: ShowPiiOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import members, privacy, segments

    app = app_context(ctx)
    masked = _members.masks(app, "member list", show_pii=show_pii, default=mask_phone)
    with _members.disclosing(app, "member list", show_pii=show_pii) as session:
        day = clock.today(as_of.date() if as_of else None)
        clause = segments.resolve_filter(session, where, segment, day)
        rows = members.list_members(
            session=session,
            status=status,
            tier=tier,
            tag=tag,
            store=store,
            limit=limit,
            where_clause=clause,
            staff=app.identity,
        )
    # A table shows the main columns; CSV carries every field, as JSON does.
    rows = privacy.mask_phones(rows) if masked else rows
    columns = _members.member_columns if fmt == Format.csv else _members.list_columns
    emit(rows, fmt, columns(app.region, masked))


@member_app.command(
    help=_("Change a member's details. An empty value ('') clears an optional field.")
)
def edit(
    ctx: typer.Context,
    ref: RefArg,
    name: Annotated[str | None, typer.Option(help=_("New name."))] = None,
    phone: Annotated[
        str | None, typer.Option(help=_("New phone; must not belong to another member."))
    ] = None,
    gender: Annotated[str | None, typer.Option(help=_("male/female; '' clears it."))] = None,
    birthday: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help=_("'' clears it."))
    ] = None,
    email: EmailOpt = None,
    address: AddressOpt = None,
    store: StoreOpt = None,
    add_tag: Annotated[list[str] | None, typer.Option(help=_("Add a tag; repeatable."))] = None,
    remove_tag: Annotated[
        list[str] | None, typer.Option(help=_("Remove a tag; repeatable."))
    ] = None,
    opt_out: Annotated[
        bool | None,
        typer.Option(
            "--opt-out/--opt-in", help=_("No marketing messages (notify render) / again.")
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import fields, members, permissions

    app = app_context(ctx)
    app.require_options("member edit", store=store)  # moving a member: a manager's
    raw = {
        "name": name,
        "phone": phone,
        "gender": gender,
        "birthday": birthday,
        "email": email,
        "address": address,
        "store": store,
    }
    with app.write() as session:
        member = app.member(session, ref, for_update=True)
        data, given = members.parse_input(session, region=app.region, raw=raw, tags=add_tag or [])
        if "store" in given:  # moving a member: to a store the staff member works in
            permissions.require_store(app.identity, data.store)
        record = members.edit(
            session=session,
            member=member,
            changes=data,
            given=given,
            remove_tags=fields.parse_tags(remove_tag or []),
            operator=app.operator,
            at=clock.now(),
            opt_out=opt_out,
        )
    _members.show_member(app, record, fmt)


def _change_status(
    ctx: typer.Context, ref: str, action: str, reason: str | None, fmt: Format
) -> None:
    from memberctl import clock
    from memberctl.domain import members

    app = app_context(ctx)
    with app.write() as session:
        member = app.member(session, ref, for_update=True)
        record = members.change_status(
            session=session,
            member=member,
            action=action,
            reason=reason,
            operator=app.operator,
            at=clock.now(),
        )
    from memberctl.cli._words import in_words

    message(
        _("{member_no}: {action} done, now {status}").format(
            member_no=record.member_no,
            action=in_words("kind", action, {}),
            status=in_words("status", record.status, {}),
        )
    )
    _members.show_member(app, record, fmt)


@member_app.command(
    help=_("Freeze a member (active -> frozen): no earning or spending until unfrozen.")
)
def freeze(
    ctx: typer.Context, ref: RefArg, reason: ReasonOpt = None, fmt: FormatOpt = Format.table
) -> None:
    _change_status(ctx, ref, "freeze", reason, fmt)


@member_app.command(help=_("Unfreeze a member (frozen -> active)."))
def unfreeze(
    ctx: typer.Context, ref: RefArg, reason: ReasonOpt = None, fmt: FormatOpt = Format.table
) -> None:
    _change_status(ctx, ref, "unfreeze", reason, fmt)


@member_app.command(
    help=_("Cancel a membership (active or frozen -> cancelled); `restore` undoes it.")
)
def cancel(
    ctx: typer.Context, ref: RefArg, reason: ReasonOpt = None, fmt: FormatOpt = Format.table
) -> None:
    _change_status(ctx, ref, "cancel", reason, fmt)


@member_app.command(help=_("Restore a cancelled membership (cancelled -> active)."))
def restore(
    ctx: typer.Context, ref: RefArg, reason: ReasonOpt = None, fmt: FormatOpt = Format.table
) -> None:
    _change_status(ctx, ref, "restore", reason, fmt)


ToOpt = Annotated[
    str | None,
    typer.Option(
        "--to",
        metavar="TIER",
        help=_("Tier to move to: its code or name (gold, 金卡会员, 金卡)."),
        autocompletion=_completion.tier_codes,
    ),
]


def _change_tier(
    ctx: typer.Context,
    ref: str,
    direction: str,
    to: str | None,
    reason: str | None,
    fmt: Format,
    until: dt.datetime | None,
) -> None:
    from memberctl import clock
    from memberctl.domain import members, tiers

    app = app_context(ctx)
    with app.write() as session:
        member = app.member(session, ref, for_update=True)
        tiers.change_tier(
            session=session,
            member=member,
            direction=direction,
            to=to,
            reason=reason,
            operator=app.operator,
            at=clock.now(),
            until=until.date() if until else None,
        )
        record = members.record(session, member)
    name = app.tier_names().get(record.tier, record.tier)  # 白金会员, not platinum
    message(_("{member_no}: now {tier}").format(member_no=record.member_no, tier=name))
    _members.show_member(app, record, fmt)


@member_app.command(help=_("Move a member to the next tier up by rank, or to --to TIER."))
def upgrade(
    ctx: typer.Context,
    ref: RefArg,
    to: ToOpt = None,
    reason: ReasonOpt = None,
    tier_until: TierUntilOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    _change_tier(ctx, ref, "up", to, reason, fmt, tier_until)


@member_app.command(help=_("Move a member to the next tier down by rank, or to --to TIER."))
def downgrade(
    ctx: typer.Context,
    ref: RefArg,
    to: ToOpt = None,
    reason: ReasonOpt = None,
    tier_until: TierUntilOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    _change_tier(ctx, ref, "down", to, reason, fmt, tier_until)


@member_app.command(help=_("One timeline: status and tier changes and notes, oldest first."))
def history(ctx: typer.Context, ref: RefArg, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import history as timeline

    app = app_context(ctx)
    with app.read() as session:
        member = app.member(session, ref)
        events = timeline.timeline(session=session, member=member)
    columns = [
        Column("at", _("When"), show=lambda t: t.strftime("%Y-%m-%d %H:%M")),
        Column("kind", _("What")),
        Column("action", _("Action")),
        Column("note_id", _("Note"), show=lambda i: f"#{i}", no_wrap=True),  # member notes
        Column("state", _("State")),  # complaints: open or resolved
        Column("detail", _("Detail"), show=lambda d: getattr(d, "local", d)),
        Column("operator", _("By")),
    ]
    emit(events, fmt, columns, title=member.member_no)


NoteKind = Annotated[
    str, typer.Option("--kind", help=_("call, complaint, feedback, visit, event or note."))
]


@member_app.command(
    help=_("Record an interaction with a member (a call, complaint, feedback, visit...).")
)
def note(
    ctx: typer.Context,
    ref: RefArg,
    text: Annotated[str, typer.Argument(metavar="TEXT", help=_("What happened."))],
    kind: NoteKind = "note",
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import interactions

    if ref == "resolve":  # no member is called that; the command moved to the `notes` group
        raise typer.BadParameter(
            _("to resolve a complaint use `member notes resolve NOTE_ID`"), param_hint="REF"
        )
    if kind not in interactions.KINDS:
        kinds = ", ".join(interactions.KINDS)
        raise typer.BadParameter(
            _("'{kind}' is not one of {kinds}").format(kind=kind, kinds=kinds), param_hint="--kind"
        )
    app = app_context(ctx)
    with app.write() as session:
        member = app.member(session, ref, for_update=True)
        record = interactions.add_note(
            session=session,
            member=member,
            text=text,
            kind=kind,
            operator=app.operator,
            at=clock.now(),
        )
    emit(record, fmt, notes.note_columns())


member_app.add_typer(notes.notes_app, name="notes")


@member_app.command(
    help=_(
        "Erase a member's personal data (name, phone, e-mail, birthday, address, "
        "tags, and the free text of notes, reasons, survey answers and audit details).\n"
        "\n"
        "The member is cancelled and found by member number only; anonymous ledgers and "
        "history stay so the books still add up.\n"
        "This cannot be undone."
    )
)
def forget(
    ctx: typer.Context, ref: RefArg, yes: YesOpt = False, fmt: FormatOpt = Format.table
) -> None:
    from memberctl import clock
    from memberctl.domain import privacy

    app = app_context(ctx)
    with app.read() as session:
        member_no = app.member(session, ref).member_no
    confirm(
        _("Erase the personal data of {member_no} for good?").format(member_no=member_no),
        yes=yes,
        no_input=app.no_input,
    )
    with app.write() as session:
        member = app.member(session, member_no, for_update=True)
        record = privacy.forget(
            session=session, member=member, operator=app.operator, at=clock.now()
        )
    message(_("{member_no}: personal data erased").format(member_no=record.member_no))
    wipe_wal(app.engine)
    _members.show_member(app, record, fmt)


def wipe_wal(engine: Any) -> None:
    """The erased values out of SQLite's WAL too, or say on stderr where they stay and how long."""
    from memberctl.db.engine import checkpoint

    done = checkpoint(engine)
    if done is not None and not done.wiped:
        message(
            _(
                "another program is reading the database, so the erased data stays in {wal} "
                "(and {database}) until it is done; it is wiped at the next nightly, or when no "
                "program has the database open"
            ).format(wal=done.wal, database=done.database)
        )


@member_app.command(
    "export-data",
    help=_("Everything held about one member, as one JSON document (for a data request)."),
)
def export_data(
    ctx: typer.Context, ref: RefArg, show_pii: ShowPiiOpt = False, fmt: FormatOpt = Format.json
) -> None:
    from memberctl import clock
    from memberctl.domain import audit, privacy

    if fmt != Format.json:
        raise typer.BadParameter(_("export-data writes json only"), param_hint="--format")
    app = app_context(ctx)
    masked = _members.masks(app, "member export-data", show_pii=show_pii, default=False)
    with app.write() as session:
        member = app.member(session, ref)
        data = privacy.export_data(
            session=session, member=member, operator=app.operator, at=clock.now(), mask=masked
        )
        if show_pii:
            audit.record_show_pii(
                session=session,
                command="member export-data",
                operator=app.operator,
                at=clock.now(),
                member=member,
            )
    emit(data, Format.json)

"""`memberctl member ...`: enrol, find, change and look after members."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from memberctl.cli._context import AppContext, app_context
from memberctl.cli._options import (
    AsOfOpt,
    FormatOpt,
    LimitOpt,
    ReasonOpt,
    RefArg,
    SegmentOpt,
    WhereOpt,
    YesOpt,
)
from memberctl.cli._output import Column, Format, emit, message
from memberctl.cli._prompt import ask, confirm

member_app = typer.Typer(no_args_is_help=True, help="Enrol, find, change and look after members.")


def member_columns(region: str) -> list[Column]:
    from memberctl.domain import phones

    return [
        Column("member_no", "Member no", no_wrap=True),
        Column("name", "Name", min_width=6),
        Column("phone", "Phone", show=lambda p: phones.national(p, region) or "", no_wrap=True),
        Column("gender", "Gender"),
        Column("birthday", "Birthday"),
        Column("email", "Email"),
        Column("tier", "Tier"),
        Column("status", "Status"),
        Column("points", "Points", justify="right", no_wrap=True),
        Column("balance", "Balance", justify="right", no_wrap=True),
        Column("store", "Store"),
        Column("tags", "Tags"),
        Column("joined_at", "Joined", show=lambda t: t.strftime("%Y-%m-%d %H:%M")),
        Column("referrer", "Referrer"),
    ]


LIST_KEYS = (
    "member_no",
    "name",
    "phone",
    "tier",
    "status",
    "points",
    "balance",
    "store",
    "joined_at",
)


def _list_columns(region: str) -> list[Column]:
    joined = Column("joined_at", "Joined", show=lambda t: t.date().isoformat(), no_wrap=True)
    return [
        joined if c.key == "joined_at" else c for c in member_columns(region) if c.key in LIST_KEYS
    ]


def _show_member(app: AppContext, record: Any, fmt: Format) -> None:
    emit(record, fmt, member_columns(app.region))


EmailOpt = Annotated[str | None, typer.Option(help="E-mail address.")]
AddressOpt = Annotated[str | None, typer.Option(help="Postal address.")]
StoreOpt = Annotated[str | None, typer.Option(help="The member's home store.")]


@member_app.command()
def enroll(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Option(help="Full name (asked on a terminal if missing).")
    ] = None,
    phone: Annotated[
        str | None, typer.Option(help="Mobile, any common form (asked if missing).")
    ] = None,
    gender: Annotated[str | None, typer.Option(help="male/female, 男/女, M/F.")] = None,
    birthday: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD")] = None,
    email: EmailOpt = None,
    address: AddressOpt = None,
    tier: Annotated[str | None, typer.Option(help="Tier code; default the lowest tier.")] = None,
    store: StoreOpt = None,
    referrer: Annotated[str | None, typer.Option(metavar="REF", help="Who referred them.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="A tag; repeat for more.")] = None,
    member_no: Annotated[
        str | None, typer.Option(help="Keep this number (default: next M000001...).")
    ] = None,
    joined_at: Annotated[str | None, typer.Option(metavar="DATETIME", help="Default: now.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Enrol a new active member. A phone already used by another member is refused (exit 4)."""
    from memberctl import clock
    from memberctl.domain import fields, members, phones

    app = app_context(ctx)
    name = name or ask("Name 姓名:", "--name", no_input=app.no_input, check=fields.parse_name)
    phone = phone or ask(
        "Phone 手机号:",
        "--phone",
        no_input=app.no_input,
        check=lambda t: phones.parse(t, app.region),
    )
    raw = {
        "name": name, "phone": phone, "gender": gender, "birthday": birthday, "email": email,
        "address": address, "tier": tier, "store": store, "referrer": referrer,
        "member_no": member_no, "joined_at": joined_at,
    }  # fmt: skip
    with app.write() as session:
        data, _ = members.parse_input(session, region=app.region, raw=raw, tags=tag or [])
        record = members.enroll(session=session, data=data, operator=app.operator, at=clock.now())
    _show_member(app, record, fmt)


@member_app.command()
def show(ctx: typer.Context, ref: RefArg, fmt: FormatOpt = Format.table) -> None:
    """Show one member."""
    from memberctl.domain import members, refs

    app = app_context(ctx)
    with app.read() as session:
        record = members.record(session, refs.resolve(session, ref, region=app.region))
    _show_member(app, record, fmt)


@member_app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="active, frozen or cancelled.")] = None,
    tier: Annotated[str | None, typer.Option(help="Tier code.")] = None,
    tag: Annotated[str | None, typer.Option(help="Members with this tag.")] = None,
    store: Annotated[str | None, typer.Option(help="Members of this store.")] = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    as_of: AsOfOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List members, newest first (every status unless --status is given).

    --where, --segment and the other filters combine with AND; derived fields (age,
    spend_12m, ...) are measured at --as-of (default today)."""
    from memberctl import clock
    from memberctl.domain import members, segments

    app = app_context(ctx)
    with app.read() as session:
        day = clock.today(as_of.date() if as_of else None)
        clause = segments.resolve_filter(session, where, segment, day)
        rows = members.list_members(
            session=session, status=status, tier=tier, tag=tag, store=store, limit=limit,
            where_clause=clause,
        )  # fmt: skip
    # A table shows the main columns; CSV carries every field, as JSON does.
    emit(rows, fmt, member_columns(app.region) if fmt == Format.csv else _list_columns(app.region))


@member_app.command()
def edit(
    ctx: typer.Context,
    ref: RefArg,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    phone: Annotated[
        str | None, typer.Option(help="New phone; must not belong to another member.")
    ] = None,
    gender: Annotated[str | None, typer.Option(help="male/female; '' clears it.")] = None,
    birthday: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="'' clears it.")
    ] = None,
    email: EmailOpt = None,
    address: AddressOpt = None,
    store: StoreOpt = None,
    add_tag: Annotated[list[str] | None, typer.Option(help="Add a tag; repeatable.")] = None,
    remove_tag: Annotated[list[str] | None, typer.Option(help="Remove a tag; repeatable.")] = None,
    opt_out: Annotated[
        bool | None,
        typer.Option("--opt-out/--opt-in", help="No marketing messages (notify render) / again."),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a member's details. An empty value ('') clears an optional field."""
    from memberctl import clock
    from memberctl.domain import fields, members, refs

    app = app_context(ctx)
    raw = {"name": name, "phone": phone, "gender": gender, "birthday": birthday,
           "email": email, "address": address, "store": store}  # fmt: skip
    with app.write() as session:
        member = refs.resolve(session, ref, region=app.region, for_update=True)
        data, given = members.parse_input(session, region=app.region, raw=raw, tags=add_tag or [])
        record = members.edit(
            session=session, member=member, changes=data, given=given,
            remove_tags=fields.parse_tags(remove_tag or []), operator=app.operator,
            at=clock.now(), opt_out=opt_out,
        )  # fmt: skip
    _show_member(app, record, fmt)


def _change_status(
    ctx: typer.Context, ref: str, action: str, reason: str | None, fmt: Format
) -> None:
    from memberctl import clock
    from memberctl.domain import members, refs

    app = app_context(ctx)
    with app.write() as session:
        member = refs.resolve(session, ref, region=app.region, for_update=True)
        record = members.change_status(
            session=session, member=member, action=action, reason=reason,
            operator=app.operator, at=clock.now(),
        )  # fmt: skip
    message(f"{record.member_no}: {action} done, now {record.status}")
    _show_member(app, record, fmt)


@member_app.command()
def freeze(
    ctx: typer.Context, ref: RefArg, reason: ReasonOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """Freeze a member (active -> frozen): no earning or spending until unfrozen."""
    _change_status(ctx, ref, "freeze", reason, fmt)


@member_app.command()
def unfreeze(
    ctx: typer.Context, ref: RefArg, reason: ReasonOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """Unfreeze a member (frozen -> active)."""
    _change_status(ctx, ref, "unfreeze", reason, fmt)


@member_app.command()
def cancel(
    ctx: typer.Context, ref: RefArg, reason: ReasonOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """Cancel a membership (active or frozen -> cancelled); `restore` undoes it."""
    _change_status(ctx, ref, "cancel", reason, fmt)


@member_app.command()
def restore(
    ctx: typer.Context, ref: RefArg, reason: ReasonOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """Restore a cancelled membership (cancelled -> active)."""
    _change_status(ctx, ref, "restore", reason, fmt)


ToOpt = Annotated[str | None, typer.Option("--to", metavar="TIER", help="Tier code to move to.")]


def _change_tier(
    ctx: typer.Context, ref: str, direction: str, to: str | None, reason: str | None, fmt: Format
) -> None:
    from memberctl import clock
    from memberctl.domain import members, refs, tiers

    app = app_context(ctx)
    with app.write() as session:
        member = refs.resolve(session, ref, region=app.region, for_update=True)
        tiers.change_tier(
            session=session, member=member, direction=direction, to=to, reason=reason,
            operator=app.operator, at=clock.now(),
        )  # fmt: skip
        record = members.record(session, member)
    message(f"{record.member_no}: now {record.tier}")
    _show_member(app, record, fmt)


@member_app.command()
def upgrade(
    ctx: typer.Context, ref: RefArg, to: ToOpt = None, reason: ReasonOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:  # fmt: skip
    """Move a member to the next tier up by rank, or to --to TIER."""
    _change_tier(ctx, ref, "up", to, reason, fmt)


@member_app.command()
def downgrade(
    ctx: typer.Context, ref: RefArg, to: ToOpt = None, reason: ReasonOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:  # fmt: skip
    """Move a member to the next tier down by rank, or to --to TIER."""
    _change_tier(ctx, ref, "down", to, reason, fmt)


@member_app.command()
def history(ctx: typer.Context, ref: RefArg, fmt: FormatOpt = Format.table) -> None:
    """One timeline: status and tier changes and notes, oldest first."""
    from memberctl.domain import history as timeline
    from memberctl.domain import refs

    app = app_context(ctx)
    with app.read() as session:
        member = refs.resolve(session, ref, region=app.region)
        events = timeline.timeline(session=session, member=member)
    columns = [
        Column("at", "When", show=lambda t: t.strftime("%Y-%m-%d %H:%M")),
        Column("kind", "What"),
        Column("action", "Action"),
        Column("detail", "Detail"),
        Column("operator", "By"),
    ]
    emit(events, fmt, columns, title=member.member_no)


NoteKind = Annotated[
    str, typer.Option("--kind", help="call, complaint, feedback, visit, event or note.")
]


@member_app.command()
def note(
    ctx: typer.Context,
    ref: RefArg,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="What happened.")],
    kind: NoteKind = "note",
    fmt: FormatOpt = Format.table,
) -> None:
    """Record an interaction with a member (a call, complaint, feedback, visit...)."""
    from memberctl import clock
    from memberctl.domain import interactions, refs

    if kind not in interactions.KINDS:
        raise typer.BadParameter(f"'{kind}' is not one of {', '.join(interactions.KINDS)}",
                                 param_hint="--kind")  # fmt: skip
    app = app_context(ctx)
    with app.write() as session:
        member = refs.resolve(session, ref, region=app.region, for_update=True)
        record = interactions.add_note(
            session=session, member=member, text=text, kind=kind, operator=app.operator,
            at=clock.now(),
        )  # fmt: skip
    emit(record, fmt)


@member_app.command()
def forget(
    ctx: typer.Context, ref: RefArg, yes: YesOpt = False, fmt: FormatOpt = Format.table
) -> None:
    """Erase a member's personal data (name, phone, e-mail, birthday, address, note texts).

    The member is cancelled; anonymous ledgers and history stay so the books still add up.
    This cannot be undone.
    """
    from memberctl import clock
    from memberctl.domain import privacy, refs

    app = app_context(ctx)
    with app.read() as session:
        member_no = refs.resolve(session, ref, region=app.region).member_no
    confirm(f"Erase the personal data of {member_no} for good?", yes=yes, no_input=app.no_input)
    with app.write() as session:
        member = refs.resolve(session, member_no, region=app.region, for_update=True)
        record = privacy.forget(
            session=session, member=member, operator=app.operator, at=clock.now()
        )
    message(f"{record.member_no}: personal data erased")
    _show_member(app, record, fmt)


@member_app.command("export-data")
def export_data(ctx: typer.Context, ref: RefArg, fmt: FormatOpt = Format.json) -> None:
    """Everything held about one member, as one JSON document (for a data request)."""
    from memberctl import clock
    from memberctl.domain import privacy, refs

    if fmt != Format.json:
        raise typer.BadParameter("export-data writes json only", param_hint="--format")
    app = app_context(ctx)
    with app.write() as session:
        member = refs.resolve(session, ref, region=app.region)
        data = privacy.export_data(
            session=session, member=member, operator=app.operator, at=clock.now()
        )
    emit(data, Format.json)

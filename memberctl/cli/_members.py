"""Members on the command line, shared by the `member ...` commands, the menu and `segment show`.

The command layer under the Typer commands: each function here takes resolved values (an
AppContext, the raw option text), runs one domain call in one transaction and renders the
result. `member enroll`, `member show` and `member search` are thin wrappers over it, and the
clerk's menu (cli/menu.py) calls it directly instead of calling those command functions, so
neither command module has to import the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from memberctl.cli._context import AppContext
from memberctl.cli._output import Column, Format, emit, visible
from memberctl.i18n import _

if TYPE_CHECKING:
    from sqlmodel import Session

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


def member_columns(region: str, masked: bool = False) -> list[Column]:
    """Every field of a member record, for one member or a CSV of many."""
    from memberctl.domain import phones

    # Masked phones (--mask-phone) are shown as they are: 138****8000 is no phone number.
    phone = (lambda p: p or "") if masked else (lambda p: phones.national(p, region) or "")

    return [
        Column("member_no", _("Member no"), no_wrap=True),
        Column("name", _("Name"), min_width=6),
        Column("phone", _("Phone"), show=phone, no_wrap=True),
        Column("gender", _("Gender")),
        Column("birthday", _("Birthday")),
        Column("email", _("Email")),
        Column("tier", _("Tier")),
        Column("status", _("Status")),
        Column("points", _("Points"), justify="right", no_wrap=True),
        Column("balance", _("Balance"), justify="right", no_wrap=True),
        Column("store", _("Store")),
        Column("tags", _("Tags")),
        Column("joined_at", _("Joined"), show=lambda t: t.strftime("%Y-%m-%d %H:%M")),
        Column("referrer", _("Referrer")),
    ]


def list_columns(region: str, masked: bool = False) -> list[Column]:
    """The main columns of a member list as a table (`member list`, `segment show`)."""
    joined = Column("joined_at", _("Joined"), show=lambda t: t.date().isoformat(), no_wrap=True)
    columns = member_columns(region, masked)
    return [joined if c.key == "joined_at" else c for c in columns if c.key in LIST_KEYS]


def search_columns() -> list[Column]:
    from memberctl.domain import phones

    return [
        Column("member_no", _("Member no"), no_wrap=True),
        Column("name", _("Name"), min_width=6),
        Column("phone", _("Phone"), show=lambda p: phones.mask(p) or "", no_wrap=True),
        Column("tier", _("Tier")),
        Column("status", _("Status")),
    ]


def masks(app: AppContext, command: str, *, show_pii: bool, default: bool = False) -> bool:
    """Whether `command` shows phones masked for whoever is acting (permissions.masks_pii: a
    clerk's and, unless --show-pii, a manager's or a job's lists and exports)."""
    from memberctl.domain import permissions

    return permissions.masks_pii(app.identity, command, show_pii=show_pii, default=default)


@contextmanager
def disclosing(app: AppContext, command: str, *, show_pii: bool) -> Iterator[Session]:
    """The transaction of a command that may show phones unmasked: with --show-pii it writes,
    to record the disclosure in the audit log (as the reports do); else it only reads."""
    if not show_pii:
        with app.read() as session:
            yield session
        return
    from memberctl import clock
    from memberctl.domain import audit

    with app.write() as session:
        yield session
        audit.record_show_pii(
            session=session, command=command, operator=app.operator, at=clock.now()
        )


def show_member(app: AppContext, record: Any, fmt: Format, mask: bool = False) -> None:
    if mask:
        from memberctl.domain import privacy

        [record] = privacy.mask_phones([record])
    emit(record, fmt, member_columns(app.region, masked=mask))


def enroll(
    app: AppContext,
    raw: dict[str, str | None],
    tags: list[str],
    fmt: Format,
    tier_until: dt.date | None = None,
) -> None:
    """Enrol a member from the raw values a clerk typed, and show them."""
    import dataclasses

    from memberctl import clock
    from memberctl.domain import members, stores

    app.require_options("member enroll", tier=raw.get("tier"), joined_at=raw.get("joined_at"))
    with app.write() as session:
        data, _given = members.parse_input(session, region=app.region, raw=raw, tags=tags)
        data = dataclasses.replace(data, store=stores.home_for(app.identity, data.store))
        record = members.enroll(
            session=session,
            data=data,
            operator=app.operator,
            at=clock.now(),
            tier_until=tier_until,
        )
    show_member(app, record, fmt)


def show(app: AppContext, ref: str, fmt: Format, mask: bool = False) -> None:
    """One member, found by number or phone."""
    from memberctl.domain import members

    with app.read() as session:
        record = members.record(session, app.member(session, ref))
    show_member(app, record, fmt, mask=mask)


def find(app: AppContext, text: str, limit: int | None, *, show_pii: bool = False) -> list[Any]:
    """Members matching what a clerk typed, of the stores they work in, phones masked for them
    (`masks`). A read (but for --show-pii's audit row): the pinyin initials it matches are
    written with the names (enrolment, edits, imports; migration 0012 for rows from before)."""
    from memberctl.domain import privacy
    from memberctl.domain import search as finder

    masked = masks(app, "member search", show_pii=show_pii)
    with disclosing(app, "member search", show_pii=show_pii) as session:
        found = finder.find(session=session, text=text, limit=limit, staff=app.identity)
    return privacy.mask_phones(found) if masked else found


def pick_member(found: list[Any]) -> str:
    """The member number the clerk picks from several matches."""
    from memberctl.cli._prompt import pick
    from memberctl.domain import phones

    choices = [
        (
            visible(
                f"{r.member_no}  {r.name or ''}  {phones.mask(r.phone) or ''}  {r.tier}  {r.status}"
            ),
            r.member_no,
        )
        for r in found
    ]
    return pick(_("Which member?"), choices)

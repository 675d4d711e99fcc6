"""`memberctl audit`: who did what, when."""

from __future__ import annotations

from typing import Annotated

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt, LimitOpt, SinceOpt
from memberctl.cli._output import Column, Format, emit
from memberctl.i18n import _

AUDIT_COLUMNS = [
    Column("at", _("When"), show=lambda t: t.strftime("%Y-%m-%d %H:%M:%S")),
    Column("operator", _("By")),
    Column("action", _("Action"), words="audit"),  # 冻结会员 in Chinese; the code in English
    Column("member_no", _("Member")),
    Column("details", _("Details")),
    Column("business_date", _("For day")),
]

HELP = _("Who did what, when: the audit log, newest first.")


def audit(
    ctx: typer.Context,
    member: Annotated[str | None, typer.Option(metavar="REF", help=_("Only this member."))] = None,
    since: SinceOpt = None,
    action: Annotated[
        str | None, typer.Option(help=_("An action (member.freeze) or a group (member)."))
    ] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Who did what, when: the audit log, newest first."""
    from memberctl.domain import audit as audit_log

    app = app_context(ctx)
    with app.read() as session:
        who = app.member(session, member) if member else None
        rows = audit_log.list_entries(
            session=session,
            member=who,
            since=since.date() if since else None,
            action=action,
            limit=limit,
        )
    emit(rows, fmt, AUDIT_COLUMNS)

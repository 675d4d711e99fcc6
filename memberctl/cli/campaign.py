"""`memberctl campaign ...`: points awards and coupon drops defined in TOML files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from memberctl.cli import _completion
from memberctl.cli._context import app_context
from memberctl.cli._options import AllowFutureOpt, AsOfOpt, FormatOpt, LimitOpt
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _, pgettext

campaign_app = typer.Typer(
    no_args_is_help=True,
    help=_("Campaigns: points awards and coupon drops for the members a filter selects."),
)

CodeArg = Annotated[
    str,
    typer.Argument(
        metavar="CODE",
        help=_("The campaign's code."),
        autocompletion=_completion.campaign_codes,
    ),
]


CAMPAIGN_COLUMNS = [
    Column("code", _("Code"), no_wrap=True),
    Column("name", pgettext("thing", "Name")),
    Column("action", _("Action"), no_wrap=True, drop=1),
    Column("period", _("Period"), words="period"),
    Column("where", _("Where")),
    Column("points", _("Points"), justify="right"),
    Column("coupon_value", _("Coupon"), justify="right"),
    Column("starts", _("Starts")),
    Column("ends", _("Ends")),
    Column("version", _("Version"), justify="right", drop=2),
]
RUN_COLUMNS = [
    Column("campaign", _("Campaign"), no_wrap=True),
    Column("period", _("Period")),
    Column("targeted", _("Targeted"), justify="right"),
    Column("awarded", _("Awarded"), justify="right"),
    Column("already_awarded", _("Already"), justify="right"),
    Column("points", _("Points"), justify="right"),
    Column("coupons", _("Coupons"), justify="right"),
    Column("dry_run", _("Dry run")),
]
RUNS_COLUMNS = [
    Column("id", _("Run"), justify="right"),
    *RUN_COLUMNS[:-1],
    Column("as_of", _("As of")),
    Column("at", _("At"), show=lambda t: t.strftime("%Y-%m-%d %H:%M"), no_wrap=True),
    Column("operator", _("By")),
]


@campaign_app.command(
    help=_(
        "Add a campaign from a TOML file (see templates/campaigns/), or update "
        "the campaign of the\n"
        "same code; the previous definition is kept as a version."
    )
)
def add(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.toml", help=_("A campaign definition."))],
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import campaigns

    app = app_context(ctx)
    with app.write() as session:
        saved = campaigns.add(session=session, path=file, operator=app.operator, at=clock.now())
    code = saved.campaign.code
    if saved.status == "updated":
        message(
            _("campaign '{code}' updated to version {version}").format(
                code=code, version=saved.campaign.version
            )
        )
    else:
        status = pgettext("kind", saved.status)  # added, unchanged: 已添加, 无变化
        message(_("campaign '{code}' {status}").format(code=code, status=status))
    emit(saved.campaign, fmt, CAMPAIGN_COLUMNS)


@campaign_app.command("list", help=_("List the campaigns by code."))
def list_(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import campaigns

    with app_context(ctx).read() as session:
        rows = campaigns.list_campaigns(session=session)
    emit(rows, fmt, CAMPAIGN_COLUMNS)


@campaign_app.command(
    help=_("One campaign: its definition, how often it ran, and its earlier versions.")
)
def show(ctx: typer.Context, code: CodeArg, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import campaigns

    with app_context(ctx).read() as session:
        view = campaigns.show(session=session, code=code)
    if fmt != Format.table:
        emit(view, fmt)
        return
    emit(view.campaign, fmt, CAMPAIGN_COLUMNS)
    message(
        _("runs: {runs}; earlier versions: {count}").format(
            runs=view.runs, count=len(view.versions)
        )
    )


@campaign_app.command(
    help=_(
        "Award each targeted active member at most once per period (refused "
        "outside the\n"
        "campaign's starts/ends, exit 4)."
    )
)
def run(
    ctx: typer.Context,
    code: CodeArg,
    as_of: AsOfOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=_("Count what a run would do; write nothing."))
    ] = False,
    allow_future: AllowFutureOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import campaign_runs

    app = app_context(ctx)
    asked = as_of.date() if as_of else None
    day = clock.today(asked) if dry_run else clock.writing_day(asked, allow_future=allow_future)
    writer = app.read if dry_run else app.write
    with writer() as session:
        result = campaign_runs.run(
            session=session,
            code=code,
            as_of=day,
            operator=app.operator,
            at=clock.moment(as_of.date() if as_of else None),
            dry_run=dry_run,
        )
    verb = _("would award") if dry_run else _("awarded")
    message(
        _("{campaign} {period}: {verb} {awarded} of {targeted}").format(
            campaign=result.campaign,
            period=result.period,
            verb=verb,
            awarded=result.awarded,
            targeted=result.targeted,
        )
    )
    emit(result, fmt, RUN_COLUMNS)


@campaign_app.command(help=_("Past runs, newest first."))
def runs(
    ctx: typer.Context,
    code: Annotated[
        str | None, typer.Argument(metavar="[CODE]", help=_("Only this campaign's runs."))
    ] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl.domain import campaign_runs

    with app_context(ctx).read() as session:
        rows = campaign_runs.runs(session=session, code=code, limit=limit)
    emit(rows, fmt, RUNS_COLUMNS)

"""`memberctl campaign ...`: points awards and coupon drops defined in TOML files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import AsOfOpt, FormatOpt, LimitOpt
from memberctl.cli._output import Column, Format, emit, message

campaign_app = typer.Typer(
    no_args_is_help=True,
    help="Campaigns: points awards and coupon drops for the members a filter selects.",
)

CodeArg = Annotated[str, typer.Argument(metavar="CODE", help="The campaign's code.")]


CAMPAIGN_COLUMNS = [
    Column("code", "Code", no_wrap=True),
    Column("name", "Name"),
    Column("action", "Action"),
    Column("period", "Period"),
    Column("where", "Where"),
    Column("points", "Points", justify="right"),
    Column("coupon_value", "Coupon", justify="right"),
    Column("starts", "Starts"),
    Column("ends", "Ends"),
    Column("version", "Version", justify="right"),
]
RUN_COLUMNS = [
    Column("campaign", "Campaign", no_wrap=True),
    Column("period", "Period"),
    Column("targeted", "Targeted", justify="right"),
    Column("awarded", "Awarded", justify="right"),
    Column("already_awarded", "Already", justify="right"),
    Column("points", "Points", justify="right"),
    Column("coupons", "Coupons", justify="right"),
    Column("dry_run", "Dry run"),
]
RUNS_COLUMNS = [
    Column("id", "Run", justify="right"),
    *RUN_COLUMNS[:-1],
    Column("as_of", "As of"),
    Column("at", "At", show=lambda t: t.strftime("%Y-%m-%d %H:%M"), no_wrap=True),
    Column("operator", "By"),
]


@campaign_app.command()
def add(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.toml", help="A campaign definition.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a campaign from a TOML file (see templates/campaigns/), or update the campaign of the
    same code; the previous definition is kept as a version."""
    from memberctl import clock
    from memberctl.domain import campaigns

    app = app_context(ctx)
    with app.write() as session:
        saved = campaigns.add(session=session, path=file, operator=app.operator, at=clock.now())
    code = saved.campaign.code
    if saved.status == "updated":
        message(f"campaign '{code}' updated to version {saved.campaign.version}")
    else:
        message(f"campaign '{code}' {saved.status}")
    emit(saved.campaign, fmt, CAMPAIGN_COLUMNS)


@campaign_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """List the campaigns by code."""
    from memberctl.domain import campaigns

    with app_context(ctx).read() as session:
        rows = campaigns.list_campaigns(session=session)
    emit(rows, fmt, CAMPAIGN_COLUMNS)


@campaign_app.command()
def show(ctx: typer.Context, code: CodeArg, fmt: FormatOpt = Format.table) -> None:
    """One campaign: its definition, how often it ran, and its earlier versions."""
    from memberctl.domain import campaigns

    with app_context(ctx).read() as session:
        view = campaigns.show(session=session, code=code)
    if fmt != Format.table:
        emit(view, fmt)
        return
    emit(view.campaign, fmt, CAMPAIGN_COLUMNS)
    message(f"runs: {view.runs}; earlier versions: {len(view.versions)}")


@campaign_app.command()
def run(
    ctx: typer.Context,
    code: CodeArg,
    as_of: AsOfOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what a run would do; write nothing.")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Award each targeted active member at most once per period (refused outside the
    campaign's starts/ends, exit 4)."""
    from memberctl import clock
    from memberctl.domain import campaign_runs

    app = app_context(ctx)
    day = clock.today(as_of.date() if as_of else None)
    writer = app.read if dry_run else app.write
    with writer() as session:
        result = campaign_runs.run(
            session=session, code=code, as_of=day, operator=app.operator,
            at=clock.moment(as_of.date() if as_of else None), dry_run=dry_run,
        )  # fmt: skip
    verb = "would award" if dry_run else "awarded"
    message(f"{result.campaign} {result.period}: {verb} {result.awarded} of {result.targeted}")
    emit(result, fmt, RUN_COLUMNS)


@campaign_app.command()
def runs(
    ctx: typer.Context,
    code: Annotated[
        str | None, typer.Argument(metavar="[CODE]", help="Only this campaign's runs.")
    ] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Past runs, newest first."""
    from memberctl.domain import campaign_runs

    with app_context(ctx).read() as session:
        rows = campaign_runs.runs(session=session, code=code, limit=limit)
    emit(rows, fmt, RUNS_COLUMNS)

"""`memberctl tier ...`: the tiers members move through."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import AsOfOpt, FormatOpt
from memberctl.cli._output import Column, Format, emit, message

tier_app = typer.Typer(no_args_is_help=True, help="List and load membership tiers.")

TIER_COLUMNS = [
    Column("rank", "Rank", justify="right"),
    Column("code", "Code"),
    Column("name", "Name"),
    Column("multiplier", "Points x", justify="right"),
    Column("discount", "Price factor", justify="right"),
    Column("threshold", "12-month spend", justify="right"),
]


@tier_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """List the tiers, lowest rank first."""
    from memberctl.domain import tiers

    with app_context(ctx).read() as session:
        rows = tiers.list_tiers(session=session)
    emit(rows, fmt, TIER_COLUMNS)


@tier_app.command()
def load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.toml", help="Tier definitions.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Add or update tiers from a TOML file (see templates/tiers.toml); others are kept."""
    from memberctl import clock
    from memberctl.domain import tiers

    app = app_context(ctx)
    with app.write() as session:
        rows = tiers.load(session=session, path=file, operator=app.operator, at=clock.now())
    message(f"loaded {file.name}")
    emit(rows, fmt, TIER_COLUMNS)


EVALUATE_COLUMNS = [
    Column("member_no", "Member"),
    Column("action", "Change"),
    Column("from_tier", "From"),
    Column("to_tier", "To"),
    Column("spend_12m", "12-month spend", justify="right"),
    Column("below_since", "Below since"),
]


@tier_app.command()
def evaluate(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Make the changes (default: list them).")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Move active members to the tier their last 12 months of spend qualify for.

    Upgrades at once; downgrades only after the grace period (tier.grace_days, default 30).
    Without --apply it only lists the changes it would make.
    """
    from memberctl import clock
    from memberctl.domain import evaluation

    app = app_context(ctx)
    day = clock.today(as_of.date() if as_of else None)
    with app.write() if apply else app.read() as session:
        result = evaluation.evaluate(
            session=session, as_of=day, apply=apply, operator=app.operator,
            at=clock.moment(day if as_of else None),
        )  # fmt: skip
    done = "applied" if apply else "would apply (add --apply to make them)"
    message(
        f"{result.evaluated} members evaluated: {result.upgrades} upgrades, "
        f"{result.downgrades} downgrades {done}; {len(result.in_grace)} in the grace period"
    )
    emit(result if fmt == Format.json else result.changes, fmt, EVALUATE_COLUMNS)

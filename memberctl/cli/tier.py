"""`memberctl tier ...`: the tiers members move through."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt
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

"""Option and argument types shared by all commands (Annotated aliases)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from memberctl.cli._output import Format

FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", help="Output: table (default), json or csv.")
]
RefArg = Annotated[
    str, typer.Argument(metavar="REF", help="Member number (M000001) or phone number.")
]
ReasonOpt = Annotated[str | None, typer.Option(help="Why; kept in the member's history.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking to confirm.")]
LimitOpt = Annotated[int | None, typer.Option(min=1, help="At most this many rows.")]
AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        formats=["%Y-%m-%d"],
        metavar="YYYY-MM-DD",
        help="Act as if today were this day (re-runs, tests).",
    ),
]
SinceOpt = Annotated[
    dt.datetime | None,
    typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Only from this day on."),
]
WhereOpt = Annotated[
    str | None,
    typer.Option(
        "--where",
        metavar="EXPR",
        help='Filter, e.g. "tier >= silver and inactive_days > 90" (see README: Filter language).',
    ),
]
SegmentOpt = Annotated[
    str | None,
    typer.Option("--segment", metavar="NAME", help="Only members of this saved segment."),
]

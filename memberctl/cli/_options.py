"""Option and argument types shared by all commands (Annotated aliases)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from memberctl.cli import _completion
from memberctl.cli._output import Format
from memberctl.i18n import _

FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", help=_("Output: table (default), json or csv."))
]
RefArg = Annotated[
    str,
    typer.Argument(
        metavar="REF",
        help=_("Member number (M000001) or phone number."),
        autocompletion=_completion.member_nos,
    ),
]
ReasonOpt = Annotated[str | None, typer.Option(help=_("Why; kept in the member's history."))]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help=_("Do it without asking to confirm."))]
LimitOpt = Annotated[int | None, typer.Option(min=1, help=_("At most this many rows."))]
ShowPiiOpt = Annotated[
    bool,
    typer.Option(
        "--show-pii",
        help=_(
            "Show phone numbers unmasked where a manager's or a job's would be masked "
            "(recorded in the audit log; not for clerks)."
        ),
    ),
]


def day_in_range(value: dt.datetime | None) -> dt.datetime | None:
    """Callback for a day option: refuses a day outside clock.FIRST_DAY..LAST_DAY (exit 2)."""
    from memberctl import clock

    if value is not None and not clock.in_range(value.date()):
        raise typer.BadParameter(
            _("the day must be from {first} to {last}").format(
                first=clock.FIRST_DAY, last=clock.LAST_DAY
            )
        )
    return value


AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        formats=["%Y-%m-%d"],
        metavar="YYYY-MM-DD",
        callback=day_in_range,
        help=_("Act as if today were this day (re-runs, tests)."),
    ),
]
AllowFutureOpt = Annotated[
    bool,
    typer.Option(
        "--allow-future",
        help=_("Let --as-of name a day after today (the writes happen now, with no undo)."),
    ),
]
TierUntilOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        "--tier-until",
        formats=["%Y-%m-%d"],
        metavar="YYYY-MM-DD",
        help=_(
            "Keep the tier set here through this day: tier evaluation only upgrades until then "
            "(default: tier.kept_months, 12 months)."
        ),
    ),
]
SinceOpt = Annotated[
    dt.datetime | None,
    typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help=_("Only from this day on.")),
]
WhereOpt = Annotated[
    str | None,
    typer.Option(
        "--where",
        metavar="EXPR",
        help=_('Filter, e.g. "tier >= silver and inactive_days > 90" (see docs/segments.md).'),
    ),
]
SegmentOpt = Annotated[
    str | None,
    typer.Option(
        "--segment",
        metavar="NAME",
        help=_("Only members of this saved segment."),
        autocompletion=_completion.segment_names,
    ),
]

"""`memberctl report ...`: reports an owner acts on, as tables, JSON, CSV or Excel workbooks.

Every report is computed in the database (see memberctl/domain/reports/); this module only turns
the options into a request and renders the result.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from memberctl import collector
from memberctl.cli import _completion
from memberctl.cli._context import AppContext, app_context
from memberctl.cli._options import AsOfOpt, SegmentOpt, WhereOpt, day_in_range
from memberctl.i18n import _

if TYPE_CHECKING:
    from sqlmodel import Session

    from memberctl.domain.reports import Scope

report_app = typer.Typer(
    no_args_is_help=True,
    help=_(
        "Reports: summary, growth, RFM, churn, forecast, upgrades, birthdays, KPIs, liability, "
        "stores, products, referrals, campaigns, the till."
    ),
)


class ReportFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    ods = "ods"


FormatOpt = Annotated[
    ReportFormat | None,
    typer.Option(
        "--format",
        "-f",
        help=_(
            "table (default), json, csv, xlsx or ods (xlsx, ods need --out); default from "
            "--out's suffix."
        ),
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", metavar="FILE", help=_("Write json, csv, xlsx or ods to FILE.")),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(help=_("Only members of this store."), autocompletion=_completion.store_codes),
]
ShowPiiOpt = Annotated[
    bool,
    typer.Option("--show-pii", help=_("Show phone numbers unmasked (recorded in the audit log).")),
]
LimitOpt = Annotated[int | None, typer.Option(min=1, help=_("At most this many rows."))]


def _day_option(flag: str, help_text: str) -> Any:
    """--from / --to: a day, within the years memberctl takes."""
    return typer.Option(
        flag, formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", callback=day_in_range, help=help_text
    )


FromOpt = Annotated[
    dt.datetime | None, _day_option("--from", _("First day; default 29 days before --to."))
]
ToOpt = Annotated[dt.datetime | None, _day_option("--to", _("Last day; default --as-of."))]


def _days(start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.date | None, ...]:
    """--from and --to as days (None: not given)."""
    return tuple(moment.date() if moment else None for moment in (start, end))


CHURN_DAYS = 30
UPGRADE_WITHIN = 0.2


@dataclass(frozen=True)
class Request:
    """The options every report shares."""

    fmt: ReportFormat | None
    out: Path | None
    as_of: dt.datetime | None = None
    where: str | None = None
    segment: str | None = None
    store: str | None = None
    show_pii: bool = False


def _format(request: Request) -> ReportFormat:
    """The output format: --format, else --out's suffix, else a table; xlsx needs --out."""
    from memberctl.errors import UsageProblem

    fmt = request.fmt
    if fmt is None and request.out is not None:
        suffix = request.out.suffix.lower().lstrip(".")
        fmt = ReportFormat(suffix) if suffix in ("json", "csv", "xlsx", "ods") else None
        if fmt is None:
            raise UsageProblem(
                _("cannot tell the format of --out '{name}'").format(name=request.out.name),
                _("give --format json, csv, xlsx or ods, or a file name with that suffix"),
            )
    fmt = fmt or ReportFormat.table
    if fmt == ReportFormat.xlsx and request.out is None:
        raise UsageProblem(_("--format xlsx needs --out FILE"), _("e.g. --out report.xlsx"))
    if fmt == ReportFormat.ods and request.out is None:
        raise UsageProblem(_("--format ods needs --out FILE"), _("e.g. --out report.ods"))
    if fmt == ReportFormat.table and request.out is not None:
        raise UsageProblem(
            _("a table is for the terminal"), _("with --out give --format json, csv, xlsx or ods")
        )
    return fmt


def _compute(
    app: AppContext, name: str, request: Request, build: Callable[[Session, Scope], Any]
) -> Any:
    """One transaction: resolve the scope, build the report, record --show-pii."""
    from memberctl import clock
    from memberctl.domain import permissions, reports

    as_of = clock.today(request.as_of.date() if request.as_of else None)
    masked = permissions.masks_pii(
        app.identity, f"report {name}", show_pii=request.show_pii, default=True
    )
    with app.write() if request.show_pii else app.read() as session:
        scope = reports.scope(
            session,
            as_of=as_of,
            where=request.where,
            segment=request.segment,
            store=request.store,
            show_pii=not masked,
            staff=app.identity,
        )
        with collector.paused():
            data = build(session, scope)
        if request.show_pii:
            reports.record_pii(session=session, report=name, operator=app.operator, at=clock.now())
    return data


def _report(
    ctx: typer.Context,
    name: str,
    request: Request,
    build: Callable[[Session, Scope], Any],
    layout: str | None = None,
) -> None:
    deliver(app_context(ctx), name, request, build, layout)


def deliver(
    app: AppContext,
    name: str,
    request: Request,
    build: Callable[[Session, Scope], Any],
    layout: str | None = None,
) -> Any:
    """Compute a report and show it (or write it to --out) in the chosen format; `layout` names
    how its result is shown when that differs from the report's name (`churn --model`)."""
    from memberctl.cli import _report_output

    fmt = _format(request)
    data = _compute(app, name, request, build)
    _report_output.deliver(layout or name, data, fmt.value, request.out)
    return data


def show_default(app: AppContext, name: str, fmt: ReportFormat | None = None) -> None:
    """summary, upgrades, churn or birthdays as the command shows it with no other option (the
    menu shows the table)."""
    from decimal import Decimal

    from memberctl.domain.reports import birthdays, churn, summary, upgrades

    builds: dict[str, Callable[[Session, Scope], Any]] = {
        "summary": lambda s, scope: summary.build(session=s, scope=scope),
        "upgrades": lambda s, scope: upgrades.build(
            session=s, scope=scope, within=Decimal(str(UPGRADE_WITHIN))
        ),
        "churn": lambda s, scope: churn.build(session=s, scope=scope, days=CHURN_DAYS),
        "birthdays": lambda s, scope: birthdays.build(
            session=s, scope=scope, month=None, days=None
        ),
    }
    deliver(app, name, Request(fmt=fmt, out=None), builds[name])


@report_app.command(
    help=_("Members by status and tier, new this month, active in 90 days, what is owed.")
)
def summary(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import summary as report

    request = Request(fmt, out, as_of, where, segment, store)
    _report(ctx, "summary", request, lambda s, scope: report.build(session=s, scope=scope))


@report_app.command(help=_("New members per month, the last --months months up to --as-of."))
def growth(
    ctx: typer.Context,
    months: Annotated[int, typer.Option(min=1, max=600, help=_("How many months."))] = 12,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import growth as report

    request = Request(fmt, out, as_of, where, segment, store)
    _report(
        ctx, "growth", request, lambda s, scope: report.build(session=s, scope=scope, months=months)
    )


@report_app.command(
    help=_(
        "RFM scores and segments of the members who bought in the last 12 "
        "months.\n"
        "\n"
        "Recency, frequency and monetary scores are 1-5 (quintiles, NTILE(5)); "
        "the segment rule is\n"
        "in docs/reports.md."
    )
)
def rfm(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: StoreOpt = None,
    limit: LimitOpt = None,
    show_pii: ShowPiiOpt = False,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import rfm as report

    request = Request(fmt, out, as_of, where, segment, store, show_pii)
    _report(ctx, "rfm", request, lambda s, scope: report.build(session=s, scope=scope)[:limit])


@report_app.command(
    help=_("Members who bought before but not in the last --days days, most recently lapsed first.")
)
def churn(
    ctx: typer.Context,
    days: Annotated[
        int | None, typer.Option(min=1, help=_("No purchase in this many days (default 30)."))
    ] = None,
    model: Annotated[
        bool,
        typer.Option(
            "--model",
            help=_(
                "Instead of --days: the members whose chance of still being a customer "
                "(p_alive of 'report forecast') is below --below."
            ),
        ),
    ] = False,
    below: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help=_("With --model: p_alive below this (default 0.5).")),
    ] = None,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: StoreOpt = None,
    limit: LimitOpt = None,
    show_pii: ShowPiiOpt = False,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import churn as report

    request = Request(fmt, out, as_of, where, segment, store, show_pii)
    if model or below is not None:
        _churn_model(ctx, request, days, model, below, limit)
        return
    days = CHURN_DAYS if days is None else days
    _report(
        ctx,
        "churn",
        request,
        lambda s, scope: report.build(session=s, scope=scope, days=days)[:limit],
    )


@report_app.command(
    help=_("Active members whose 12-month spend is within --within of the next tier's threshold.")
)
def upgrades(
    ctx: typer.Context,
    within: Annotated[
        float, typer.Option(min=0.0, max=1.0, help=_("Share of the next tier's threshold."))
    ] = UPGRADE_WITHIN,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: StoreOpt = None,
    limit: LimitOpt = None,
    show_pii: ShowPiiOpt = False,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from decimal import Decimal

    from memberctl.domain.reports import upgrades as report

    share = Decimal(str(within))
    request = Request(fmt, out, as_of, where, segment, store, show_pii)
    _report(
        ctx,
        "upgrades",
        request,
        lambda s, scope: report.build(session=s, scope=scope, within=share)[:limit],
    )


@report_app.command(
    help=_("Members with a birthday in a month (default this one) or in the next --days days.")
)
def birthdays(
    ctx: typer.Context,
    month: Annotated[
        int | None, typer.Option(min=1, max=12, help=_("Month 1-12; default --as-of's month."))
    ] = None,
    days: Annotated[
        int | None, typer.Option(min=0, max=366, help=_("Instead: --as-of and the N days after."))
    ] = None,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: StoreOpt = None,
    limit: LimitOpt = None,
    show_pii: ShowPiiOpt = False,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import birthdays as report

    request = Request(fmt, out, as_of, where, segment, store, show_pii)
    _report(
        ctx,
        "birthdays",
        request,
        lambda s, scope: report.build(session=s, scope=scope, month=month, days=days)[:limit],
    )


@report_app.command(
    help=_(
        "Active members, repurchase rate, average order value, purchase "
        "frequency, new members.\n"
        "\n"
        "Each beside the period of the same length just before, and the change."
    )
)
def kpi(
    ctx: typer.Context,
    start: FromOpt = None,
    end: ToOpt = None,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import kpi as report

    first, last = _days(start, end)
    request = Request(fmt, out, as_of, where, segment, store)
    _report(
        ctx,
        "kpi",
        request,
        lambda s, scope: report.build(session=s, scope=scope, start=first, end=last),
    )


@report_app.command(
    help=_("Points and stored value owed to members (the ledgers' sums at the end of --as-of).")
)
def liability(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import liability as report

    request = Request(fmt, out, as_of, where, segment, store)
    _report(ctx, "liability", request, lambda s, scope: report.build(session=s, scope=scope))


@report_app.command(
    help=_(
        "What a campaign gave and what the members it reached bought, after "
        "against before.\n"
        "\n"
        "Members reached, points or coupons given, coupons redeemed, and "
        "purchases by those members\n"
        "in the --days days from their first award against the --days days "
        "before it."
    )
)
def campaign(
    ctx: typer.Context,
    code: Annotated[
        str,
        typer.Argument(
            metavar="CODE",
            help=_("The campaign's code."),
            autocompletion=_completion.campaign_codes,
        ),
    ],
    days: Annotated[int, typer.Option(min=1, help=_("Days after (and before) the award."))] = 30,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import campaign as report

    request = Request(fmt, out, as_of, where, segment, store)
    _report(
        ctx,
        "campaign",
        request,
        lambda s, scope: report.build(session=s, scope=scope, code=code, days=days),
    )


@report_app.command(
    help=_(
        "Each question of a survey: how many gave each answer and their share, the mean "
        "rating, and the free-text answers (responses up to --as-of, of the members in scope)."
    )
)
def survey(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar="CODE", help=_("The survey's code."))],
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import survey as report

    request = Request(fmt, out, as_of, where, segment, store)
    _report(
        ctx, "survey", request, lambda s, scope: report.build(session=s, scope=scope, code=code)
    )


@report_app.command(
    help=_(
        "Closing the till: one day's sales, payments by method, refunds, net takings, new "
        "members and top-ups.\n"
        "\n"
        "Sales and refunds count in the store where the sale was made, new members in their home "
        "store;\n"
        "top-ups carry no store (with --store they are the whole shop's). See docs/reports.md."
    )
)
def daily(
    ctx: typer.Context,
    date: Annotated[
        dt.datetime | None,
        typer.Option(
            "--date",
            "--as-of",
            formats=["%Y-%m-%d"],
            metavar="YYYY-MM-DD",
            callback=day_in_range,
            help=_("The day; default today."),
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            help=_(
                "Only this store (code or name): the sales made there, the members it enrolled."
            ),
            autocompletion=_completion.store_codes,
        ),
    ] = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import daily as report

    request = Request(fmt, out, date)
    _report(
        ctx, "daily", request, lambda s, scope: report.build(session=s, scope=scope, store=store)
    )


@report_app.command(
    help=_(
        "Who brought whom: per referrer, the members they referred, what those members spent "
        "and what the referrer spent.\n"
        "\n"
        "A referral counts in the period when the referred member joined in it; spend is over "
        "purchases\n"
        "not refunded in the period. No --from and --to: all time up to --as-of."
    )
)
def referrals(
    ctx: typer.Context,
    start: Annotated[
        dt.datetime | None, _day_option("--from", _("First day; default the beginning."))
    ] = None,
    end: ToOpt = None,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: StoreOpt = None,
    limit: LimitOpt = None,
    show_pii: ShowPiiOpt = False,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import referrals as report

    first, last = _days(start, end)
    request = Request(fmt, out, as_of, where, segment, store, show_pii)
    _report(
        ctx,
        "referrals",
        request,
        lambda s, scope: report.build(session=s, scope=scope, start=first, end=last, limit=limit),
    )


@report_app.command(
    help=_(
        "Sales by store and the members each store holds, over a period (default: the 30 days "
        "up to --to).\n"
        "\n"
        "Revenue, purchases, buyers, average order, repurchase rate and visitors count in the "
        "store where\n"
        "the purchase was made; new members and members in their home store. See "
        "docs/reports.md."
    )
)
def stores(
    ctx: typer.Context,
    start: FromOpt = None,
    end: ToOpt = None,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: Annotated[
        str | None,
        typer.Option(
            help=_("Only this store's row (code or name)."),
            autocompletion=_completion.store_codes,
        ),
    ] = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import by_store as report

    first, last = _days(start, end)
    _report(
        ctx,
        "stores",
        Request(fmt, out, as_of),  # --where, --segment, --store: the report's own (by store)
        lambda s, scope: report.build(
            session=s,
            scope=scope,
            start=first,
            end=last,
            store=store,
            where=where,
            segment=segment,
        ),  # fmt: skip
    )


class ProductsBy(enum.StrEnum):
    category = "category"
    item = "item"


@report_app.command(
    help=_(
        "Best sellers by revenue and by buyers, a member's or a group's favourites against the "
        "shop's, and what is bought together.\n"
        "\n"
        "Per category (or --by item: the till's sale lines) over --from to --to (default the 30 "
        "days to --as-of);\n"
        "--member or --segment/--where for the comparison; --store: purchases made there. "
        "The rules are in docs/reports.md."
    )
)
def products(
    ctx: typer.Context,
    start: FromOpt = None,
    end: ToOpt = None,
    by: Annotated[
        ProductsBy, typer.Option(help=_("category, or item (sale lines only)."))
    ] = ProductsBy.category,
    member: Annotated[
        str | None,
        typer.Option(metavar="REF", help=_("This member's categories against the shop's.")),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help=_("How many pairs bought together."))] = 10,
    min_baskets: Annotated[
        int, typer.Option(min=1, help=_("A pair is listed when in at least this many baskets."))
    ] = 2,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: Annotated[
        str | None,
        typer.Option(
            help=_("Only purchases made in this store (code or name)."),
            autocompletion=_completion.store_codes,
        ),
    ] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import products as report

    report.check_group(member, where, segment)
    app = app_context(ctx)
    first, last = _days(start, end)

    def build(session: Session, scope: Scope) -> Any:
        who = app.member(session, member) if member is not None else None
        return report.build(
            session=session, scope=scope, start=first, end=last, by=by.value, member=who,
            where=where, segment=segment, store=store, limit=limit, top=top,
            min_baskets=min_baskets,
        )  # fmt: skip

    data = deliver(app, "products", Request(fmt, out, as_of), build)
    if by is ProductsBy.item and not data.sellers:
        from memberctl.cli._output import message

        message(
            _(
                "no sale lines in the period: --by item counts the items of sales rung up item "
                "by item (sale record --item); --by category counts every purchase"
            )
        )


@report_app.command(
    help=_(
        "Who is still a customer and what each member will buy: p_alive, expected purchases "
        "and spend\n"
        "in the next --days days, value at risk, a risk label (BG/NBD and Gamma-Gamma models).\n"
        "\n"
        "The models are fitted on the whole shop's purchase history up to --as-of; --where, "
        "--segment\n"
        "and --store choose the members listed. Highest value at risk first. See "
        "docs/reports.md."
    )
)
def forecast(
    ctx: typer.Context,
    days: Annotated[
        int, typer.Option(min=1, max=3660, help=_("Forecast the next this many days."))
    ] = 90,
    as_of: AsOfOpt = None,
    where: WhereOpt = None,
    segment: SegmentOpt = None,
    store: StoreOpt = None,
    limit: LimitOpt = None,
    show_pii: ShowPiiOpt = False,
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    from memberctl.domain.reports import forecast as report

    request = Request(fmt, out, as_of, where, segment, store, show_pii)
    _report(
        ctx,
        "forecast",
        request,
        lambda s, scope: report.build(session=s, scope=scope, days=days, limit=limit),
    )


def _churn_model(
    ctx: typer.Context,
    request: Request,
    days: int | None,
    model: bool,
    below: float | None,
    limit: int | None,
) -> None:
    """`report churn --model`: the members the forecast's model thinks have gone."""
    from memberctl.domain.reports import churn_model as report
    from memberctl.errors import UsageProblem

    if not model:
        raise UsageProblem(_("--below goes with --model"), _("add --model, or leave --below out"))
    if days is not None:
        raise UsageProblem(
            _("--days and --model do not go together"),
            _("--model decides by p_alive (--below), not by days"),
        )
    threshold = report.DEFAULT_BELOW if below is None else below
    _report(
        ctx,
        "churn",
        request,
        lambda s, scope: report.build(session=s, scope=scope, below=threshold)[:limit],
        layout="churn_model",
    )

"""`memberctl tier ...`: the tiers members move through."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import AllowFutureOpt, AsOfOpt, FormatOpt
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _, pgettext

if TYPE_CHECKING:
    from memberctl.domain.tier_simulation import Simulation
    from memberctl.domain.tiers import TierRecord

tier_app = typer.Typer(no_args_is_help=True, help=_("List and load membership tiers."))

TIER_COLUMNS = [
    Column("rank", _("Rank"), justify="right"),
    Column("code", _("Code")),
    Column("name", pgettext("thing", "Name")),
    Column("earn_rate", _("Points per 1.00"), justify="right", no_wrap=True),
    Column("multiplier", _("Points x"), justify="right"),
    Column("discount", _("Price factor"), justify="right"),
    Column("threshold", _("12-month spend"), justify="right"),
]
# CSV: the data, the tier's own rate (empty: the shop's) beside the rate it earns at
CSV_COLUMNS = [
    *(c for c in TIER_COLUMNS if c.key != "earn_rate"),
    Column("points_per_unit", "points_per_unit"),
    Column("earn_rate", "earn_rate"),
]


def _emit_tiers(rows: list[TierRecord], fmt: Format) -> None:
    """Tiers as a table (a rate that follows the shop's points.per_unit marked so), JSON or CSV."""
    if fmt != Format.table:
        emit(rows, fmt, CSV_COLUMNS)
        return
    from memberctl.domain import money

    shown: list[dict[str, Any]] = []
    for row in rows:
        rate = money.format(row.earn_rate)
        if row.points_per_unit is None:
            rate = _("{rate} (shop)").format(rate=rate)
        shown.append({**dataclasses.asdict(row), "earn_rate": rate})
    emit(shown, fmt, TIER_COLUMNS)
    if any(row.points_per_unit is None for row in rows):
        message(_("(shop): the tier earns at the shop's rate, setting points.per_unit"))


@tier_app.command("list", help=_("List the tiers, lowest rank first."))
def list_(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import tiers

    with app_context(ctx).read() as session:
        rows = tiers.list_tiers(session=session)
    _emit_tiers(rows, fmt)


@tier_app.command(
    help=_("Add or update tiers from a TOML file (see templates/tiers.toml); others are kept.")
)
def load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.toml", help=_("Tier definitions."))],
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import tiers

    app = app_context(ctx)
    with app.write() as session:
        rows = tiers.load(session=session, path=file, operator=app.operator, at=clock.now())
    message(_("loaded {name}").format(name=file.name))
    _emit_tiers(rows, fmt)


EVALUATE_COLUMNS = [
    Column("member_no", _("Member")),
    Column("action", _("Change")),
    Column("from_tier", _("From")),
    Column("to_tier", _("To")),
    Column("spend_12m", _("12-month spend"), justify="right"),
    Column("below_since", _("Below since")),
]


@tier_app.command(
    help=_(
        "Move active members to the tier their last 12 months of spend qualify "
        "for.\n"
        "\n"
        "Upgrades at once; downgrades only after the grace period "
        "(tier.grace_days, default 30).\n"
        "A tier set by hand or imported is kept (only upgrades) until its date "
        "(tier.kept_months, default 12).\n"
        "Without --apply it only lists the changes it would make."
    )
)
def evaluate(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    apply: Annotated[
        bool, typer.Option("--apply", help=_("Make the changes (default: list them)."))
    ] = False,
    allow_future: AllowFutureOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import evaluation

    app = app_context(ctx)
    asked = as_of.date() if as_of else None
    day = clock.writing_day(asked, allow_future=allow_future) if apply else clock.today(asked)
    with app.write() if apply else app.read() as session:
        result = evaluation.evaluate(
            session=session,
            as_of=day,
            apply=apply,
            operator=app.operator,
            at=clock.moment(day if as_of else None),
        )
    done = _("applied") if apply else _("would apply (add --apply to make them)")
    message(
        _(
            "{evaluated} members evaluated: {upgrades} upgrades, {downgrades} "
            "downgrades {done}; {count} in the grace period"
        ).format(
            evaluated=result.evaluated,
            upgrades=result.upgrades,
            downgrades=result.downgrades,
            done=done,
            count=len(result.in_grace),
        )
    )
    if result.kept:
        message(
            _(
                "kept below their tier (set by hand or imported): {count}, the soonest until "
                "{until}; -f json lists them under kept"
            ).format(count=len(result.kept), until=min(k.kept_until for k in result.kept))
        )
    emit(result if fmt == Format.json else result.changes, fmt, EVALUATE_COLUMNS)


def _change_words() -> dict[str, str]:
    return {
        "upgrade": _("upgrade"),
        "downgrade": _("downgrade"),
        "grace": _("grace period"),
        "kept": _("kept"),
        "stay": _("stays"),
    }


def _simulate_columns(names: dict[str, str]) -> list[Column]:
    """The moves' table: tiers by name in Chinese (the file's names, new tiers too)."""
    from memberctl.i18n import current

    def tier(code: str) -> str:
        return code if current() == "en" else names.get(code, code)

    words = _change_words()
    return [
        Column("from_tier", _("From"), show=tier),
        Column("to_tier", _("To"), show=tier),
        Column("action", _("Change"), show=lambda a: words.get(a, a), no_wrap=True),
        Column("members", _("Members"), justify="right"),
        Column("spend_12m", _("12-month spend"), justify="right", drop=1),
        Column("points_now", _("Points now"), justify="right"),
        Column("points_after", _("Points after"), justify="right"),
        Column("points_settled", _("Points settled"), justify="right"),
    ]


def _simulate_format(fmt: Format | None, out: Path | None) -> Format:
    """--format, else --out's suffix (.json, .csv), else a table; a table is not written."""
    from memberctl.errors import UsageProblem

    if fmt is None and out is not None:
        suffix = out.suffix.lower().lstrip(".")
        if suffix not in ("json", "csv"):
            raise UsageProblem(
                _("cannot tell the format of --out '{name}'").format(name=out.name),
                _("give --format json or csv, or a file name with that suffix"),
            )
        fmt = Format(suffix)
    if fmt == Format.table and out is not None:
        raise UsageProblem(
            _("a table is for the terminal"), _("with --out give --format json or csv")
        )
    return fmt or Format.table


@tier_app.command(
    help=_(
        "What loading a tier file would do, writing nothing: the members who would move "
        "from which tier to which (as tier load then tier evaluate on --as-of), and the "
        "points a year the last 12 months of purchases earn now and under the file."
    )
)
def simulate(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.toml", help=_("Tier definitions."))],
    as_of: AsOfOpt = None,
    fmt: Annotated[
        Format | None,
        typer.Option("--format", "-f", help=_("table (default), json or csv.")),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help=_("Write json or csv to FILE.")),
    ] = None,
) -> None:
    from memberctl import clock
    from memberctl.cli import _report_output
    from memberctl.domain import tier_simulation

    shown = _simulate_format(fmt, out)
    app = app_context(ctx)
    day = clock.today(as_of.date() if as_of else None)
    with app.read() as session:
        result = tier_simulation.simulate(session=session, path=file, as_of=day, staff=app.identity)
    _simulate_summary(result)
    if shown == Format.table:
        names = {t.code: t.name for t in result.tiers}
        title = _("Moves under {name} as of {date} (nothing written)").format(
            name=file.name, date=day
        )
        emit(result.moves, shown, _simulate_columns(names), title=title)
    else:
        data = result if shown == Format.json else result.moves
        _report_output.deliver("tier-simulate", data, shown.value, out)


def _simulate_summary(result: Simulation) -> None:
    message(
        _(
            "active members: {evaluated}; upgrades now: {upgrades}, downgrades now: "
            "{downgrades}, downgrades after the grace period: {grace}, kept below their tier "
            "(set by hand or imported): {kept}"
        ).format(
            evaluated=result.evaluated,
            upgrades=result.upgrades,
            downgrades=result.downgrades,
            grace=result.in_grace,
            kept=result.kept,
        )
    )
    points = result.points
    message(
        _(
            "points a year at the current pace: {now:,} now, {after:,} after loading "
            "({change:+,}), {settled:,} once every member is in the tier their spend "
            "qualifies for"
        ).format(
            now=points.now,
            after=points.after,
            change=points.after - points.now,
            settled=points.settled,
        )
    )
    if result.stores is not None:
        message(_("members of {stores} only").format(stores=", ".join(result.stores)))

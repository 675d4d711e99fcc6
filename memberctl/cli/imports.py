"""`memberctl import ...`: members and purchases from .xlsx, .xls or .csv files.

Strict by default: one rejected row and nothing is written (exit 5, the result still printed).
memberctl.spreadsheets reads the sheet into plain rows and memberctl.domain.imports applies the
rules to them; both are imported inside the commands so that pandas and calamine load only when
a sheet is really read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from memberctl import collector
from memberctl.cli._context import AppContext, app_context
from memberctl.cli._options import FormatOpt, TierUntilOpt
from memberctl.cli._output import Column, Format, emit, err_console, visible
from memberctl.i18n import _, pgettext

if TYPE_CHECKING:
    from memberctl.domain.imports.report import Options, Report
    from memberctl.spreadsheets.importer import SheetOptions

import_app = typer.Typer(no_args_is_help=True, help=_("Import members or purchases from a sheet."))


class OnExisting(StrEnum):
    error = "error"
    skip = "skip"
    update = "update"


FileArg = Annotated[Path, typer.Argument(metavar="FILE", help=_(".xlsx, .xls, .ods or .csv file."))]
SheetOpt = Annotated[str | None, typer.Option(help=_("Sheet name; default the first with data."))]
MappingOpt = Annotated[
    Path | None,
    typer.Option(metavar="FILE.toml", help=_("Extra header aliases (templates/mapping.toml).")),
]
SkipInvalidOpt = Annotated[
    bool, typer.Option("--skip-invalid", help=_("Write the valid rows and exit 0 despite rejects."))
]
ErrorsOpt = Annotated[
    Path | None,
    typer.Option(
        "--errors",
        metavar="FILE",
        help=_("Rejected rows go here (default FILE.errors.csv/.ods/.xlsx)."),
    ),
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help=_("Check everything, write nothing."))]
AddStoresOpt = Annotated[
    bool,
    typer.Option(
        "--add-stores",
        help=_("Register the stores the file names that are not registered (else: rejected rows)."),
    ),
]
HeaderRowOpt = Annotated[
    int | None,
    typer.Option(
        "--header-row",
        metavar="N",
        min=1,
        help=_("Row of the column names (1 = the first); default the first row that has them."),
    ),
]

SUMMARY = [
    Column("inserted", _("Inserted"), justify="right"),
    Column("updated", _("Updated"), justify="right"),
    Column("skipped", _("Skipped"), justify="right"),
    Column("rejected", _("Rejected"), justify="right"),
    Column("seconds", _("Seconds"), justify="right"),
    Column("rows_per_s", _("Rows/s"), justify="right"),
]
# A dry run or a refused import wrote nothing: its table says what it would have written.
WOULD = [
    Column("would_insert", _("Would insert"), justify="right"),
    Column("would_update", _("Would update"), justify="right"),
    *SUMMARY[2:],
]


# A progress bar from about 3,000 CSV or 5,000 .xlsx rows on: below that an import is over in
# well under a second.
PROGRESS_BYTES = 256 * 1024


@contextmanager
def _progress(enabled: bool, path: Path) -> Iterator[Callable[[int, int | None], None] | None]:
    """A rich progress bar on stderr, only on a terminal: the file, the share done when the
    number of rows is known (an Excel sheet), the rows so far and the time taken. It pulses
    while the sheet is read and goes away at the end, leaving the summary."""
    if not (enabled and err_console.is_terminal):
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn(_("{task.completed:,.0f} rows")),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(visible(_("importing {file}").format(file=path.name)), total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _read_ahead(path: Path, sheet: str | None) -> None:
    """An Excel file starts being read now, beside loading pandas and the database layer."""
    from memberctl.spreadsheets import excel

    excel.read_ahead(path, sheet)


def _warn(text: str) -> None:
    from memberctl.cli._errors import one_line

    err_console.print(
        _("warning: {text}").format(text=one_line(text)),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _note(text: str) -> None:
    from memberctl.cli._errors import one_line

    err_console.print(
        _("note: {text}").format(text=one_line(text)),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _notes(report: Report) -> None:
    """Where the headers were found and which rows were left out as totals (stderr)."""
    if report.header_row > 1:
        _note(_("headers found on row {row} (rows above skipped)").format(row=report.header_row))
    if report.total_rows:
        rows = ", ".join(str(row) for row in report.total_rows)
        _note(_("total row(s) left out, not imported: row {rows}").format(rows=rows))
    if report.stores_added:
        added = ", ".join(report.stores_added)
        if report.discarded:
            _note(
                _("stores that would be registered (nothing written): {stores}").format(
                    stores=added
                )
            )
        else:
            _note(_("stores registered: {stores}").format(stores=added))


def _options(app: AppContext, **values: Any) -> Options:
    from memberctl import clock
    from memberctl.domain.imports.report import Options

    return Options(operator=app.operator, at=clock.now(), region=app.region, **values)


def _sheet_options(**values: Any) -> SheetOptions:
    from memberctl.spreadsheets.importer import SheetOptions

    return SheetOptions(warn=_warn, **values)


def _import(kind: str, session: Any, path: Path, options: Options, sheet: SheetOptions) -> Report:
    """The sheet's rows (spreadsheets) through the import rules (domain), in the caller's
    transaction."""
    from memberctl.domain.imports import members, purchases
    from memberctl.spreadsheets import importer

    with collector.paused():  # from the reading of the sheet on (0.1-0.2 s of CPU)
        if kind == "members":
            source = importer.member_sheet(path, sheet, options.region)
            return members.import_members(session=session, source=source, options=options)
        source = importer.purchase_sheet(path, sheet, options.region)
        return purchases.import_purchases(session=session, source=source, options=options)


def _run(
    app: AppContext, fmt: Format, kind: str, path: Path, options: Options, sheet: SheetOptions
) -> None:
    """One transaction around the import; then the result, and exit 5 for strict rejects."""
    from memberctl.domain.imports.report import Discarded
    from memberctl.errors import InvalidInput

    big = path.is_file() and path.stat().st_size > PROGRESS_BYTES
    try:
        with (
            _progress(big and fmt != Format.json, path) as progress,
            app.write(bulk=True) as session,
        ):
            sheet.progress = progress
            report = _import(kind, session, path, options, sheet)
    except Discarded as discarded:
        report = discarded.report
    if fmt != Format.json:
        _notes(report)
    _show(report, fmt)
    if report.rejected:
        first = report.errors[0]
        where = _("row {row}").format(row=first.row)
        if first.column:
            where += _(", column {column}").format(column=first.column)
        saved = ""
        if report.errors_file:
            saved = _("; rejected rows are in {file}").format(file=report.errors_file)
        summary = _("{count} row(s) rejected (first: {where}: {message}){saved}").format(
            count=report.rejected, where=where, message=first.message, saved=saved
        )
        if not options.skip_invalid:
            hint = _("fix those rows and import again, or use --skip-invalid")
            raise InvalidInput(_("{summary}; nothing was written").format(summary=summary), hint)
        _warn(summary)


def _show(report: Report, fmt: Format) -> None:
    if fmt == Format.json:
        emit(report.result(), fmt)
        return
    rate = round(report.rows / report.seconds) if report.seconds else report.rows
    row = {**report.result(), "seconds": f"{report.seconds:.2f}", "rows_per_s": rate}
    if fmt == Format.csv:
        keys = [c.key for c in SUMMARY[:4] + WOULD[:2] + SUMMARY[4:]]
        emit({k: row[k] for k in keys} | {"dry_run": report.dry_run}, fmt)
        return
    if not report.discarded:
        emit([row], fmt, SUMMARY)
        return
    title = _("dry run: nothing written") if report.dry_run else _("refused: nothing written")
    emit([row], fmt, WOULD, title=title)


@import_app.command(
    help=_(
        "Import members. Headers in Chinese or English (姓名/name, 手机号/phone, "
        "...); opening\n"
        "points (积分) and balance (余额) become ledger entries for new members."
    )
)
def members(
    ctx: typer.Context,
    file: FileArg,
    sheet: SheetOpt = None,
    mapping: MappingOpt = None,
    on_existing: Annotated[
        OnExisting,
        typer.Option(
            help=_("A member already in the database: reject the row, skip it or update it.")
        ),
    ] = OnExisting.error,
    skip_invalid: SkipInvalidOpt = False,
    errors: ErrorsOpt = None,
    dry_run: DryRunOpt = False,
    tier_until: TierUntilOpt = None,
    header_row: HeaderRowOpt = None,
    add_stores: AddStoresOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    _read_ahead(file, sheet)
    app = app_context(ctx)
    options = _options(
        app,
        on_existing=on_existing.value,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        add_stores=add_stores,
        tier_until=tier_until.date() if tier_until else None,
    )
    reading = _sheet_options(
        sheet=sheet, header_row=header_row, mapping=mapping, errors_path=errors
    )
    _run(app, fmt, "members", file, options, reading)


@import_app.command(
    help=_(
        "Import purchases (member by phone or member number; order number, "
        "amount, time, store,\n"
        "category). An order number already recorded for its store is skipped, "
        "never doubled;\n"
        "points are earned by each member's tier rule."
    )
)
def purchases(
    ctx: typer.Context,
    file: FileArg,
    sheet: SheetOpt = None,
    mapping: MappingOpt = None,
    skip_invalid: SkipInvalidOpt = False,
    errors: ErrorsOpt = None,
    dry_run: DryRunOpt = False,
    header_row: HeaderRowOpt = None,
    add_stores: AddStoresOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    _read_ahead(file, sheet)
    app = app_context(ctx)
    options = _options(app, skip_invalid=skip_invalid, dry_run=dry_run, add_stores=add_stores)
    reading = _sheet_options(
        sheet=sheet, header_row=header_row, mapping=mapping, errors_path=errors
    )
    _run(app, fmt, "purchases", file, options, reading)


def _kind(kind: str) -> str:
    kinds = {"members": pgettext("import", "members"), "purchases": pgettext("import", "purchases")}
    return kinds.get(kind, kind)


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


def _undo_action(action: str) -> str:
    actions = {
        "remove": pgettext("undo", "remove"),
        "restore": pgettext("undo", "restore"),
        "remove purchases": pgettext("undo", "remove purchases"),
    }
    return actions.get(action, action)


def _field_names(names: list[str]) -> str:
    """Fields as the sheet's own headers name them (姓名, 手机号... in Chinese)."""
    from memberctl.i18n import current
    from memberctl.spreadsheets.export import HEADERS

    headers = HEADERS.get(current(), HEADERS["en"])
    return _(", ").join(headers.get(name, name) for name in names)


def _run_columns() -> list[Column]:
    """Built when shown, in the language chosen (`--lang`), like `member` columns."""
    return [
        Column("run", pgettext("import", "Run"), justify="right"),
        Column("file", _("File")),
        Column("at", _("When"), show=lambda t: t.strftime("%Y-%m-%d %H:%M:%S")),
        Column("operator", _("By")),
        Column("kind", _("Kind"), show=_kind),
        Column("inserted", _("Inserted"), justify="right"),
        Column("updated", _("Updated"), justify="right"),
        Column("rejected", _("Rejected"), justify="right"),
        Column("undone", _("Undone"), show=lambda undone: _("yes") if undone else ""),
    ]


def _undo_columns() -> list[Column]:
    return [
        Column("run", pgettext("import", "Run")),
        Column("kind", _("Kind"), show=_kind),
        Column("file", _("File")),
        Column("removed", _("Removed")),
        Column("restored", _("Restored")),
        Column("already_undone", _("Already undone"), show=_yes),
        Column("dry_run", _("Dry run"), show=_yes),
    ]


def _undo_member_columns() -> list[Column]:
    return [
        Column("member_no", _("Member")),
        Column("action", _("Action"), show=_undo_action),
        Column("fields", _("Fields"), show=_field_names),
        Column("purchases", _("Purchases"), justify="right"),
    ]


@import_app.command(help=_("The imports done, oldest first: file, time, operator, counts."))
def runs(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import import_runs

    app = app_context(ctx)
    with app.read() as session:
        rows = import_runs.list_runs(session)
    emit(rows, fmt, _run_columns())


@import_app.command(
    help=_(
        "Take an import back while nothing depends on it: the members it inserted go, the\n"
        "fields it updated get their old values back (purchases: its purchases and points go)."
    )
)
def undo(
    ctx: typer.Context,
    run: Annotated[int, typer.Argument(metavar="RUN", help=_("The run, from `import runs`."))],
    dry_run: DryRunOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import import_runs

    app = app_context(ctx)
    with app.read() if dry_run else app.write(bulk=True) as session:
        result = import_runs.undo(
            session=session, run_id=run, operator=app.operator, at=clock.now(), dry_run=dry_run
        )
    if fmt != Format.table:
        emit(result.result(), fmt, _undo_columns())
        return
    title = _("dry run: nothing changed") if dry_run else None
    if result.already_undone:
        title = _("already undone: nothing changed")
    emit(result.result(), fmt, _undo_columns(), title=title)
    if dry_run and result.members:
        drop = "fields" if result.kind == "purchases" else "purchases"
        emit(result.members, fmt, [c for c in _undo_member_columns() if c.key != drop])

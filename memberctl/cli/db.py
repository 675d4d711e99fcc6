"""`memberctl db ...`: schema upgrades and facts about the database."""

from __future__ import annotations

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt
from memberctl.cli._output import Column, Format, console, emit, message

db_app = typer.Typer(no_args_is_help=True, help="Upgrade and inspect the database.")


@db_app.command()
def upgrade(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Create or migrate the schema to this version of memberctl (also done on first use)."""
    from memberctl.db.migrate import upgrade as migrate

    app = app_context(ctx)
    revision = migrate(app.engine)
    message(f"schema at revision {revision}")
    emit({"schema_revision": revision}, fmt)


@db_app.command()
def info(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Where the database is (password hidden), its schema version and row counts."""
    from memberctl.db.info import describe

    data = describe(app_context(ctx).engine)
    emit(data, fmt)


@db_app.command()
def check(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Check the ledgers: caches equal ledger sums, nothing negative or over-spent, no orphans.

    Exits 0 and prints 'ok' when all hold; otherwise lists the problems and exits 1.
    """
    from memberctl.domain import dbcheck

    with app_context(ctx).read() as session:
        problems = dbcheck.check(session=session)
    if fmt == Format.json:
        emit({"ok": not problems, "problems": problems}, fmt)
    elif fmt == Format.csv:
        emit(problems, fmt, CHECK_COLUMNS)
    else:  # one line per problem, so that grep and a log file read it whole
        for line in [str(p) for p in problems] or ["ok"]:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    if problems:
        message(f"{len(problems)} problems found")
        raise typer.Exit(1)


CHECK_COLUMNS = [
    Column("check", "Check"),
    Column("member_no", "Member"),
    Column("detail", "Problem"),
]

"""`memberctl db ...`: schema upgrades and facts about the database."""

from __future__ import annotations

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt
from memberctl.cli._output import Format, emit, message

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

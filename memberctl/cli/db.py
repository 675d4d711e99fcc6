"""`memberctl db ...`: schema upgrades and facts about the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from memberctl.cli import _passphrase
from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt, YesOpt
from memberctl.cli._output import Column, Format, console, emit, message, visible
from memberctl.cli._prompt import confirm
from memberctl.i18n import _, pgettext

db_app = typer.Typer(
    no_args_is_help=True, help=_("Upgrade, inspect, check, back up and restore the database.")
)


@db_app.command(
    help=_(
        "Create the schema, or migrate it to this version of memberctl (other commands create it "
        "only in an empty database)."
    )
)
def upgrade(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl.db.migrate import upgrade as migrate
    from memberctl.domain import db_roles

    app = app_context(ctx)
    revision = migrate(app.open(create_folders=True, behind_ok=True))
    with app.write() as session:  # PostgreSQL: grants on the new tables too
        db_roles.refresh(session.connection())
    message(_("schema at revision {revision}").format(revision=revision))
    emit({"schema_revision": revision}, fmt)


@db_app.command(
    help=_("Where the database is (password hidden), its schema version and row counts.")
)
def info(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl.db.info import describe

    data = describe(app_context(ctx).open(unknown_schema_ok=True, behind_ok=True))
    if not data["schema_known"]:
        message(
            _(
                "the schema version '{revision}' is unknown to this memberctl (it knows up to "
                "{head}): upgrade memberctl before using this database"
            ).format(revision=data["schema_revision"], head=data["schema_head"]),
        )
    elif data["schema_revision"] != data["schema_head"]:
        behind = _(
            "the schema version {revision} is older than this memberctl's {head}: run "
            "'memberctl db upgrade' before using this database"
        )
        message(behind.format(revision=data["schema_revision"], head=data["schema_head"]))
    _emit_with_rows(data, fmt)


@db_app.command(
    help=_(
        "Check the ledgers: caches equal ledger sums, nothing negative or "
        "over-spent, no orphans.\n"
        "\n"
        "Exits 0 and prints 'ok' when all hold; otherwise lists the problems and "
        "exits 1."
    )
)
def check(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import dbcheck

    with app_context(ctx).read() as session:
        problems = dbcheck.check(session=session)
    if fmt == Format.json:
        emit({"ok": not problems, "problems": problems}, fmt)
    elif fmt == Format.csv:
        emit(problems, fmt, CHECK_COLUMNS)
    else:  # one line per problem, so that grep and a log file read it whole
        for line in [str(p) for p in problems] or [_("ok")]:
            console.print(visible(line), markup=False, highlight=False, soft_wrap=True)
    if problems:
        message(_("{count} problems found").format(count=len(problems)))
        raise typer.Exit(1)


CHECK_COLUMNS = [
    Column("check", _("Check")),
    Column("member_no", _("Member")),
    Column("detail", _("Problem")),
]


BackupFile = Annotated[Path, typer.Argument(metavar="FILE", help=_("The backup file."))]


@db_app.command(
    help=_(
        "Write a consistent backup while the shop keeps working (file readable "
        "by you only).\n"
        "\n"
        "SQLite: a copy made with SQLite's online backup API. PostgreSQL: a "
        "logical export (gzip,\n"
        "one JSON document per table), no pg_dump needed; it restores into "
        "SQLite too.\n"
        "\n"
        "--encrypt seals it with a passphrase (AES-256-GCM, key from scrypt); "
        "a lost passphrase\n"
        "cannot be recovered."
    )
)
def backup(
    ctx: typer.Context,
    file: BackupFile,
    encrypt: _passphrase.EncryptOpt = False,
    passphrase_file: _passphrase.PassphraseFileOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl.db.backup import backup as write_backup

    app = app_context(ctx)
    passphrase = _passphrase.for_backup(encrypt, passphrase_file, no_input=app.no_input)
    info = write_backup(app.open(behind_ok=True), file, passphrase)  # before an upgrade too
    message(
        _("backed up to {file} ({bytes} bytes, schema {schema_revision})").format(
            file=file, bytes=info.bytes, schema_revision=info.schema_revision
        )
    )
    _emit_with_rows(info, fmt)


@db_app.command(
    help=_(
        "Replace everything in the database with a backup made by `db backup`.\n"
        "\n"
        "Refuses files that are not memberctl backups (exit 5) or come from a "
        "newer memberctl (4).\n"
        "An older backup is upgraded to this version's schema as it is restored.\n"
        "An encrypted backup asks for its passphrase (or give --passphrase-file); "
        "a wrong one\n"
        "restores nothing (exit 5)."
    )
)
def restore(
    ctx: typer.Context,
    file: BackupFile,
    passphrase_file: _passphrase.PassphraseFileOpt = None,
    yes: YesOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl.db.backup import restore as restore_backup

    app = app_context(ctx)
    if not file.is_file():
        from memberctl.errors import NotFound

        raise NotFound(_("no file '{file}'").format(file=file), _("check the path of the backup"))
    passphrase = _passphrase.for_restore(file, passphrase_file, no_input=app.no_input)
    confirm(
        _("Replace everything in the database with {name}?").format(name=file.name),
        yes=yes,
        no_input=app.no_input,
    )
    # it upgrades the database first
    info = restore_backup(app.open(behind_ok=True), file, passphrase)
    message(
        _("restored {file} (schema {schema_revision})").format(
            file=file, schema_revision=info.schema_revision
        )
    )
    _emit_with_rows(info, fmt)


def _emit_with_rows(info: Any, fmt: Format) -> None:
    """A record whose `rows` are {table: count}: in a table, labelled rows and then one row
    per database table (not a JSON blob in a cell); JSON and CSV as they are."""
    if fmt != Format.table:
        emit(info, fmt)
        return
    from memberctl.cli._output import plain

    data = plain(info)
    counts = data.pop("rows")
    if "format" in data:  # a backup's kind in words
        kinds = {
            "sqlite": pgettext("backup", "SQLite file"),
            "logical": pgettext("backup", "logical export"),
        }
        data["format"] = kinds.get(data["format"], data["format"])
    emit(data, fmt)
    rows = [{"table": name, "rows": count} for name, count in sorted(counts.items())]
    emit(rows, fmt, [Column("table", _("Table")), Column("rows", _("Rows"), justify="right")])

"""`memberctl nightly`: the cron job (expire points, apply tiers, run due campaigns)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from memberctl.cli import _passphrase
from memberctl.cli._context import app_context
from memberctl.cli._options import AllowFutureOpt, AsOfOpt
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _

JsonFirstOpt = Annotated[
    Format, typer.Option("--format", "-f", help=_("Output: json (default), table or csv."))
]

HELP = _(
    "Expire points, evaluate and apply tiers, run the campaigns that are due; one summary.\n"
    "\n"
    "Safe to run twice for one day (the second run changes nothing). While another nightly runs\n"
    "on the same database it exits 0 saying so. Each step is its own transaction: a failing step\n"
    "is reported (exit 1) without undoing the others."
)


def nightly(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    wait: Annotated[
        float,
        typer.Option(
            min=0, metavar="SECONDS", help=_("Wait this long for another running nightly to end.")
        ),
    ] = 0,
    backup_dir: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR", help=_("First back up the database to DIR/memberctl-DAY.backup.")
        ),
    ] = None,
    keep: Annotated[
        int, typer.Option(min=1, help=_("With --backup-dir: keep the newest N backups."))
    ] = 7,
    encrypt: _passphrase.EncryptOpt = False,
    passphrase_file: _passphrase.PassphraseFileOpt = None,
    allow_future: AllowFutureOpt = False,
    fmt: JsonFirstOpt = Format.json,
) -> None:
    """Expire points, evaluate and apply tiers, run the campaigns that are due; one summary.

    Safe to run twice for one day (the second run changes nothing). While another nightly runs
    on the same database it exits 0 saying so. Each step is its own transaction: a failing step
    is reported (exit 1) without undoing the others.
    """
    from memberctl import clock
    from memberctl.domain import nightly as job

    app = app_context(ctx)
    if (encrypt or passphrase_file is not None) and backup_dir is None:
        from memberctl.errors import UsageProblem

        raise UsageProblem(
            _("--encrypt and --passphrase-file need --backup-dir"), _("add --backup-dir DIR")
        )
    passphrase = _passphrase.for_backup(encrypt, passphrase_file, no_input=app.no_input)
    day = clock.writing_day(as_of.date() if as_of else None, allow_future=allow_future)
    result = job.run(
        engine=app.engine,
        as_of=day,
        operator=app.operator,
        at=clock.moment(as_of.date() if as_of else None),
        wait=wait,
        backup_dir=backup_dir,
        keep=keep,
        passphrase=passphrase,
    )
    if isinstance(result, job.Skipped):
        message(_("{reason}; nothing done").format(reason=result.reason))
        emit(result, fmt)
        return
    for error in result.errors:
        message(_("error: {step}: {message}").format(step=error["step"], message=error["message"]))
    if result.checkpoint is not None and not result.checkpoint["wiped"]:
        message(
            _(
                "another program is reading the database, so {wal} could not be emptied; the "
                "next nightly tries again"
            ).format(wal=result.checkpoint["wal"])
        )
    if fmt == Format.table:
        _table(result)
    else:
        emit(result, fmt)
    if not result.ok:
        raise typer.Exit(1)


TIER_COUNTS = ("evaluated", "upgrades", "downgrades", "in_grace")


def _table(result: Any) -> None:
    """The summary as labelled rows (the JSON's nested objects are not shown as JSON text)."""
    expired, tiers = result.expired or {}, result.tiers or {}
    runs = "; ".join(
        _("{campaign} {period}: {awarded} of {targeted}").format(**vars(run))
        for run in result.campaigns
    )
    row = {
        "as_of": result.as_of,
        "ok": result.ok,
        "expired": _("{points} points, {entries} entries, {members} members").format(
            points=expired.get("points", 0),
            entries=expired.get("entries", 0),
            members=expired.get("members", 0),
        ),
        "tiers": _(
            "{evaluated} evaluated: {upgrades} up, {downgrades} down, {in_grace} in grace"
        ).format(**{k: tiers.get(k, 0) for k in TIER_COUNTS}),
        "campaigns": runs,
        "errors": len(result.errors),
        "backup": (result.backup or {}).get("file"),
    }
    emit(
        row,
        Format.table,
        [
            Column("as_of", _("As of")),
            Column("ok", _("All steps done")),
            Column("expired", _("Points expired")),
            Column("tiers", _("Tiers")),
            Column("campaigns", _("Campaigns run")),
            Column("errors", _("Errors")),
            Column("backup", _("Backup")),
        ],
    )

"""Where an encrypted backup's passphrase comes from: a hidden prompt on a terminal (asked twice
when encrypting) or the first line of --passphrase-file. Never the command line or the
environment: both are seen by other users of the machine (ps, /proc) and kept in shell history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from memberctl.cli import _prompt
from memberctl.errors import InvalidInput, UsageProblem
from memberctl.i18n import _

EncryptOpt = Annotated[
    bool,
    typer.Option(
        "--encrypt",
        help=_(
            "Encrypt the backup with a passphrase (asked twice on a terminal, or "
            "--passphrase-file). A lost passphrase cannot be recovered."
        ),
    ),
]
PassphraseFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        metavar="PATH",
        help=_(
            "Read the passphrase from the first line of this file (keep it readable by you only)."
        ),
    ),
]


def for_backup(encrypt: bool, file: Path | None, *, no_input: bool) -> str | None:
    """The passphrase to encrypt a backup with, or None for a plain backup."""
    from memberctl.db import crypt

    if not encrypt:
        if file is not None:
            raise UsageProblem(
                _("--passphrase-file is given without --encrypt"),
                _("add --encrypt, or leave out --passphrase-file"),
            )
        return None
    if file is not None:
        return crypt.check_passphrase(crypt.read_passphrase_file(file))
    if not _prompt.interactive(no_input):
        raise UsageProblem(
            _("--encrypt needs a passphrase"),
            _("give --passphrase-file (prompts need a terminal)"),
        )
    first = crypt.check_passphrase(_prompt.secret(_("Passphrase for the backup:")))
    if _prompt.secret(_("The same passphrase again:")) != first:
        raise InvalidInput(
            _("the two passphrases differ; nothing was written"), _("run the command again")
        )
    return first


def for_restore(path: Path, file: Path | None, *, no_input: bool) -> str | None:
    """The passphrase of an encrypted backup at `path` (None for a plain one: nothing asked)."""
    from memberctl.db import crypt

    if not crypt.is_encrypted(path):
        return None
    if file is not None:
        return crypt.read_passphrase_file(file)
    if not _prompt.interactive(no_input):
        raise UsageProblem(
            _("the backup '{name}' is encrypted").format(name=path.name),
            _("give --passphrase-file (prompts need a terminal)"),
        )
    passphrase = _prompt.secret(_("Passphrase of {name}:").format(name=path.name))
    if not passphrase:
        raise InvalidInput(_("the passphrase is empty"), _("run the command again"))
    return passphrase

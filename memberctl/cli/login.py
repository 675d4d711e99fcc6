"""`memberctl login`, `logout` and `whoami` (issue 18): run by anyone, logged in or not.

`login` keeps the session's token in a file readable by this OS user only (session_file), one
per database; `logout` ends the session and removes the file.
"""

from __future__ import annotations

from typing import Annotated

import typer

from memberctl.cli import _prompt
from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt
from memberctl.cli._output import Column, Format, emit, message
from memberctl.cli.staff import PasswordStdinOpt, moment, read_password
from memberctl.i18n import _, pgettext

LOGIN_HELP = _(
    "Log in as a staff member: asks the name (unless given) and the password, hidden. The "
    "session ends after staff.idle_minutes without a command and at staff.session_end.\n"
    "A wrong name or password is exit 6; five wrong passwords in a row lock the account for "
    "staff.lockout_minutes."
)
LOGOUT_HELP = _("End this database's login session and remove its token file.")
WHOAMI_HELP = _("Who is acting: name, role, stores, and how (session, token, database role).")

WHO_COLUMNS = [
    Column("name", pgettext("thing", "Name")),
    Column("role", _("Role"), words="role"),
    Column("stores", _("Stores"), show=lambda v: ", ".join(v) if v else _("every store")),
    Column("how", _("How")),
    Column("until", _("Until"), show=moment),
]


def _token() -> str | None:
    import os

    return os.environ.get("MEMBERCTL_TOKEN") or None


def login(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(metavar="[NAME]", help=_("Your staff name; asked for when left out.")),
    ] = None,
    password_stdin: PasswordStdinOpt = False,
) -> None:
    from memberctl import clock, session_file
    from memberctl.domain import login as logins
    from memberctl.domain.login import shown

    app = app_context(ctx)
    if name is None:
        name = _prompt.ask(_("Name:"), "NAME", no_input=app.no_input) or ""
    password = read_password(password_stdin, no_input=app.no_input, twice=False)
    url = app.settings.db_url
    with app.write() as session:
        outcome = logins.login(
            session, name=name, password=password, now=clock.now(),
            fallback_operator=app.settings.operator, previous=session_file.read(url),
        )  # fmt: skip
    session_file.write(url, outcome.token())  # the refusal (exit 6) once the failure is kept
    assert outcome.until is not None  # noqa: S101  (a session was issued)
    message(
        _("logged in as {name} until {until}").format(name=outcome.name, until=shown(outcome.until))
    )


def logout(ctx: typer.Context) -> None:
    from memberctl import clock, session_file
    from memberctl.domain import login as logins

    app = app_context(ctx)
    url = app.settings.db_url
    with app.write() as session:
        names = logins.logout(
            session, tokens=[t for t in (session_file.read(url), _token()) if t], at=clock.now()
        )
    removed = session_file.remove(url)
    if names:
        message(_("{name} is logged out").format(name=", ".join(names)))
    elif removed:
        message(_("the session had already ended; its token file is removed"))
    else:
        message(_("nobody was logged in"))


def whoami(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl import session_file
    from memberctl.domain import login as logins

    app = app_context(ctx)
    identity = app.identity  # not logged in: exit 6, saying so
    with app.read() as session:
        who = logins.whoami(
            session, identity=identity, token=_token() or session_file.read(app.settings.db_url)
        )
    if fmt == Format.table:
        shown = {
            "session": _("logged in"),
            "token": _("a job's token"),
            "database role": _("database role"),
            "no staff yet": _("no staff yet"),
        }
        emit({**who.__dict__, "how": shown[who.how]}, fmt, WHO_COLUMNS)
        return
    emit(who, fmt, WHO_COLUMNS)

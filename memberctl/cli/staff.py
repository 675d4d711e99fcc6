"""`memberctl staff ...`: the shop's staff accounts and the jobs' tokens (issue 18).

Passwords are typed hidden on a terminal (twice when set) or read as one line from stdin with
--password-stdin; never an option or an environment variable.
"""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from memberctl.cli import _completion, _prompt
from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _, pgettext

staff_app = typer.Typer(
    no_args_is_help=True,
    help=_(
        "The shop's staff: add people with a role and a password, list, disable them; tokens "
        "for jobs such as the nightly run."
    ),
)
token_app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    help=_("Tokens for jobs (nightly, backups): add one, list them, revoke one."),
)
staff_app.add_typer(token_app, name="token")


class PersonRole(enum.StrEnum):
    owner = "owner"
    manager = "manager"
    clerk = "clerk"


class JobRole(enum.StrEnum):
    job = "job"


def moment(value: object) -> str:
    import datetime as dt

    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else ""


COLUMNS = [
    Column("name", pgettext("thing", "Name")),
    Column("role", _("Role"), words="role"),
    Column("stores", _("Stores"), show=lambda v: ", ".join(v) if v else _("every store")),
    Column("status", _("Status")),
    Column("db_role", _("Database role"), drop=1),
    Column("created", _("Created"), show=moment, drop=2),
]
TOKEN_COLUMNS = [
    Column("name", pgettext("thing", "Name")),
    Column("role", _("Role"), words="role"),
    Column("status", _("Status")),
    Column("created", _("Created"), show=moment),
    Column("last_used", _("Last used"), show=moment),
]

NameArg = Annotated[str, typer.Argument(metavar="NAME", help=_("The staff member's name."))]
PasswordStdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help=_("Read the password as one line from stdin (scripts) instead of asking for it."),
    ),
]


def read_password(from_stdin: bool, *, no_input: bool, twice: bool) -> str:
    """The password from stdin's first line, or typed hidden (`twice`: and again, alike)."""
    if from_stdin:
        import sys

        line = sys.stdin.readline()
        if not line:
            from memberctl.errors import UsageProblem

            raise UsageProblem(
                _("--password-stdin read nothing"), _("give the password as one line on stdin")
            )
        return line.rstrip("\r\n")
    first = _prompt.password(_("Password:"), no_input=no_input)
    if twice and _prompt.password(_("The same password again:"), no_input=no_input) != first:
        from memberctl.errors import InvalidInput

        raise InvalidInput(
            _("the two passwords differ; nothing was changed"), _("run the command again")
        )
    return first


@staff_app.command(
    help=_(
        "Add a staff member with a role and a password. The first one must be the owner; "
        "from then on every command needs a login (memberctl login).\n"
        "A name already taken is refused (exit 4), a password under 8 characters too (exit 5)."
    )
)
def add(
    ctx: typer.Context,
    name: NameArg,
    role: Annotated[PersonRole, typer.Option("--role", help=_("What they may do."))],
    store: Annotated[
        list[str] | None,
        typer.Option(
            "--store",
            help=_("A store they work in (repeat for more); none: every store."),
            autocompletion=_completion.store_codes,
        ),
    ] = None,
    password_stdin: PasswordStdinOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import staff
    from memberctl.domain.permissions import Role

    app = app_context(ctx)
    operator = app.operator  # before the first staff member exists
    password = read_password(password_stdin, no_input=app.no_input, twice=True)
    with app.write() as session:
        record = staff.add(
            session, name=name, role=Role(role.value), stores=store or [], password=password,
            operator=operator, at=clock.now(),
        )  # fmt: skip
    message(_("staff member {name} added").format(name=record.name))
    emit(record, fmt, COLUMNS)


@staff_app.command("list", help=_("The staff: role, stores, status (active, locked, disabled)."))
def list_(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl import clock
    from memberctl.domain import staff

    with app_context(ctx).read() as session:
        rows = staff.list_staff(session, now=clock.now())
    emit(rows, fmt, COLUMNS)


@staff_app.command(
    help=_(
        "Disable a staff member: no more logins, and their sessions end at once. The last "
        "owner cannot be disabled (exit 4)."
    )
)
def disable(ctx: typer.Context, name: NameArg, fmt: FormatOpt = Format.table) -> None:
    from memberctl import clock
    from memberctl.domain import staff

    app = app_context(ctx)
    with app.write() as session:
        record = staff.disable(session, name=name, operator=app.operator, at=clock.now())
    message(_("{name} is disabled").format(name=record.name))
    emit(record, fmt, COLUMNS)


@staff_app.command(
    help=_(
        "Change the stores a manager or clerk works in: --add S, --remove S (repeat for more). "
        "With none left they work in every store. Their next command sees the change."
    )
)
def stores(
    ctx: typer.Context,
    name: NameArg,
    add: Annotated[
        list[str] | None,
        typer.Option(
            "--add", help=_("A store they now work in."), autocompletion=_completion.store_codes
        ),
    ] = None,
    remove: Annotated[
        list[str] | None,
        typer.Option(
            "--remove",
            help=_("A store they no longer work in."),
            autocompletion=_completion.store_codes,
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import staff

    if not add and not remove:
        from memberctl.errors import UsageProblem

        raise UsageProblem(
            _("nothing to change"),
            _("give --add STORE or --remove STORE; 'memberctl staff list' shows their stores"),
        )
    app = app_context(ctx)
    with app.write() as session:
        record = staff.set_stores(
            session, name=name, add=add or [], remove=remove or [], operator=app.operator,
            at=clock.now(),
        )  # fmt: skip
    emit(record, fmt, COLUMNS)


@staff_app.command(
    help=_(
        "Give a staff member a new password (asked twice, hidden). It lifts a lockout and "
        "ends their sessions: they log in again with it."
    )
)
def password(
    ctx: typer.Context,
    name: NameArg,
    password_stdin: PasswordStdinOpt = False,
) -> None:
    from memberctl import clock
    from memberctl.domain import staff

    app = app_context(ctx)
    app.open()  # who is acting, before a password is asked for
    new = read_password(password_stdin, no_input=app.no_input, twice=True)
    with app.write() as session:
        record = staff.set_password(
            session, name=name, password=new, operator=app.operator, at=clock.now()
        )
    message(_("{name} has a new password").format(name=record.name))


@token_app.command(
    "add",
    help=_(
        "Add a job and print its token, this once (only its hash is kept). Give it to the job "
        "in MEMBERCTL_TOKEN."
    ),
)
def token_add(
    ctx: typer.Context,
    name: NameArg,
    role: Annotated[JobRole, typer.Option("--role", help=_("A token is for a job."))] = JobRole.job,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.cli._output import console
    from memberctl.domain import staff

    del role  # the one choice there is
    app = app_context(ctx)
    with app.write() as session:
        new = staff.add_token(session, name=name, operator=app.operator, at=clock.now())
    if fmt == Format.table:
        message(_("token of {name}; it is not shown again:").format(name=new.name))
        console.print(new.token)
        return
    emit(new, fmt)


@token_app.command("list", help=_("The jobs and their tokens: active or revoked, last used."))
def token_list(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import staff

    with app_context(ctx).read() as session:
        rows = staff.list_tokens(session)
    emit(rows, fmt, TOKEN_COLUMNS)


@token_app.command("revoke", help=_("The job's token stops working now, for good."))
def token_revoke(ctx: typer.Context, name: NameArg) -> None:
    from memberctl import clock
    from memberctl.domain import staff

    app = app_context(ctx)
    with app.write() as session:
        record = staff.revoke(session, name=name, operator=app.operator, at=clock.now())
    message(_("the token of {name} is revoked").format(name=record.name))

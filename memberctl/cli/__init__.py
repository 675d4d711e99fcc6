"""The memberctl command line: parse, call one domain function in one transaction, render.

Nothing heavy (SQLAlchemy, Alembic, pandas) is imported here: commands import what they need
when they run, so `memberctl --help` starts fast. A command group's module is imported, and its
Typer built into click commands, only when its word is used (`GROUPS`; `_framework.LazyCommands`):
`memberctl member show` reads the parameters of the `member` commands only.
"""

from __future__ import annotations

import gc
import sys
from typing import Annotated, Any

import typer

from memberctl import __version__
from memberctl.cli import audit, login, nightly
from memberctl.cli._context import AppContext
from memberctl.cli._errors import ErrorBoundary
from memberctl.cli._framework import (
    LazyCommands,
    build_group,
    given_on_command_line,
    help_as_usage_error,
    localize_typer,
)
from memberctl.config import MAX_OPERATOR, resolve, valid_operator
from memberctl.i18n import _, activate, choose, normalize

# Each command group: its word -> (module in memberctl.cli, the Typer in it).
GROUPS = {
    "member": ("member", "member_app"),
    "tier": ("tier", "tier_app"),
    "segment": ("segment", "segment_app"),
    "db": ("db", "db_app"),
    "points": ("points", "points_app"),
    "purchase": ("purchase", "purchase_app"),
    "sale": ("sale", "sale_app"),
    "wallet": ("wallet", "wallet_app"),
    "import": ("imports", "import_app"),
    "export": ("exports", "export_app"),
    "template": ("template", "template_app"),
    "campaign": ("campaign", "campaign_app"),
    "coupon": ("coupon", "coupon_app"),
    "report": ("report", "report_app"),
    "notify": ("notify", "notify_app"),
    "survey": ("survey", "survey_app"),
    "settings": ("settings", "settings_app"),
    "store": ("store", "store_app"),
    "staff": ("staff", "staff_app"),
}
# The root's own commands first, then the groups: the order `memberctl --help` lists them in.
ROOT_COMMANDS = ["audit", "nightly", "login", "logout", "whoami"]


def group_app(name: str) -> typer.Typer:
    """The Typer of command group `name` (its module imported now)."""
    module, attribute = GROUPS[name]
    __import__(f"memberctl.cli.{module}")  # not importlib: `-X importtime` lists this one
    group: typer.Typer = getattr(sys.modules[f"memberctl.cli.{module}"], attribute)
    group.pretty_exceptions_enable = False  # never print locals (phone numbers)
    group.pretty_exceptions_show_locals = False
    return group


class Root(ErrorBoundary):
    """The root group: its own commands built with it, each group on first use."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = LazyCommands(
            [*ROOT_COMMANDS, *GROUPS],
            built=self.commands,
            build=lambda name: build_group(name, group_app(name), parent=app),
            lazy=set(GROUPS),
        )


localize_typer()
app = typer.Typer(
    cls=Root,
    name="memberctl",
    no_args_is_help=False,  # no command: the clerk's menu on a terminal, else help (_no_command)
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # locals hold phone numbers
    context_settings={"help_option_names": ["-h", "--help"]},
    help=_(
        "Membership administration for small shops and chains: members, tiers, points, "
        "stored value, spreadsheets and reports."
    ),
)
app.command("audit", help=audit.HELP)(audit.audit)
app.command("nightly", help=nightly.HELP)(nightly.nightly)
app.command("login", help=login.LOGIN_HELP)(login.login)
app.command("logout", help=login.LOGOUT_HELP)(login.logout)
app.command("whoami", help=login.WHOAMI_HELP)(login.whoami)


def _check_db(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise typer.BadParameter(
            _(
                "it is empty: give a SQLite file path or a database URL, or leave --db out to use "
                "the default database"
            )
        )
    return value


def _check_operator(value: str | None) -> str | None:
    if value is None or valid_operator(value):
        return value
    if len(value) > MAX_OPERATOR:
        raise typer.BadParameter(
            _("an operator name has at most {max} characters (this one has {count})").format(
                max=MAX_OPERATOR, count=len(value)
            )
        )
    raise typer.BadParameter(
        _("an operator name cannot hold control characters such as tabs or line breaks")
    )


def _version(value: bool) -> None:
    if value:
        typer.echo(_("memberctl {version}").format(version=__version__))
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db_url: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="MEMBERCTL_DB",
            metavar="URL_OR_PATH",
            callback=_check_db,
            help=_("SQLite file path or SQLAlchemy URL (postgresql+psycopg://...)."),
        ),
    ] = None,
    operator: Annotated[
        str | None,
        typer.Option(
            envvar="MEMBERCTL_OPERATOR",
            callback=_check_operator,
            help=_("Who is acting (audit log); default: OS user."),
        ),
    ] = None,
    no_input: Annotated[
        bool,
        typer.Option("--no-input", envvar="MEMBERCTL_NO_INPUT", help=_("Never prompt.")),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", envvar="MEMBERCTL_DEBUG", help=_("Show tracebacks."))
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="en|zh",
            help=_("Language of messages and help; default: MEMBERCTL_LANG, else the locale."),
        ),
    ] = None,
    version: Annotated[  # noqa: ARG001  (handled by its eager callback)
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help=_("Show the version.")),
    ] = False,
) -> None:
    """memberctl: members, tiers, points and stored value for shops."""
    if lang is not None and normalize(lang) is None:
        raise typer.BadParameter(_("use en or zh"), param_hint="--lang")
    activate(normalize(lang) or choose())
    ctx.obj = AppContext(
        resolve(db=db_url, operator=operator, no_input=no_input, debug=debug),
        operator_given=operator is not None,  # the option or MEMBERCTL_OPERATOR (its envvar)
    )
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        _no_command(ctx)


def _no_command(ctx: typer.Context) -> None:
    """`memberctl` alone opens the menu on a terminal; otherwise it shows help (exit 2), and
    options without a command are a usage error, as they were before the menu existed."""
    from memberctl.cli._prompt import interactive

    if interactive(ctx.obj.no_input):
        from memberctl.cli import menu

        menu.run(ctx)
        return
    if given_on_command_line(ctx):
        ctx.fail(_("Missing command."))
    help_as_usage_error(ctx)


def main() -> None:
    # Start-up speed: importing typer, pydantic, SQLAlchemy and SQLModel and declaring the
    # tables leaves some 70,000 objects the garbage collector tracks, all living until exit, and
    # it walked them again and again as they came (~0.03-0.05 s of `member show`). It is paused
    # here and, once the database is open (the imports done), AppContext.open freezes what
    # exists then (the cycle collector skips it from then on; reference counting still frees
    # it) and turns it back on for the command's own work. A command that never opens a
    # database runs without it: cycles it drops are left for the end of the process.
    gc.disable()
    try:
        app()
    finally:
        # Start-up speed: at exit the interpreter's last garbage collection walks every object
        # that importing SQLAlchemy, SQLModel and pydantic created (~0.08 s, a sixth of
        # `member show`). Frozen objects are skipped; files and connections are closed by now
        # (with-blocks, AppContext.close) and the memory goes back to the OS at exit anyway.
        gc.freeze()

"""The memberctl command line: parse, call one domain function in one transaction, render.

Nothing heavy (SQLAlchemy, Alembic, pandas) is imported here: commands import what they need
when they run, so `memberctl --help` starts fast.
"""

from __future__ import annotations

import gc
from typing import Annotated

import typer

from memberctl import __version__
from memberctl.cli import (
    audit,
    campaign,
    coupon,
    db,
    exports,
    imports,
    login,
    member,
    nightly,
    notify,
    points,
    purchase,
    report,
    sale,
    segment,
    settings,
    staff,
    store,
    survey,
    template,
    tier,
    wallet,
)
from memberctl.cli._context import AppContext
from memberctl.cli._errors import ErrorBoundary
from memberctl.cli._framework import given_on_command_line, help_as_usage_error, localize_typer
from memberctl.config import MAX_OPERATOR, resolve, valid_operator
from memberctl.i18n import _, activate, choose, normalize

localize_typer()
app = typer.Typer(
    cls=ErrorBoundary,
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
app.add_typer(member.member_app, name="member")
app.add_typer(tier.tier_app, name="tier")
app.add_typer(segment.segment_app, name="segment")
app.command("audit", help=audit.HELP)(audit.audit)
app.add_typer(db.db_app, name="db")
app.add_typer(points.points_app, name="points")
app.add_typer(purchase.purchase_app, name="purchase")
app.add_typer(sale.sale_app, name="sale")
app.add_typer(wallet.wallet_app, name="wallet")
app.add_typer(imports.import_app, name="import")
app.add_typer(exports.export_app, name="export")
app.add_typer(template.template_app, name="template")
app.add_typer(campaign.campaign_app, name="campaign")
app.add_typer(coupon.coupon_app, name="coupon")
app.add_typer(report.report_app, name="report")
app.command("nightly", help=nightly.HELP)(nightly.nightly)
app.add_typer(notify.notify_app, name="notify")
app.add_typer(survey.survey_app, name="survey")
app.add_typer(settings.settings_app, name="settings")
app.add_typer(store.store_app, name="store")
app.add_typer(staff.staff_app, name="staff")
app.command("login", help=login.LOGIN_HELP)(login.login)
app.command("logout", help=login.LOGOUT_HELP)(login.logout)
app.command("whoami", help=login.WHOAMI_HELP)(login.whoami)
for _group in app.registered_groups:  # never print locals (phone numbers), whichever app runs
    if _group.typer_instance is not None:
        _group.typer_instance.pretty_exceptions_enable = False
        _group.typer_instance.pretty_exceptions_show_locals = False


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
    try:
        app()
    finally:
        # Start-up speed: at exit the interpreter's last garbage collection walks every object
        # that importing SQLAlchemy, SQLModel and pydantic created (~0.08 s, a sixth of
        # `member show`). Frozen objects are skipped; files and connections are closed by now
        # (with-blocks, AppContext.close) and the memory goes back to the OS at exit anyway.
        gc.freeze()

"""The one error boundary: every failure becomes one line on stderr and the contract's exit code.

MemberctlError -> its exit code (an input file with several problems: the line counts them and
one indented line follows per problem); usage errors -> 2; anything unexpected -> 1, with a
traceback only under `--debug` / MEMBERCTL_DEBUG=1. Pretty exceptions are off: they would print
locals (phone numbers) to the terminal.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from memberctl.cli._framework import ClickException, NoArgsIsHelpError, usage_error
from memberctl.cli._output import err_console
from memberctl.errors import MemberctlError
from memberctl.i18n import _


def _env_debug() -> bool:
    """MEMBERCTL_DEBUG, for a failure before the root options were parsed."""
    return os.environ.get("MEMBERCTL_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}


MAX_LINE = 1000  # characters of a message; a 100 000-character cell is shown cut in the middle
_BREAKS = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"}  # what could break or hide the line


def one_line(message: str) -> str:
    """The message as one printable line: control characters, line and paragraph separators
    shown escaped (a header cell "a\\nb" reads `a\\nb`), and a huge message cut in the middle."""
    import unicodedata

    if message.isprintable():
        text = message
    else:
        text = "".join(repr(c)[1:-1] if unicodedata.category(c) in _BREAKS else c for c in message)
    if len(text) > MAX_LINE:
        text = f"{text[: MAX_LINE * 2 // 3]} … {text[-(MAX_LINE // 3) :]}"
    return text


def _say(message: str) -> None:
    err_console.print(
        _("error: {message}").format(message=one_line(message)),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _first_line(exc: BaseException) -> str:
    """One line: a database error's further lines quote the SQL and (PostgreSQL's DETAIL) the
    values that were refused, phone numbers among them."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""


def _usage_line(exc: Any) -> str:
    message = usage_error(exc.format_message().strip().replace("\n", " "))
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        see = _("(see '{command} --help')").format(command=ctx.command_path)
        return _("{message} {see}").format(message=message, see=see)
    return message


def _environment_failure(exc: Exception, obj: Any) -> MemberctlError | None:
    """A database error that says something about the machine (a read-only file, a file that
    is not a database, a full disk, a server that is down) as the error the person can act on."""
    settings = getattr(obj, "settings", None)
    if settings is None or not type(exc).__module__.startswith(("sqlalchemy", "sqlite3", "psyco")):
        return None
    from memberctl.db.engine import explain

    return explain(exc, settings.db_url)


def _undecodable(args: Sequence[str]) -> str | None:
    """The first argument holding bytes that were not valid text in the locale's encoding
    (Python keeps them as lone surrogates), shown with those bytes escaped; else None."""
    for arg in args:
        if any("\ud800" <= c <= "\udfff" for c in arg):
            try:
                raw = arg.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:  # a surrogate that no byte stands for
                raw = arg.encode("utf-8", "backslashreplace")
            return raw.decode("utf-8", "backslashreplace")
    return None


class ErrorBoundary(TyperGroup):
    debug = False  # this run's --debug / MEMBERCTL_DEBUG, read from the parsed root options

    def invoke(self, ctx: Any) -> Any:
        self.debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except MemberctlError:
            raise
        except Exception as exc:
            explained = _environment_failure(exc, ctx.obj)
            if explained is None:
                raise
            raise explained from exc

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        code = self._run(args, prog_name, complete_var, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, args: Any, prog_name: Any, complete_var: Any, **extra: Any) -> int:
        bad = _undecodable(sys.argv[1:] if args is None else list(args))
        if bad is not None:
            _say(
                _(
                    "the argument '{arg}' is not valid text (bytes that are not {encoding}); "
                    "type it again, or set the terminal to UTF-8"
                ).format(arg=bad, encoding=sys.getfilesystemencoding().upper())
            )
            return 2
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except MemberctlError as exc:
            _say(str(exc))
            for detail in getattr(exc, "details", ()):  # one more line per problem
                err_console.print(
                    f"  {one_line(detail)}", markup=False, highlight=False, soft_wrap=True
                )
            return exc.exit_code
        except NoArgsIsHelpError as exc:
            # Building the exception rendered the help already: rich prints it and returns "".
            if exc.message.strip():
                err_console.print(exc.message, markup=False, highlight=False)
            return 2
        except ClickException as exc:
            _say(_usage_line(exc))
            return exc.exit_code
        except typer.Abort:
            _say(_("cancelled; nothing was changed"))
            return 1
        except Exception as exc:  # the last line of defence: one line, no traceback
            if self.debug or _env_debug():
                err_console.print(
                    traceback.format_exc(), markup=False, highlight=False, soft_wrap=True
                )
                line = _("unexpected {name}: {exc}")
            else:
                line = _("unexpected {name}: {exc} (run again with --debug for details)")
            _say(line.format(name=type(exc).__name__, exc=_first_line(exc)))
            return 1
        return result if isinstance(result, int) else 0

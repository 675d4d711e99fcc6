"""The one error boundary: every failure becomes one line on stderr and the contract's exit code.

MemberctlError -> its exit code; usage errors -> 2; anything unexpected -> 1, with a traceback
only under `--debug` / MEMBERCTL_DEBUG=1. Pretty exceptions are off: they would print locals
(phone numbers) to the terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from memberctl.cli._output import err_console
from memberctl.errors import MemberctlError


def _debug() -> bool:
    return "--debug" in sys.argv or os.environ.get("MEMBERCTL_DEBUG", "") in {"1", "true", "yes"}


def _say(message: str) -> None:
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)


def _usage_line(exc: Any) -> str:
    message = exc.format_message().strip().replace("\n", " ")
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        return f"{message} (see '{ctx.command_path} --help')"
    return message


class ErrorBoundary(TyperGroup):
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
        from typer._click import exceptions as click_exceptions

        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except MemberctlError as exc:
            _say(str(exc))
            return exc.exit_code
        except click_exceptions.NoArgsIsHelpError as exc:
            help_text = exc.ctx.get_help()  # rich prints it itself and returns ""
            if help_text.strip():
                err_console.print(help_text, markup=False, highlight=False)
            return 2
        except click_exceptions.ClickException as exc:
            _say(_usage_line(exc))
            return exc.exit_code
        except typer.Abort:
            _say("cancelled; nothing was changed")
            return 1
        except Exception as exc:  # the last line of defence: one line, no traceback
            if _debug():
                raise
            _say(f"unexpected {type(exc).__name__}: {exc} (run again with --debug for details)")
            return 1
        return result if isinstance(result, int) else 0

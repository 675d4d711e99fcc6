"""Prompts: questionary on a terminal, never in scripts.

No prompt is shown when stdin is not a TTY, or with --no-input / MEMBERCTL_NO_INPUT=1; a missing
value is then a usage error naming the option, and a confirmation needs --yes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer

from memberctl.errors import MemberctlError, UsageProblem


def interactive(no_input: bool) -> bool:
    return not no_input and sys.stdin.isatty() and sys.stdout.isatty()


def _validator(check: Callable[[str], object] | None) -> Callable[[str], bool | str]:
    def validate(text: str) -> bool | str:
        if check is None:
            return True
        try:
            check(text)
        except MemberctlError as exc:
            return str(exc)
        return True

    return validate


def ask(
    label: str,
    option: str,
    *,
    no_input: bool,
    check: Callable[[str], object] | None = None,
    required: bool = True,
) -> str | None:
    """The value for a missing option, asked on a terminal and validated as it is typed."""
    if not interactive(no_input):
        if required:
            raise UsageProblem(f"missing {option}", f"give {option} (prompts need a terminal)")
        return None
    import questionary

    answer = questionary.text(label, validate=_validator(check)).ask()
    if answer is None:
        raise typer.Abort()
    return answer.strip() or None


def confirm(question: str, *, yes: bool, no_input: bool) -> None:
    """Go on only if the user says yes (or gave --yes); otherwise stop with nothing changed."""
    if yes:
        return
    if not interactive(no_input):
        raise UsageProblem(f"{question} needs confirmation", "add --yes to go ahead")
    import questionary

    if not questionary.confirm(question, default=False).ask():
        raise typer.Abort()

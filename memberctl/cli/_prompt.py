"""Prompts: questionary on a terminal, never in scripts.

No prompt is shown when stdin is not a TTY, or with --no-input / MEMBERCTL_NO_INPUT=1; a missing
value is then a usage error naming the option, and a confirmation needs --yes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from memberctl.errors import MemberctlError, UsageProblem
from memberctl.i18n import _


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
            raise UsageProblem(
                _("missing {option}").format(option=option),
                _("give {option} (prompts need a terminal)").format(option=option),
            )
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
        raise UsageProblem(
            _("{question} needs confirmation").format(question=question), _("add --yes to go ahead")
        )
    import questionary

    if not questionary.confirm(question, default=False).ask():
        raise typer.Abort()


def choose(label: str, choices: list[str], *, skip: str | None = None) -> str | None:
    """One of `choices` picked from a list on a terminal; `skip` adds an entry meaning none."""
    import questionary

    entries = [questionary.Choice(c, value=c) for c in choices]
    if skip is not None:
        entries.append(questionary.Choice(skip, value=""))
    answer = questionary.select(
        label, choices=entries, instruction=_("(arrow keys to move, Enter to choose)")
    ).ask()
    if answer is None:
        raise typer.Abort()
    return answer or None


def choose_many(label: str, choices: list[str], *, required: str | None = None) -> list[str]:
    """Any of `choices` ticked on a terminal; `required` is the message when none is ticked."""
    import questionary

    def validate(picked: list[str]) -> bool | str:
        return bool(picked) or required is None or required

    question = questionary.checkbox(
        label,
        choices=choices,
        validate=validate,
        instruction=_("(arrow keys to move, space to tick, a: all, i: invert, Enter when done)"),
    )
    # Its answer line is fixed English ("done (2 selections)"): erase the prompt when it is
    # answered and say what was ticked instead.
    question.application.erase_when_done = True
    answer = question.ask()
    if answer is None:
        raise typer.Abort()
    from memberctl.cli._output import message

    ticked = _(", ").join(answer) if answer else _("(none)")
    message(_("? {question} {answer}").format(question=label, answer=ticked))
    return list(answer)


# -- the guided flows (menu, enrol wizard, pick lists): called only when `interactive()` -------
Choices = list[tuple[str, str]]  # (what the user reads, the value returned)


def _answer(question: Any) -> Any:
    """The answer, or stop (Ctrl-C, Ctrl-D) with nothing changed."""
    answer = question.ask()
    if answer is None:
        raise typer.Abort()
    return answer


def text(
    label: str, *, check: Callable[[str], object] | None = None, required: bool = False
) -> str | None:
    """Free text, checked as it is typed; an empty answer is None unless `required`."""
    import questionary

    def validate(typed: str) -> bool | str:
        if not typed.strip():
            return _("a value is needed") if required else True
        return _validator(check)(typed)

    return str(_answer(questionary.text(label, validate=validate))).strip() or None


def pick(label: str, choices: Choices, *, default: str | None = None) -> str:
    """One of `choices` (arrow keys, or the number shown before each)."""
    import questionary

    options = [questionary.Choice(title, value=value) for title, value in choices]
    start = next((o for o in options if o.value == default), None)
    question = questionary.select(
        label,
        choices=options,
        default=start,
        use_shortcuts=len(options) <= 36,
        instruction=_("(arrow keys or the number, then Enter)"),
    )
    return str(_answer(question))


def agree(question: str, *, default: bool = False) -> bool:
    """Yes or no; "no" is an answer, not a cancellation."""
    import questionary

    return bool(_answer(questionary.confirm(question, default=default)))


def secret(label: str) -> str:
    """Hidden input on a terminal (a passphrase): nothing typed is echoed; Ctrl-C stops."""
    import questionary

    return str(_answer(questionary.password(label)))


def password(label: str, *, no_input: bool) -> str:
    """A password typed hidden on a terminal; without one (a script, --no-input) a usage error
    pointing at --password-stdin. Never an option or an environment variable: both are seen by
    other users of the machine and kept in shell history."""
    if not interactive(no_input):
        raise UsageProblem(
            _("a password is needed and prompts need a terminal"),
            _("give --password-stdin and the password as one line on stdin"),
        )
    return secret(label)

"""Typer's own help words (panel titles, "[default: ...]", the --help line) in the chosen language.

Typer keeps them as module constants in typer.rich_utils, read when the help is drawn, and the
help option's text is fixed in its vendored click; both are set here once, and only when the
language is not English. Should a later Typer move them, the help simply keeps its English words.
"""

from __future__ import annotations

import re
from typing import Any

from memberctl.i18n import _, current


def localize_typer() -> None:
    if current() == "en":
        return
    from typer import rich_utils
    from typer._click.core import Command

    words = {
        "ARGUMENTS_PANEL_TITLE": _("Arguments"),
        "OPTIONS_PANEL_TITLE": _("Options"),
        "COMMANDS_PANEL_TITLE": _("Commands"),
        "DEFAULT_STRING": _("[default: {}]"),
        "ENVVAR_STRING": _("[env var: {}]"),
        "REQUIRED_LONG_STRING": _("[required]"),
        "DEPRECATED_STRING": _("(deprecated) "),
    }
    for name, text in words.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)
    _completion_options()
    _usage_prefix()
    original = getattr(Command, "get_help_option", None)
    if original is None or getattr(original, "_memberctl", False):
        return

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original(self, ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option

    get_help_option._memberctl = True  # type: ignore[attr-defined]
    Command.get_help_option = get_help_option  # type: ignore[method-assign]


def _completion_options() -> None:
    """--install-completion / --show-completion: Typer's, declared as a function's defaults."""
    from typer import completion

    placeholder = getattr(completion, "_install_completion_placeholder_function", None)
    texts = {
        "--install-completion": _("Install completion for the current shell."),
        "--show-completion": _(
            "Show completion for the current shell, to copy it or customize the installation."
        ),
    }
    for option in getattr(placeholder, "__defaults__", None) or ():
        declared = getattr(option, "param_decls", None) or ()
        for name in declared:
            if name in texts:
                option.help = texts[name]


def _usage_prefix() -> None:
    """The "Usage: " before a command's synopsis (the vendored click's default prefix)."""
    from typer._click.formatting import HelpFormatter

    original = HelpFormatter.write_usage
    if getattr(original, "_memberctl", False):
        return

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        original(self, prog, args, _("Usage: ") if prefix is None else prefix)

    write_usage._memberctl = True  # type: ignore[attr-defined]
    HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]


def _usage_errors() -> list[tuple[re.Pattern[str], str]]:
    """Click's and Typer's usage errors (English f-strings there) and their translations."""
    forms = [
        (r"Missing argument '(?P<name>[^']+)'\.", _("Missing argument '{name}'.")),
        (r"Missing option '(?P<name>[^']+)'\.", _("Missing option '{name}'.")),
        (r"Missing parameter: (?P<name>\S+)", _("Missing option '{name}'.")),
        (r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.*)\)",
         _("No such option: {name} (did you mean: {options})")),
        (r"No such option: (?P<name>\S+)", _("No such option: {name}")),
        (r"No such command '(?P<name>.*)'\. Did you mean (?P<options>.*)\?",
         _("No such command '{name}'; did you mean {options}?")),
        (r"No such command '(?P<name>.*)'\.", _("No such command '{name}'.")),
        (r"Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)",
         _("Got unexpected extra argument(s) ({args})")),
        (r"Option '(?P<name>[^']+)' requires an argument\.",
         _("Option '{name}' requires a value.")),
        (r"Option '(?P<name>[^']+)' requires (?P<count>\d+) arguments\.",
         _("Option '{name}' requires {count} values.")),
        (r"Option '(?P<name>[^']+)' does not take a value\.",
         _("Option '{name}' does not take a value.")),
        (r"Invalid value for (?P<name>'[^']+'|[^:]+): Input should be a valid integer.*",
         _("Invalid value for {name}: give a whole number")),
        (r"Invalid value for (?P<name>'[^']+'|[^:]+): Input should be a valid (number|decimal).*",
         _("Invalid value for {name}: give a number")),
        (r"Invalid value for (?P<name>'[^']+'|[^:]+): Input should be greater than or equal to "
         r"(?P<least>\S+)", _("Invalid value for {name}: give {least} or more")),
        (r"Invalid value for (?P<name>'[^']+'|[^:]+): Input should be less than or equal to "
         r"(?P<most>\S+)", _("Invalid value for {name}: give {most} or less")),
        (r"Invalid value for (?P<name>'[^']+'|[^:]+): (?P<reason>.*)",
         _("Invalid value for {name}: {reason}")),
        (r"Missing command\.", _("Missing command.")),
    ]  # fmt: skip
    return [(re.compile(pattern, re.DOTALL), text) for pattern, text in forms]


def usage_error(message: str) -> str:
    """A click/Typer usage error in the chosen language; as it is when no form matches."""
    if current() == "en":
        return message
    for pattern, text in _usage_errors():
        match = pattern.fullmatch(message)
        if match:
            return text.format(**match.groupdict())
    return message

"""Typer's own help words (panel titles, "[default: ...]", the --help line) in the chosen language.

Typer keeps them as module constants in typer.rich_utils, read when the help is drawn, and the
help option's text is fixed in its vendored click; both are set here once, and only when the
language is not English. Should a later Typer move them, the help simply keeps its English words.
"""

from __future__ import annotations

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

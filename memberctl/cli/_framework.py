"""The one place memberctl touches Typer's private parts, and the only one that patches them.

Typer 0.29 vendors click as `typer._click`; a few things memberctl needs exist only there or
only as module state: the help-or-usage-error `memberctl` alone gives (NoArgsIsHelpError), where
a value came from (ParameterSource), the current context outside a command, the help option's
and the usage line's English words, and click's usage errors, English f-strings (no gettext, so
no catalog can reach them: a regex table translates them). Everything else uses Typer's public
names; typer.TyperException is the base of every click error.

The help words are set once, at import, and only when the language is not English: English help
and errors are Typer's own, untouched. tests/cli/test_framework.py pins each behaviour here in
both languages (the current context: tests/i18n/test_words.py, tier names in a Chinese table)
and fails if another module uses a private Typer name; ruff bans `typer._click` elsewhere
(memberctl/cli/ruff.toml). A Typer release that moves one of these imports stops memberctl at
start-up, hence the `<0.30` pin in pyproject.toml.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, NoReturn

import typer
from typer._click.core import Command, Context, ParameterSource
from typer._click.exceptions import NoArgsIsHelpError
from typer._click.formatting import HelpFormatter
from typer._click.globals import get_current_context

from memberctl.i18n import _, current

# Public: every click error (usage errors, BadParameter, ...) derives from it.
ClickException = typer.TyperException

__all__ = [
    "ClickException",
    "LazyCommands",
    "NoArgsIsHelpError",
    "build_group",
    "current_context",
    "given_on_command_line",
    "help_as_usage_error",
    "localize_typer",
    "usage_error",
]


class LazyCommands(MutableMapping[str, Command]):
    """A group's sub-commands, name -> click command, where some are built only when first
    looked up: `memberctl member show` builds the `member` group and none of the other twenty
    (Typer reads every parameter of every command it builds; the whole tree cost `member show`
    0.03-0.07 s of CPU). Iteration keeps `order` (the help lists them so); `in` never builds."""

    def __init__(
        self,
        order: list[str],
        built: MutableMapping[str, Command],
        build: Callable[[str], Command],
        lazy: set[str],
    ) -> None:
        self._order = list(order)
        self._built = dict(built)
        self._build = build
        self._lazy = set(lazy) - set(built)
        missing = (self._lazy | set(self._built)) ^ set(self._order)
        if missing:
            raise ValueError(f"commands without a place in the order, or the reverse: {missing}")

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            if name not in self._lazy:
                raise KeyError(name)
            self._built[name] = self._build(name)
            self._lazy.discard(name)
        return self._built[name]

    def __contains__(self, name: object) -> bool:
        return name in self._built or name in self._lazy

    def __setitem__(self, name: str, command: Command) -> None:
        if name not in self:
            self._order.append(name)
        self._lazy.discard(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._built.pop(name, None)
        self._lazy.discard(name)
        self._order.remove(name)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)


def build_group(name: str, group: typer.Typer, *, parent: typer.Typer) -> Command:
    """The click group of `group`, as `parent.add_typer(group, name=name)` would have it built
    with the parent (typer.main.get_group_from_info, with the same TyperInfo add_typer makes
    and the settings the parent passes down)."""
    from typer.main import get_group_from_info
    from typer.models import TyperInfo

    return get_group_from_info(
        TyperInfo(group, name=name),
        pretty_exceptions_short=parent.pretty_exceptions_short,
        rich_markup_mode=parent.rich_markup_mode,
        suggest_commands=parent.suggest_commands,
    )


def current_context() -> Context | None:
    """The context of the command running now, for code a command calls; None outside one."""
    return get_current_context(silent=True)


def given_on_command_line(ctx: typer.Context) -> bool:
    """Whether any of this command's own options was typed (not taken from a default or env)."""
    return any(ctx.get_parameter_source(p) == ParameterSource.COMMANDLINE for p in ctx.params)


def help_as_usage_error(ctx: typer.Context) -> NoReturn:
    """What `no_args_is_help` does: the help, as a usage error (exit 2; ErrorBoundary prints it)."""
    raise NoArgsIsHelpError(ctx)


def localize_typer() -> None:
    """Typer's own help words (panel titles, "[default: ...]", the help option's line, "Usage:",
    the completion options) in the chosen language; in every language, the type column in plain
    words."""
    _plain_types()
    if current() == "en":
        return
    _panel_words()
    _completion_options()
    _usage_prefix()
    _help_option()


# Typer 0.29 shows Python's type names (<bool>, <str>, <list[str]>) in the help's type column;
# a shop owner reads them as noise. Flags and arguments (named by their metavar) show none, the
# rest click's words. Choices (<table|json|csv>) and explicit metavars (FILE, YYYY-MM-DD) stay.
_TYPE_WORDS = {
    "<str>": "TEXT",
    "<list[str]>": "TEXT",
    "<int>": "INTEGER",
    "<int range>": "INTEGER",
    "<float>": "NUMBER",
    "<float range>": "NUMBER",
    "<path>": "PATH",
}


def _plain_types() -> None:
    from typer.core import TyperArgument, TyperOption

    for cls in (TyperOption, TyperArgument):
        original = cls.display_type_rich
        if getattr(original, "_memberctl", False):
            continue

        def display_type_rich(self: Any, ctx: Any, original: Any = original) -> str | None:
            shown: str | None = original(self, ctx)
            if shown is None:
                return None
            if getattr(self, "is_flag", False) or isinstance(self, TyperArgument):
                return None if shown in _TYPE_WORDS or shown == "<bool>" else shown
            if self.metavar is not None:
                return shown
            return _TYPE_WORDS.get(shown, shown)

        display_type_rich._memberctl = True  # type: ignore[attr-defined]
        cls.display_type_rich = display_type_rich  # type: ignore[method-assign]


def _panel_words() -> None:
    """Module constants in typer.rich_utils, read each time the help is drawn."""
    from typer import rich_utils

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


def _help_option() -> None:
    """-h/--help: its text is fixed in the vendored click's help_option decorator."""
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


def _usage_prefix() -> None:
    """The "Usage: " before a command's synopsis (the vendored click's default prefix)."""
    original = HelpFormatter.write_usage
    if getattr(original, "_memberctl", False):
        return

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        original(self, prog, args, _("Usage: ") if prefix is None else prefix)

    write_usage._memberctl = True  # type: ignore[attr-defined]
    HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]


# A parameter in click's "Invalid value for ...": '--limit', '--format' / '-f', '--db' (env var:
# 'MEMBERCTL_DB'), or a hint given as it is (BadParameter's param_hint="--lang").
_NAME = (
    r"(?:(?P<name>'[^']+'(?: / '[^']+')*)(?: \(env var: '(?P<envvar>[^']+)'\))?|(?P<hint>[^:]+))"
)


def _usage_errors() -> list[tuple[re.Pattern[str], str]]:
    """Click's and Typer's usage errors (English f-strings there) and their translations;
    {NAME} in a pattern stands for _NAME."""
    forms = [
        (r"Missing argument '(?P<name>[^']+)'\.", _("Missing argument '{name}'.")),
        (r"Missing option '(?P<name>[^']+)'\.", _("Missing option '{name}'.")),
        (r"Missing parameter: (?P<name>\S+)", _("Missing option '{name}'.")),
        (
            r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.*)\)",
            _("No such option: {name} (did you mean: {options})"),
        ),
        (r"No such option: (?P<name>\S+)", _("No such option: {name}")),
        (
            r"No such command '(?P<name>.*)'\. Did you mean (?P<options>.*)\?",
            _("No such command '{name}'; did you mean {options}?"),
        ),
        (r"No such command '(?P<name>.*)'\.", _("No such command '{name}'.")),
        (
            r"Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)",
            _("Got unexpected extra argument(s) ({args})"),
        ),
        (
            r"Option '(?P<name>[^']+)' requires an argument\.",
            _("Option '{name}' requires a value."),
        ),
        (
            r"Option '(?P<name>[^']+)' requires (?P<count>\d+) arguments\.",
            _("Option '{name}' requires {count} values."),
        ),
        (
            r"Option '(?P<name>[^']+)' does not take a value\.",
            _("Option '{name}' does not take a value."),
        ),
        (
            r"Invalid value for {NAME}: Value error, (?P<value>'.*') "
            r"is not one of (?P<choices>.*)\.",
            _("Invalid value for {name}: {value} is not one of {choices}"),
        ),
        (
            r"Invalid value for {NAME}: Value error, (?P<value>'.*') does not match the formats? "
            r"(?P<formats>.*)\.",
            _("Invalid value for {name}: {value} is not a date like {formats}"),
        ),
        (
            r"Invalid value for {NAME}: Input should be a valid integer.*",
            _("Invalid value for {name}: give a whole number"),
        ),
        (
            r"Invalid value for {NAME}: Input should be a valid (number|decimal).*",
            _("Invalid value for {name}: give a number"),
        ),
        (
            r"Invalid value for {NAME}: Input should be greater than or equal to "
            r"(?P<least>\S+)",
            _("Invalid value for {name}: give {least} or more"),
        ),
        (
            r"Invalid value for {NAME}: Input should be less than or equal to "
            r"(?P<most>\S+)",
            _("Invalid value for {name}: give {most} or less"),
        ),
        (r"Invalid value for {NAME}: (?P<reason>.*)", _("Invalid value for {name}: {reason}")),
        (r"Missing command\.", _("Missing command.")),
    ]
    return [
        (re.compile(pattern.replace("{NAME}", _NAME), re.DOTALL), text) for pattern, text in forms
    ]


def usage_error(message: str) -> str:
    """A click/Typer usage error in the chosen language; as it is when no form matches."""
    if current() == "en":
        return message
    for pattern, text in _usage_errors():
        match = pattern.fullmatch(message)
        if match:
            return text.format(**_named(match.groupdict()))
    return message


def _named(groups: dict[str, str | None]) -> dict[str, str]:
    """The matched parts, with the parameter's name (and its environment variable) as `name`."""
    envvar, hint = groups.pop("envvar", None), groups.pop("hint", None)
    name = groups.get("name") or hint
    if name is not None and envvar:
        name = _("{name} (env var {envvar})").format(name=name, envvar=envvar)
    return {key: value or "" for key, value in {**groups, "name": name}.items()}

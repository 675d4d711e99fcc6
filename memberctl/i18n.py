"""Messages in the user's language: English source strings, a Simplified Chinese catalog.

Every message a person reads (errors, prompts, table headers, help) is written in English and
wrapped in `_()`; JSON keys, JSON values and exit codes never are. The language is chosen once
per process by `--lang` (before the subcommand), `MEMBERCTL_LANG`, or the locale (LC_ALL,
LC_MESSAGES, LANG: `zh_CN.UTF-8`, `zh_TW`, `zh` -> Chinese), else English. It is chosen when
this module is first imported, from sys.argv and the environment, because Typer builds the help
texts when the command modules are imported; the CLI's root callback confirms it per invocation.

The catalog's source is `locale/zh_CN/LC_MESSAGES/memberctl.po`; the build (hatch_build.py)
compiles it to the `.mo` read here. Without a `.mo`, or with a `.po` edited since (a source
checkout), the `.po` is compiled in memory when Babel is importable; otherwise the messages
stay English. Nothing here ever fails a command.
"""

from __future__ import annotations

import gettext
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

LANGUAGES = ("en", "zh")
DOMAIN = "memberctl"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
CATALOGS = {"zh": LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po"}

# Root options that take a value: `--lang` is looked for only before the subcommand, because
# `export members --lang` chooses the language of a file's headers, not of the messages.
_ROOT_VALUE_OPTIONS = frozenset({"--db", "--operator", "--lang"})

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"
_loaded: dict[str, gettext.NullTranslations] = {}


def normalize(value: str | None) -> str | None:
    """`zh`, `zh_CN.UTF-8`, `zh-Hans`, `zh_TW` -> "zh"; `en_US` -> "en"; anything else None."""
    if not value:
        return None
    code = value.strip().lower().replace("-", "_").split(".")[0].split("@")[0]
    base = code.split("_")[0]
    return base if base in LANGUAGES else None


def lang_from_argv(argv: Sequence[str]) -> str | None:
    """The value of a root `--lang` (given before the subcommand), as written."""
    tokens = iter(argv)
    for token in tokens:
        if token == "--lang":
            return next(tokens, None)
        if token.startswith("--lang="):
            return token.partition("=")[2]
        if token in _ROOT_VALUE_OPTIONS:
            next(tokens, None)
        elif not token.startswith("-"):
            return None  # the subcommand: any later --lang is its own
    return None


def choose(argv: Sequence[str] = (), env: Mapping[str, str] | None = None) -> str:
    """`--lang`, else MEMBERCTL_LANG, else the first set of LC_ALL, LC_MESSAGES, LANG, else en."""
    env = os.environ if env is None else env
    for given in (lang_from_argv(argv), env.get("MEMBERCTL_LANG")):
        if normalize(given):
            return normalize(given) or "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):
            return normalize(env[name]) or "en"
    return "en"


def _compiled_in_memory(po: Path) -> gettext.NullTranslations | None:
    try:
        from io import BytesIO

        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError:
        return None
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def load(language: str) -> gettext.NullTranslations:
    """The catalog for `language`: the compiled .mo, a fresher .po compiled in memory, or none."""
    po = CATALOGS.get(language)
    if po is None:
        return gettext.NullTranslations()
    mo = po.with_suffix(".mo")
    try:
        po_time = po.stat().st_mtime if po.exists() else 0.0
        if mo.exists() and mo.stat().st_mtime >= po_time:
            with mo.open("rb") as compiled:
                return gettext.GNUTranslations(compiled)
        if po_time:
            fresh = _compiled_in_memory(po)
            if fresh is not None:
                return fresh
        if mo.exists():  # stale, but better than English
            with mo.open("rb") as compiled:
                return gettext.GNUTranslations(compiled)
    except Exception:  # a broken catalog must never break a command
        pass
    return gettext.NullTranslations()


def activate(language: str) -> None:
    """Switch every later `_()` to `language` ("en" or "zh")."""
    global _translation, _language
    language = normalize(language) or "en"
    if language not in _loaded:
        _loaded[language] = load(language)
    _translation, _language = _loaded[language], language


def current() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in a context, where one English word needs two translations ("Name")."""
    return _translation.pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802  (the gettext convention for "mark, translate later")
    """Mark `message` for the catalog without translating it here (see `phrase`)."""
    return message


class Phrase(str):
    """English text that also knows how it reads in the user's language.

    Data (JSON, CSV, exports) keeps the English, so a script sees one language whatever the
    locale; a table shows `.local`.
    """

    local: str

    def __new__(cls, english: str, local: str | None = None) -> Phrase:
        self = super().__new__(cls, english)
        self.local = english if local is None else local
        return self

    # copy and deepcopy (dataclasses.asdict) rebuild a Phrase from both texts, not just str's one
    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return str(self), self.local


def phrase(template: str, /, local: Mapping[str, object] | None = None, **values: object) -> Phrase:
    """`template` (marked with N_) filled in, in English and in the user's language; `local`
    gives values that read differently there (a status word instead of its code)."""
    return Phrase(template.format(**values), _(template).format(**{**values, **(local or {})}))


activate(choose(sys.argv[1:]))

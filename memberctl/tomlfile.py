"""Reading the TOML files a shop writes (tiers, surveys, header mappings): one clear line for a
missing file or a file that is not TOML, never a traceback."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from memberctl.errors import InvalidInput, NotFound
from memberctl.i18n import _


def read(path: Path, missing: str | None = None, hint: str | None = None) -> dict[str, Any]:
    """The document in `path` (UTF-8, a BOM allowed). NotFound (3) when there is no such file,
    with `missing` (which may name {path}) and `hint`; InvalidInput (5) when it is not TOML."""
    if not path.is_file():
        message = missing or _("no file '{path}'")
        raise NotFound(message.format(path=path), hint or _("check the path"))
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            _("{name} is not valid TOML: {exc}").format(name=path.name, exc=exc)
        ) from None

"""Settings resolved once per run from flags, environment and platform directories.

Nothing here touches the database or the disk at import time.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "memberctl"
DEFAULT_REGION = "CN"
MAX_OPERATOR = 64  # characters of an operator name (--operator / MEMBERCTL_OPERATOR)


@dataclass(frozen=True)
class Settings:
    db_url: str
    operator: str
    region: str = DEFAULT_REGION
    no_input: bool = False
    debug: bool = False
    default_db: bool = False  # neither --db nor MEMBERCTL_DB: the user's data folder


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "memberctl.db"


def to_db_url(url_or_path: str) -> str:
    """A SQLAlchemy URL as it is; a plain path becomes a SQLite URL."""
    if "://" in url_or_path:
        return url_or_path
    path = Path(url_or_path).expanduser()
    return f"sqlite:///{path.resolve()}"


def valid_operator(name: str) -> bool:
    """An operator name goes into every audit row: at most MAX_OPERATOR characters, and nothing
    that could break or hide a line (control or format characters, separators, surrogates)."""
    import unicodedata

    bad = {"Cc", "Cf", "Cs", "Zl", "Zp"}
    return len(name) <= MAX_OPERATOR and not any(unicodedata.category(c) in bad for c in name)


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def resolve(
    *,
    db: str | None,
    operator: str | None,
    no_input: bool,
    debug: bool,
    env: Mapping[str, str] | None = None,
) -> Settings:
    env = os.environ if env is None else env
    given = db or env.get("MEMBERCTL_DB")
    return Settings(
        db_url=to_db_url(given or str(default_db_path())),
        default_db=not given,
        operator=operator or env.get("MEMBERCTL_OPERATOR") or os_user(),
        region=(env.get("MEMBERCTL_REGION") or DEFAULT_REGION).upper(),
        no_input=no_input or _truthy(env.get("MEMBERCTL_NO_INPUT")),
        debug=debug or _truthy(env.get("MEMBERCTL_DEBUG")),
    )

"""Where a login session's token is kept between commands: one 0600 file per database, in the
user's state folder (platformdirs), named by a hash of the database URL (issue 18).

The file holds the token and nothing else; the database holds only its hash. Set
MEMBERCTL_STATE_DIR to keep sessions elsewhere (tests, or a user who wants them on another disk).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from memberctl.config import APP_NAME


def folder() -> Path:
    given = os.environ.get("MEMBERCTL_STATE_DIR")
    if given:
        return Path(given).expanduser() / "sessions"
    from platformdirs import user_state_path

    return user_state_path(APP_NAME, appauthor=False) / "sessions"


def path_for(db_url: str) -> Path:
    return folder() / hashlib.sha256(db_url.encode("utf-8")).hexdigest()[:24]


def read(db_url: str) -> str | None:
    try:
        text = path_for(db_url).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def write(db_url: str, token: str) -> Path:
    """Write the token to a new 0600 file (never readable by others, not even for a moment)."""
    path = path_for(db_url)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_suffix(".tmp")
    temp.unlink(missing_ok=True)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    os.replace(temp, path)
    return path


def remove(db_url: str) -> bool:
    try:
        path_for(db_url).unlink()
    except FileNotFoundError:
        return False
    return True

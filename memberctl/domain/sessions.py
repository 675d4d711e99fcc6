"""Login sessions and job tokens: a random token given once, only its SHA-256 kept (issue 18).

A login session ends after `staff.idle_minutes` without use and at the end of the day it began
(settings); a job token lasts until it is revoked. `lookup` is on every command's path when
staff exist, so it is one indexed query, and it writes `last_used_at` at most once a minute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, update

from memberctl import clock
from memberctl.models import Staff, StaffSession

TOKEN_PREFIX = "mct_"
_TOUCH_EVERY = dt.timedelta(minutes=1)

_SESSION = StaffSession.__table__  # type: ignore[attr-defined]
_STAFF = Staff.__table__  # type: ignore[attr-defined]


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def issue(
    connection: Connection,
    *,
    staff_id: int,
    kind: str,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> str:
    """A new session (`login`) or job token (`job`) for the staff member; the token is returned
    once and only its hash is stored."""
    now = now or clock.now()
    token = new_token()
    connection.execute(
        _SESSION.insert().values(
            staff_id=staff_id,
            kind=kind,
            token_hash=token_hash(token),
            created_at=now,
            last_used_at=now,
            expires_at=expires_at,
        )
    )
    return token


@dataclass(frozen=True)
class Live:
    staff_id: int
    session_id: int
    stale: bool  # last used a minute or more ago: `touch` it


def lookup(
    connection: Connection, token: str, *, idle: dt.timedelta | None, now: dt.datetime | None = None
) -> Live | None:
    """The live session or token `token` is, or None (unknown, ended, expired, idle too long,
    or its staff member disabled)."""
    now = now or clock.now()
    row = connection.execute(
        select(
            _SESSION.c.id,
            _SESSION.c.staff_id,
            _SESSION.c.kind,
            _SESSION.c.last_used_at,
            _SESSION.c.expires_at,
            _SESSION.c.ended_at,
            _STAFF.c.disabled_at,
        )
        .join(_STAFF, _STAFF.c.id == _SESSION.c.staff_id)
        .where(_SESSION.c.token_hash == token_hash(token))
    ).first()
    if row is None or row.ended_at is not None or row.disabled_at is not None:
        return None
    if row.expires_at is not None and now >= row.expires_at:
        return None
    if row.kind == "login" and idle is not None and now - row.last_used_at > idle:
        return None
    return Live(int(row.staff_id), int(row.id), stale=now - row.last_used_at >= _TOUCH_EVERY)


def touch(connection: Connection, session_id: int, *, now: dt.datetime | None = None) -> None:
    """Mark the session used now (its idle time starts again)."""
    values = {"last_used_at": now or clock.now()}
    connection.execute(update(_SESSION).where(_SESSION.c.id == session_id).values(**values))


def end(connection: Connection, token: str, *, now: dt.datetime | None = None) -> bool:
    """End the session or revoke the token; False when it was not live."""
    result = connection.execute(
        update(_SESSION)
        .where(_SESSION.c.token_hash == token_hash(token), _SESSION.c.ended_at.is_(None))
        .values(ended_at=now or clock.now())
    )
    return bool(result.rowcount)


def live_count(connection: Connection, staff_id: int) -> int:
    query = select(func.count()).where(
        _SESSION.c.staff_id == staff_id, _SESSION.c.ended_at.is_(None)
    )
    return int(connection.execute(query).scalar_one())

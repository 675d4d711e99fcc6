"""Logging in and out, and who is logged in (issue 18).

`login` checks a staff member's password and issues a login session (`sessions.issue`) that
ends after `staff.idle_minutes` without a command and at `staff.session_end`. An unknown name,
a disabled staff member, a job and a wrong password all get the same answer (exit 6), and take
as long (an unknown name is checked against a decoy hash). `staff.MAX_FAILURES` wrong passwords
in a row lock the account for `staff.lockout_minutes`; while it is locked every attempt is
refused, saying until when, without the password being checked. The count starts again when
the account locks, and when a login succeeds.

A refused attempt is written all the same (the failure count, the audit entry): `login` does
not raise but returns a `LoginOutcome`; the caller commits, then `outcome.token()` raises.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlmodel import Session

from memberctl.config import valid_operator
from memberctl.domain import audit, db_roles, policy, sessions
from memberctl.domain.permissions import PEOPLE, Identity
from memberctl.domain.staff import MAX_FAILURES, find, hasher, password_matches
from memberctl.errors import NotPermitted
from memberctl.i18n import _
from memberctl.models import Staff, StaffSession

_SESSION = StaffSession.__table__  # type: ignore[attr-defined]
_STAFF = Staff.__table__  # type: ignore[attr-defined]


def shown(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class LoginOutcome:
    name: str
    role: str | None = None
    stores: list[str] = field(default_factory=list)
    until: dt.datetime | None = None  # the session ends then at the latest
    secret: str | None = field(default=None, repr=False)  # the session's token
    refusal: NotPermitted | None = None

    def token(self) -> str:
        """The new session's token; raises the refusal (exit 6) when the login failed."""
        if self.refusal is not None:
            raise self.refusal
        assert self.secret is not None  # noqa: S101  (no refusal: a token was issued)
        return self.secret


def _wrong() -> NotPermitted:
    return NotPermitted(
        _("wrong name or password"),
        _("check both and try again; {max} wrong passwords in a row lock the account").format(
            max=MAX_FAILURES
        ),
    )


def _locked(name: str, until: dt.datetime) -> NotPermitted:
    return NotPermitted(
        _("{name} is locked after {max} wrong passwords in a row, until {until}").format(
            name=name, max=MAX_FAILURES, until=shown(until)
        ),
        _("wait until then, or ask the owner for a new password (memberctl staff password)"),
    )


def login(
    session: Session,
    *,
    name: str,
    password: str,
    now: dt.datetime,
    fallback_operator: str,
    previous: str | None = None,
) -> LoginOutcome:
    """Check `password` for staff member `name` and issue a login session; `previous` (the
    token of the session file) is ended when the login succeeds. `fallback_operator` is whom
    the audit log names for an attempt at a name that is not a staff member's."""
    typed = unicodedata.normalize("NFC", name).strip()
    row = find(session, typed, lock=True) if typed and valid_operator(typed) else None
    person = row is not None and row.disabled_at is None and row.role in {p.value for p in PEOPLE}
    if row is None or not person:
        password_matches(None, password)  # as long as a wrong password takes
        who = row.name if row is not None else fallback_operator
        reason = "unknown" if row is None else ("disabled" if row.disabled_at else "job")
        _failed(session, who, typed if row is not None else None, reason, now)
        return LoginOutcome(typed, refusal=_wrong())
    if row.locked_until is not None and row.locked_until > now:
        _failed(session, row.name, row.name, "locked", now)
        return LoginOutcome(row.name, refusal=_locked(row.name, row.locked_until))
    rules = policy.staff_rules(session.connection())
    if not password_matches(row.password_hash, password):
        return _wrong_password(session, row, rules, now)
    assert row.password_hash is not None  # noqa: S101  (a person's; it matched)
    if hasher().check_needs_rehash(row.password_hash):
        row.password_hash = hasher().hash(password)
    row.failed_logins = 0
    row.locked_until = None
    session.add(row)
    session.flush()
    if previous:
        sessions.end(session.connection(), previous, now=now)
    until = rules.session_expiry(now)
    token = sessions.issue(
        session.connection(), staff_id=row.id or 0, kind="login", expires_at=until, now=now
    )
    audit.record(
        session=session, operator=row.name, action="staff.login", at=now,
        details={"staff": row.name, "until": until.isoformat()},
    )  # fmt: skip
    from memberctl.domain.identity import identity_of

    stores = identity_of(session.connection(), row.id or 0).stores
    return LoginOutcome(row.name, row.role, list(stores), until, token)


def _wrong_password(
    session: Session, row: Staff, rules: policy.StaffRules, now: dt.datetime
) -> LoginOutcome:
    row.failed_logins += 1
    _failed(session, row.name, row.name, "password", now)
    if row.failed_logins < MAX_FAILURES:
        session.add(row)
        return LoginOutcome(row.name, refusal=_wrong())
    until = now + rules.lockout
    row.failed_logins = 0  # counted afresh once the lock is over
    row.locked_until = until
    session.add(row)
    audit.record(
        session=session, operator=row.name, action="staff.locked", at=now,
        details={"staff": row.name, "until": until.isoformat()},
    )  # fmt: skip
    return LoginOutcome(row.name, refusal=_locked(row.name, until))


def _failed(
    session: Session, operator: str, staff: str | None, reason: str, now: dt.datetime
) -> None:
    """A refused login in the audit log. A name that is no staff member's is not kept: it may
    well be a password typed into the wrong field."""
    audit.record(
        session=session, operator=operator, action="staff.login_failed", at=now,
        details={"staff": staff, "reason": reason},
    )  # fmt: skip


def logout(session: Session, *, tokens: Sequence[str], at: dt.datetime) -> list[str]:
    """End the login sessions among `tokens` (a job's token is left alone: `staff token
    revoke` ends those); the names of the staff members logged out."""
    names = []
    for token in dict.fromkeys(t for t in tokens if t):
        row = session.execute(
            select(_SESSION.c.id, _STAFF.c.name)
            .join(_STAFF, _STAFF.c.id == _SESSION.c.staff_id)
            .where(
                _SESSION.c.token_hash == sessions.token_hash(token),
                _SESSION.c.kind == "login",
                _SESSION.c.ended_at.is_(None),
            )
        ).first()
        if row is None:
            continue
        session.execute(update(_SESSION).where(_SESSION.c.id == row.id).values(ended_at=at))
        audit.record(
            session=session, operator=row.name, action="staff.logout", at=at,
            details={"staff": row.name},
        )  # fmt: skip
        names.append(row.name)
    return names


@dataclass(frozen=True)
class Whoami:
    name: str
    role: str | None
    stores: list[str]
    how: str  # session | token | database role | no staff yet
    until: dt.datetime | None  # a session's end of day


def whoami(session: Session, *, identity: Identity, token: str | None) -> Whoami:
    """Who is acting, and how they were recognised (`identity.resolve`'s order)."""
    role = identity.role.value if identity.role is not None else None
    stores = list(identity.stores)
    if identity.role is None:
        return Whoami(identity.name, None, stores, "no staff yet", None)
    if db_roles.whoami(session.connection()) is not None:
        return Whoami(identity.name, role, stores, "database role", None)
    row = None
    if token:
        row = session.execute(
            select(_SESSION.c.kind, _SESSION.c.expires_at).where(
                _SESSION.c.token_hash == sessions.token_hash(token)
            )
        ).first()
    if row is not None and row.kind == "login":
        return Whoami(identity.name, role, stores, "session", row.expires_at)
    return Whoami(identity.name, role, stores, "token", None)

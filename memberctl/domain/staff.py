"""Staff accounts: who may log in, with what role, in which stores (issue 18).

- `add`: a person (owner, manager, clerk) with a password, kept only as its argon2id hash
  (argon2-cffi's `PasswordHasher`, library defaults); the first staff member must be the owner.
- `disable` ends every session and token of the staff member at once; the last enabled owner
  cannot be disabled. `set_password` rehashes and lifts a lockout.
- `login`: an unknown or disabled name and a wrong password read alike (no user enumeration);
  `MAX_FAILURES` wrong passwords in a row lock the account for `staff.lockout_minutes`, during
  which every attempt is refused without the password being checked. A failure is written even
  though the command fails: `login` returns a `LoginOutcome`, the caller commits, then
  `outcome.token()` raises.
- Jobs (nightly, backups) log in with a token: `add_token` makes a staff row of role `job` and
  gives its token once; `revoke` ends it for good.

Every change is audited (`staff.add`, `staff.disable`, `staff.password`, `staff.login`,
`staff.login_failed`, `staff.locked`, `staff.logout`, `staff.token_add`, `staff.token_revoke`);
no password, hash or token ever goes into the log.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlmodel import Session

from memberctl.config import MAX_OPERATOR, valid_operator
from memberctl.domain import audit, db_roles, sessions, stores
from memberctl.domain.permissions import PEOPLE, Role
from memberctl.errors import InvalidInput, NotFound, RuleViolation, UsageProblem
from memberctl.i18n import _
from memberctl.models import Staff, StaffSession, StaffStore

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 takes any length; this keeps a pasted file out
MAX_FAILURES = 5  # wrong passwords in a row that lock the account

_STAFF = Staff.__table__  # type: ignore[attr-defined]
_STORE = StaffStore.__table__  # type: ignore[attr-defined]
_SESSION = StaffSession.__table__  # type: ignore[attr-defined]


@cache
def hasher() -> PasswordHasher:
    """argon2id with the library's defaults (RFC 9106's second recommended parameter set)."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _decoy() -> str:
    """A hash to check a password against when the name is unknown, so that an unknown name
    takes as long as a wrong password."""
    return hasher().hash("memberctl decoy password")


def password_matches(hash_: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return hasher().verify(hash_ or _decoy(), password) and hash_ is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class StaffRecord:
    name: str
    role: str
    stores: list[str]
    status: str  # active | locked | disabled
    db_role: str | None
    created: dt.datetime


@dataclass(frozen=True)
class TokenRecord:
    name: str
    role: str
    status: str  # active | revoked
    created: dt.datetime
    last_used: dt.datetime | None


@dataclass(frozen=True)
class NewToken:
    name: str
    role: str
    token: str


# -- rules -------------------------------------------------------------------------------------


def checked_name(name: str) -> str:
    """A staff name as the audit log will hold it: trimmed, NFC, 1 to 64 characters, no
    control characters (the rules of --operator); InvalidInput (exit 5) otherwise."""
    text = unicodedata.normalize("NFC", name).strip()
    if not text:
        raise InvalidInput(_("the staff name is empty"), _("give a name such as 张三 or amy"))
    if len(text) > MAX_OPERATOR:
        raise InvalidInput(
            _("a staff name has at most {max} characters (this one has {count})").format(
                max=MAX_OPERATOR, count=len(text)
            ),
            _("use a shorter name"),
        )
    if not valid_operator(text):
        raise InvalidInput(
            _("a staff name cannot hold control characters such as tabs or line breaks"),
            _("type the name again"),
        )
    return text


def checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            _("a password needs at least {min} characters (this one has {count})").format(
                min=MIN_PASSWORD, count=len(password)
            ),
            _("choose a longer password; a short sentence is easy to remember"),
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(
            _("a password has at most {max} characters").format(max=MAX_PASSWORD),
            _("choose a shorter password"),
        )
    return password


def find(session: Session, name: str, *, lock: bool = False) -> Staff | None:
    """The staff row named exactly `name` (`lock`: FOR UPDATE on PostgreSQL), or None."""
    query = select(Staff).where(Staff.name == name)  # type: ignore[arg-type]
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalars().first()


def _get(session: Session, name: str, *, lock: bool = False) -> Staff:
    row = find(session, checked_name(name), lock=lock)
    if row is None:
        raise NotFound(
            _("no staff member '{name}'").format(name=name.strip()),
            _("see them with 'memberctl staff list'"),
        )
    return row


def _status(row: Staff, now: dt.datetime) -> str:
    if row.disabled_at is not None:
        return "disabled"
    if row.locked_until is not None and row.locked_until > now:
        return "locked"
    return "active"


def _stores_of(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    rows = session.execute(
        select(_STORE.c.staff_id, _STORE.c.store)
        .where(_STORE.c.staff_id.in_(ids))
        .order_by(_STORE.c.store)
    )
    for staff_id, store in rows:
        found[staff_id].append(store)
    return found


def _record(row: Staff, stores_: list[str], now: dt.datetime) -> StaffRecord:
    return StaffRecord(row.name, row.role, stores_, _status(row, now), row.db_role, row.created_at)


# -- staff add / list / disable / password -----------------------------------------------------


def add(
    session: Session,
    *,
    name: str,
    role: Role,
    stores: Sequence[str] = (),
    password: str | None,
    operator: str,
    at: dt.datetime,
    audited: bool = True,
) -> StaffRecord:
    """A new staff member; the first one ever must be the owner. People need a password of at
    least MIN_PASSWORD characters; a job has none."""
    text = checked_name(name)
    _first_must_be_owner(session, role)
    if find(session, text) is not None:
        raise RuleViolation(
            _("there is already a staff member '{name}'").format(name=text),
            _("choose another name"),
        )
    codes = sorted({_store_code(session, s) for s in stores})
    hash_ = _password_hash(role, password)
    row = Staff(name=text, role=role.value, password_hash=hash_, failed_logins=0, created_at=at)
    session.add(row)
    session.flush()
    assert row.id is not None  # noqa: S101  (flushed)
    for code in codes:
        session.add(StaffStore(staff_id=row.id, store=code))
    row.db_role = db_roles.on_staff_added(
        session.connection(),
        staff_id=row.id,
        name=text,
        role=role.value,
        stores=codes,
        password=password,
    )
    session.add(row)
    session.flush()
    if audited:
        audit.record(
            session=session,
            operator=operator,
            action="staff.add",
            at=at,
            details={"staff": text, "role": role.value, "stores": codes},
        )
    return _record(row, codes, at)


def _first_must_be_owner(session: Session, role: Role) -> None:
    if role is Role.owner or session.execute(select(func.count()).select_from(_STAFF)).scalar():
        return
    raise RuleViolation(
        _("the first staff member must be the owner"),
        _("add the owner first: memberctl staff add NAME --role owner"),
    )


def _store_code(session: Session, raw: str) -> str:
    code = stores.resolve(session, raw)
    if code is None:
        raise InvalidInput(_("the store is empty"), _("give a store's code or name"))
    return code


def _password_hash(role: Role, password: str | None) -> str | None:
    if role not in PEOPLE:
        if password is not None:
            raise UsageProblem(
                _("a job has no password"), _("it logs in with its token: staff token add")
            )
        return None
    if password is None:
        raise UsageProblem(_("a staff member needs a password"), _("give --password-stdin"))
    return hasher().hash(checked_password(password))


def list_staff(session: Session, *, now: dt.datetime, jobs: bool = False) -> list[StaffRecord]:
    """The people (or with `jobs`, also the jobs), by name."""
    query = select(Staff).order_by(Staff.name)
    if not jobs:
        query = query.where(Staff.role != Role.job.value)  # type: ignore[arg-type]
    rows = list(session.execute(query).scalars())
    found = _stores_of(session, [r.id for r in rows if r.id is not None])
    return [_record(r, found[r.id or 0], now) for r in rows]


def _switch_off(session: Session, row: Staff, at: dt.datetime) -> None:
    """Every session and token of `row` ends, it is disabled, and so is its login role."""
    _end_all(session, row, at)
    row.disabled_at = at
    session.add(row)
    db_roles.on_disabled(session.connection(), db_role=row.db_role)


def disable(session: Session, *, name: str, operator: str, at: dt.datetime) -> StaffRecord:
    """No more logins, and every session and token ends now; the last enabled owner stays.
    Disabling a disabled staff member changes nothing."""
    row = _get(session, name, lock=True)
    if row.disabled_at is None:
        if row.role == Role.owner.value:
            _keep_an_owner(session, row)
        _switch_off(session, row, at)
        audit.record(
            session=session, operator=operator, action="staff.disable", at=at,
            details={"staff": row.name, "role": row.role},
        )  # fmt: skip
    return _record(row, _stores_of(session, [row.id or 0])[row.id or 0], at)


def set_stores(
    session: Session,
    *,
    name: str,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    operator: str,
    at: dt.datetime,
) -> StaffRecord:
    """Add and remove stores a manager or clerk works in (none left: every store). Their
    next command sees the change: who may see what is read from `staff_store` each time, by
    memberctl and by PostgreSQL's row policies alike."""
    row = _get(session, name, lock=True)
    if row.role in (Role.owner.value, Role.job.value):
        raise RuleViolation(
            _("{name} is the owner or a job, who work in every store").format(name=row.name),
            _("stores are for managers and clerks"),
        )
    assert row.id is not None  # noqa: S101  (a stored row)
    before = set(_stores_of(session, [row.id])[row.id])
    added = {_store_code(session, s) for s in add}
    removed = {_store_code(session, s) for s in remove}
    if both := added & removed:
        raise UsageProblem(
            _("{stores} is both added and removed").format(stores=", ".join(sorted(both))),
            _("give each store once"),
        )
    after = (before | added) - removed
    if after != before:
        session.execute(
            _STORE.delete().where(_STORE.c.staff_id == row.id, _STORE.c.store.in_(removed))
        )
        for code in sorted(added - before):
            session.add(StaffStore(staff_id=row.id, store=code))
        session.flush()
        audit.record(
            session=session, operator=operator, action="staff.stores", at=at,
            details={"staff": row.name, "before": sorted(before), "after": sorted(after)},
        )  # fmt: skip
    return _record(row, sorted(after), at)


def _keep_an_owner(session: Session, row: Staff) -> None:
    owners = session.execute(
        select(_STAFF.c.id)
        .where(_STAFF.c.role == Role.owner.value, _STAFF.c.disabled_at.is_(None))
        .with_for_update()
    ).all()
    if len(owners) <= 1:
        raise RuleViolation(
            _("{name} is the last owner and cannot be disabled").format(name=row.name),
            _("add another owner first: memberctl staff add NAME --role owner"),
        )


def _end_all(session: Session, row: Staff, at: dt.datetime, *, kind: str | None = None) -> None:
    query = update(_SESSION).where(_SESSION.c.staff_id == row.id, _SESSION.c.ended_at.is_(None))
    if kind is not None:
        query = query.where(_SESSION.c.kind == kind)
    session.execute(query.values(ended_at=at))


def set_password(
    session: Session, *, name: str, password: str, operator: str, at: dt.datetime
) -> StaffRecord:
    """A new password: rehashed, the failure count and any lockout cleared, and the staff
    member's login sessions ended (they log in again with it)."""
    row = _get(session, name, lock=True)
    if row.role not in {r.value for r in PEOPLE}:
        raise RuleViolation(
            _("{name} is a job and has no password").format(name=row.name),
            _("give it a new token: revoke it and add another with 'memberctl staff token add'"),
        )
    if row.disabled_at is not None:
        raise RuleViolation(
            _("{name} is disabled").format(name=row.name), _("add them again under a new name")
        )
    row.password_hash = hasher().hash(checked_password(password))
    row.failed_logins = 0
    row.locked_until = None
    session.add(row)
    _end_all(session, row, at, kind="login")
    db_roles.on_password(session.connection(), db_role=row.db_role, password=password)
    audit.record(
        session=session, operator=operator, action="staff.password", at=at,
        details={"staff": row.name},
    )  # fmt: skip
    return _record(row, _stores_of(session, [row.id or 0])[row.id or 0], at)


# -- job tokens --------------------------------------------------------------------------------


def add_token(session: Session, *, name: str, operator: str, at: dt.datetime) -> NewToken:
    """A job (role `job`, no password) and its token, returned this once: only its hash is
    kept, so a lost token is revoked and replaced, never shown again."""
    record = add(
        session, name=name, role=Role.job, password=None, operator=operator, at=at, audited=False
    )
    row = _get(session, record.name)
    token = sessions.issue(session.connection(), staff_id=row.id or 0, kind="job", now=at)
    audit.record(
        session=session, operator=operator, action="staff.token_add", at=at,
        details={"staff": row.name, "role": Role.job.value},
    )  # fmt: skip
    return NewToken(row.name, Role.job.value, token)


def _job(session: Session, name: str) -> Staff:
    row = _get(session, name, lock=True)
    if row.role != Role.job.value:
        raise NotFound(
            _("'{name}' is a person, not a job").format(name=row.name),
            _("disable a person with 'memberctl staff disable'"),
        )
    return row


def revoke(session: Session, *, name: str, operator: str, at: dt.datetime) -> TokenRecord:
    """The job's token stops working now, for good (its name is not used again). Revoking a
    revoked token changes nothing."""
    row = _job(session, name)
    if row.disabled_at is None:
        _switch_off(session, row, at)
        audit.record(
            session=session, operator=operator, action="staff.token_revoke", at=at,
            details={"staff": row.name},
        )  # fmt: skip
    return _token_record(row, None)


def _token_record(row: Staff, last_used: dt.datetime | None) -> TokenRecord:
    status = "revoked" if row.disabled_at is not None else "active"
    return TokenRecord(row.name, row.role, status, row.created_at, last_used)


def list_tokens(session: Session) -> list[TokenRecord]:
    """The jobs, by name, with when their token was last used."""
    used = (
        select(_SESSION.c.staff_id, func.max(_SESSION.c.last_used_at).label("used"))
        .where(_SESSION.c.kind == "job")
        .group_by(_SESSION.c.staff_id)
        .subquery()
    )
    rows = session.execute(
        select(Staff, used.c.used)
        .outerjoin(used, used.c.staff_id == Staff.id)
        .where(Staff.role == Role.job.value)  # type: ignore[arg-type]
        .order_by(Staff.name)
    ).all()
    return [_token_record(row, last) for row, last in rows]

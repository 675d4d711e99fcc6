"""Who is acting: resolved once per command when it opens the database (issue 18).

- No staff yet: the operator is `--operator`, MEMBERCTL_OPERATOR or the OS user, as before, and
  nothing is checked.
- PostgreSQL, connected as a staff member's own login role: that staff member (`current_user`).
- Otherwise a token: MEMBERCTL_TOKEN (a job's token, or a session's), else the session file
  `memberctl login` wrote. No live token is exit 6; so is `--operator` once staff exist.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, exists, inspect, select

from memberctl.db.engine import SQLITE_BEGIN_OPTION, is_sqlite
from memberctl.domain import db_roles, policy, sessions
from memberctl.domain.permissions import Identity, Role
from memberctl.errors import NotPermitted
from memberctl.i18n import _
from memberctl.models import Staff, StaffStore

_STAFF = Staff.__table__  # type: ignore[attr-defined]
_STAFF_STORE = StaffStore.__table__  # type: ignore[attr-defined]


def resolve(
    engine: Engine,
    *,
    fallback: str,
    operator_given: bool,
    token: str | None,
    stored_token: Callable[[], str | None],
    may_lack_table: bool = False,
) -> Identity:
    with engine.connect() as connection:
        if may_lack_table and not inspect(connection).has_table("staff"):
            return Identity(fallback)
        own = db_roles.whoami(connection)
        if own is not None:
            return own
        if not connection.execute(select(exists().select_from(_STAFF))).scalar():
            return Identity(fallback)
        if operator_given:
            raise NotPermitted(
                _("--operator cannot say who is acting once staff exist"),
                _("log in with 'memberctl login', or give a job's token in MEMBERCTL_TOKEN"),
            )
        token = token or stored_token()
        if not token:
            raise NotPermitted(
                _("not logged in"),
                _("log in with 'memberctl login', or give a job's token in MEMBERCTL_TOKEN"),
            )
        idle = policy.staff_rules(connection, keys=("staff.idle_minutes",)).idle
        live = sessions.lookup(connection, token, idle=idle)
        if live is None:
            raise NotPermitted(
                _("the session has ended or the token is not valid"),
                _("log in again with 'memberctl login'"),
            )
        identity = identity_of(connection, live.staff_id)
    if live.stale:
        _touch(engine, live.session_id)
    return identity


def identity_of(connection: Connection, staff_id: int) -> Identity:
    row = connection.execute(
        select(_STAFF.c.name, _STAFF.c.role).where(_STAFF.c.id == staff_id)
    ).one()
    stores = connection.execute(
        select(_STAFF_STORE.c.store)
        .where(_STAFF_STORE.c.staff_id == staff_id)
        .order_by(_STAFF_STORE.c.store)
    ).scalars()
    return Identity(row.name, Role(row.role), tuple(stores), staff_id)


def _touch(engine: Engine, session_id: int) -> None:
    bind = engine
    if is_sqlite(engine):
        bind = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    with bind.begin() as connection:
        sessions.touch(connection, session_id)

"""PostgreSQL: staff as login roles, group roles per memberctl role, grants and row-level
security, so the database enforces the permission matrix as well as the code does (issue 18).

- Four group roles, `memberctl_owner`, `memberctl_manager`, `memberctl_clerk`, `memberctl_job`
  (NOLOGIN, cluster-wide, created when missing). Each staff member who logs in with a password
  gets a login role of their own, a member of their role's group (`on_staff_added`); jobs get
  none (they run over the administrator's connection with a job token).
- `apply` grants each group, on every table of the current schema, only what its commands need
  (`GRANTS`): the ledgers and the audit log are append-only for everyone but the owner, clerks
  cannot read the audit log, and only the owner's group reaches the staff tables. Staff find
  out who they are through SECURITY DEFINER functions (`memberctl_whoami`).
- Row-level security on `member`, `purchase`, `sale` and `sale_line`: a manager or a clerk sees
  the rows of the stores they work in (all of them when their list is empty) and the rows of
  no store; the owner's and the job's groups see everything. Table owners and superusers (the
  administrator's connection) are not affected: RLS is enabled, not forced.

Everything here is a no-op on SQLite. DDL is composed with `psycopg.sql` (identifiers and
literals quoted by the driver) and run on the driver's cursor, in the caller's transaction;
a password reaches the server only as a SCRAM verifier computed here, never as plain text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from memberctl.domain.permissions import Identity, Role
from memberctl.errors import NotPermitted
from memberctl.i18n import _

if TYPE_CHECKING:
    from psycopg import sql

GROUPS: dict[Role, str] = {role: f"memberctl_{role.value}" for role in Role}

# What each group may do on each table, in PostgreSQL's ACL letters: r SELECT, a INSERT,
# w UPDATE, d DELETE. Found by running every command of the matrix as each role (tests/db/
# test_pg_roles.py); a table missing here gets nothing but the owner's "arwd" (a test checks
# that every table of the schema is listed). The owner's group may do everything.
_LEDGER = {Role.manager: "ra", Role.clerk: "ra", Role.job: "ra"}  # append-only
_RECORD = {Role.manager: "raw", Role.clerk: "raw", Role.job: "raw"}
_RULES = {Role.manager: "r", Role.clerk: "r", Role.job: "r"}  # the owner's to change
_CAMPAIGN = {Role.manager: "raw", Role.clerk: "r", Role.job: "raw"}
GRANTS: dict[str, dict[Role, str]] = {
    "alembic_version": {Role.owner: "r", Role.manager: "r", Role.clerk: "r", Role.job: "r"},
    # append-only history
    "points_entry": _LEDGER,
    "points_allocation": _LEDGER,
    "wallet_entry": _LEDGER,
    "lifecycle_change": _LEDGER,
    "import_change": {Role.manager: "r", Role.job: "r"},
    "campaign_award": {Role.manager: "ra", Role.clerk: "r", Role.job: "ra"},
    # the audit log: written by everyone, read by the owner (and by the reports of managers and
    # jobs); a clerk's INSERT ... RETURNING id needs its `id` column (see _COLUMN_GRANTS)
    "audit_entry": {Role.manager: "ra", Role.clerk: "a", Role.job: "ra"},
    # members and what happens at the till
    "member": _RECORD,
    "member_tag": {Role.manager: "rad", Role.clerk: "rad", Role.job: "ra"},
    # written by the triggers on member (migration 0017), as whoever writes the member
    "member_search_key": {Role.manager: "rad", Role.clerk: "rad", Role.job: "rad"},
    "member_name_position": {Role.manager: "r", Role.clerk: "r", Role.job: "r"},
    "counter": _RECORD,
    "purchase": _RECORD,
    "sale": _RECORD,
    "sale_line": _RECORD,
    "coupon": _RECORD,
    "interaction": _RECORD,
    "survey_response": _RECORD,
    "survey_answer": _RECORD,
    # campaigns, segments, surveys: the managers'
    "campaign": _CAMPAIGN,
    "campaign_version": _CAMPAIGN,
    "campaign_run": _CAMPAIGN,
    "segment": {Role.manager: "rawd", Role.clerk: "r", Role.job: "r"},
    "survey": {Role.manager: "raw", Role.clerk: "r", Role.job: "r"},
    # the shop's rules and bulk data: the owner's
    "tier": _RULES,
    "setting": _RULES,
    "store": _RULES,
    "import_run": {Role.manager: "r", Role.job: "r"},
    # staff: the owner's only; the others learn who they are through memberctl_whoami()
    "staff": {},
    "staff_store": {},
    "staff_session": {},
}
_COLUMN_GRANTS = {("audit_entry", Role.clerk): ("id",)}  # SELECT on these columns only
_LETTERS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}

# Row-level security: the tables whose rows belong to a store, and how a row names its store.
STORE_ROWS: dict[str, str] = {
    "member": "{store}",
    "member_search_key": "EXISTS (SELECT 1 FROM member m WHERE m.id = member_id)",
    "purchase": "{store}",
    "sale": "EXISTS (SELECT 1 FROM purchase p WHERE p.id = purchase_id)",
    "sale_line": "EXISTS (SELECT 1 FROM sale s WHERE s.id = sale_id)",
}
_POLICY_ALL = "memberctl_all_v1"  # owner and job: every row
_POLICY_STORE = "memberctl_store_v1"  # manager and clerk: their stores' rows


def is_postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def role_name(name: str, *, scope: str) -> str:
    """The login role of staff member `name`: `mc_` + an ASCII slug of the name + a hash of
    the database, schema and name (roles are cluster-wide: two shops' 张三 must not share one).
    Lower-case ASCII letters, digits and `_` only, at most 40 bytes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:24]
    digest = hashlib.sha256(f"{scope}\x00{name}".encode()).hexdigest()[:10]
    return f"mc_{slug}_{digest}" if slug else f"mc_{digest}"


def whoami(connection: Connection) -> Identity | None:
    """The staff member whose login role this connection is (`current_user`), or None when the
    connection is not a staff member's own role (SQLite, an administrator's connection, or a
    database where no staff member has a login role yet)."""
    if not is_postgresql(connection):
        return None
    cursor = _cursor(connection)
    cursor.execute("SELECT to_regprocedure('memberctl_whoami(name)') IS NOT NULL")
    row = cursor.fetchone()
    if row is None or not row[0]:
        return None
    cursor.execute("SELECT staff_id, name, role, stores, disabled FROM memberctl_whoami()")
    found = cursor.fetchone()
    if found is None:
        return None
    staff_id, name, role, stores, disabled = found
    if disabled:
        raise NotPermitted(
            _("{name} has been disabled").format(name=name),
            _("only the owner can let them work again"),
        )
    return Identity(name, Role(role), tuple(stores or ()), staff_id)


def note_resolutions(
    connection: Connection, member_ids: list[int]
) -> list[tuple[int, int, str, dt.datetime]] | None:
    """PostgreSQL once login roles are set up: (complaint id, resolution id, operator, time) of
    these members' resolved complaints, read from the audit log by `memberctl_note_resolutions`
    (which clerks may run, though they may not read the log). None: read the log directly."""
    if not is_postgresql(connection):
        return None
    cursor = _cursor(connection)
    cursor.execute("SELECT to_regprocedure('memberctl_note_resolutions(integer[])') IS NOT NULL")
    row = cursor.fetchone()
    if row is None or not row[0]:
        return None
    cursor.execute("SELECT * FROM memberctl_note_resolutions(%s)", (member_ids,))
    return [(int(n), int(r), str(o), a) for n, r, o, a in cursor.fetchall()]


def on_staff_added(
    connection: Connection,
    *,
    staff_id: int,
    name: str,
    role: str,
    stores: Sequence[str],
    password: str | None,
) -> str | None:
    """PostgreSQL: create the staff member's login role (member of the group role of `role`)
    and return its name, which `staff.db_role` keeps; None on SQLite, and for a job (jobs use
    tokens). The grants and policies of the schema are (re)applied as well."""
    del stores  # read from staff_store by the policies, never copied into the role
    if not is_postgresql(connection):
        return None
    apply(connection)
    if Role(role) not in (Role.owner, Role.manager, Role.clerk):
        return None
    from psycopg import sql

    if not _may_create_roles(connection):
        raise NotPermitted(
            _("creating {name}'s database login role needs CREATEROLE, which {user} lacks").format(
                name=name, user=_user(connection)
            ),
            _("run 'memberctl staff add' on the administrator's connection"),
        )

    db_role = _kept_db_role(connection, staff_id) or role_name(name, scope=_scope(connection))
    group = sql.Identifier(GROUPS[Role(role)])
    if _role_exists(connection, db_role):
        _ddl(connection, sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(db_role)))
        for other in GROUPS.values():  # a role changed since: only the new group stays
            _ddl(connection, sql.SQL("REVOKE {} FROM {}").format(
                sql.Identifier(other), sql.Identifier(db_role)
            ))  # fmt: skip
        _ddl(connection, sql.SQL("GRANT {} TO {}").format(group, sql.Identifier(db_role)))
    else:
        _ddl(
            connection,
            sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(sql.Identifier(db_role), group),
        )
    if password is not None:
        on_password(connection, db_role=db_role, password=password)
    return db_role


def on_password(connection: Connection, *, db_role: str | None, password: str) -> None:
    """PostgreSQL: the login role gets the new password too (sent as a SCRAM verifier)."""
    if db_role is None or not is_postgresql(connection):
        return
    from psycopg import sql

    raw = connection.connection.driver_connection
    assert raw is not None  # noqa: S101  (a live connection)
    verifier = raw.pgconn.encrypt_password(password.encode(), db_role.encode(), b"scram-sha-256")
    statement = sql.SQL("ALTER ROLE {} PASSWORD {}").format(
        sql.Identifier(db_role), sql.Literal(verifier.decode("ascii"))
    )
    _ddl(connection, statement)


def on_disabled(connection: Connection, *, db_role: str | None) -> None:
    """PostgreSQL: the login role may no longer log in (NOLOGIN)."""
    if db_role is None or not is_postgresql(connection):
        return
    from psycopg import sql

    _ddl(connection, sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(db_role)))


def refresh(connection: Connection) -> bool:
    """After `db upgrade`: apply the grants again (new tables) when some staff member has a
    login role; one query when none has. True when they were applied."""
    if not is_postgresql(connection):
        return False
    cursor = _cursor(connection)
    cursor.execute(
        "SELECT to_regclass('staff') IS NOT NULL AND has_table_privilege('staff', 'SELECT')"
    )
    row = cursor.fetchone()
    if row is None or not row[0]:
        return False
    cursor.execute("SELECT EXISTS (SELECT 1 FROM staff WHERE db_role IS NOT NULL)")
    row = cursor.fetchone()
    if row is None or not row[0] or not _administers(connection):
        return False
    apply(connection)
    return True


def apply(connection: Connection) -> None:
    """Idempotent: the group roles (created when missing), their grants on every table and
    sequence of the current schema, the identity functions and the row-level security policies.
    Needs the schema's owner (or a superuser); CREATEROLE too while a group role is missing."""
    if not is_postgresql(connection):
        return
    if not _administers(connection):
        raise NotPermitted(
            _(
                "only the owner of the database's tables may grant them; {user} does not own them"
            ).format(user=_user(connection)),
            _("run this on the administrator's connection"),
        )
    ensure_groups(connection)
    schema = _schema(connection)
    tables = _tables(connection)
    _grant_tables(connection, schema, tables)
    _functions(connection, schema)
    _policies(connection, [t for t in STORE_ROWS if t in tables])


def ensure_groups(connection: Connection) -> None:
    """Create the group roles that are missing; another connection creating one at the same
    time is fine (duplicate_object is caught in a savepoint)."""
    from psycopg import errors, sql

    for group in GROUPS.values():
        if _role_exists(connection, group):
            continue
        try:
            with connection.begin_nested():  # rolled back to on an error
                _ddl(connection, sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(group)))
        except (errors.DuplicateObject, errors.UniqueViolation):
            pass  # created by a concurrent connection at the same time


def _grant_tables(connection: Connection, schema: str, tables: list[str]) -> None:
    from psycopg import sql

    groups = sql.SQL(", ").join(sql.Identifier(g) for g in GROUPS.values())
    _ddl(
        connection, sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), groups)
    )
    if not tables:
        return
    _ddl(connection, sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(_names(tables), groups))
    wanted: dict[tuple[str, str], list[str]] = {}  # (privileges, group) -> tables
    for table in tables:
        for role, letters in _privileges(table).items():
            if letters:
                wanted.setdefault((letters, GROUPS[role]), []).append(table)
    for (letters, group), names in sorted(wanted.items()):
        privileges = sql.SQL(", ").join(sql.SQL(_LETTERS[c]) for c in letters)
        _ddl(
            connection,
            sql.SQL("GRANT {} ON TABLE {} TO {}").format(
                privileges, _names(names), sql.Identifier(group)
            ),
        )
    for (table, role), columns in _COLUMN_GRANTS.items():
        if table in tables:
            _ddl(
                connection,
                sql.SQL("GRANT SELECT ({}) ON TABLE {} TO {}").format(
                    _names(columns), sql.Identifier(table), sql.Identifier(GROUPS[role])
                ),
            )
    _ddl(
        connection,
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
            sql.Identifier(schema), groups
        ),
    )


def _privileges(table: str) -> dict[Role, str]:
    granted = dict(GRANTS.get(table, {}))
    granted.setdefault(Role.owner, "rawd")
    return granted


# memberctl_whoami(): the caller's staff row and stores. memberctl_store_scope(): the stores
# whose rows the caller sees, NULL for every store ('{}' for a role that is no staff member's).
# Both answer only about a role the session's user is, or may become (pg_has_role), so a clerk
# cannot ask about someone else; `r` defaults to the caller's current_user, evaluated by the
# caller (inside a SECURITY DEFINER function current_user is the function's owner).
_WHOAMI = """
CREATE OR REPLACE FUNCTION memberctl_whoami(r name DEFAULT current_user)
RETURNS TABLE (staff_id integer, name text, role text, stores text[], disabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT s.id, s.name::text, s.role::text,
         ARRAY(SELECT x.store::text FROM staff_store x WHERE x.staff_id = s.id ORDER BY x.store),
         s.disabled_at IS NOT NULL
  FROM staff s
  WHERE s.db_role = r AND pg_has_role(session_user, r, 'MEMBER')
$$
"""
_SCOPE = """
CREATE OR REPLACE FUNCTION memberctl_store_scope(r name DEFAULT current_user)
RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT CASE
    WHEN s.id IS NULL OR NOT pg_has_role(session_user, r, 'MEMBER') THEN '{{}}'::text[]
    WHEN s.role IN ('owner', 'job') THEN NULL
    WHEN NOT EXISTS (SELECT 1 FROM staff_store x WHERE x.staff_id = s.id) THEN NULL
    ELSE ARRAY(SELECT x.store::text FROM staff_store x WHERE x.staff_id = s.id)
  END
  FROM (SELECT 1) AS one
  LEFT JOIN staff s ON s.db_role = r AND s.disabled_at IS NULL
$$
"""
_SEES = """
CREATE OR REPLACE FUNCTION memberctl_sees_store(store text)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = {schema}, pg_temp AS $$
  SELECT store IS NULL OR store = ''
      OR coalesce(store = ANY (memberctl_store_scope(current_user)),
                  memberctl_store_scope(current_user) IS NULL)
$$
"""
# A clerk's `member history` shows who resolved a complaint, which the audit log records; clerks
# may not read the log, so they read those entries (and only those) through this function.
_RESOLUTIONS = """
CREATE OR REPLACE FUNCTION memberctl_note_resolutions(member_ids integer[])
RETURNS TABLE (note_id integer, resolution_id integer, operator text, at timestamp)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT (a.details->>'note_id')::integer, (a.details->>'resolution_id')::integer,
         a.operator::text, a.at
  FROM audit_entry a
  WHERE a.action = 'member.note.resolve' AND a.member_id = ANY (member_ids)
    AND json_typeof(a.details->'note_id') = 'number'
    AND json_typeof(a.details->'resolution_id') = 'number'
$$
"""
_FUNCTIONS = (
    "memberctl_whoami(name)",
    "memberctl_store_scope(name)",
    "memberctl_sees_store(text)",
    "memberctl_note_resolutions(integer[])",
)


def _functions(connection: Connection, schema: str) -> None:
    from psycopg import sql

    quoted = sql.Identifier(schema)
    for body in (_WHOAMI, _SCOPE, _SEES, _RESOLUTIONS):
        _ddl(connection, sql.SQL(body).format(schema=quoted))
    groups = sql.SQL(", ").join(sql.Identifier(g) for g in GROUPS.values())
    for signature in _FUNCTIONS:
        function = sql.SQL(signature)
        _ddl(connection, sql.SQL("REVOKE ALL ON FUNCTION {} FROM PUBLIC").format(function))
        _ddl(connection, sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(function, groups))


# The store rule, as the policy states it: the caller's scope is computed once per statement
# (an InitPlan: `(SELECT ...)`), then each row is a comparison with an array.
_STORE_RULE = (
    "{column} IS NULL OR {column} = '' OR coalesce({column}::text = ANY (CAST((SELECT "
    "memberctl_store_scope(current_user)) AS text[])), "
    "(SELECT memberctl_store_scope(current_user)) IS NULL)"
)


def _policies(connection: Connection, tables: Iterable[str]) -> None:
    """RLS on the store tables: created when missing (creating a policy locks the table, so an
    unchanged one is left alone)."""
    from psycopg import sql

    owner_job = sql.SQL(", ").join(sql.Identifier(GROUPS[r]) for r in (Role.owner, Role.job))
    staff = sql.SQL(", ").join(sql.Identifier(GROUPS[r]) for r in (Role.manager, Role.clerk))
    present = _existing_policies(connection)
    for table in tables:
        name = sql.Identifier(table)
        if (table, "*") not in present:
            _ddl(connection, sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(name))
        if (table, _POLICY_ALL) not in present:
            _ddl(
                connection,
                sql.SQL("CREATE POLICY {} ON {} FOR ALL TO {} USING (true)").format(
                    sql.Identifier(_POLICY_ALL), name, owner_job
                ),
            )
        if (table, _POLICY_STORE) not in present:
            rule = STORE_ROWS[table].format(store=_STORE_RULE.format(column="store"))
            _ddl(
                connection,
                sql.SQL("CREATE POLICY {} ON {} FOR ALL TO {} USING ({})").format(
                    sql.Identifier(_POLICY_STORE), name, staff, sql.SQL(rule)
                ),
            )


def _existing_policies(connection: Connection) -> set[tuple[str, str]]:
    """(table, policy) pairs of the current schema, and (table, "*") for a table with RLS on."""
    cursor = _cursor(connection)
    cursor.execute(
        "SELECT c.relname, p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
        "WHERE c.relnamespace = current_schema()::regnamespace "
        "UNION ALL SELECT relname, '*' FROM pg_class "
        "WHERE relnamespace = current_schema()::regnamespace AND relrowsecurity"
    )
    return {(str(t), str(p)) for t, p in cursor.fetchall()}


def _tables(connection: Connection) -> list[str]:
    cursor = _cursor(connection)
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [str(t) for (t,) in cursor.fetchall()]


def _names(names: Iterable[str]) -> sql.Composed:
    from psycopg import sql

    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def _schema(connection: Connection) -> str:
    cursor = _cursor(connection)
    cursor.execute("SELECT current_schema()")
    row = cursor.fetchone()
    assert row is not None and row[0]  # noqa: S101  (a search_path without a schema)
    return str(row[0])


def _scope(connection: Connection) -> str:
    cursor = _cursor(connection)
    cursor.execute("SELECT current_database() || '.' || current_schema()")
    row = cursor.fetchone()
    assert row is not None  # noqa: S101
    return str(row[0])


def _administers(connection: Connection) -> bool:
    """The connection's role owns (or may act as the owner of) every table of the schema."""
    return _ask(
        connection,
        "SELECT coalesce(bool_and(pg_has_role(current_user, tableowner, 'USAGE')), true) "
        "FROM pg_tables WHERE schemaname = current_schema()",
    )


def _may_create_roles(connection: Connection) -> bool:
    return _ask(
        connection,
        "SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user",
    )


def _ask(connection: Connection, query: str) -> bool:
    cursor = _cursor(connection)
    cursor.execute(query)
    row = cursor.fetchone()
    return bool(row and row[0])


def _role_exists(connection: Connection, role: str) -> bool:
    cursor = _cursor(connection)
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", (role,))
    row = cursor.fetchone()
    return bool(row and row[0])


def _kept_db_role(connection: Connection, staff_id: int) -> str | None:
    cursor = _cursor(connection)
    cursor.execute("SELECT db_role FROM staff WHERE id = %s", (staff_id,))
    row = cursor.fetchone()
    return str(row[0]) if row and row[0] else None


def _cursor(connection: Connection) -> Any:
    """The driver's cursor on the connection's own transaction (SQLAlchemy's connection has begun
    it: the first statement through SQLAlchemy, or `begin`, starts it)."""
    if not connection.in_transaction():
        connection.begin()
    return connection.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _ddl(connection: Connection, statement: sql.Composable) -> None:
    """Run one statement; a role without the right to do it is exit 6, one line, no SQL."""
    from psycopg import errors

    try:
        _cursor(connection).execute(statement)
    except errors.InsufficientPrivilege as exc:
        raise NotPermitted(
            _(
                "the database refused to set up staff login roles and grants: {user} may not "
                "({reason})"
            ).format(user=_user(connection), reason=exc.diag.message_primary or ""),
            _("run this on the administrator's connection (the schema's owner, with CREATEROLE)"),
        ) from None


def _user(connection: Connection) -> str:
    return str(connection.connection.driver_connection.info.user)  # type: ignore[union-attr]

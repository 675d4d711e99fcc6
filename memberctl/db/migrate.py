"""Schema management: Alembic migrations, applied by `db upgrade` and on first use of an empty
database only.

`ensure_schema` is on every command's path, so it compares the stored revision with
`HEAD_REVISION` using one cheap query and imports Alembic only when there is work to do. It
never migrates a database that holds a schema: one behind this program's is refused
(`SchemaBehind`, exit 4) until the operator runs `memberctl db upgrade`, since a read such as
`member show` must not change a shared PostgreSQL database behind the operator's back.
Concurrent first runs are serialised (SQLite's write lock, a PostgreSQL advisory lock).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import cast

from sqlalchemy import Connection, Engine, column, inspect, select, table

from memberctl.db.engine import SQLITE_BEGIN_OPTION, is_sqlite
from memberctl.errors import RuleViolation
from memberctl.i18n import _

# The newest migration in db/alembic/versions; a test checks it against Alembic's own head.
HEAD_REVISION = "0017"
_ADVISORY_LOCK_ID = 0x6D656D62  # "memb"
ALEMBIC_DIR = Path(__file__).parent / "alembic"


# Alembic's own table, described rather than reflected: reflecting it cost every command a few
# more queries and milliseconds at start-up.
_VERSION = table("alembic_version", column("version_num"))


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(select(_VERSION.c.version_num)).scalar()


class SchemaUnknown(RuleViolation):
    """The database's schema version is not one this memberctl has (a newer memberctl wrote it,
    or it was changed by hand): nothing is migrated or written (exit 4)."""


def known_revisions() -> set[str]:
    """The revisions of db/alembic/versions, from the file names (`0003_...py`)."""
    return {path.name.split("_", 1)[0] for path in (ALEMBIC_DIR / "versions").glob("*.py")}


def is_known(revision: str | None) -> bool:
    return revision is None or revision == HEAD_REVISION or revision in known_revisions()


def refuse_unknown(revision: str | None) -> None:
    if not is_known(revision):
        raise SchemaUnknown(
            _(
                "the database has schema version '{revision}', which this memberctl does not "
                "know (it knows up to {head})"
            ).format(revision=revision, head=HEAD_REVISION),
            _(
                "a newer memberctl wrote it, or it was changed by hand: upgrade memberctl, or "
                "restore a backup with 'memberctl db restore FILE'"
            ),
        )


class SchemaBehind(RuleViolation):
    """The database's schema is older than this memberctl's: nothing is migrated or written
    until `memberctl db upgrade` (exit 4)."""


def refuse_behind(revision: str) -> None:
    found = _(
        "the database has schema version {revision}, older than this memberctl's {head}; "
        "nothing was changed"
    )
    todo = _(
        "run 'memberctl db upgrade' to migrate it (back it up first with 'memberctl db backup "
        "FILE')"
    )
    raise SchemaBehind(found.format(revision=revision, head=HEAD_REVISION), todo)


def ensure_schema(engine: Engine, *, unknown_ok: bool = False, behind_ok: bool = False) -> None:
    """Create the schema in a database without one (no `alembic_version`: a new database, or a
    legacy one from before migrations); leave one at the newest schema as it is. A database
    behind is refused (`SchemaBehind`) unless `behind_ok` (the `db` commands that read it or
    replace it); a schema version this program does not know is refused, or with `unknown_ok`
    (`db info`) left as it is."""
    with engine.connect() as connection:
        current = current_revision(connection)
        connection.rollback()
    if current == HEAD_REVISION or (unknown_ok and not is_known(current)):
        return
    refuse_unknown(current)
    if current is None:
        upgrade(engine)
    elif not behind_ok:
        refuse_behind(current)


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Apply pending migrations in one locked transaction; returns the revision now in place."""
    if is_sqlite(engine):
        return _upgrade_sqlite(engine, revision)
    with engine.begin() as connection:
        _lock(connection)
        _migrate_if_behind(connection, revision)
        return current_revision(connection)


def _migrate_if_behind(connection: Connection, revision: str) -> None:
    current = current_revision(connection)
    refuse_unknown(current)
    if current != HEAD_REVISION or revision != "head":
        _run_alembic(connection, revision)


def _upgrade_sqlite(engine: Engine, revision: str) -> str | None:
    """SQLite rebuilds a table to alter it (batch mode), which foreign keys would block.

    They are switched off for the migration (possible only outside a transaction) and checked
    with `PRAGMA foreign_key_check` before the commit."""
    bind = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    with bind.connect() as connection:
        raw = cast(sqlite3.Connection, connection.connection.driver_connection)
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                _migrate_if_behind(connection, revision)
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left broken references: {broken[:5]}")
                now_at = current_revision(connection)
            return now_at
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        from sqlalchemy import func

        connection.execute(select(func.pg_advisory_xact_lock(_ADVISORY_LOCK_ID)))


def _alembic_config(connection: Connection | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    config.attributes["connection"] = connection
    return config


def _run_alembic(connection: Connection, revision: str) -> None:
    from alembic import command

    command.upgrade(_alembic_config(connection), revision)


def script_head() -> str | None:
    """The head revision according to Alembic's scripts (used by tests and `db info`)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()

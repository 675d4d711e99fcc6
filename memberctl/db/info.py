"""What `db info` reports: where the database is, its schema version and how many rows it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, column, func, inspect, select, table

from memberctl.db.migrate import HEAD_REVISION, current_revision, is_known


def describe(engine: Engine) -> dict[str, Any]:
    from sqlmodel import SQLModel

    from memberctl.models import DERIVED_TABLES, load_all

    load_all()  # every table in the metadata

    url = engine.url
    with engine.connect() as connection:
        revision = current_revision(connection)
        present = set(inspect(connection).get_table_names())  # all, unless the schema is unknown
        if engine.dialect.name == "postgresql":  # a staff member's own role: what it may read
            present &= _readable(connection)
        counts = {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in sorted(SQLModel.metadata.tables.items())
            if name in present and name not in DERIVED_TABLES
        }
        connection.rollback()
    info: dict[str, Any] = {
        "url": url.render_as_string(hide_password=True),
        "backend": engine.dialect.name,
        "schema_revision": revision,
        "schema_head": HEAD_REVISION,
        "schema_known": is_known(revision),
        "rows": counts,
    }
    if engine.dialect.name == "sqlite" and url.database:
        path = Path(url.database)
        info["file_bytes"] = path.stat().st_size if path.exists() else None
    return info


def _readable(connection: Connection) -> set[str]:
    """The tables of the current schema that this connection's role may SELECT from."""
    tables = table("pg_tables", column("tablename"), column("schemaname"))
    query = select(tables.c.tablename).where(
        tables.c.schemaname == func.current_schema(),
        func.has_table_privilege(
            func.quote_ident(tables.c.schemaname) + "." + func.quote_ident(tables.c.tablename),
            "SELECT",
        ),
    )
    return set(connection.execute(query).scalars())

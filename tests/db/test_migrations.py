"""The migrations and the models describe the same schema, and the code knows the head."""

from __future__ import annotations

import os
import stat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import memberctl.models
from memberctl.db.engine import make_engine
from memberctl.db.migrate import HEAD_REVISION, current_revision, ensure_schema, script_head


def test_head_revision_constant_matches_alembic_scripts():
    assert script_head() == HEAD_REVISION


def test_migrated_schema_matches_the_models(engine):
    memberctl.models.load_all()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_fresh_database_gets_default_tiers_and_head_revision(engine, session):
    from memberctl.domain import tiers

    with engine.connect() as connection:
        assert current_revision(connection) == HEAD_REVISION
    codes = [t.code for t in tiers.list_tiers(session=session)]
    assert codes == ["basic", "silver", "gold", "platinum"]


def test_ensure_schema_twice_changes_nothing(engine):
    before = set(inspect(engine).get_table_names())
    ensure_schema(engine)
    assert set(inspect(engine).get_table_names()) == before


@pytest.mark.skipif(bool(os.environ.get("MEMBERCTL_TEST_DB")), reason="SQLite file permissions")
def test_new_sqlite_file_is_private_and_in_wal_mode(tmp_path):
    path = tmp_path / "sub" / "shop.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        ensure_schema(engine)
        with engine.connect() as connection:
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            fks = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    finally:
        engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (mode, fks) == ("wal", 1)
    assert timeout >= 5000


@pytest.mark.skipif(not os.environ.get("MEMBERCTL_TEST_DB"), reason="PostgreSQL's own options")
def test_the_postgresql_options_the_models_leave_to_the_migrations(engine):
    """The models declare no `postgresql_*` option (it would import the PostgreSQL dialect in
    every SQLite command, tests/contract/test_startup.py); the migrations must still make them,
    and compare_metadata above does not look at them."""
    with engine.connect() as connection:
        options = connection.exec_driver_sql(
            "SELECT reloptions FROM pg_class WHERE oid = 'member'::regclass"
        ).scalar()
        index = connection.exec_driver_sql(
            "SELECT pg_get_indexdef('ix_purchase_at_reports'::regclass)"
        ).scalar()
    assert options == ["fillfactor=50"]
    assert index.endswith("INCLUDE (id)")

"""Alembic environment: runs on the connection memberctl hands it (see memberctl.db.migrate)."""

from alembic import context
from memberctl.models import load_all
from sqlalchemy import Connection
from sqlmodel import SQLModel

load_all()  # every table, for autogenerate
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from memberctl.db.engine import make_engine

        url = context.config.get_main_option("sqlalchemy.url")
        assert url is not None, "alembic.ini sets sqlalchemy.url"
        with make_engine(url).begin() as connection:
            _configure_and_run(connection)
        return
    _configure_and_run(connection)


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

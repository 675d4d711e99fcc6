"""What every fuzzed CLI run must look like, and a snapshot of the database to compare."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData, Table, func, select
from typer.testing import Result

_TABLES: dict[str, list[Table]] = {}


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table (but Alembic's): equal before and after a run that failed."""
    key = str(engine.url)
    if key not in _TABLES:  # reflect once per database, not once per example
        metadata = MetaData()
        metadata.reflect(engine)
        _TABLES[key] = [t for t in metadata.sorted_tables if t.name != "alembic_version"]
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in _TABLES[key]
        }


def check_clean_outcome(result: Result, allowed: set[int]) -> None:
    """An allowed exit code, no traceback anywhere, and on failure one `error: ` line on stderr
    (other stderr lines can only be `warning: ` lines)."""
    shown = f"exit {result.exit_code}\nout: {result.stdout[:2000]!r}\nerr: {result.stderr[:2000]!r}"
    assert result.exit_code in allowed, shown
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, shown
    lines = result.stderr.splitlines()
    assert all(line.startswith(("error: ", "warning: ")) for line in lines), shown
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == (0 if result.exit_code == 0 else 1), shown

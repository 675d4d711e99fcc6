"""Inserting many rows into one table at once, with public SQLAlchemy APIs only.

`insert_columns(session, table, {column: values})` writes rows given column by column (as an
import builds them: no dict per row), `insert_rows` rows given as dicts. Values go through each
column type's own bind processor (`TypeEngine.bind_processor`, once per distinct value) and then
straight to the driver (`Connection.exec_driver_sql`): SQLAlchemy's per-row parameter handling
would cost more than the database's own work.

- SQLite: multi-row `INSERT ... VALUES (...), (...)` of ROWS_PER_INSERT rows, compiled by
  SQLAlchemy from `insert(table).values([...])` with one `bindparam` per cell, so the statement
  holds placeholders only, run on the DBAPI cursor; the rest of the rows by executemany.
- PostgreSQL: COPY on the transaction's own connection (psycopg's public `cursor.copy`).
- Anything else: the one-row INSERT by executemany.

The caller owns the transaction; nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import DateTime, Table, bindparam, insert
from sqlalchemy.engine import Connection, Dialect
from sqlmodel import Session

BATCH = 5_000  # bound parameters per IN (...) lookup, well under SQLite's limit
# Rows and cells (placeholders) per multi-row INSERT on SQLite. Executing costs the same from 50
# rows a statement on (100,000 rows of 22 columns, raw sqlite3: 0.17 s for 50 or 1,000 rows a
# statement, 0.21 s one row at a time), while SQLAlchemy's compiling grows faster than the cells:
# the six tables a member import writes, once per import, 0.11 s at 1,000 cells, 0.52 s at 5,000.
ROWS_PER_INSERT = 1_000
CELLS_PER_INSERT = 1_000
Process = Callable[[Any], Any]


def batches(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """`insert_columns` for rows given as dicts (all with the same keys)."""
    if rows:
        insert_columns(
            session, table, {name: list(map(itemgetter(name), rows)) for name in rows[0]}
        )


def insert_columns(session: Session, table: Table, given: dict[str, list[Any]]) -> None:
    """Insert rows given column by column ({column: a value per row}); columns left out take
    their Python-side scalar default (else ValueError)."""
    count = len(next(iter(given.values()), []))
    if not count:
        return
    connection = session.connection()
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(given))
    columns: dict[str, list[Any]] = {}
    for name in compiled.params:  # the given columns, and those with a Python-side default
        values = given[name] if name in given else _defaults(table, name, count)
        process = bind_processor(table, name, dialect)
        columns[name] = values if process is None else _processed(values, process)
    if dialect.name == "postgresql":
        _copy_postgresql(connection, table, columns)
    elif compiled.positional:
        order = [columns[name] for name in compiled.positiontup or []]
        if dialect.name == "sqlite":
            _insert_sqlite(connection, table, compiled.positiontup or [], order, count)
        else:
            connection.exec_driver_sql(compiled.string, list(zip(*order, strict=True)))
    else:
        params = [
            dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)
        ]
        connection.exec_driver_sql(compiled.string, params)


def _insert_sqlite(
    connection: Connection, table: Table, names: Sequence[str], order: list[list[Any]], count: int
) -> None:
    """Rows into SQLite as multi-row INSERTs of up to ROWS_PER_INSERT rows, the rest by
    executemany, on the DBAPI cursor of the transaction's connection: SQLAlchemy's own work per
    statement (events, an execution context) would cost more than a 100-row INSERT itself. One
    statement for many rows costs SQLite and the driver a third less than as many executions of
    the one-row statement (466,000 import rows: 2.1 s -> 1.4 s): the row loop runs in SQLite."""
    width = len(order)
    driver: Any = connection.connection.driver_connection
    limit = min(driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), 32_766)
    per = min(ROWS_PER_INSERT, max(CELLS_PER_INSERT, width) // width, limit // width)
    whole = count - count % per if per > 1 else 0
    cursor = connection.connection.cursor()
    try:
        if whole:
            many_rows = multi_row_insert(table, tuple(names), per, connection.dialect)
            for start in range(0, whole, per):
                part = zip(*[column[start : start + per] for column in order], strict=True)
                cursor.execute(many_rows, tuple(chain.from_iterable(part)))  # one run of rows
        if whole < count:
            rest = [column[whole:] for column in order]
            one_row = multi_row_insert(table, tuple(names), 1, connection.dialect)
            cursor.executemany(one_row, list(zip(*rest, strict=True)))
    finally:
        cursor.close()


@lru_cache(maxsize=64)
def multi_row_insert(table: Table, names: tuple[str, ...], rows: int, dialect: Dialect) -> str:
    """`INSERT INTO table (names) VALUES (?, ...), ...` for `rows` rows, compiled by SQLAlchemy
    from one `bindparam` per cell: no value ever becomes SQL text. The placeholders come row by
    row, each row's in the order of `names` (checked: the caller passes values in that order)."""
    keys = [[f"{name}__{row}" for name in names] for row in range(rows)]
    types = [table.c[name].type for name in names]
    statement = insert(table).values(
        [
            {
                name: bindparam(key, type_=kind)
                for name, key, kind in zip(names, row, types, strict=True)
            }
            for row in keys
        ]
    )
    compiled = statement.compile(dialect=dialect)
    if not compiled.positional or list(compiled.positiontup or []) != list(chain(*keys)):
        raise ValueError(f"{table.name}: placeholders not in row order for a multi-row INSERT")
    return compiled.string


def _copy_postgresql(connection: Connection, table: Table, columns: dict[str, list[Any]]) -> None:
    """Rows into PostgreSQL by COPY on the transaction's own connection: one stream instead of
    a statement per row (a 100,000-member import: 8.9 s -> 5.8 s, the client's CPU 7.2 -> 3.0 s).
    Table and column names are quoted by psycopg's `sql.Identifier`; the values travel as COPY
    data, escaped by psycopg, never as SQL."""
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    rows = zip(*columns.values(), strict=True)
    driver: Any = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def bind_processor(table: Table, name: str, dialect: Dialect) -> Process | None:
    """The bind processor of column `name` on `dialect`. For a DATETIME whose processor writes
    exactly what `datetime.isoformat(" ", "microseconds")` writes (SQLite's default storage, as
    checked on sample values), that C method for naive datetimes: 3x faster per value."""
    impl = table.c[name].type.dialect_impl(dialect)
    process = impl.bind_processor(dialect)
    if process is None or not isinstance(impl, DateTime) or not _writes_isoformat(process):
        return process
    datetime_type = dt.datetime

    def fast(value: Any) -> Any:
        if type(value) is datetime_type and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return process(value)

    return fast


_SAMPLES = (
    dt.datetime(2024, 1, 2, 3, 4, 5),
    dt.datetime(2024, 12, 31, 23, 59, 59, 999_999),
    dt.datetime(1, 1, 1, 0, 0, 0, 1),
)


def _writes_isoformat(process: Process) -> bool:
    try:
        return all(process(v) == v.isoformat(" ", "microseconds") for v in _SAMPLES)
    except (TypeError, ValueError):
        return False


def _processed(values: list[Any], process: Process) -> list[Any]:
    """Bind processing once per distinct value (dates and times repeat a lot)."""
    try:
        done = {v: None if v is None else process(v) for v in dict.fromkeys(values)}
    except TypeError:  # unhashable values
        return [None if v is None else process(v) for v in values]
    return list(map(done.__getitem__, values))


def _defaults(table: Table, name: str, count: int) -> list[Any]:
    default: Any = table.c[name].default
    if default is None or not default.is_scalar:
        raise ValueError(f"no value for {table.name}.{name}")
    return [default.arg] * count

"""Index helpers shared by the table models."""

from sqlalchemy import BigInteger, Index, Integer, String, column

# Points are 64-bit on every database: BIGINT on PostgreSQL; SQLite's INTEGER already is.
POINTS = BigInteger().with_variant(Integer(), "sqlite")
# A search key (member_search_key.piece): ordered by code point on PostgreSQL too (SQLite's
# BINARY already is), so that the keys starting with a text are one range of the index.
SEARCH_PIECE = String(32).with_variant(String(32, collation="C"), "postgresql")


def where_not_null(table: str, name: str) -> Index:
    """An index on a column that is NULL for most rows, holding only the rows with a value:
    `column = ?` and foreign-key checks use it, and the rest cost nothing to insert.

    Migration 0009 makes it partial on SQLite and PostgreSQL alike; only SQLite's predicate is
    declared here. A `postgresql_where` makes SQLAlchemy import its PostgreSQL dialect with
    every driver module (asyncpg, psycopg, pg8000, ...) to check the keyword: 20 ms of CPU in
    every SQLite command, since `member` has such an index. The models never create the schema
    (the migrations do), and Alembic's comparison does not read index predicates."""
    return Index(f"ix_{table}_{name}", name, sqlite_where=column(name).is_not(None))

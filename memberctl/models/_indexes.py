"""Index helpers shared by the table models."""

from sqlalchemy import BigInteger, Index, Integer, column

# Points are 64-bit on every database: BIGINT on PostgreSQL; SQLite's INTEGER already is.
POINTS = BigInteger().with_variant(Integer(), "sqlite")


def where_not_null(table: str, name: str) -> Index:
    """An index on a column that is NULL for most rows, holding only the rows with a value:
    `column = ?` and foreign-key checks use it, and the rest cost nothing to insert."""
    clause = column(name).is_not(None)
    return Index(f"ix_{table}_{name}", name, sqlite_where=clause, postgresql_where=clause)

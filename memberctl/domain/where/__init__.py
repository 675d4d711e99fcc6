"""The `--where` filter language: `lexer` -> `parser` (an AST with positions) -> `compile`
(one SQLAlchemy condition over `Member`). Never eval, never SQL built from strings.

Other commands filter members with `member_filter(session, expr, as_of)`; a bad expression
raises `ExpressionError`, a usage error (exit 2) naming the column and what was expected there.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from memberctl.domain.where.catalog import FIELD_NAMES, FIELDS
from memberctl.domain.where.compile import Clause, to_clause
from memberctl.domain.where.lexer import ExpressionError
from memberctl.domain.where.parser import Node, parse

__all__ = [
    "FIELDS",
    "FIELD_NAMES",
    "Clause",
    "ExpressionError",
    "Node",
    "member_filter",
    "parse",
    "to_clause",
]


def member_filter(session: Session, expr: str, as_of: dt.date) -> Clause:
    """The SQLAlchemy condition on `Member` that `expr` describes, derived fields at `as_of`.

    Use it in any query over members: `select(Member).where(member_filter(...))`."""
    return to_clause(parse(expr), session=session, as_of=as_of)

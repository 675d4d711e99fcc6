"""atheris: the `--where` language on arbitrary text. Either a usage error (ExpressionError,
exit 2, one printable line) or an SQLAlchemy condition whose SQL holds no value text: its only
quoted literals are the compiler's own (such as strftime's '%m').
Run: python fuzz/where_expr.py -atheris_runs=200000"""

from __future__ import annotations

import datetime as dt
import re
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from sqlmodel import Session, select

    from memberctl.db.engine import make_engine
    from memberctl.db.migrate import ensure_schema
    from memberctl.domain.where import FIELDS, ExpressionError, member_filter
    from memberctl.models import Member

AS_OF = dt.date(2026, 11, 25)


def one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(200)
    with Session(ENGINE) as session:
        try:
            clause = member_filter(session, text, AS_OF)
        except ExpressionError as exc:
            assert exc.exit_code == 2 and str(exc).isprintable(), repr(str(exc))
            return
        sql = _sql(session, clause)
    assert set(_LITERAL.findall(sql)) <= OWN, (text, sql)


_LITERAL = re.compile(r"'([^']*)'")


def _sql(session: Session, clause: object) -> str:
    return str(select(Member).where(clause).compile(dialect=session.get_bind().dialect))


def _own_literals() -> set[str]:
    """The literals the compiler writes itself, whatever the input: from every field once."""
    with Session(ENGINE) as session:
        words = {"tier": "gold", "status": "active", "gender": "male"}
        every = " or ".join(f"{name} != {words.get(name, 1)}" for name in FIELDS)
        return set(_LITERAL.findall(_sql(session, member_filter(session, every, AS_OF))))


if __name__ == "__main__":
    ENGINE = make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'where.db'}")
    ensure_schema(ENGINE)
    OWN = _own_literals()
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()

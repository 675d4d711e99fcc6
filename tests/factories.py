"""Build test data through the domain layer, in its own committed transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from memberctl.db.session import transaction
from memberctl.domain import members
from memberctl.domain.members import MemberRecord

NOW = dt.datetime(2026, 11, 25, 10, 0, 0)
_phone_seq = iter(range(10_000_000))


def next_phone() -> str:
    return f"139{next(_phone_seq):08d}"


def enroll(engine: Engine, name: str = "张三", phone: str | None = None, **raw: Any) -> MemberRecord:
    tags = raw.pop("tags", [])
    at = raw.pop("at", NOW)
    values = {"name": name, "phone": phone or next_phone(), **{k: str(v) for k, v in raw.items()}}
    with transaction(engine) as session:
        data, _ = members.parse_input(session, region="CN", raw=values, tags=tags)
        return members.enroll(session=session, data=data, operator="factory", at=at)

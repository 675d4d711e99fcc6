"""`db.bulk.insert_columns` on SQLite writes full batches as multi-row `INSERT ... VALUES (...),
(...)` and the rest by executemany, on PostgreSQL by COPY: every row lands exactly once with
its values, whatever the count, text that COPY would take for its own syntax included; and
the statement built for SQLite repeats placeholders only."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite
from sqlmodel import select

from memberctl.db import bulk
from memberctl.models import Member, MemberTag, PointsEntry, WalletEntry
from tests.factories import enroll
from tests.spreadsheets.sheets import write_xlsx


@pytest.fixture
def statements(monkeypatch):
    """Three rows per multi-row INSERT; the number of multi-row statements built."""
    built: list[int] = []
    real = bulk.multi_row_insert

    def counting(table, names, rows, dialect):
        if rows > 1:
            built.append(rows)
        return real(table, names, rows, dialect)

    monkeypatch.setattr(bulk, "ROWS_PER_INSERT", 3)
    monkeypatch.setattr(bulk, "multi_row_insert", counting)
    return built


@pytest.mark.parametrize("count", [1, 3, 7, 9])
def test_every_row_lands_once_with_its_values(run, session, engine, statements, tmp_path, count):
    rows = [["姓名", "手机号", "生日", "积分", "余额", "标签", "注册时间"]] + [
        [
            f"会员{i}",
            f"1380013{i:04d}",
            dt.date(1990, 1, 1 + i),
            10 * i,
            0.5 * i,
            "vip，新客" if i % 2 else "",
            dt.datetime(2024, 1, 1, 9, i),
        ]
        for i in range(count)
    ]
    result = run("import", "members", str(write_xlsx(tmp_path / "m.xlsx", rows)), "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == count
    if engine.dialect.name == "sqlite":
        assert set(statements) == ({3} if count >= 3 else set())  # multi-row when a batch is full
    members = session.exec(select(Member).order_by(Member.id)).all()
    assert [(m.name, m.phone, m.birthday, m.points, m.balance, m.joined_at) for m in members] == [
        (
            f"会员{i}",
            f"+861380013{i:04d}",
            dt.date(1990, 1, 1 + i),
            10 * i,
            Decimal(5 * i) / 10,
            dt.datetime(2024, 1, 1, 9, i),
        )
        for i in range(count)
    ]
    ids = {m.name: m.id for m in members}
    tags = session.exec(select(MemberTag.member_id, MemberTag.tag)).all()
    assert sorted(tags) == sorted(
        (ids[f"会员{i}"], tag) for i in range(count) if i % 2 for tag in ("vip", "新客")
    )
    points = session.exec(select(PointsEntry.member_id, PointsEntry.points)).all()
    assert sorted(points) == [(ids[f"会员{i}"], 10 * i) for i in range(1, count)]
    wallet = session.exec(select(WalletEntry.member_id, WalletEntry.amount)).all()
    assert sorted(wallet) == [(ids[f"会员{i}"], Decimal(5 * i) / 10) for i in range(1, count)]


def test_only_placeholders_are_repeated():
    table, dialect = MemberTag.__table__, sqlite.dialect()
    one = bulk.multi_row_insert(table, ("member_id", "tag"), 1, dialect)
    three = bulk.multi_row_insert(table, ("member_id", "tag"), 3, dialect)
    assert one == "INSERT INTO member_tag (member_id, tag) VALUES (?, ?)"
    assert three == "INSERT INTO member_tag (member_id, tag) VALUES (?, ?), (?, ?), (?, ?)"
    with pytest.raises(ValueError, match="not in row order"):  # values would land in wrong columns
        bulk.multi_row_insert(table, ("tag", "member_id"), 2, dialect)


def test_the_engine_reads_no_private_sqlalchemy_parts():
    source = Path(bulk.__file__).read_text(encoding="utf-8")
    assert re.findall(r"\.\_[a-z]", source) == []  # no `obj._private` attribute read
    assert "import re" not in source


def test_text_that_looks_like_copy_or_sql_syntax_lands_as_written(
    run, engine, tmp_path, monkeypatch
):
    copies: list[str] = []
    real = bulk._copy_postgresql

    def counting(connection, table, columns):
        copies.append(table.name)
        return real(connection, table, columns)

    monkeypatch.setattr(bulk, "_copy_postgresql", counting)
    address = "路\t1号\\N\n二楼 \"东\" '门'; DROP TABLE member; --"
    path = write_xlsx(
        tmp_path / "m.xlsx",
        [
            ["姓名", "手机号", "地址", "门店", "标签"],
            ["A\\NB", "13800138000", address, "\\.", "a\\b，\\N"],
        ],
    )
    result = run("import", "members", str(path), "--add-stores", "-f", "json")
    assert result.exit_code == 0, result.stderr
    member = run.json("member", "show", "13800138000")
    assert (member["name"], member["address"], member["store"]) == ("A\\NB", address, "\\.")
    assert run.json("store", "list")[0]["code"] == "\\."  # registered as written
    assert sorted(member["tags"]) == ["\\N", "a\\b"]
    if engine.dialect.name == "postgresql":
        assert {"member", "member_tag", "lifecycle_change"} <= set(copies)
    else:
        assert copies == []


def test_batches_shrink_to_sqlites_limit_on_bound_parameters(session, engine, statements):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own limit on bound parameters")
    number = enroll(engine, phone="13800138000").member_no
    member_id = session.exec(select(Member.id).where(Member.member_no == number)).one()
    connection = session.connection()
    connection.connection.driver_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 5)
    tags = [f"t{i}" for i in range(7)]
    bulk.insert_columns(session, MemberTag.__table__, {"member_id": [member_id] * 7, "tag": tags})
    assert statements == [2]  # 5 parameters hold two rows of two columns, not ROWS_PER_INSERT
    found = session.exec(select(MemberTag.tag).where(MemberTag.member_id == member_id)).all()
    assert sorted(found) == tags

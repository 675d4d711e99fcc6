"""Statements whose cost must not grow with the shop use an index, not a scan of the table.

SQLite's EXPLAIN QUERY PLAN is exact about it even on a small database; PostgreSQL's planner
rightly prefers a sequential scan of a table this small, so these run on SQLite only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from tests.conftest import PG_URL
from tests.factories import enroll

pytestmark = pytest.mark.skipif(
    bool(PG_URL), reason="PostgreSQL's planner scans small tables; the plan is checked on SQLite"
)


@pytest.fixture
def statements() -> Iterator[list[tuple[str, object]]]:
    """Every SELECT any engine runs while the test runs (the CLI makes its own engine)."""
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", capture)
    yield seen
    event.remove(Engine, "before_cursor_execute", capture)


def full_scans(engine: Engine, statements: list[tuple[str, object]], table: str) -> list[str]:
    raw = engine.raw_connection()
    try:
        found = []
        for statement, parameters in statements:
            if f"FROM {table}" not in statement and f"JOIN {table}" not in statement:
                continue
            plan = raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            # "SCAN t" reads the table whole, "SCAN t USING [COVERING] INDEX i" an index whole
            if any(
                row[-1] == f"SCAN {table}" or row[-1].startswith(f"SCAN {table} ") for row in plan
            ):
                found.append(" ".join(statement.split()))
        return found
    finally:
        raw.close()


def test_importing_purchases_looks_up_order_numbers_by_index(run, engine, statements, tmp_path):
    member = enroll(engine, store="海淀店")
    sheet = Path(tmp_path) / "purchases.csv"
    sheet.write_text(
        "会员卡号,订单号,金额,消费时间,门店\n"
        f"{member.member_no},A1,10.00,2026-11-01 10:00,海淀店\n"
        f"{member.member_no},A2,12.00,2026-11-02 10:00,\n",
        encoding="utf-8",
    )
    statements.clear()

    result = run("import", "purchases", str(sheet))

    assert result.exit_code == 0, result.stderr
    assert any("order_no IN" in s for s, _ in statements)  # the lookup ran and was checked
    assert full_scans(engine, statements, "purchase") == []


BIG = ("member", "purchase", "points_entry", "points_allocation", "wallet_entry", "audit_entry",
       "sale", "sale_line", "coupon", "lifecycle_change", "campaign_award",
       "member_search_key")  # fmt: skip


def scans(engine: Engine, statements: list[tuple[str, object]]) -> list[str]:
    return [f"{table}: {s}" for table in BIG for s in full_scans(engine, statements, table)]


@pytest.fixture
def member(engine, run):
    found = enroll(engine, store="海淀店")
    assert run("points", "add", found.member_no, "500", "--reason", "opening").exit_code == 0
    assert run("wallet", "topup", found.member_no, "100.00").exit_code == 0
    return found.member_no


@pytest.mark.parametrize(
    "command",
    [
        ["member", "show", "{m}"],
        ["member", "enroll", "--name", "李四", "--phone", "13912345678"],
        ["purchase", "record", "{m}", "88.00", "--order-no", "P1"],
        ["sale", "{m}", "--amount", "300.00", "--points", "100", "--wallet", "10.00",
         "--pay", "cash", "--order-no", "T1"],
        ["points", "deduct", "{m}", "10", "--reason", "gift"],
        ["points", "balance", "{m}"],
        ["wallet", "balance", "{m}"],
    ],
    ids=lambda c: " ".join(c[:2]),
)  # fmt: skip
def test_a_point_command_reads_no_big_table_whole(run, engine, statements, member, command):
    statements.clear()

    result = run(*[part.format(m=member) for part in command])

    assert result.exit_code == 0, result.stderr
    assert scans(engine, statements) == []


@pytest.mark.parametrize(
    "text",
    ["张", "三丰", "ZHANG", "8000", "13800138000", "zs", "zhangsan", "Ｍ000001", "m000001"],
)
def test_member_search_reads_no_big_table_whole(run, engine, statements, text):
    """Every way a clerk asks (a part of a name, the last digits, initials, full pinyin, the
    member number) reads ranges of member_search_key (migration 0017), then those members."""
    enroll(engine, name="张三丰", phone="13800138000", store="海淀店")
    statements.clear()

    result = run("member", "search", text, "-f", "json")

    assert result.exit_code == 0, result.stderr
    assert [m["name"] for m in json.loads(result.stdout)] == ["张三丰"]
    assert any("member_search_key" in s for s, _ in statements)  # the keys were read
    assert scans(engine, statements) == []

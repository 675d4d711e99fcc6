"""`memberctl store add | list | rename`, and every `--store` naming a registered store (issue 17).

A store is named by its code or its name (case and full-width forms folded) and stored as its
code; a store that is not registered is "not found" (exit 3) with the list of stores and the
command that adds one, and nothing is written. A shop with no stores works as before."""

from __future__ import annotations

import pytest
from sqlmodel import select

from memberctl.models import AuditEntry, Member, Purchase, Store
from tests.conftest import failure
from tests.factories import add_store, enroll, member_row, snapshot

NOT_FOUND = "no store 'XX' (the stores are: S01 旗舰店, S02)"


@pytest.fixture
def shop(engine):
    add_store(engine, "S01", "旗舰店")
    add_store(engine, "S02")
    return engine


# -- store add / list / rename -----------------------------------------------------------------


def test_add_registers_a_store_audited_and_list_counts_its_members_and_purchases(run, session):
    assert run.json("store", "list") == []
    added = run("store", "add", "S01", "--name", "旗舰店", "-f", "json")
    assert added.exit_code == 0, added.stderr
    assert added.stderr.strip() == "store S01 added: 旗舰店"
    assert run.json("store", "add", "S02") == {
        "code": "S02",
        "name": "S02",
        "members": 0,
        "purchases": 0,
    }
    m = run.json(
        "member", "enroll", "--name", "张三", "--phone", "13800138000", "--store", "旗舰店"
    )
    assert m["store"] == "S01"
    run("purchase", "record", m["member_no"], "10", "--store", "s01", "--order-no", "A1")
    run("purchase", "record", m["member_no"], "10", "--store", "S02", "--order-no", "A1")
    assert run.json("store", "list") == [
        {"code": "S01", "name": "旗舰店", "members": 1, "purchases": 1},
        {"code": "S02", "name": "S02", "members": 0, "purchases": 1},
    ]
    assert run("store", "list", "-f", "csv").stdout.splitlines() == [
        "code,name,members,purchases",
        "S01,旗舰店,1,1",
        "S02,S02,0,1",
    ]
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "store.add")).all()
    assert [(a.operator, a.details) for a in audit] == [
        ("tester", {"code": "S01", "name": "旗舰店"}),
        ("tester", {"code": "S02", "name": "S02"}),
    ]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["S01"], "'S01' already names store S01"),
        (["s01"], "'s01' already names store S01"),  # case folded
        (["S03", "--name", "旗舰店"], "'旗舰店' already names store S01"),
        (["旗舰店"], "'旗舰店' already names store S01"),  # a code that is another's name
        (["S03", "--name", "S02"], "'S02' already names store S02"),
    ],
)
def test_add_refuses_a_code_or_name_another_store_has(run, shop, args, fragment):
    before = snapshot(shop)
    failure(run("store", "add", *args), 4, fragment, "choose another code or name")
    assert snapshot(shop) == before


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["  "], "the store code is empty"),
        (["S03", "--name", " "], "the store name is empty"),
    ],
)
def test_add_refuses_an_empty_code_or_name(run, engine, args, fragment):
    before = snapshot(engine)
    failure(run("store", "add", *args), 2, fragment)
    assert snapshot(engine) == before


def test_add_without_a_code_is_a_usage_error(run):
    assert run("store", "add").exit_code == 2


def test_rename_keeps_the_code_members_and_purchases_hold(run, shop, session):
    m = enroll(shop, store="S01").member_no
    result = run("store", "rename", "旗舰店", "总店", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == "store S01 is now named 总店"
    assert run.json("store", "list")[0] == {
        "code": "S01",
        "name": "总店",
        "members": 1,
        "purchases": 0,
    }
    assert member_row(session, m).store == "S01"
    assert [r["member_no"] for r in run.json("member", "list", "--store", "总店")] == [m]
    [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "store.rename")).all()
    assert entry.details == {"code": "S01", "from": "旗舰店", "to": "总店"}


@pytest.mark.parametrize(
    ("args", "code", "fragments"),
    [
        (["XX", "总店"], 3, [NOT_FOUND]),
        (["S01", "S02"], 4, ["'S02' already names store S02"]),
        (["S01", "  "], 2, ["the store name is empty"]),
    ],
)
def test_rename_refusals(run, shop, args, code, fragments):
    before = snapshot(shop)
    failure(run("store", "rename", *args), code, *fragments)
    assert snapshot(shop) == before


@pytest.mark.usefixtures("shop")
def test_rename_to_its_own_name_in_another_case_is_allowed(run):
    assert run.json("store", "rename", "S02", "s02") == {
        "code": "S02",
        "name": "s02",
        "members": 0,
        "purchases": 0,
    }


# -- every --store names a registered store ----------------------------------------------------


def test_unknown_store_line_with_no_store_registered(run, engine):
    failure(
        run("member", "list", "--store", "XX"),
        3,
        "no store 'XX' (no store is registered); check the spelling, or add it: "
        "memberctl store add CODE --name NAME",
    )
    assert snapshot(engine)["store"] == []


def test_a_long_store_list_is_cut_short(run, engine):
    for number in range(25):
        add_store(engine, f"S{number:02d}")
    line = failure(run("member", "list", "--store", "XX"), 3)
    assert "S19, and 5 more (memberctl store list))" not in line
    assert "S18, S19 and 5 more (memberctl store list))" in line
    assert "S20" not in line


@pytest.mark.usefixtures("shop")
def test_enroll_stores_the_code_of_a_store_named_by_name(run, session):
    phone = "13800138000"
    m = run.json("member", "enroll", "--name", "张三", "--phone", phone, "--store", "Ｓ０１")
    assert m["store"] == "S01"  # full-width and case folded to the code
    m2 = run.json(
        "member", "enroll", "--name", "李四", "--phone", "13800138001", "--store", " 旗舰店 "
    )
    assert member_row(session, m2["member_no"]).store == "S01"


def test_enroll_with_an_unknown_store_writes_nothing(run, shop):
    before = snapshot(shop)
    result = run("member", "enroll", "--name", "张三", "--phone", "13800138000", "--store", "XX")
    failure(result, 3, NOT_FOUND, "memberctl store add CODE --name NAME")
    assert snapshot(shop) == before


def test_a_shop_without_stores_works_as_before(run, session):
    m = run.json("member", "enroll", "--name", "张三", "--phone", "13800138000")
    assert m["store"] is None
    sale = run.json("purchase", "record", m["member_no"], "10", "--order-no", "A1")
    assert sale["store"] is None
    assert run.json("purchase", "refund", "A1")["points_reversed"] == 10
    assert len(run.json("member", "list")) == 1
    assert session.exec(select(Store)).all() == []


def test_edit_sets_and_clears_the_store_and_refuses_an_unknown_one(run, shop, session):
    m = enroll(shop).member_no
    assert run.json("member", "edit", m, "--store", "s02")["store"] == "S02"
    before = snapshot(shop)
    failure(run("member", "edit", m, "--store", "XX"), 3, NOT_FOUND)
    assert snapshot(shop) == before
    assert run.json("member", "edit", m, "--store", "")["store"] is None
    assert member_row(session, m).store is None


def test_list_and_export_filter_by_code_or_name_and_refuse_an_unknown_store(run, shop, tmp_path):
    north = enroll(shop, store="S01").member_no
    enroll(shop, store="S02")
    for given in ("S01", "旗舰店", "s01"):
        assert [r["member_no"] for r in run.json("member", "list", "--store", given)] == [north]
    failure(run("member", "list", "--store", "XX"), 3, NOT_FOUND)
    out = tmp_path / "m.csv"
    failure(run("export", "members", str(out), "--store", "XX"), 3, NOT_FOUND)
    assert not out.exists()
    assert run("export", "members", str(out), "--store", "旗舰店").exit_code == 0
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 2


def test_where_on_an_unknown_store_matches_nothing(run, shop):
    enroll(shop, store="S01")
    assert run.json("member", "list", "--where", "store = 'XX'") == []
    assert len(run.json("member", "list", "--where", "store = 'S01'")) == 1


def test_purchase_record_stores_the_code_and_refuses_an_unknown_store(run, shop, session):
    m = enroll(shop).member_no
    sale = run.json("purchase", "record", m, "10", "--store", "旗舰店", "--order-no", "A1")
    assert sale["store"] == "S01"
    # the same order named by its code is the same order: nothing changes
    assert run.json("purchase", "record", m, "10", "--store", "S01", "--order-no", "A1")[
        "duplicate"
    ]
    before = snapshot(shop)
    failure(run("purchase", "record", m, "10", "--store", "XX", "--order-no", "A2"), 3, NOT_FOUND)
    assert snapshot(shop) == before
    assert [p.store for p in session.exec(select(Purchase)).all()] == ["S01"]


def test_purchase_refund_finds_the_order_by_store_name_and_refuses_an_unknown_store(run, shop):
    m = enroll(shop).member_no
    run("purchase", "record", m, "10", "--store", "S01", "--order-no", "A1")
    before = snapshot(shop)
    failure(run("purchase", "refund", "A1", "--store", "XX"), 3, NOT_FOUND)
    assert snapshot(shop) == before
    assert run.json("purchase", "refund", "A1", "--store", "旗舰店")["points_reversed"] == 10


@pytest.mark.parametrize("report", ["summary", "growth", "birthdays", "kpi"])
def test_reports_take_a_registered_store_by_code_or_name(run, shop, report):
    enroll(shop, store="S01")
    failure(run("report", report, "--store", "XX"), 3, NOT_FOUND)
    by_name = run("report", report, "--store", "旗舰店", "-f", "json")
    by_code = run("report", report, "--store", "S01", "-f", "json")
    assert by_name.exit_code == 0, by_name.stderr
    assert by_name.stdout == by_code.stdout


def test_summary_by_store_counts_that_stores_members(run, shop):
    enroll(shop, store="S01")
    enroll(shop, store="S02")
    enroll(shop, store="S02")
    assert run.json("report", "summary", "--store", "s02")["by_status"]["active"] == 2
    assert run.json("report", "summary")["by_status"]["active"] == 3


def test_member_store_column_keeps_codes(session, shop):
    enroll(shop, store="旗舰店")
    assert [m.store for m in session.exec(select(Member)).all()] == ["S01"]

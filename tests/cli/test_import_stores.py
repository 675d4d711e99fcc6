"""The store cells of `import members` and `import purchases` (issue 17): a cell names a
registered store by code or name and is stored as its code; a store that is not registered
rejects its row (exit 5 strict, skipped with --skip-invalid) unless `--add-stores` registers it,
inside the import's transaction. `import undo` leaves the registered stores."""

from __future__ import annotations

import json

from sqlmodel import select

from memberctl.models import AuditEntry, Member, Purchase, Store
from tests.factories import add_store, enroll, snapshot
from tests.spreadsheets.sheets import write_csv

MEMBERS = [
    ["姓名", "手机号", "门店"],
    ["张三", "13800138000", "旗舰店"],  # S01 by its name
    ["李四", "13800138001", "二店"],  # not registered
    ["王五", "13800138002", ""],
    ["赵六", "13800138003", "二店"],
    ["孙七", "13800138004", "s01"],  # S01 by its code, case folded
]
UNKNOWN = (
    "no store '二店' is registered; add it (memberctl store add CODE --name NAME) or import "
    "with --add-stores"
)


def _import(run, kind, path, *options):
    result = run("import", kind, str(path), *options, "--format", "json")
    return result, json.loads(result.stdout) if result.stdout else None


def _stores(session):
    return [(s.code, s.name) for s in session.exec(select(Store).order_by(Store.code)).all()]


def _member_stores(session):
    rows = session.exec(select(Member.name, Member.store).order_by(Member.id)).all()
    return [tuple(r) for r in rows]


def test_an_unknown_store_rejects_its_rows_and_strict_writes_nothing(run, engine, tmp_path):
    add_store(engine, "S01", "旗舰店")
    before = snapshot(engine)
    result, data = _import(run, "members", write_csv(tmp_path / "m.csv", MEMBERS))
    assert result.exit_code == 5
    assert "2 row(s) rejected (first: row 3, column 门店: " + UNKNOWN in result.stderr
    assert [(e["row"], e["column"], e["message"]) for e in data["errors"]] == [
        (3, "门店", UNKNOWN),
        (5, "门店", UNKNOWN),
    ]
    assert snapshot(engine) == before


def test_skip_invalid_writes_the_rows_with_registered_stores_as_codes(
    run, engine, session, tmp_path
):
    add_store(engine, "S01", "旗舰店")
    result, data = _import(run, "members", write_csv(tmp_path / "m.csv", MEMBERS), "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (3, 2)
    assert _member_stores(session) == [("张三", "S01"), ("王五", None), ("孙七", "S01")]
    assert _stores(session) == [("S01", "旗舰店")]


def test_add_stores_registers_each_new_store_once_audited(run, engine, session, tmp_path):
    add_store(engine, "S01", "旗舰店")
    result = run("import", "members", str(write_csv(tmp_path / "m.csv", MEMBERS)), "--add-stores")
    assert result.exit_code == 0, result.stderr
    assert "stores registered: 二店" in result.stderr  # on stderr beside the table
    assert [r["inserted"] for r in run.json("import", "runs")] == [5]
    assert _stores(session) == [("S01", "旗舰店"), ("二店", "二店")]
    assert _member_stores(session) == [
        ("张三", "S01"),
        ("李四", "二店"),
        ("王五", None),
        ("赵六", "二店"),
        ("孙七", "S01"),
    ]
    added = session.exec(select(AuditEntry).where(AuditEntry.action == "store.add")).all()
    assert [a.details for a in added][-1] == {"code": "二店", "name": "二店"}


def test_add_stores_folds_spellings_of_one_new_store_into_one(run, session, tmp_path):
    rows = [
        ["姓名", "手机号", "门店"],
        ["张三", "13800138000", "ab店"],
        ["李四", "13800138001", "AB店"],
    ]
    result, data = _import(run, "members", write_csv(tmp_path / "m.csv", rows), "--add-stores")
    assert result.exit_code == 0, result.stderr
    assert _stores(session) == [("AB店", "AB店")]  # sorted texts: the first registers
    assert _member_stores(session) == [("张三", "AB店"), ("李四", "AB店")]


def test_add_stores_registers_nothing_on_a_dry_run_or_a_strict_refusal(run, engine, tmp_path):
    before = snapshot(engine)
    path = write_csv(tmp_path / "m.csv", MEMBERS)
    result, data = _import(run, "members", path, "--add-stores", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert data["would_insert"] == 5
    result = run("import", "members", str(path), "--add-stores", "--dry-run")
    assert "stores that would be registered (nothing written): s01, 二店, 旗舰店" in result.stderr
    assert snapshot(engine) == before
    bad = [*MEMBERS, ["周八", "123", "三店"]]
    result, data = _import(run, "members", write_csv(tmp_path / "b.csv", bad), "--add-stores")
    assert result.exit_code == 5
    assert "column 手机号" in result.stderr
    assert snapshot(engine) == before


def test_import_undo_leaves_the_stores_it_registered(run, tmp_path):
    result, data = _import(run, "members", write_csv(tmp_path / "m.csv", MEMBERS), "--add-stores")
    assert result.exit_code == 0, result.stderr
    [listed] = run.json("import", "runs")
    undone = run.json("import", "undo", str(listed["run"]))
    assert undone["removed"] == 5
    assert run.json("member", "list") == []
    assert [s["code"] for s in run.json("store", "list")] == ["s01", "二店", "旗舰店"]


def test_purchases_store_cells_name_registered_stores(run, engine, session, tmp_path):
    add_store(engine, "S01", "旗舰店")
    enroll(engine, phone="13800138000")
    rows = [
        ["手机号", "订单号", "金额", "时间", "门店"],
        ["13800138000", "A1", "10", "2026-11-01", "旗舰店"],
        ["13800138000", "A1", "10", "2026-11-01", "S01"],  # the same store: a duplicate order
        ["13800138000", "A2", "10", "2026-11-01", "二店"],
        ["13800138000", "A3", "10", "2026-11-01", ""],
    ]
    path = write_csv(tmp_path / "p.csv", rows)
    before = snapshot(engine)
    result, data = _import(run, "purchases", path)
    assert result.exit_code == 5
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(3, "订单号"), (4, "门店")]
    assert data["errors"][1]["message"] == UNKNOWN
    assert snapshot(engine) == before
    result, data = _import(run, "purchases", path, "--skip-invalid", "--add-stores")
    assert result.exit_code == 0, result.stderr
    stored = session.exec(select(Purchase.order_no, Purchase.store).order_by(Purchase.id)).all()
    assert [tuple(p) for p in stored] == [("A1", "S01"), ("A2", "二店"), ("A3", "")]
    assert _stores(session) == [("S01", "旗舰店"), ("二店", "二店")]


def test_purchases_reimported_by_store_name_are_the_same_orders(run, engine, tmp_path):
    add_store(engine, "S01", "旗舰店")
    enroll(engine, phone="13800138000")
    header = ["手机号", "订单号", "金额", "时间", "门店"]
    first = write_csv(
        tmp_path / "a.csv", [header, ["13800138000", "A1", "10", "2026-11-01", "S01"]]
    )
    again = write_csv(
        tmp_path / "b.csv", [header, ["13800138000", "A1", "10", "2026-11-01", "旗舰店"]]
    )
    assert _import(run, "purchases", first)[1]["inserted"] == 1
    result, data = _import(run, "purchases", again)
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["skipped"]) == (0, 1)

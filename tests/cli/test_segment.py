"""`segment save | list | show | delete` through the CLI, on the shop of tests/where/dataset.py
(newest first: B E C A D)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col, select

from memberctl.models import AuditEntry, Segment
from tests.conftest import failure
from tests.factories import MEMBER_KEYS, snapshot
from tests.where.dataset import build

AS_OF = ("--as-of", "2026-11-25")


@pytest.fixture
def shop(engine):
    return build(engine)


def segments_in_db(session):
    session.rollback()
    return {s.name: (s.expr, s.operator) for s in session.exec(select(Segment))}


def test_save_checks_stores_and_audits(run, session):
    result = run(
        "segment", "save", "lapsed", "  inactive_days > 90 and spend_12m > 0 ", "-f", "json"
    )
    assert result.exit_code == 0, result.stderr
    saved = json.loads(result.stdout)
    assert (saved["name"], saved["expr"], saved["replaced"]) == (
        "lapsed",
        "inactive_days > 90 and spend_12m > 0",
        False,
    )
    assert result.stderr.strip() == "segment 'lapsed' saved"
    assert segments_in_db(session) == {"lapsed": ("inactive_days > 90 and spend_12m > 0", "tester")}
    actions = session.exec(select(AuditEntry.action, AuditEntry.details)).all()
    assert actions == [("segment.save", {"segment": "lapsed", "replaced": False})]


def test_saving_an_existing_name_replaces_it_and_says_so(run, session):
    run("segment", "save", "vip", "tag = vip")
    result = run("segment", "save", "vip", "tag in (vip, 'VIP club')", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == "segment 'vip' replaced (was: tag = vip)"
    assert segments_in_db(session) == {"vip": ("tag in (vip, 'VIP club')", "tester")}


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("vip", "tag = vip and"), "error: expected a field after 'and' at column 14"),
        (("vip", "age = abc"), "error: expected a whole number for age at column 7, found 'abc'"),
        (
            ("vip", "tier = diamond"),
            "error: no tier 'diamond' at column 8; tiers are: basic (普通会员), silver (银卡会员), "
            "gold (金卡会员), platinum (白金会员)",
        ),
        (("vip", ""), "error: expected a field at column 1; e.g. tier = gold"),
        (("", "tag = vip"), "error: the segment name is empty; give a name such as vip-lapsed"),
        (
            ("x" * 65, "tag = vip"),
            f"error: segment name '{'x' * 65}' is not usable; use up to 64 printable characters",
        ),
    ],
)
def test_save_refuses_what_cannot_work_and_writes_nothing(run, engine, args, line):
    run("segment", "save", "vip", "tag = vip")
    before = snapshot(engine)
    result = run("segment", "save", *args)
    assert failure(result, 2) == line
    assert snapshot(engine) == before


def test_list_is_sorted_by_name(run):
    assert run.json("segment", "list") == []
    run("segment", "save", "新客", "tag = 新客")
    run("segment", "save", "gold-up", "tier >= gold")
    rows = run.json("segment", "list")
    assert [(r["name"], r["expr"]) for r in rows] == [
        ("gold-up", "tier >= gold"),
        ("新客", "tag = 新客"),
    ]
    assert all(set(r) == {"name", "expr", "updated_at"} for r in rows)


def test_show_counts_and_samples_at_as_of(run, shop):
    run("segment", "save", "adults", "age >= 18 and status != cancelled")
    view = run.json("segment", "show", "adults", *AS_OF)
    assert (view["name"], view["expr"], view["count"]) == (
        "adults",
        "age >= 18 and status != cancelled",
        3,
    )
    assert [m["member_no"] for m in view["sample"]] == [shop["B"], shop["A"], shop["D"]]
    assert MEMBER_KEYS <= set(view["sample"][0])
    assert view["sample"][1]["tags"] == ["vip"]


def test_show_limit_bounds_the_sample_not_the_count(run, shop):
    run("segment", "save", "all", "joined_days >= 0")
    view = run.json("segment", "show", "all", "--limit", "2", *AS_OF)
    assert (view["count"], [m["member_no"] for m in view["sample"]]) == (5, [shop["B"], shop["E"]])
    view = run.json("segment", "show", "all", "--limit", "0", *AS_OF)
    assert (view["count"], view["sample"]) == (5, [])


def test_show_follows_as_of(run, shop):
    run("segment", "save", "36+", "age >= 36")
    assert run.json("segment", "show", "36+", "--as-of", "2026-11-29")["count"] == 1
    view = run.json("segment", "show", "36+", "--as-of", "2026-11-30")
    assert [m["member_no"] for m in view["sample"]] == [shop["A"], shop["D"]]


def test_show_as_a_table(run, shop):
    run("segment", "save", "vip", "tag = vip")
    result = run("segment", "show", "vip")
    assert result.exit_code == 0, result.stderr
    assert "tag = vip" in result.stdout and shop["A"] in result.stdout
    assert shop["C"] not in result.stdout


def test_delete_removes_the_segment(run, session):
    run("segment", "save", "vip", "tag = vip")
    result = run("segment", "delete", "vip", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == "segment 'vip' deleted"
    assert segments_in_db(session) == {}
    actions = session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))).all()
    assert actions == ["segment.save", "segment.delete"]
    assert failure(run("segment", "show", "vip"), 3) == (
        "error: no segment 'vip'; save one with segment save"
    )


@pytest.mark.parametrize("command", [("show", "vips"), ("delete", "vips")])
def test_an_unknown_segment_is_not_found(run, engine, command):
    run("segment", "save", "vip", "tag = vip")
    run("segment", "save", "gold", "tier = gold")
    before = snapshot(engine)
    result = run("segment", *command)
    assert failure(result, 3) == "error: no segment 'vips'; segments are: gold, vip"
    assert snapshot(engine) == before

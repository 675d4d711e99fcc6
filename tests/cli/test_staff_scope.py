"""Least privilege in what staff see (issue 18): phones masked by role, and a manager's or a
clerk's work kept to the stores they work in.

Two stores S1 and S2, a member in each and one of no store; staff rows (a clerk and a manager
of S1, the owner, a job) inserted directly, each acting with a token in MEMBERCTL_TOKEN."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from memberctl.domain import audit, sessions
from memberctl.models import Staff, StaffStore
from tests.conftest import NOW, Run, failure

ROOT = Path(__file__).resolve().parents[2]
PHONE_1 = "13800138001"  # 张一, home store S1
PHONE_2 = "13800138002"  # 王二, home store S2
PHONE_0 = "13800138000"  # 李零, no store


@dataclass
class Shop:
    run: Run
    engine: Engine
    db_url: str
    tokens: dict[str, str]

    def as_(self, who: str, *args: str) -> Any:
        return self.run(
            *args, env={"MEMBERCTL_TOKEN": self.tokens[who], "MEMBERCTL_OPERATOR": None}
        )  # type: ignore[dict-item]

    def json(self, who: str, *args: str) -> Any:
        result = self.as_(who, *args, "--format", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)


def _staff(engine: Engine, name: str, role: str, stores: tuple[str, ...]) -> str:
    with engine.begin() as connection:
        staff_id = connection.execute(
            insert(Staff.__table__).values(  # type: ignore[attr-defined]
                name=name, role=role, password_hash="x", created_at=NOW
            )
        ).inserted_primary_key[0]
        for store in stores:
            connection.execute(
                insert(StaffStore.__table__).values(staff_id=staff_id, store=store)  # type: ignore[attr-defined]
            )
        return sessions.issue(connection, staff_id=staff_id, kind="login")


@pytest.fixture
def shop(run: Run, engine: Engine, db_url: str) -> Shop:
    for code in ("S1", "S2"):
        assert run("store", "add", code).exit_code == 0
    for name, phone, store in (
        ("李零", PHONE_0, None),
        ("张一", PHONE_1, "S1"),
        ("王二", PHONE_2, "S2"),
    ):
        extra = ("--store", store) if store else ()
        args = ("member", "enroll", "--name", name, "--phone", phone, *extra)
        assert run(*args, "--joined-at", "2026-11-01T10:00:00").exit_code == 0
    tokens = {
        "clerk": _staff(engine, "clerk1", "clerk", ("S1",)),
        "manager": _staff(engine, "manager1", "manager", ("S1",)),
        "owner": _staff(engine, "boss", "owner", ()),
        "job": _staff(engine, "nightly", "job", ()),
        "roamer": _staff(engine, "roamer", "clerk", ("S1", "S2")),
    }
    return Shop(run, engine, db_url, tokens)


def _phones(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {row["member_no"]: row["phone"] for row in rows}


# -- masking -----------------------------------------------------------------------------------


def test_clerk_sees_their_store_masked_in_a_list_owner_sees_every_store_in_full(shop):
    clerk = shop.json("clerk", "member", "list")
    assert _phones(clerk) == {"M000002": "138****8001", "M000001": "138****8000"}
    owner = shop.json("owner", "member", "list")
    assert _phones(owner) == {
        "M000003": "+8613800138002",
        "M000002": "+8613800138001",
        "M000001": "+8613800138000",
    }
    table = [line.split() for line in shop.as_("clerk", "member", "list").stdout.splitlines()]
    assert table[2:] == [
        ["M000002", "张一", "138****8001", "basic", "active", "0", "0.00", "S1", "2026-11-01"],
        ["M000001", "李零", "138****8000", "basic", "active", "0", "0.00", "2026-11-01"],
    ]
    table = [line.split() for line in shop.as_("owner", "member", "list").stdout.splitlines()]
    assert table[3] == [
        "M000002", "张一", "138", "0013", "8001", "basic", "active", "0", "0.00", "S1", "2026-11-01"
    ]  # fmt: skip


def test_clerk_search_json_and_csv_are_masked_and_kept_to_their_store(shop):
    found = shop.json("clerk", "member", "search", "38001")
    assert _phones(found) == {"M000002": "138****8001"}
    assert shop.as_("clerk", "member", "search", "38002").exit_code == 3  # 王二 is S2's
    csv = shop.as_("clerk", "member", "list", "--format", "csv").stdout
    assert "138****8001" in csv
    assert "13800138001" not in csv
    assert _phones(shop.json("owner", "member", "search", "38002")) == {"M000003": "+8613800138002"}


def test_clerk_sees_the_one_member_shown_in_full(shop):
    shown = shop.json("clerk", "member", "show", PHONE_1)
    assert (shown["member_no"], shown["phone"]) == ("M000002", "+8613800138001")


def test_clerk_giving_show_pii_is_refused(shop):
    for args in (("member", "list"), ("member", "search", "张")):
        failure(
            shop.as_("clerk", *args, "--show-pii"),
            6,
            "error: --show-pii needs a manager or the owner; clerk1 is a clerk",
        )


def test_manager_list_and_export_masked_unless_show_pii_which_is_audited(shop, tmp_path, session):
    assert _phones(shop.json("manager", "member", "list")) == {
        "M000002": "138****8001",
        "M000001": "138****8000",
    }
    out = tmp_path / "members.csv"
    assert shop.as_("manager", "export", "members", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "138****8001" in text and "王二" not in text
    result = shop.as_("manager", "export", "members", str(out), "--show-pii")
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8-sig")
    assert "13800138001" in text and "138****8001" not in text
    entries = audit.list_entries(session=session, action="pii.show")
    assert [(e.operator, e.action, e.details) for e in entries] == [
        ("manager1", "pii.show", {"command": "export members"})
    ]


def test_owner_export_is_unmasked_as_before(shop, tmp_path):
    out = tmp_path / "members.csv"
    assert shop.as_("owner", "export", "members", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "13800138002" in text and "****" not in text


def test_manager_export_data_masks_the_phone_unless_show_pii(shop):
    masked = shop.json("manager", "member", "export-data", "M000002")
    assert masked["member"]["phone"] == "138****8001"
    full = shop.json("manager", "member", "export-data", "M000002", "--show-pii")
    assert full["member"]["phone"] == "+8613800138001"


def test_job_report_is_masked_and_show_pii_is_audited_as_a_report(shop, session):
    rows = shop.json("job", "report", "birthdays", "--month", "1")
    assert rows == []
    result = shop.as_("job", "report", "birthdays", "--show-pii", "--format", "json")
    assert result.exit_code == 0, result.stderr
    entries = audit.list_entries(session=session, action="report.show_pii")
    assert [(e.operator, e.details) for e in entries] == [("nightly", {"report": "birthdays"})]


# -- stores ------------------------------------------------------------------------------------

OUTSIDE = "error: clerk1 works in S1, not in S2"


def test_store_staff_see_their_stores_and_members_of_no_store(shop):
    assert sorted(_phones(shop.json("roamer", "member", "list"))) == [
        "M000001",
        "M000002",
        "M000003",
    ]
    summary = shop.json("manager", "report", "summary")
    assert summary["by_status"] == {"active": 2, "frozen": 0, "cancelled": 0}
    assert shop.json("owner", "report", "summary")["by_status"]["active"] == 3


@pytest.mark.parametrize(
    "args",
    [
        ("member", "list", "--store", "S2"),
        ("member", "show", "M000003"),
        ("member", "show", PHONE_2),
        ("member", "edit", "M000003", "--email", "a@b.cn"),
        ("member", "note", "M000003", "called"),
        ("wallet", "topup", "M000003", "10"),
        ("purchase", "record", "M000002", "10", "--store", "S2"),
        ("sale", "record", "M000002", "--amount", "10", "--store", "S2"),
        ("member", "enroll", "--name", "赵三", "--phone", "13900139000", "--store", "S2"),
        ("report", "daily", "--store", "S2"),
    ],
)
def test_clerk_outside_their_store_is_refused(shop, args):
    failure(shop.as_("clerk", *args), 6, OUTSIDE)


def test_manager_cannot_move_a_member_to_another_store(shop):
    """A clerk may not give --store to `member edit` at all (OPTION_RULES); a manager may, to
    one of their own stores only."""
    failure(
        shop.as_("manager", "member", "edit", "M000002", "--store", "S2"),
        6,
        "error: manager1 works in S1, not in S2",
    )


def test_manager_report_store_outside_is_refused(shop):
    failure(
        shop.as_("manager", "report", "summary", "--store", "S2"),
        6,
        "error: manager1 works in S1, not in S2",
    )


def test_clerk_daily_is_their_store_and_enrolment_defaults_to_it(shop):
    daily = shop.json("clerk", "report", "daily", "--date", "2026-11-01")
    assert (daily["store"], daily["new_members"]) == ("S1", 1)
    enrolled = shop.json("clerk", "member", "enroll", "--name", "赵三", "--phone", "13900139000")
    assert enrolled["store"] == "S1"
    result = shop.as_("roamer", "report", "daily")
    assert result.exit_code == 2
    assert "roamer works in several stores: give --store" in result.stderr


def test_segment_show_is_kept_to_the_store_and_masked(shop):
    assert shop.as_("owner", "segment", "save", "all", "status = active").exit_code == 0
    view = shop.json("manager", "segment", "show", "all")
    assert view["count"] == 2
    assert _phones(view["sample"]) == {"M000002": "138****8001", "M000001": "138****8000"}


def test_the_refusal_in_chinese(shop):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MEMBERCTL_", "LC_", "LANG"))},
        "MEMBERCTL_LANG": "zh",
        "MEMBERCTL_TOKEN": shop.tokens["clerk"],
    }
    child = subprocess.run(
        [sys.executable, "-m", "memberctl", "--db", shop.db_url, "--no-input"]
        + ["member", "show", "M000003"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert child.returncode == 6
    assert child.stderr.strip().splitlines() == [
        "错误：clerk1 属于门店 S1，不属于 S2；请店主用 'memberctl staff stores 姓名 --add 门店' "
        "为其添加该门店，或使用本人所在门店"
    ]


def test_a_clerk_of_one_store_sells_in_it_and_their_daily_close_counts_it(shop):
    """No --store: the sale is the clerk's store's (it was no store's, and their own daily
    close showed no sales); their refund without --store finds it."""
    sold = shop.json(
        "clerk", "sale", PHONE_1, "--amount", "100", "--pay", "cash", "--order-no", "T1"
    )
    assert sold["amount"] == "100.00"
    daily = shop.json("clerk", "report", "daily")
    assert (daily["store"], daily["sales"], daily["tendered_total"]) == ("S1", 1, "100.00")
    assert shop.as_("clerk", "sale", "refund", "T1").exit_code == 0


# -- staff stores ------------------------------------------------------------------------------


def _stores(shop: Shop, *args: str) -> Any:
    return shop.as_("owner", "staff", "stores", *args)


def test_the_owner_gives_a_clerk_another_store_and_their_next_command_sees_it(shop, session):
    failure(shop.as_("clerk", "member", "show", "M000003"), 6, OUTSIDE)
    added = shop.json("owner", "staff", "stores", "clerk1", "--add", "s2")  # codes fold case
    assert (added["name"], added["stores"]) == ("clerk1", ["S1", "S2"])
    assert shop.as_("clerk", "member", "show", "M000003").exit_code == 0
    assert shop.json("owner", "staff", "stores", "clerk1", "--remove", "S1")["stores"] == ["S2"]
    failure(
        shop.as_("clerk", "member", "show", "M000002"), 6, "error: clerk1 works in S2, not in S1"
    )
    every = shop.json("owner", "staff", "stores", "clerk1", "--remove", "S2")
    assert every["stores"] == []  # none left: every store
    assert shop.as_("clerk", "member", "show", "M000002").exit_code == 0
    changes = [a.details for a in audit.list_entries(session=session, action="staff.stores")]
    assert changes == [
        {"staff": "clerk1", "before": ["S2"], "after": []},
        {"staff": "clerk1", "before": ["S1", "S2"], "after": ["S2"]},
        {"staff": "clerk1", "before": ["S1"], "after": ["S1", "S2"]},
    ]


def test_stores_no_change_is_not_audited(shop, session):
    assert shop.json("owner", "staff", "stores", "clerk1", "--add", "S1")["stores"] == ["S1"]
    assert audit.list_entries(session=session, action="staff.stores") == []


@pytest.mark.parametrize(
    ("args", "code", "line"),
    [
        (("boss", "--add", "S1"), 4, "error: boss is the owner or a job, who work in every store; "
         "stores are for managers and clerks"),
        (("nightly", "--add", "S1"), 4, "error: nightly is the owner or a job, who work in every "
         "store; stores are for managers and clerks"),
        (("clerk1", "--add", "S2", "--remove", "s2"), 2, "error: S2 is both added and removed; "
         "give each store once"),
        (("nobody", "--add", "S1"), 3, "error: no staff member 'nobody'; see them with "
         "'memberctl staff list'"),
        (("clerk1",), 2, "error: nothing to change; give --add STORE or --remove STORE; "
         "'memberctl staff list' shows their stores"),
    ],
)  # fmt: skip
def test_stores_refusals(shop, args, code, line):
    failure(_stores(shop, *args), code, line)


def test_stores_unknown_store_is_exit_3_and_changes_nothing(shop):
    result = _stores(shop, "clerk1", "--add", "S9")
    assert result.exit_code == 3
    assert result.stderr.startswith("error: no store 'S9'")
    listed = {row["name"]: row["stores"] for row in shop.json("owner", "staff", "list")}
    assert listed["clerk1"] == ["S1"]


def test_a_manager_may_not_change_stores(shop):
    result = shop.as_("manager", "staff", "stores", "clerk1", "--add", "S2")
    assert result.exit_code == 6


# -- coupons -----------------------------------------------------------------------------------

COUPON_CAMPAIGN = """\
code = "drop"
action = "issue_coupon"
coupon_value = "20.00"
coupon_valid_days = 30
weekdays_only = false
no_holidays = false
where = "status = active"
period = "daily"
"""


def test_a_clerk_redeems_coupons_of_their_stores_members_only(shop, tmp_path, session):
    from sqlmodel import select

    from memberctl.models import Coupon, Member

    path = tmp_path / "drop.toml"
    path.write_text(COUPON_CAMPAIGN, encoding="utf-8")
    assert shop.as_("owner", "campaign", "add", str(path)).exit_code == 0
    assert shop.json("owner", "campaign", "run", "drop")["coupons"] == 3
    codes = dict(session.exec(select(Member.member_no, Coupon.code).join(Member)).all())
    failure(shop.as_("clerk", "coupon", "redeem", codes["M000003"]), 6, OUTSIDE)
    assert shop.json("owner", "coupon", "list", "M000003")[0]["status"] == "unused"
    assert shop.as_("clerk", "coupon", "redeem", codes["M000002"]).exit_code == 0  # S1
    assert shop.as_("clerk", "coupon", "redeem", codes["M000001"]).exit_code == 0  # no store

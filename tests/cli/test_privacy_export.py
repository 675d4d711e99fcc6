"""`member export-data` is complete: a section for every table that refers to a member, each
holding that member's rows, plus tier, survey answers, audit entries and import runs."""

from __future__ import annotations

import pytest

from memberctl.domain import privacy
from tests.privacydata import ADDRESS, E164, EMAIL, NAME, populate

SECTIONS = {
    "member", "tags", "tier", "history", "lifecycle", "interactions", "points", "wallet",
    "purchases", "coupons", "campaign_awards", "survey_responses", "audit", "import_runs",
    "import_changes",
}  # fmt: skip


@pytest.fixture
def member(run, engine, tmp_path):
    return populate(run, engine, tmp_path)


def test_every_table_that_refers_to_a_member_is_exported():
    # A new table with a member.id foreign key fails here until export-data has a section for it.
    assert privacy.member_tables() == sorted(privacy.EXPORT_SECTIONS)
    assert set(privacy.EXPORT_SECTIONS.values()) <= SECTIONS


def test_export_data_has_every_section_filled(run, member):
    data = run.json("member", "export-data", member.member_no)
    assert set(data) == SECTIONS
    assert [name for name in sorted(SECTIONS) if not data[name]] == []


def test_export_data_holds_the_members_rows(run, member):
    data = run.json("member", "export-data", member.member_no)
    assert data["member"] == data["member"] | {
        "member_no": member.member_no,
        "name": NAME,
        "phone": E164,
        "email": EMAIL,
        "birthday": "1990-05-06",
        "address": ADDRESS,
        "gender": "female",
        "status": "frozen",
        "name_initials": "oynn",
        "balance": "50.00",
    }
    assert data["tags"] == data["member"]["tags"] and "vip" in data["tags"]
    assert len(data["tags"]) == 3
    assert data["tier"] == {"code": "basic", "name": "普通会员", "rank": 1}
    assert [(c["action"], c["to_value"]) for c in data["lifecycle"]] == [
        ("enroll", "active"),
        ("freeze", "frozen"),
    ]
    assert [(n["kind"], n["text"][:4]) for n in data["interactions"]] == [("call", NAME)]
    assert sum(e["points"] for e in data["points"]) == data["member"]["points"]
    assert [(e["kind"], e["amount"]) for e in data["wallet"]] == [("topup", "50.00")]
    assert sorted(p["order_no"] for p in data["purchases"]) == ["A1", "B1"]
    assert [(c["value"], c["redeemed_at"]) for c in data["coupons"]] == [("20.00", None)]
    assert [a["period_key"] for a in data["campaign_awards"]] == ["2026-11-25"]
    assert all("member_id" not in row for row in data["points"] + data["purchases"])


def test_export_data_holds_survey_answers_audit_and_import_runs(run, member):
    data = run.json("member", "export-data", member.member_no)
    [response] = data["survey_responses"]
    assert response["survey"] == "sat"
    assert [(a["question"], a["value"]) for a in response["answers"]][:4] == [
        ("visit", "每周"),
        ("like", "咖啡"),
        ("like", "蛋糕"),
        ("score", "5"),
    ]
    actions = [e["action"] for e in data["audit"]]
    assert actions[0] == "member.export_data"
    assert {"member.enroll", "member.edit", "member.note", "member.freeze"} <= set(actions)
    assert [(r["kind"], r["file_name"], r["status"]) for r in data["import_runs"]] == [
        ("purchases", "purchases.csv", "done"),
        ("members", "members.csv", "done"),
    ]


def test_import_runs_that_enrolled_the_member_are_exported(run, tmp_path):
    from tests.spreadsheets.sheets import write_csv

    sheet = write_csv(tmp_path / "m.csv", [["姓名", "手机号"], ["王五", "13700137000"]])
    assert run.json("import", "members", str(sheet))["inserted"] == 1
    data = run.json("member", "export-data", "13700137000")
    assert [(r["kind"], r["file_name"]) for r in data["import_runs"]] == [("members", "m.csv")]


def test_export_after_forget_holds_no_personal_data(run, member):
    run.json("member", "forget", member.member_no, "--yes")
    data = run.json("member", "export-data", member.member_no)
    text = repr(data)
    assert [v for v in (NAME, EMAIL, ADDRESS, E164, "13800138000") if v in text] == []
    assert data["tags"] == [] and data["member"]["status"] == "cancelled"

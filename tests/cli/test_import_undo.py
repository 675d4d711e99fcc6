"""`memberctl import runs` and `import undo RUN`: an import taken back in one transaction, refused
once a member it touched has anything newer."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select, update

from memberctl.models import ImportChange, ImportRun
from tests.conftest import error_line, failure
from tests.factories import enroll, snapshot
from tests.spreadsheets.sheets import write_csv

RUN_KEYS = [
    "run",
    "file",
    "at",
    "operator",
    "kind",
    "inserted",
    "updated",
    "rejected",
    "undone",
    "undone_at",
    "undone_by",
]
UNDO_KEYS = ["run", "kind", "file", "dry_run", "already_undone", "removed", "restored", "members"]
NEW = [
    ["姓名", "手机号", "积分", "余额", "标签", "会员等级"],
    ["张三", "13800138000", "100", "12.50", "vip", "金卡会员"],
    ["李四", "13900139000", "", "", "", ""],
]
# What an import and its undo leave behind, whatever they did: the run and the audit log.
# Member numbers once given are not given again (the counter stays).
KEPT = ("import_run", "audit_entry", "counter")


def _import(run, path, *options):
    data = run.json("import", "members", str(path), *options)
    return run.json("import", "runs")[-1]["run"], data


def _without_kept(state):
    return {name: rows for name, rows in state.items() if name not in KEPT}


def test_undo_removes_the_members_an_import_inserted(run, engine, tmp_path):
    before = snapshot(engine)
    run_id, data = _import(run, write_csv(tmp_path / "m.csv", NEW))
    assert data["inserted"] == 2
    result = run.json("import", "undo", str(run_id))
    assert list(result) == UNDO_KEYS
    assert (result["removed"], result["restored"], result["already_undone"]) == (2, 0, False)
    assert run.json("member", "list") == []
    # members, tags, enrolments, opening points and balance, recorded changes: all gone
    assert _without_kept(snapshot(engine)) == _without_kept(before)
    [listed] = run.json("import", "runs")
    assert (listed["undone"], listed["undone_by"]) == (True, "tester")


def test_undo_restores_the_fields_an_import_updated(run, engine, tmp_path):
    member = enroll(engine, "王五", phone="13700137000", email="w@example.com", tags=["old"])
    shown = run.json("member", "show", member.member_no)
    before = snapshot(engine)
    sheet = write_csv(
        tmp_path / "u.csv",
        [
            ["手机号", "姓名", "邮箱", "会员等级", "标签", "生日"],
            ["13700137000", "王六", "new@example.com", "金卡会员", "a、b", "1990-05-06"],
        ],
    )
    run_id, data = _import(run, sheet, "--on-existing", "update")
    assert data["updated"] == 1
    changed = run.json("member", "show", member.member_no)
    assert (changed["name"], changed["tier"], changed["tags"]) == ("王六", "gold", ["a", "b"])
    result = run.json("import", "undo", str(run_id))
    assert (result["removed"], result["restored"]) == (0, 1)
    assert result["members"] == [
        {
            "member_no": member.member_no,
            "action": "restore",
            "fields": ["birthday", "email", "name", "tags", "tier"],
        }
    ]
    assert run.json("member", "show", member.member_no) == shown
    assert _without_kept(snapshot(engine)) == _without_kept(before)  # its tier row went too


REFUSED = "error: import 1 cannot be undone: member M000001 has {what} made after it"
REFUSED_ZH = "错误：导入 1 无法撤销：会员 M000001 在其之后有{what}"


@pytest.mark.parametrize(
    ("later", "what", "what_zh"),
    [
        (["purchase", "record", "M000001", "50", "--order-no", "A1"], "a purchase", "一笔消费"),
        (["points", "add", "M000001", "10", "--reason", "gift"], "a points entry", "一条积分记录"),
        (
            ["member", "edit", "M000001", "--email", "x@example.com"],
            "a later change (member.edit)",
            "一次后来的变更（member.edit）",
        ),
        (["member", "freeze", "M000001"], "a status or tier change", "一次状态或等级变更"),
    ],
)
def test_undo_is_refused_once_a_member_has_something_newer(
    run, engine, tmp_path, later, what, what_zh
):
    run_id, _data = _import(run, write_csv(tmp_path / "m.csv", NEW))
    assert run_id == 1
    assert run(*later, "--format", "json").exit_code == 0
    before = snapshot(engine)
    line = failure(run("import", "undo", "1"), 4)
    assert line.startswith(REFUSED.format(what=what)), line
    zh_run = run("--lang", "zh", "import", "undo", "1")
    zh = error_line(zh_run)
    assert zh_run.exit_code == 4
    assert zh.startswith(REFUSED_ZH.format(what=what_zh)), zh
    assert snapshot(engine) == before


def test_undo_is_refused_after_a_later_import_of_the_same_member(run, tmp_path):
    _import(run, write_csv(tmp_path / "m.csv", NEW))
    later = write_csv(tmp_path / "later.csv", [["手机号", "姓名"], ["13900139000", "李四四"]])
    _import(run, later, "--on-existing", "update")
    line = failure(run("import", "undo", "1"), 4)
    refused = REFUSED.replace("M000001", "M000002").format(what="a later import (run 2)")
    assert line.startswith(refused), line
    # the later one can be undone, and then the first
    assert run.json("import", "undo", "2")["restored"] == 1
    assert run.json("import", "undo", "1")["removed"] == 2


def test_dry_run_shows_what_would_change_and_changes_nothing(run, engine, tmp_path):
    run_id, _data = _import(run, write_csv(tmp_path / "m.csv", NEW))
    before = snapshot(engine)
    result = run.json("import", "undo", str(run_id), "--dry-run")
    assert (result["dry_run"], result["removed"], result["restored"]) == (True, 2, 0)
    assert [m["member_no"] for m in result["members"]] == ["M000001", "M000002"]
    assert {m["action"] for m in result["members"]} == {"remove"}
    assert snapshot(engine) == before
    table = run("import", "undo", str(run_id), "--dry-run")
    assert table.exit_code == 0
    assert "dry run: nothing changed" in table.stdout and "M000002" in table.stdout


def test_undoing_twice_changes_nothing(run, engine, tmp_path):
    run_id, _data = _import(run, write_csv(tmp_path / "m.csv", NEW))
    run.json("import", "undo", str(run_id))
    before = snapshot(engine)
    again = run("import", "undo", str(run_id), "--format", "json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["already_undone"] is True
    assert snapshot(engine) == before


def test_unknown_run_is_not_found(run):
    failure(run("import", "undo", "7"), 3, "no import run 7")
    zh_run = run("--lang", "zh", "import", "undo", "7")
    assert zh_run.exit_code == 3
    assert error_line(zh_run) == "错误：没有导入批次 7；见 `memberctl import runs`"


def test_undo_is_audited(run, tmp_path):
    run_id, _data = _import(run, write_csv(tmp_path / "m.csv", NEW))
    run.json("import", "undo", str(run_id))
    [entry] = run.json("audit", "--action", "import.undo")
    assert entry["operator"] == "tester"
    assert entry["details"] == {
        "import_run": run_id,
        "kind": "members",
        "file": "m.csv",
        "removed": 2,
        "restored": 0,
    }


def test_runs_are_listed_with_their_counts(run, tmp_path):
    _import(run, write_csv(tmp_path / "m.csv", NEW))
    [listed] = run.json("import", "runs")
    assert list(listed) == RUN_KEYS
    assert (listed["file"], listed["kind"], listed["operator"]) == ("m.csv", "members", "tester")
    assert (listed["inserted"], listed["updated"], listed["rejected"]) == (2, 0, 0)
    assert (listed["undone"], listed["undone_at"]) == (False, None)
    csv = run("import", "runs", "--format", "csv")
    header = "run,file,at,operator,kind,inserted,updated,rejected,undone"
    assert csv.stdout.splitlines()[0] == header
    table = run("import", "runs")
    assert table.exit_code == 0 and "m.csv" in table.stdout


def test_a_purchase_import_is_undone_with_the_points_it_earned(run, engine, tmp_path):
    member = enroll(engine, "王五", phone="13700137000")
    before = snapshot(engine)
    sheet = write_csv(
        tmp_path / "p.csv",
        [
            ["手机号", "订单号", "金额", "时间"],
            ["13700137000", "B1", "300", "2026-11-02 11:00"],
            ["13700137000", "B2", "200", "2026-11-03 11:00"],
        ],
    )
    assert run.json("import", "purchases", str(sheet))["inserted"] == 2
    assert run.json("member", "show", member.member_no)["points"] > 0
    run_id = run.json("import", "runs")[-1]["run"]
    result = run.json("import", "undo", str(run_id))
    assert (result["kind"], result["removed"]) == ("purchases", 2)
    assert result["members"] == [
        {"member_no": member.member_no, "action": "remove purchases", "purchases": 2}
    ]
    assert _without_kept(snapshot(engine)) == _without_kept(before)  # purchases, points, caches


def test_a_purchase_import_is_not_undone_after_a_redemption(run, engine, tmp_path):
    member = enroll(engine, "王五", phone="13700137000")
    sheet = write_csv(
        tmp_path / "p.csv",
        [
            ["手机号", "订单号", "金额", "时间"],
            ["13700137000", "B1", "300", "2026-11-02 11:00"],
        ],
    )
    run.json("import", "purchases", str(sheet))
    run.json("points", "deduct", member.member_no, "10", "--reason", "gift")
    failure(
        run("import", "undo", "1"), 4, f"member {member.member_no} has a points entry made after it"
    )


def test_undo_is_refused_when_a_newer_member_names_an_inserted_one_as_referrer(run, tmp_path):
    _import(run, write_csv(tmp_path / "m.csv", NEW))
    run.json(
        "member", "enroll", "--name", "赵六", "--phone", "13600136000", "--referrer", "M000002"
    )
    line = failure(run("import", "undo", "1"), 4)
    # the enrolment is audited under the new member; the referrer is named on M000002
    assert line.startswith(
        REFUSED.replace("M000001", "M000002").format(what="member M000003 as referee")
    ), line


def test_an_import_recorded_before_undo_existed_is_refused(run, engine, tmp_path):
    run_id, _data = _import(run, write_csv(tmp_path / "m.csv", NEW))
    with engine.begin() as connection:
        connection.execute(update(ImportRun).where(ImportRun.id == run_id).values(marks=None))
    failure(
        run("import", "undo", str(run_id)),
        4,
        f"import {run_id} was done before imports could be undone",
    )


def test_dry_run_table_in_chinese(run, engine, tmp_path):
    enroll(engine, "王五", phone="13700137000")
    _import(run, write_csv(tmp_path / "m.csv", NEW))
    sheet = write_csv(
        tmp_path / "u.csv", [["手机号", "姓名", "邮箱"], ["13700137000", "王六", "w6@example.com"]]
    )
    _import(run, sheet, "--on-existing", "update")
    result = run("--lang", "zh", "import", "undo", "2", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "试运行：未做任何修改"  # the title on one line
    assert "恢复" in result.stdout and "邮箱、姓名" in result.stdout
    assert re.search(r"^批次 +2 *$", result.stdout, re.M) and "Run" not in result.stdout


def test_forget_erases_the_old_values_an_import_recorded(run, engine, tmp_path):
    member = enroll(engine, "王五", phone="13700137000")
    sheet = write_csv(
        tmp_path / "u.csv",
        [["会员卡号", "姓名", "手机号"], [member.member_no, "王五", "13700137001"]],
    )
    run_id, _data = _import(run, sheet, "--on-existing", "update")
    with engine.connect() as connection:
        old = connection.execute(
            select(ImportChange.old_value).where(
                ImportChange.member_id == 1, ImportChange.field == "phone"
            )
        ).scalar_one()
    assert old == '"+8613700137000"'
    run.json("member", "forget", member.member_no, "--yes")
    with engine.connect() as connection:
        left = connection.execute(select(ImportChange.old_value)).scalars().all()
    assert left == [None, None]  # the phone and updated_at
    # and the import can no longer be undone for them: the forget is newer
    failure(run("import", "undo", str(run_id)), 4, "a status or tier change")


def test_undo_is_refused_when_a_replaced_phone_was_given_to_another_member(run, engine, tmp_path):
    member = enroll(engine, "王五", phone="13700137000")
    sheet = write_csv(
        tmp_path / "u.csv",
        [["会员卡号", "姓名", "手机号"], [member.member_no, "王五", "13700137001"]],
    )
    _import(run, sheet, "--on-existing", "update")
    enroll(engine, "赵六", phone="13700137000")  # the old phone, now free, given to M000002
    before = snapshot(engine)
    failure(
        run("import", "undo", "1"),
        4,
        "error: import 1 cannot be undone: the old phone of "
        "member M000001 now belongs to member M000002",
    )
    assert snapshot(engine) == before

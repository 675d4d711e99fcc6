"""Stored text through the real CLI, the same on SQLite and PostgreSQL: free text is stored as
typed (only surrounding whitespace stripped), control characters and text-direction overrides
are refused with exit 5 naming the field, and a SQLite backup holding a NUL (old data) restores
into SQLite unchanged and is refused in one line by PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from memberctl.db.engine import make_engine
from memberctl.db.migrate import upgrade
from memberctl.models import (
    Interaction,
    LifecycleChange,
    PointsEntry,
    SurveyAnswer,
    WalletEntry,
)
from tests.conftest import PG_URL, failure
from tests.factories import add_store, enroll, member_row, snapshot

ONE_LINE = "retype it on one line without control characters or text-direction marks"
MULTI = "retype it without control characters; line breaks and tabs are allowed"


def cannot(what: str, code: str, at: int, hint: str = ONE_LINE) -> str:
    return (
        f"error: {what} holds a character that cannot be stored ({code}) at character {at}; {hint}"
    )


# 4. Free text as typed ----------------------------------------------------------------------


def test_address_name_and_note_are_stored_as_typed(run, engine, session):
    m = enroll(engine).member_no
    address = "上海市（浦东）新区，世纪大道１号"
    name = "Ｌｉ　小龙"
    data = run.json("member", "edit", m, "--address", f"  {address} ", "--name", name)
    assert (data["address"], data["name"]) == (address, name)
    note = "电话回访：满意（９分）\n下次：１２月"
    assert run.json("member", "note", m, note)["text"] == note
    row = member_row(session, m)
    assert (row.address, row.name) == (address, name)
    assert session.exec(select(Interaction.text)).all() == [note]


def test_reasons_are_stored_as_typed(run, engine, session):
    m = enroll(engine).member_no
    run.json("points", "add", m, "5", "--reason", "补偿：１号单（漏积）")
    run.json("wallet", "topup", m, "5", "--reason", "活动：充１送０")
    run.json("member", "freeze", m, "--reason", "顾客要求（出国）")
    assert session.exec(select(PointsEntry.reason)).all() == ["补偿：１号单（漏积）"]
    assert session.exec(select(WalletEntry.reason)).all() == ["活动：充１送０"]
    reasons = select(LifecycleChange.reason).where(LifecycleChange.action == "freeze")
    assert session.exec(reasons).all() == ["顾客要求（出国）"]


def test_search_finds_names_typed_in_full_width(run, engine):
    amy = enroll(engine, "Ａｍｙ　王").member_no
    zhang = enroll(engine, "张三丰").member_no
    for typed, found in [
        ("aw", amy),
        ("Amy", amy),
        ("ＡＷ", amy),
        ("ｚｓｆ", zhang),
        ("zhangsan", zhang),
        ("三丰", zhang),
    ]:
        assert [r["member_no"] for r in run.json("member", "search", typed)] == [found], typed


def test_matched_values_are_still_normalised(run, engine, session):
    add_store(engine, "A店")
    m = enroll(engine).member_no
    data = run.json("member", "edit", m, "--store", "Ａ店", "--add-tag", "ＶＩＰ", "--gender", "Ｍ")
    assert (data["store"], data["tags"], data["gender"]) == ("A店", ["VIP"], "male")
    assert member_row(session, m).store == "A店"


# 3. Control characters refused ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["member", "enroll", "--phone", "13900000009", "--name", "张\x01三"],
            cannot("the name", "U+0001", 2),
        ),
        (["member", "edit", "{m}", "--name", "王\u202e五"], cannot("the name", "U+202E", 2)),
        (
            ["member", "edit", "{m}", "--address", "路\x1b1号"],
            cannot("the address", "U+001B", 2, MULTI),
        ),
        (["member", "edit", "{m}", "--store", "A\nB"], cannot("the store", "U+000A", 2)),
        (
            ["member", "edit", "{m}", "--email", "a\x7f@b.cn"],
            cannot("the e-mail address", "U+007F", 2),
        ),
        (["member", "edit", "{m}", "--store", "店\x9b"], cannot("the store", "U+009B", 2)),
        (["member", "edit", "{m}", "--add-tag", "v\x07ip"], cannot("a tag", "U+0007", 2)),
        (["member", "note", "{m}", "ok\x1b[31m"], cannot("the note", "U+001B", 3, MULTI)),
        (["member", "note", "{m}", "ok\u2066x"], cannot("the note", "U+2066", 3, MULTI)),
        (["member", "freeze", "{m}", "--reason", "a\tb"], cannot("the reason", "U+0009", 2)),
        (["points", "add", "{m}", "5", "--reason", "x\x08"], cannot("the reason", "U+0008", 2)),
        (
            ["wallet", "topup", "{m}", "5", "--reason", "x\u202ay"],
            cannot("the reason", "U+202A", 2),
        ),
        (["purchase", "record", "{m}", "5", "--store", "A\x1fB"], cannot("the store", "U+001F", 2)),
        (["segment", "save", "v\x01ip", "tier = gold"], cannot("the segment name", "U+0001", 2)),
    ],
)
def test_control_characters_are_refused_naming_the_field(run, engine, args, message):
    m = enroll(engine).member_no
    before = snapshot(engine)
    line = failure(run(*[a.format(m=m) for a in args]), 5)
    assert line == message
    assert snapshot(engine) == before


def test_a_note_and_an_address_may_hold_line_breaks_and_tabs(run, engine, session):
    m = enroll(engine).member_no
    text = "第一行\n第二行\t附注\r\n完"
    assert run.json("member", "note", m, text)["text"] == text
    assert session.exec(select(Interaction.text)).all() == [text]
    address = "上海市浦东新区\n世纪大道1号\t2楼"
    assert run.json("member", "edit", m, "--address", address)["address"] == address
    assert member_row(session, m).address == address


SURVEY = """\
code = "visit"
title = "到店调查"

[[question]]
key = "comment"
text = "意见"
type = "text"
"""


def test_a_survey_answer_with_a_control_character_is_refused(run, engine, session, tmp_path):
    m = enroll(engine).member_no
    path = tmp_path / "visit.toml"
    path.write_text(SURVEY, encoding="utf-8")
    assert run("survey", "load", str(path)).exit_code == 0
    before = snapshot(engine)
    failure(
        run("survey", "take", "visit", m, "-a", "comment=好\x00的"),
        5,
        "the answer to 'comment' holds a character that cannot be stored (U+0000) at character 2",
    )
    assert snapshot(engine) == before
    result = run("survey", "take", "visit", m, "-a", "comment=很好（５分）\n谢谢")
    assert result.exit_code == 0, result.stderr
    assert session.exec(select(SurveyAnswer.value)).all() == ["很好（５分）\n谢谢"]


@pytest.mark.parametrize(
    ("command", "name", "text", "message"),
    [
        (
            "campaign",
            "c.toml",
            'code = "c"\nname = "活动\\u0000"\naction = "award_points"\npoints = 1\n'
            'where = "tier = gold"\nperiod = "once"\n',
            "error: c.toml: 'name' holds a character that cannot be stored (U+0000) "
            "at character 3; "
            "see templates/campaigns/",
        ),
        (
            "tier",
            "t.toml",
            '[[tier]]\ncode = "gold"\nname = "金卡\\u202e"\nrank = 3\n',
            "error: t.toml: tier #1 (gold): name holds a character that cannot be stored (U+202E) "
            "at character 3; see templates/tiers.toml",
        ),
    ],
)
def test_names_in_files_with_control_characters_are_refused(
    run, engine, tmp_path, command, name, text, message
):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = snapshot(engine)
    args = ["campaign", "add"] if command == "campaign" else ["tier", "load"]
    assert failure(run(*args, str(path)), 5) == message
    assert snapshot(engine) == before


def test_a_sqlite_backup_with_a_nul_in_a_name(run, engine, tmp_path: Path):
    """Old data: a NUL stored by an earlier version. SQLite restores it unchanged; PostgreSQL
    cannot hold it, so the restore is refused in one line naming where it is, nothing written."""
    old = tmp_path / "old.db"
    old_engine = make_engine(f"sqlite:///{old}")
    try:
        upgrade(old_engine)
        with old_engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO member (id, member_no, name, phone, tier_code, status, points, "
                "balance, joined_at, created_at, updated_at) VALUES (7, 'M000007', ?, "
                "'+8613800000009', 'gold', 'active', 0, 0, '2020-01-01 00:00:00', "
                "'2020-01-01 00:00:00', '2020-01-01 00:00:00')",
                ("老\x00会员",),
            )
    finally:
        old_engine.dispose()
    enroll(engine, "现有")
    before = snapshot(engine)
    result = run("db", "restore", str(old), "--yes", "--format", "json")
    if not PG_URL:
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["rows"]["member"] == 1
        assert [m["name"] for m in run.json("member", "list")] == ["老\x00会员"]
        return
    line = failure(result, 5)
    assert line == (
        "error: 'old.db' holds a NUL character in member.name (row id 7), which PostgreSQL "
        "cannot store; remove it in the SQLite database, back it up again and restore that"
    )
    assert snapshot(engine) == before

"""`notify render` (message lists) and `member edit --opt-out/--opt-in`."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tests import ledgers
from tests.conftest import failure
from tests.factories import act, enroll, forget, member_in, member_row

TEMPLATE = (
    "{name}您好，{tier_name}({tier}) {member_no}: {points}分，{expiring_points}分30天内到期，"
    "余额{balance}，生日{birthday} {{退订回T}}\n"
)


def read_csv(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture
def msg_file(tmp_path):
    path = tmp_path / "msg.txt"
    path.write_text(TEMPLATE, encoding="utf-8")
    return path


@pytest.fixture
def shop(engine, run):
    gold = enroll(engine, name="张三", phone="13800138000", birthday="1990-11-05", tier="gold")
    frozen = member_in(engine, "frozen", name="李四", phone="13800138001")
    member_in(engine, "cancelled", name="王五")
    gone = enroll(engine, name="赵六")
    forget(engine, gone.member_no)
    quiet = enroll(engine, name="钱七")
    assert run("member", "edit", quiet.member_no, "--opt-out").exit_code == 0
    return {"gold": gold.member_no, "frozen": frozen.member_no, "quiet": quiet.member_no}


def test_render_writes_one_message_per_reachable_member(run, tmp_path, msg_file, shop):
    out = tmp_path / "out.csv"

    data = run.json(
        "notify", "render", "--template", str(msg_file), "--out", str(out), "--as-of", "2026-11-25"
    )

    assert data == {"out": str(out), "as_of": "2026-11-25", "rows": 2, "skipped_opt_out": 1}
    assert read_csv(out) == [
        ["member_no", "phone", "message"],
        [
            shop["gold"],
            "+8613800138000",
            "张三您好，金卡会员(gold) M000001: 0分，0分30天内到期，余额0.00，"
            "生日1990-11-05 {退订回T}",
        ],
        [
            shop["frozen"],
            "+8613800138001",
            "李四您好，普通会员(basic) M000002: 0分，0分30天内到期，余额0.00，生日 {退订回T}",
        ],
    ]


def test_expiring_points_count_lots_ending_within_30_days(run, engine, tmp_path):
    member = enroll(engine, name="孙八")
    at = dt.datetime(2026, 11, 1, 10)
    for n, last_day in [
        (30, "2026-12-20"),
        (5, "2026-12-25"),
        (7, "2026-12-26"),
        (9, "2026-11-24"),
    ]:
        ledgers.add(engine, member.member_no, n, at=at, expires_on=dt.date.fromisoformat(last_day))
    ledgers.deduct(engine, member.member_no, 9, at=at)  # spends the soonest lot (11-24) first,
    ledgers.deduct(engine, member.member_no, 4, at=at)  # then 4 of the 12-20 lot
    path = tmp_path / "t.txt"
    path.write_text("{points}/{expiring_points}", encoding="utf-8")
    out = tmp_path / "out.csv"

    run.json(
        "notify", "render", "--template", str(path), "--out", str(out), "--as-of", "2026-11-25"
    )

    # 30 - 4 (2026-12-20) + 5 (2026-12-25, the 30th day) = 31; 2026-11-24 is past, 12-26 too late
    assert read_csv(out)[1][2] == f"{51 - 13}/31"


def test_where_and_segment_select_members(run, tmp_path, msg_file, shop):
    out = tmp_path / "gold.csv"
    run.json(
        "notify", "render", "--template", str(msg_file), "--out", str(out), "--where", "tier = gold"
    )
    assert [row[0] for row in read_csv(out)[1:]] == [shop["gold"]]

    assert run("segment", "save", "frozen", "status = frozen").exit_code == 0
    run.json(
        "notify", "render", "--template", str(msg_file), "--out", str(out), "--segment", "frozen"
    )
    assert [row[0] for row in read_csv(out)[1:]] == [shop["frozen"]]


def test_opt_in_again(run, engine, session, tmp_path, msg_file, shop):
    assert member_row(session, shop["quiet"]).opt_out is True
    data = run.json("member", "edit", shop["quiet"], "--opt-in")
    assert data["opt_out"] is False
    out = tmp_path / "out.csv"

    result = run.json("notify", "render", "--template", str(msg_file), "--out", str(out))

    assert (result["rows"], result["skipped_opt_out"]) == (3, 0)
    act(engine, shop["quiet"], "cancel")
    assert run.json("notify", "render", "--template", str(msg_file), "--out", str(out))["rows"] == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi {nmae}", "msg.txt: unknown placeholder {nmae}; placeholders are: {name}, "),
        ("Hi {name.__class__}", "unknown placeholder {name.__class__}"),
        ("Hi {name!r}", "unknown placeholder {name!r}"),
        ("Hi {points:>10}", "unknown placeholder {points:>10}"),
        ("Hi {}", "unknown placeholder {}"),
        ("Hi {name", "msg.txt: expected '}' before end of string"),
        ("Hi }", "msg.txt: Single '}' encountered"),
    ],
)
def test_a_bad_placeholder_is_a_usage_error_and_no_file(run, tmp_path, text, expected):
    enroll_path = tmp_path / "msg.txt"
    enroll_path.write_text(text, encoding="utf-8")
    out = tmp_path / "out.csv"

    failure(run("notify", "render", "--template", str(enroll_path), "--out", str(out)), 2, expected)
    assert not out.exists()


def test_missing_template_or_folder_is_3(run, tmp_path, msg_file):
    failure(
        run(
            "notify",
            "render",
            "--template",
            str(tmp_path / "no.txt"),
            "--out",
            str(tmp_path / "o.csv"),
        ),
        3,
        "no template file",
    )
    failure(
        run(
            "notify",
            "render",
            "--template",
            str(msg_file),
            "--out",
            str(tmp_path / "nowhere" / "o.csv"),
        ),
        3,
        "no folder",
    )


def test_bad_where_is_2(run, tmp_path, msg_file):
    result = run(
        "notify",
        "render",
        "--template",
        str(msg_file),
        "--out",
        str(tmp_path / "o.csv"),
        "--where",
        "tier >",
    )
    failure(result, 2, "expected")


def test_member_edit_opt_out_is_audited(run, engine, session):
    member = enroll(engine)
    data = run.json("member", "edit", member.member_no, "--opt-out")

    assert data["opt_out"] is True
    assert member_row(session, member.member_no).opt_out is True
    audit = run.json("audit", "--member", member.member_no, "--action", "member.edit")
    assert audit[0]["details"]["fields"] == ["opt_out"]

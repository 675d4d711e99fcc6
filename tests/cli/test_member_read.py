"""`member show` and `member list`: finding members by any reference, filters, and the three
output formats."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from memberctl.errors import RuleViolation
from tests.conftest import failure
from tests.factories import MEMBER_KEYS, NOW, act, enroll, snapshot

CSV_HEADER = [
    "member_no", "name", "phone", "gender", "birthday", "email", "tier", "status", "points",
    "balance", "store", "tags", "joined_at", "referrer",
]  # fmt: skip


@pytest.fixture
def zhang(engine):
    return enroll(
        engine,
        name="张三",
        phone="13800138000",
        gender="男",
        birthday="1990-05-06",
        store="朝阳店",
        tags=["VIP"],
    )


@pytest.mark.parametrize(
    "ref",
    [
        "M000001",
        "m000001",
        " M000001 ",
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138-0013-8000",
        "+8613800138000",
        "008613800138000",
        "１３８００１３８０００",
    ],
)
def test_show_by_member_no_or_any_phone_form(run, zhang, ref):
    data = run.json("member", "show", ref)
    assert MEMBER_KEYS <= set(data)
    assert data == data | {
        "member_no": "M000001",
        "name": "张三",
        "phone": "+8613800138000",
        "gender": "male",
        "birthday": "1990-05-06",
        "tier": "basic",
        "status": "active",
        "points": 0,
        "balance": "0.00",
        "store": "朝阳店",
        "tags": ["VIP"],
        "referrer": None,
        "joined_at": zhang.joined_at.isoformat(),
    }


@pytest.mark.parametrize(
    ("ref", "shown"),
    [
        ("M000404", "M000404"),
        ("13900000404", "139****0404"),
        ("138OO138OOO", "138OO138OOO"),
        ("13800138000x", "138****8000x"),
        ("", ""),
    ],
)
def test_show_unknown_member_is_not_found(run, zhang, ref, shown):  # noqa: ARG001
    # a phone number is masked (tests/cli/test_privacy_echo.py)
    failure(run("member", "show", ref), 3, f"no member '{shown}'", "member number such as M000001")


def test_a_member_number_never_becomes_another_members_phone(run, engine):
    """Issue 13.3: the number used to win, and purchases reached the wrong member; the clash is
    now refused (tests/cli/test_member_no_phone.py has the rest)."""
    enroll(engine, name="旧卡", phone="13900000001", member_no="13800138000")
    with pytest.raises(RuleViolation, match="is another member's member number"):
        enroll(engine, name="新客", phone="13800138000")
    assert run.json("member", "show", "13800138000")["name"] == "旧卡"


def test_show_table_uses_national_phone_format(run, zhang):  # noqa: ARG001
    result = run("member", "show", "M000001")
    assert result.exit_code == 0, result.stderr
    assert "138 0013 8000" in result.stdout
    assert "张三" in result.stdout and "朝阳店" in result.stdout


@pytest.fixture
def three(engine):
    """M000001 oldest .. M000003 newest, with different status, tier, store and tags."""
    enroll(engine, name="一", store="朝阳店", tags=["VIP"], at=NOW - dt.timedelta(days=2))
    enroll(engine, name="二", tier="gold", tags=["VIP", "生日"], at=NOW - dt.timedelta(days=1))
    enroll(engine, name="三", store="朝阳店", at=NOW)
    act(engine, "M000002", "freeze")


def numbers(rows):
    return [row["member_no"] for row in rows]


def test_list_is_newest_first_with_every_status_and_all_keys(run, three):  # noqa: ARG001
    rows = run.json("member", "list")
    assert numbers(rows) == ["M000003", "M000002", "M000001"]
    assert all(MEMBER_KEYS <= set(row) for row in rows)
    assert [row["status"] for row in rows] == ["active", "frozen", "active"]
    assert rows[1]["tags"] == ["VIP", "生日"]


def test_same_joining_time_lists_later_enrolment_first(run, engine):
    for name in ("甲", "乙", "丙"):
        enroll(engine, name=name, at=NOW)
    assert numbers(run.json("member", "list")) == ["M000003", "M000002", "M000001"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--status", "frozen"), ["M000002"]),
        (("--status", "active"), ["M000003", "M000001"]),
        (("--status", "cancelled"), []),
        (("--tier", "gold"), ["M000002"]),
        (("--tier", "GOLD"), ["M000002"]),
        (("--tier", "basic"), ["M000003", "M000001"]),
        (("--tag", "VIP"), ["M000002", "M000001"]),
        (("--tag", " 生日 "), ["M000002"]),
        (("--tag", "none"), []),
        (("--store", "朝阳店"), ["M000003", "M000001"]),
        (("--limit", "2"), ["M000003", "M000002"]),
        (("--store", "朝阳店", "--tag", "VIP"), ["M000001"]),
        (("--status", "active", "--limit", "1"), ["M000003"]),
    ],
)
def test_list_filters(run, three, args, expected):  # noqa: ARG001
    assert numbers(run.json("member", "list", *args)) == expected


def test_list_of_an_empty_database_is_an_empty_array(run):
    assert run.json("member", "list") == []


def test_list_csv_has_a_header_and_every_field(run, engine):
    referrer = enroll(engine, phone="13900000009")
    enroll(
        engine,
        name="张三",
        phone="13800138000",
        gender="女",
        tags=["VIP", "生日"],
        referrer=referrer.member_no,
        at=dt.datetime(2026, 1, 2, 3, 4, 5),
    )
    result = run("member", "list", "--status", "active", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == CSV_HEADER
    assert [row[0] for row in rows[1:]] == ["M000001", "M000002"]  # newest first
    assert dict(zip(CSV_HEADER, rows[2], strict=True)) == {
        "member_no": "M000002",
        "name": "张三",
        "phone": "13800138000",
        "gender": "female",
        "birthday": "",
        "email": "",
        "tier": "basic",
        "status": "active",
        "points": "0",
        "balance": "0.00",
        "store": "",
        "tags": "VIP,生日",
        "joined_at": "2026-01-02T03:04:05",
        "referrer": "M000001",
    }


def test_list_table_shows_national_phone_numbers(run, engine):
    enroll(engine, name="张三", phone="+86 138-0013-8000")
    result = run("member", "list")
    assert result.exit_code == 0, result.stderr
    assert "138 0013 8000" in result.stdout
    assert "+8613800138000" not in result.stdout
    assert "张三" in result.stdout


def test_list_bogus_status_is_a_usage_error(run, engine):
    before = snapshot(engine)
    failure(
        run("member", "list", "--status", "bogus"),
        2,
        "--status",
        "'bogus' is not one of",
        "active, frozen, cancelled",
    )
    assert snapshot(engine) == before


def test_list_unknown_tier_is_not_found(run):
    failure(run("member", "list", "--tier", "diamond"), 3, "no tier 'diamond'")


def test_list_limit_must_be_positive(run):
    failure(run("member", "list", "--limit", "0"), 2, "--limit")


def test_phones_in_list_csv_as_export_writes_them(run, engine):
    """A mobile as 11 digits, a landline `'+861062345678` (LibreOffice reads `+86...` as a
    number), a masked phone as it is."""
    enroll(engine, name="座机", phone="+86 10 6234 5678")
    enroll(engine, name="手机", phone="13800138000")
    result = run("member", "list", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    phones = {r["name"]: r["phone"] for r in csv.DictReader(io.StringIO(result.stdout))}
    assert phones == {"座机": "'+861062345678", "手机": "13800138000"}
    masked = run("member", "list", "--mask-phone", "-f", "csv").stdout
    assert [r["phone"] for r in csv.DictReader(io.StringIO(masked))] == [
        "138****8000",
        "106***5678",
    ]

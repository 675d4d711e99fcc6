"""`member enroll`: defaults, every optional field, numbering, and every refusal writing nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from memberctl.models import AuditEntry, LifecycleChange, Member, MemberTag
from tests.conftest import failure
from tests.factories import MEMBER_KEYS, add_store, enroll, member_row, snapshot


def enroll_json(run, *args: str) -> dict:
    return run.json("member", "enroll", "--name", "王五", "--phone", "13800138000", *args)


def test_new_member_gets_contract_defaults_and_is_recorded(run, session):
    data = enroll_json(run)
    assert MEMBER_KEYS <= set(data)
    assert data == data | {
        "member_no": "M000001",
        "name": "王五",
        "phone": "+8613800138000",
        "gender": None,
        "birthday": None,
        "email": None,
        "tier": "basic",
        "status": "active",
        "points": 0,
        "balance": "0.00",
        "store": None,
        "tags": [],
        "referrer": None,
    }
    row = member_row(session, "M000001")
    assert (row.name, row.phone, row.status, row.tier_code, row.points) == (
        "王五",
        "+8613800138000",
        "active",
        "basic",
        0,
    )
    assert row.balance == 0
    assert dt.datetime.fromisoformat(data["joined_at"]) == row.joined_at
    change = session.exec(select(LifecycleChange)).one()
    assert (change.action, change.to_value, change.operator) == ("enroll", "active", "tester")
    entry = session.exec(select(AuditEntry)).one()
    assert (entry.action, entry.operator, entry.member_id) == ("member.enroll", "tester", row.id)


def test_every_optional_field_is_stored(run, engine, session):
    enroll(engine, name="推荐人", phone="13900000001")
    add_store(engine, "朝阳店")
    data = enroll_json(
        run,
        "--gender",
        "女",
        "--birthday",
        "1990-05-06",
        "--email",
        "wang@example.com",
        "--address",
        "北京市朝阳区",
        "--tier",
        "GOLD",
        "--store",
        "朝阳店",
        "--referrer",
        "M000001",
        "--tag",
        "VIP",
        "--member-no",
        "vip-007",
        "--joined-at",
        "2024-03-01T09:30:00",
    )
    assert data == data | {
        "member_no": "VIP-007",
        "gender": "female",
        "birthday": "1990-05-06",
        "email": "wang@example.com",
        "address": "北京市朝阳区",
        "tier": "gold",
        "store": "朝阳店",
        "referrer": "M000001",
        "tags": ["VIP"],
        "joined_at": "2024-03-01T09:30:00",
    }
    row = member_row(session, "VIP-007")
    referrer = member_row(session, "M000001")
    assert (row.gender, row.birthday, row.email, row.address, row.tier_code, row.store) == (
        "female",
        dt.date(1990, 5, 6),
        "wang@example.com",
        "北京市朝阳区",
        "gold",
        "朝阳店",
    )
    assert row.referrer_id == referrer.id
    assert row.joined_at == dt.datetime(2024, 3, 1, 9, 30)
    assert session.exec(select(MemberTag.tag).where(MemberTag.member_id == row.id)).all() == ["VIP"]


# Every form: tests/domain/test_fields.py (genders, dates) and test_phones.py; here the wiring.
@pytest.mark.parametrize(("given", "stored"), [("男", "male"), ("F", "female")])
def test_gender_forms(run, session, given, stored):
    assert enroll_json(run, "--gender", given)["gender"] == stored
    assert member_row(session, "M000001").gender == stored


@pytest.mark.parametrize(
    ("given", "stored"),
    [("2020年1月2日", dt.date(2020, 1, 2)), ("２０００－０２－２９", dt.date(2000, 2, 29))],
)
def test_birthday_forms(run, session, given, stored):
    assert enroll_json(run, "--birthday", given)["birthday"] == stored.isoformat()
    assert member_row(session, "M000001").birthday == stored


@pytest.mark.parametrize("ref", ["M000001", "m000001", "13900000001", "+86 139-0000-0001"])
def test_referrer_by_member_no_or_phone_is_shown_as_member_no(run, engine, session, ref):
    enroll(engine, name="推荐人", phone="13900000001")
    assert enroll_json(run, "--referrer", ref)["referrer"] == "M000001"
    assert member_row(session, "M000002").referrer_id == member_row(session, "M000001").id


def test_tags_repeated_and_comma_separated(run, session):
    data = enroll_json(run, "--tag", "VIP，老客户", "--tag", "生日, VIP", "--tag", "a、b;c")
    assert data["tags"] == sorted(["VIP", "老客户", "生日", "a", "b", "c"])
    row = member_row(session, "M000001")
    tags = session.exec(select(MemberTag.tag).where(MemberTag.member_id == row.id)).all()
    assert sorted(tags) == data["tags"]


def test_joined_at_date_alone_means_midnight(run, session):
    assert enroll_json(run, "--joined-at", "2024-03-01")["joined_at"] == "2024-03-01T00:00:00"
    assert member_row(session, "M000001").joined_at == dt.datetime(2024, 3, 1)


def test_member_numbers_count_up(run, session):
    numbers = [
        run.json("member", "enroll", "--name", f"m{i}", "--phone", f"1380013800{i}")["member_no"]
        for i in range(3)
    ]
    assert numbers == ["M000001", "M000002", "M000003"]
    assert sorted(session.exec(select(Member.member_no)).all()) == numbers


def test_automatic_numbering_skips_a_number_given_by_hand(run, session):
    run.json("member", "enroll", "--name", "a", "--phone", "13800138001", "--member-no", "M000002")
    first = run.json("member", "enroll", "--name", "b", "--phone", "13800138002")
    second = run.json("member", "enroll", "--name", "c", "--phone", "13800138003")
    assert (first["member_no"], second["member_no"]) == ("M000001", "M000003")
    assert sorted(session.exec(select(Member.member_no)).all()) == [
        "M000001",
        "M000002",
        "M000003",
    ]


@pytest.mark.parametrize("phone", ["13800138000", "+86 138-0013-8000", "１３８００１３８０００"])
def test_phone_of_another_member_in_any_form_is_refused(run, engine, phone):
    enroll(engine, phone="13800138000")
    before = snapshot(engine)
    result = run("member", "enroll", "--name", "李四", "--phone", phone)
    failure(result, 4, "138****8000", "already belongs to member M000001")
    assert snapshot(engine) == before


@pytest.mark.parametrize("member_no", ["M000001", "m000001"])
def test_member_number_already_used_is_refused(run, engine, member_no):
    enroll(engine)
    before = snapshot(engine)
    result = run(
        "member", "enroll", "--name", "李四", "--phone", "13800138000", "--member-no", member_no
    )
    failure(result, 4, "member number M000001 is already used")
    assert snapshot(engine) == before


def test_a_refused_enrolment_uses_up_no_member_number(run, engine):
    enroll(engine, phone="13800138000", member_no="X1")
    failure(run("member", "enroll", "--name", "李四", "--phone", "13800138000"), 4)
    data = run.json("member", "enroll", "--name", "李四", "--phone", "13800138001")
    assert data["member_no"] == "M000001"


@pytest.mark.parametrize(
    ("option", "value", "fragments"),
    [
        ("--phone", "1380013800", ("'1380013800' is not a valid phone number", "13800138000")),
        ("--phone", "138OO138OOO", ("'138OO138OOO' is not a valid phone number",)),
        ("--phone", "1.38001E+10", ("not a valid phone number",)),
        ("--phone", "12345", ("not a valid phone number",)),
        ("--birthday", "1990-02-30", ("birthday '1990-02-30' does not exist",)),
        ("--birthday", "30/02/1990", ("birthday '30/02/1990' is not a date", "YYYY-MM-DD")),
        ("--gender", "x", ("gender 'x' is not understood", "male or female")),
        ("--email", "wang@example", ("'wang@example' is not an e-mail address",)),
        ("--joined-at", "yesterday", ("joined-at 'yesterday' is not a date",)),
        ("--member-no", "会员1", ("member number '会员1' is not valid",)),
    ],
)
def test_invalid_input_exits_5_and_writes_nothing(run, engine, option, value, fragments):
    before = snapshot(engine)
    args = {"--name": "李四", "--phone": "13800138000", option: value}
    result = run("member", "enroll", *[part for pair in args.items() for part in pair])
    failure(result, 5, *fragments)
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("option", "value", "fragments"),
    [
        (
            "--tier",
            "diamond",
            (
                "no tier 'diamond'",
                "basic (普通会员), silver (银卡会员), gold (金卡会员), platinum (白金会员)",
            ),
        ),
        ("--referrer", "M000404", ("no member 'M000404'",)),
        ("--referrer", "13900000404", ("no member '139****0404'",)),
    ],
)
def test_unknown_tier_or_referrer_exits_3_and_writes_nothing(run, engine, option, value, fragments):
    before = snapshot(engine)
    result = run("member", "enroll", "--name", "李四", "--phone", "13800138000", option, value)
    failure(result, 3, *fragments)
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("args", "missing"),
    [(("--phone", "13800138000"), "--name"), (("--name", "李四"), "--phone"), ((), "--name")],
)
def test_missing_name_or_phone_without_a_terminal_is_a_usage_error(run, engine, args, missing):
    before = snapshot(engine)
    failure(run("member", "enroll", *args), 2, f"missing {missing}", f"give {missing}")
    assert snapshot(engine) == before

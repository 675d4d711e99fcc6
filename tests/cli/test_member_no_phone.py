"""Member numbers that read as phone numbers (issue 13.3), through the real CLI: a card may carry
its owner's phone as its number, but never another member's phone; a reference that still names
two members (older data) is refused naming both."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col, select, update

from memberctl.models import Member, Purchase
from tests.conftest import error_line
from tests.factories import enroll, snapshot
from tests.spreadsheets.sheets import write_csv

NUMBER_IS_PHONE = (
    "error: member number 138****8000 is the phone of member M000001; give another member number"
)
PHONE_IS_NUMBER = (
    "error: phone 138****8000 is another member's member number; each member needs their own "
    "phone number"
)


@pytest.mark.parametrize("number", ["13800138000", "008613800138000", "8613800138000"])
def test_a_member_number_that_is_another_members_phone_is_refused(run, engine, number):
    enroll(engine, name="Alice", phone="13800138000")
    before = snapshot(engine)
    result = run(
        "member", "enroll", "--name", "Mallory", "--phone", "13700137000", "--member-no", number
    )
    assert (result.exit_code, error_line(result)) == (4, NUMBER_IS_PHONE)
    assert snapshot(engine) == before


@pytest.mark.parametrize("phone", ["13800138000", "+86 138-0013-8000"])
def test_a_phone_that_is_another_members_number_is_refused_in_enrol_and_edit(run, engine, phone):
    enroll(engine, name="Mallory", phone="13700137000", member_no="13800138000")
    bob = enroll(engine, name="Bob").member_no
    before = snapshot(engine)
    result = run("member", "enroll", "--name", "Alice", "--phone", phone)
    assert (result.exit_code, error_line(result)) == (4, PHONE_IS_NUMBER)
    result = run("member", "edit", bob, "--phone", phone)
    assert (result.exit_code, error_line(result)) == (4, PHONE_IS_NUMBER)
    assert snapshot(engine) == before


def test_the_phone_as_the_members_own_card_number_keeps_working(run):
    data = run.json(
        "member",
        "enroll",
        "--name",
        "Alice",
        "--phone",
        "138 0013 8000",
        "--member-no",
        "13800138000",
    )
    assert (data["member_no"], data["phone"]) == ("13800138000", "+8613800138000")
    assert run.json("member", "edit", "13800138000", "--phone", "13800138000")["name"] == "Alice"
    sale = run.json("purchase", "record", "+86 138 0013 8000", "50")
    assert (sale["member_no"], sale["points"]) == ("13800138000", 50)
    assert run.json("points", "balance", "13800138000")["points"] == 50


def _legacy_clash(engine) -> tuple[str, str]:
    """Older data: Mallory's member number is Alice's phone (enrolment refuses it now)."""
    alice = enroll(engine, name="Alice", phone="13800138000").member_no
    mallory = enroll(engine, name="Mallory", phone="13700137000").member_no
    with engine.begin() as connection:
        connection.execute(
            update(Member).where(col(Member.member_no) == mallory).values(member_no="13800138000")
        )
    return alice, "13800138000"


@pytest.mark.parametrize(
    "args",
    [
        ["purchase", "record", "{ref}", "500"],
        ["points", "add", "{ref}", "5", "--reason", "r"],
        ["wallet", "topup", "{ref}", "10"],
        ["member", "show", "{ref}"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
@pytest.mark.parametrize("ref", ["13800138000", "１３８００１３８０００"])
def test_a_reference_naming_two_members_is_refused_naming_both(run, engine, args, ref):
    alice, _mallory = _legacy_clash(engine)
    before = snapshot(engine)
    result = run(*[a.format(ref=ref) for a in args])
    assert result.exit_code == 4
    assert error_line(result) == (
        f"error: 138****8000 is both member 138****8000's number and member {alice}'s phone; "
        f"use {alice} for that member, or the other member's phone"
    )
    assert snapshot(engine) == before


def test_either_member_is_still_reached_unambiguously(run, engine, session):
    alice, mallory = _legacy_clash(engine)
    assert run.json("purchase", "record", alice, "10")["member_no"] == alice
    assert run.json("purchase", "record", "13700137000", "20")["member_no"] == mallory
    amounts = dict(
        session.exec(
            select(Member.member_no, Purchase.amount).join(
                Purchase, col(Purchase.member_id) == Member.id
            )
        ).all()
    )
    assert {k: str(v) for k, v in amounts.items()} == {alice: "10.00", mallory: "20.00"}


def test_an_import_rejects_numbers_and_phones_that_cross(run, engine, tmp_path):
    enroll(engine, name="Alice", phone="13800138000")  # M000001
    enroll(engine, name="Carol", phone="13600136000", member_no="13500135000")
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["会员卡号", "姓名", "手机号"],
            ["13800138000", "Mallory", "13700137000"],  # number = Alice's phone
            ["", "Dave", "135 0013 5000"],  # phone = Carol's number
            ["13100131000", "Erin", "13100131000"],  # her own phone as her number: fine
            ["13200132000", "Frank", "13300133000"],
            ["", "Grace", "13200132000"],  # phone = Frank's number, two rows up
            ["13300133001", "Heidi", "13400134000"],
            ["13400134000", "Ivan", "13900139000"],  # number = Heidi's phone, one row up
        ],
    )
    before = snapshot(engine)
    result = run("import", "members", str(path), "-f", "json")
    assert result.exit_code == 5
    errors = [(e["row"], e["column"], e["message"]) for e in json.loads(result.stdout)["errors"]]
    assert errors == [
        (2, "会员卡号", "member number 138****8000 is the phone of member M000001"),
        (3, "手机号", "phone 135****5000 is another member's member number"),
        (6, "手机号", "phone 132****2000 is the member number in row 5"),
        (8, "会员卡号", "member number 134****4000 is the phone in row 7"),
    ]
    assert snapshot(engine) == before
    data = run.json("import", "members", str(path), "--skip-invalid")
    assert (data["inserted"], data["rejected"]) == (3, 4)
    assert run.json("member", "show", "13100131000")["name"] == "Erin"

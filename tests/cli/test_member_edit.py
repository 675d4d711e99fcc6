"""`member edit`: each field, clearing with '', tags, and the refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select

from memberctl.models import AuditEntry, MemberTag
from tests.conftest import failure
from tests.factories import add_store, enroll, forget, member_row, snapshot


@pytest.fixture
def member(engine):
    add_store(engine, "浦东店")  # the store the edits below move the member to
    return enroll(
        engine,
        name="张三",
        phone="13800138000",
        gender="男",
        birthday="1990-05-06",
        email="zhang@example.com",
        address="北京",
        store="朝阳店",
        tags=["VIP", "老客户"],
    )


def tags_of(session, member_id):
    query = select(MemberTag.tag).where(MemberTag.member_id == member_id)
    return sorted(session.exec(query).all())


@pytest.mark.parametrize(
    ("option", "value", "key", "shown", "stored"),
    [
        ("--name", " 张  三丰 ", "name", "张  三丰", "张  三丰"),  # as typed, ends stripped
        ("--phone", "+86 139-0000-0001", "phone", "+8613900000001", "+8613900000001"),
        ("--gender", "女", "gender", "female", "female"),
        ("--birthday", "2001年2月3日", "birthday", "2001-02-03", dt.date(2001, 2, 3)),
        ("--email", "new@example.cn", "email", "new@example.cn", "new@example.cn"),
        ("--address", "上海市", "address", "上海市", "上海市"),
        ("--store", "浦东店", "store", "浦东店", "浦东店"),
    ],
)
def test_edit_one_field(run, session, member, option, value, key, shown, stored):
    data = run.json("member", "edit", member.member_no, option, value)
    assert data[key] == shown
    row = member_row(session, member.member_no)
    assert getattr(row, key) == stored
    untouched = {"name": "张三", "gender": "male", "store": "朝阳店", "email": "zhang@example.com"}
    for field, old in untouched.items():
        if field != key:
            assert getattr(row, field) == old
    entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
    assert (entry.action, entry.operator) == ("member.edit", "tester")
    assert entry.details == {"fields": [key], "tags_added": [], "tags_removed": []}


@pytest.mark.parametrize("field", ["gender", "birthday", "email", "address", "store"])
def test_empty_value_clears_an_optional_field(run, session, member, field):
    data = run.json("member", "edit", member.member_no, f"--{field}", "")
    assert data[field] is None
    row = member_row(session, member.member_no)
    assert getattr(row, field) is None
    assert row.name == "张三"


def test_several_fields_at_once_by_phone_reference(run, session, member):
    data = run.json(
        "member", "edit", "138 0013 8000", "--gender", "", "--email", "", "--store", "浦东店"
    )
    assert (data["gender"], data["email"], data["store"]) == (None, None, "浦东店")
    row = member_row(session, member.member_no)
    assert (row.gender, row.email, row.store, row.phone) == (None, None, "浦东店", "+8613800138000")


def test_phone_change_moves_the_reference(run, engine, session, member):
    run.json("member", "edit", member.member_no, "--phone", "13900000001")
    assert run.json("member", "show", "13900000001")["member_no"] == member.member_no
    failure(run("member", "show", "13800138000"), 3)
    assert member_row(session, member.member_no).phone == "+8613900000001"
    enroll(engine, name="李四", phone="13800138000")  # the old number is free again


def test_keeping_ones_own_phone_is_fine(run, session, member):
    assert run.json("member", "edit", "M000001", "--phone", "138-0013-8000")["phone"] == (
        "+8613800138000"
    )
    assert member_row(session, member.member_no).phone == "+8613800138000"


def test_phone_of_another_member_is_refused(run, engine, member):
    enroll(engine, name="李四", phone="13900000001")
    before = snapshot(engine)
    result = run("member", "edit", member.member_no, "--phone", "139 0000 0001", "--name", "x")
    failure(result, 4, "phone 139****0001 already belongs to member M000002")
    assert snapshot(engine) == before


def test_add_and_remove_tags(run, session, member):
    data = run.json(
        "member",
        "edit",
        member.member_no,
        "--add-tag",
        "生日，新客",
        "--add-tag",
        "VIP",
        "--remove-tag",
        "老客户",
        "--remove-tag",
        "没有的",
    )
    assert data["tags"] == sorted(["VIP", "生日", "新客"])
    row = member_row(session, member.member_no)
    assert tags_of(session, row.id) == data["tags"]
    entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
    assert entry.details == {
        "fields": [],
        "tags_added": ["生日", "新客", "VIP"],
        "tags_removed": ["老客户", "没有的"],
    }


def test_no_options_is_a_usage_error(run, engine, member):
    before = snapshot(engine)
    failure(run("member", "edit", member.member_no), 2, "nothing to change", "--name", "--add-tag")
    assert snapshot(engine) == before


@pytest.mark.parametrize("field", ["name", "phone"])
def test_name_and_phone_cannot_be_cleared(run, engine, member, field):
    before = snapshot(engine)
    failure(
        run("member", "edit", member.member_no, f"--{field}", ""), 2, f"--{field} cannot be empty"
    )
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("--phone", "12345", "'12345' is not a valid phone number"),
        ("--birthday", "1990-02-30", "birthday '1990-02-30' does not exist"),
        ("--gender", "未知", "gender '未知' is not understood"),
        ("--email", "no-at-sign", "'no-at-sign' is not an e-mail address"),
    ],
)
def test_invalid_value_exits_5_and_changes_nothing(run, engine, member, option, value, fragment):
    before = snapshot(engine)
    failure(run("member", "edit", member.member_no, "--name", "新名", option, value), 5, fragment)
    assert snapshot(engine) == before


def test_unknown_member_is_not_found(run, engine, member):  # noqa: ARG001
    before = snapshot(engine)
    failure(run("member", "edit", "M000404", "--name", "x"), 3, "no member 'M000404'")
    assert snapshot(engine) == before


def test_forgotten_member_cannot_be_edited(run, engine, member):
    forget(engine, member.member_no)
    before = snapshot(engine)
    failure(
        run("member", "edit", member.member_no, "--name", "回来了"),
        4,
        f"cannot edit {member.member_no}",
        "personal data was erased",
    )
    assert snapshot(engine) == before

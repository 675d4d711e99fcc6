"""One member with a row in every table that refers to a member, personal data typed into every
free-text field a clerk can reach, for the `forget`, `export-data` and no-PII-in-logs tests."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import Engine, update

from memberctl.db.session import transaction
from memberctl.domain.surveys import Question
from memberctl.models import AuditEntry, Member, Survey, SurveyAnswer, SurveyResponse
from tests.factories import NOW
from tests.spreadsheets.sheets import write_csv

NAME = "欧阳娜娜"
PHONE = "13800138000"
E164 = "+8613800138000"
EMAIL = "nana.ouyang@example.com"
ADDRESS = "北京市朝阳区建国路88号"
# What must not survive `forget` anywhere in the database, nor appear in stderr or the audit log.
PII = (NAME, PHONE, EMAIL, ADDRESS, "138 0013 8000")

COUPON_CAMPAIGN = """\
code = "drop"
action = "issue_coupon"
coupon_value = "20.00"
coupon_valid_days = 30
where = "tag = vip"
period = "daily"
"""
QUESTIONS = [  # as `survey load` stores them (domain.surveys.Question)
    Question("visit", "多久来一次", "single", options=("每周", "每月")),
    Question("like", "喜欢", "multiple", options=("咖啡", "蛋糕")),
    Question("score", "打分", "rating", scale=5),
    Question("say", "还有什么想说的", "text"),
]
ANSWERS = [
    ("visit", "每周"), ("like", "咖啡"), ("like", "蛋糕"), ("score", "5"),
    ("say", f"我是{NAME}，有事打 {PHONE}"),
]  # fmt: skip


@dataclass(frozen=True)
class Populated:
    member_no: str
    member_id: int


def populate(run, engine: Engine, tmp_path: Path) -> Populated:
    """The member, through the real CLI where a command exists (surveys and a legacy audit entry
    holding personal values are written directly)."""
    enrolled = run.json(
        "member",
        "enroll",
        "--name",
        NAME,
        "--phone",
        PHONE,
        "--email",
        EMAIL,
        "--birthday",
        "1990-05-06",
        "--address",
        ADDRESS,
        "--gender",
        "女",
        "--tag",
        "vip",
        "--tag",
        f"{NAME}的朋友",
    )
    no = enrolled["member_no"]
    run.json("member", "edit", no, "--add-tag", f"{NAME}介绍")
    run.json("points", "add", no, "100", "--reason", f"{NAME} 生日礼")
    run.json("wallet", "topup", no, "50", "--reason", f"{NAME} 充值 {PHONE}")
    run.json("purchase", "record", no, "120", "--order-no", "A1", "--at", "2026-11-01T10:00")
    sheet = write_csv(
        tmp_path / "purchases.csv",
        [
            ["手机号", "订单号", "金额", "时间"],
            [PHONE, "B1", "30", "2026-11-02 11:00"],
        ],
    )
    assert run.json("import", "purchases", str(sheet))["inserted"] == 1
    # An import that replaced the address records the old one (for `import undo`); edited back.
    moved = write_csv(
        tmp_path / "members.csv", [["手机号", "姓名", "地址"], [PHONE, NAME, "上海市"]]
    )
    assert run.json("import", "members", str(moved), "--on-existing", "update")["updated"] == 1
    run.json("member", "edit", no, "--address", ADDRESS)
    campaign = tmp_path / "drop.toml"
    campaign.write_text(COUPON_CAMPAIGN, encoding="utf-8")
    assert run("campaign", "add", str(campaign)).exit_code == 0
    assert run.json("campaign", "run", "drop", "--as-of", "2026-11-25")["coupons"] == 1
    run.json("member", "note", no, f"{NAME} 来电，手机 {PHONE}", "--kind", "call")
    run.json("member", "freeze", no, "--reason", f"{NAME} 本人要求，电话 {PHONE}")
    with transaction(engine) as session:
        member = session.get(Member, _id_of(session, no))
        assert member is not None and member.id is not None
        session.exec(update(Member).where(Member.id == member.id).values(name_initials="oynn"))
        _survey(session, member.id)
        session.add(
            AuditEntry(  # as an older version (or a careless caller) might have written
                at=NOW,
                operator="legacy",
                action="member.edit",
                member_id=member.id,
                details={
                    "phone": E164,
                    "fields": ["phone"],
                    "comment": f"called {NAME} at {PHONE}",
                    "nested": [{"email": EMAIL.upper()}],
                    "points": 100,
                },
            )
        )
        return Populated(no, member.id)


def _id_of(session, member_no: str) -> int:
    from sqlmodel import select

    return session.exec(select(Member.id).where(Member.member_no == member_no)).one()


def _survey(session, member_id: int) -> None:
    questions = json.dumps([asdict(q) for q in QUESTIONS], ensure_ascii=False)
    survey = Survey(
        code="sat",
        title="满意度",
        questions=questions,
        operator="factory",
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(survey)
    session.flush()
    response = SurveyResponse(
        survey_id=survey.id, member_id=member_id, operator="factory", taken_at=NOW
    )
    session.add(response)
    session.flush()
    for question, value in ANSWERS:
        session.add(SurveyAnswer(response_id=response.id, question=question, value=value))

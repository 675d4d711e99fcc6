"""Privacy: erase a member's personal data (`forget`) and hand over everything held (`export_data`).

What happens to each table that refers to a member is written down once, in `RETENTION` (what
`forget` erases and what it keeps) and `EXPORT_SECTIONS` (where `export_data` puts its rows); a
test fails when a table with a `member.id` foreign key is missing from either.

Forgetting, in one transaction: the member's personal fields, note texts, lifecycle and ledger
reasons (free text a clerk typed), tags (free text too), free-text survey answers, the old values
imports recorded for `import undo` and personal values in the member's audit details are erased;
the member is cancelled and can then be found by member number only. Amounts, points, dates,
kinds and operators stay, so the books still add up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, delete, update
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

from memberctl.domain import audit, history, lifecycle, members, phones, surveys
from memberctl.models import (
    ImportChange,
    ImportRun,
    Interaction,
    LifecycleChange,
    Member,
    MemberTag,
    PointsEntry,
    Purchase,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    Tier,
    WalletEntry,
    load_all,
)

PERSONAL_FIELDS = ("name", "name_initials", "phone", "email", "birthday", "address")

# Every table with a member.id foreign key, and what `forget` does to its rows.
RETENTION: dict[str, str] = {
    "member": "name, name initials, phone, e-mail, birthday, address erased; member number, "
    "gender, tier, store, joined date, points and balance caches kept; status cancelled",
    "member_tag": "deleted (tags are free text and may name a person)",
    "lifecycle_change": "reasons erased (free text); the status and tier moves stay",
    "interaction": "texts erased; kind, time and operator stay",
    "points_entry": "reasons erased; points, kinds, dates and keys stay (the ledger must add up)",
    "wallet_entry": "reasons erased; amounts, kinds, dates and keys stay",
    "purchase": "kept: order number, store, amount, time (anonymous once the member is forgotten)",
    "coupon": "kept: code, value, validity, redemption (anonymous)",
    "campaign_award": "kept: which campaign awarded the member in which period (anonymous)",
    "survey_response": "kept; free-text answers erased, choices and ratings stay (anonymous)",
    "audit_entry": "personal values in details erased; action, operator and time stay",
    "import_change": "old values erased (an old phone or name); which member and field an "
    "import changed stays, so undoing that import is refused",
}

# Where `export_data` puts the rows of each table that refers to a member.
EXPORT_SECTIONS: dict[str, str] = {
    "member": "member",
    "member_tag": "tags",
    "lifecycle_change": "lifecycle",
    "interaction": "interactions",
    "points_entry": "points",
    "wallet_entry": "wallet",
    "purchase": "purchases",
    "coupon": "coupons",
    "campaign_award": "campaign_awards",
    "survey_response": "survey_responses",
    "audit_entry": "audit",
    "import_change": "import_changes",
}
# Rows exported as they are stored (the others are built by the functions below).
_PLAIN_SECTIONS = (
    "lifecycle_change", "interaction", "points_entry", "wallet_entry", "purchase", "coupon",
    "campaign_award", "import_change",
)  # fmt: skip


def member_tables() -> list[str]:
    """Tables with a foreign key to `member.id`, from the metadata (so new tables show up)."""
    load_all()  # a table left undeclared would be skipped, not refused
    return sorted(
        table.name
        for table in SQLModel.metadata.tables.values()
        if any(fk.column.table.name == "member" for fk in table.foreign_keys)
    )


def forget(
    *, session: Session, member: Member, operator: str, at: dt.datetime
) -> members.MemberRecord:
    lifecycle.ensure_not_forgotten(member, "forget")
    personal = personal_values(member)
    member_id = member.id
    # Reasons first: the cancel below records "forgotten", which says nothing about the person.
    _blank(session, LifecycleChange, member_id, "reason")
    if member.status != lifecycle.CANCELLED:
        lifecycle.transition(
            session=session,
            member=member,
            action="cancel",
            reason="forgotten",
            operator=operator,
            at=at,
        )
    for name in PERSONAL_FIELDS:
        setattr(member, name, None)
    member.forgotten_at = at
    member.updated_at = at
    session.add(member)
    erased = {
        "notes": _blank(session, Interaction, member_id, "text"),
        "points_reasons": _blank(session, PointsEntry, member_id, "reason"),
        "wallet_reasons": _blank(session, WalletEntry, member_id, "reason"),
        "tags": _delete_tags(session, member_id),
        # old values imports recorded for `import undo` (an old phone, a name); which fields
        # an import changed stays, so that undoing it is refused, not half done
        "import_changes": _blank(session, ImportChange, member_id, "old_value"),
        "survey_answers": _erase_free_text_answers(session, member_id),
        "audit_entries": audit.scrub(session=session, member=member, personal=personal),
    }
    audit.record(
        session=session,
        operator=operator,
        action="member.forget",
        at=at,
        member=member,
        details={"erased": erased},
    )
    return members.record(session, member)


def personal_values(member: Member) -> list[str]:
    """The member's personal values as they may appear inside free text or JSON details."""
    values: list[str] = [v for v in (member.name, member.email, member.address) if v]
    if member.phone:
        national = phones.national(member.phone) or ""
        values += [member.phone, national, national.replace(" ", "")]
    if member.birthday:
        values.append(member.birthday.isoformat())
    return [v for v in values if v]


def _blank(session: Session, model: Any, member_id: int | None, column: str) -> int:
    target = getattr(model, column)
    query = (
        update(model)
        .where(col(model.member_id) == member_id, col(target).is_not(None))
        .values({column: None})
    )
    return int(session.exec(query).rowcount or 0)


def _delete_tags(session: Session, member_id: int | None) -> int:
    query = delete(MemberTag).where(col(MemberTag.member_id) == member_id)
    return int(session.exec(query).rowcount or 0)


def _erase_free_text_answers(session: Session, member_id: int | None) -> int:
    """NULL every answer of the member that is not a declared option or a rating."""
    query = (
        select(SurveyAnswer.id, SurveyAnswer.question, SurveyAnswer.value, Survey)
        .join(SurveyResponse, col(SurveyResponse.id) == col(SurveyAnswer.response_id))
        .join(Survey, col(Survey.id) == col(SurveyResponse.survey_id))
        .where(col(SurveyResponse.member_id) == member_id, col(SurveyAnswer.value).is_not(None))
    )
    kept: dict[int | None, dict[str, set[str] | None]] = {}
    free = []
    for answer_id, question, value, survey in session.exec(query).all():
        allowed = kept.setdefault(survey.id, anonymous_answers(survey)).get(question, set())
        if not _anonymous(cast(str, value), allowed):  # the query leaves out NULL values
            free.append(answer_id)
    if free:
        session.exec(update(SurveyAnswer).where(col(SurveyAnswer.id).in_(free)).values(value=None))
    return len(free)


def _anonymous(value: str, allowed: set[str] | None) -> bool:
    """A rating (allowed is None) is digits; a choice is one of the declared options."""
    return value.strip().isdigit() if allowed is None else value in allowed


def anonymous_answers(survey: Survey) -> dict[str, set[str] | None]:
    """Question key -> the answers that say nothing about a person: the options of a choice
    question, None for a rating (any number). Free-text questions are absent: every answer to
    them is personal, as is everything when the questions cannot be read."""
    try:
        questions = surveys.questions_of(survey)
    except (ValueError, KeyError, TypeError):
        return {}
    result: dict[str, set[str] | None] = {}
    for question in questions:
        if question.type == "rating":
            result[question.key] = None
        elif question.type in surveys.CHOICE_TYPES:
            result[question.key] = set(question.options)
    return result


def export_data(
    *, session: Session, member: Member, operator: str, at: dt.datetime, mask: bool = False
) -> dict[str, Any]:
    """Everything held about one member, as plain data. The access itself is audited. `mask`:
    the member's phone masked (138****8000), for a manager without --show-pii."""
    audit.record(
        session=session, operator=operator, action="member.export_data", at=at, member=member
    )
    session.flush()
    record = members.record(session, member)
    if mask:
        [record] = mask_phones([record])
    data: dict[str, Any] = {
        "member": dataclasses.asdict(record) | {"name_initials": member.name_initials},
        "tags": record.tags,
        "tier": _tier(session, member.tier_code),
        "history": [
            dataclasses.asdict(e) for e in history.timeline(session=session, member=member)
        ],
        "survey_responses": _survey_responses(session, member.id),
        "audit": [
            dataclasses.asdict(entry)
            for entry in audit.list_entries(session=session, member=member)
        ],
        "import_runs": _import_runs(session, member.id),
    }
    load_all()
    for name in _PLAIN_SECTIONS:
        data[EXPORT_SECTIONS[name]] = _rows(session, SQLModel.metadata.tables[name], member.id)
    return data


def _rows(session: Session, table: Table, member_id: int | None) -> list[dict[str, Any]]:
    query = core_select(table).where(table.c.member_id == member_id).order_by(*table.primary_key)
    return [
        {k: v for k, v in row._mapping.items() if k != "member_id"}
        for row in session.connection().execute(query)
    ]


def _tier(session: Session, code: str) -> dict[str, Any]:
    tier = session.exec(select(Tier).where(col(Tier.code) == code)).one()
    return {"code": tier.code, "name": tier.name, "rank": tier.rank}


def _survey_responses(session: Session, member_id: int | None) -> list[dict[str, Any]]:
    query = (
        select(SurveyResponse, Survey.code)
        .join(Survey, col(Survey.id) == col(SurveyResponse.survey_id))
        .where(col(SurveyResponse.member_id) == member_id)
        .order_by(col(SurveyResponse.id))
    )
    responses = session.exec(query).all()
    ids = [response.id for response, _ in responses]
    answers: dict[int | None, list[dict[str, Any]]] = {}
    rows = select(SurveyAnswer).where(col(SurveyAnswer.response_id).in_(ids))
    for answer in session.exec(rows.order_by(col(SurveyAnswer.id))):
        answers.setdefault(answer.response_id, []).append(
            {"question": answer.question, "value": answer.value}
        )
    return [
        {
            "survey": code,
            "taken_at": response.taken_at,
            "operator": response.operator,
            "answers": answers.get(response.id, []),
        }
        for response, code in responses
    ]


def _import_runs(session: Session, member_id: int | None) -> list[dict[str, Any]]:
    """Imports that wrote the member's rows: ledger, purchase and import_change rows carry the
    run's id; an import that enrolled or updated the member left lifecycle rows at the run's
    start time."""
    ids: set[int] = set()
    for model in (PointsEntry, WalletEntry, Purchase):
        query = select(model.import_run_id).where(
            col(model.member_id) == member_id, col(model.import_run_id).is_not(None)
        )
        ids.update(i for i in session.exec(query) if i is not None)
    recorded = select(ImportChange.run_id).where(col(ImportChange.member_id) == member_id)
    ids.update(session.exec(recorded))
    changes = select(LifecycleChange.at, LifecycleChange.operator).where(
        col(LifecycleChange.member_id) == member_id,
        col(LifecycleChange.action).in_(("enroll", "import")),
    )
    moments = set(session.exec(changes).all())
    runs = session.exec(select(ImportRun).order_by(col(ImportRun.id)))
    return [
        {
            "id": run.id,
            "kind": run.kind,
            "file_name": run.file_name,
            "status": run.status,
            "operator": run.operator,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
        }
        for run in runs
        if run.id in ids or (run.started_at, run.operator) in moments
    ]


def mask_phones(records: list[Any]) -> list[Any]:
    """The records (dataclasses with a `phone`) with their phones masked as 138****8000."""
    return [dataclasses.replace(r, phone=phones.mask(r.phone)) for r in records]

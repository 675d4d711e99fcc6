"""`report survey CODE`: for each question, how often each answer was given, and the free texts.

- `responses`: responses to the survey taken by the end of `as_of` by members in scope;
  `respondents`: the distinct members among them;
- per question, `answered` (responses that answered it) and `skipped` (the others);
- single and multiple choice, rating: `answers`, every option (or rating value, low to high) in
  the questionnaire's order with its `count` and `share` = count / answered (for a multiple
  choice the shares add up to more than 1: a share is of the members who answered);
- rating: `mean`, rounded to 2 places (null when nobody answered);
- free text: `texts`, each `{member_no, taken_at, text}`, oldest first.

Answers erased when a member was forgotten (NULL) count for nothing. A code that names no survey
is exit 3.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from memberctl.domain import surveys
from memberctl.domain.reports import Scope, ratio
from memberctl.domain.surveys import Question
from memberctl.models import Member, SurveyAnswer, SurveyResponse


@dataclass(frozen=True)
class AnswerCount:
    answer: str
    count: int
    share: float


@dataclass(frozen=True)
class FreeText:
    member_no: str
    taken_at: dt.datetime
    text: str


@dataclass(frozen=True)
class QuestionResult:
    key: str
    text: str
    type: str
    required: bool
    answered: int
    skipped: int
    answers: list[AnswerCount] = field(default_factory=list)
    mean: float | None = None
    texts: list[FreeText] = field(default_factory=list)


@dataclass(frozen=True)
class SurveyReport:
    survey: str
    title: str
    as_of: dt.date
    responses: int
    respondents: int
    questions: list[QuestionResult]


@dataclass(frozen=True)
class SurveyRow:
    """One row of the CSV (and the xlsx `answers` sheet): an answer's count, or one free text."""

    question: str
    type: str
    answer: str | None
    count: int
    share: float | None
    mean: float | None
    member_no: str | None = None
    taken_at: dt.datetime | None = None


def _scoped(query: Any, survey_id: int | None, scope: Scope) -> Any:
    return query.join(Member, col(Member.id) == col(SurveyResponse.member_id)).where(
        col(SurveyResponse.survey_id) == survey_id,
        col(SurveyResponse.taken_at) < scope.day_after,
        scope.members,
    )


def _answers(query: Any) -> Any:
    return query.join(
        SurveyResponse, col(SurveyResponse.id) == col(SurveyAnswer.response_id)
    ).where(col(SurveyAnswer.value).is_not(None))


def build(*, session: Session, scope: Scope, code: str) -> SurveyReport:
    survey = surveys.get(session, code)
    questions = surveys.questions_of(survey)
    responses, respondents = session.exec(
        _scoped(
            select(func.count(), func.count(distinct(col(SurveyResponse.member_id)))),
            survey.id,
            scope,
        )
    ).one()
    answer, value = col(SurveyAnswer.question), col(SurveyAnswer.value)
    answered = dict(
        session.exec(
            _scoped(
                _answers(select(answer, func.count(distinct(col(SurveyAnswer.response_id))))),
                survey.id,
                scope,
            ).group_by(answer)
        ).all()
    )
    counts: dict[str, dict[str, int]] = {}
    for key, given, count in session.exec(
        _scoped(_answers(select(answer, value, func.count())), survey.id, scope)
        .where(answer.in_([q.key for q in questions if q.type != "text"]))
        .group_by(answer, value)
    ):
        counts.setdefault(key, {})[given] = int(count)
    texts: dict[str, list[FreeText]] = {}
    for key, member_no, taken_at, text in session.exec(
        _scoped(
            _answers(select(answer, Member.member_no, SurveyResponse.taken_at, value)),
            survey.id,
            scope,
        )
        .where(answer.in_([q.key for q in questions if q.type == "text"]))
        .order_by(col(SurveyResponse.taken_at), col(SurveyAnswer.id))
    ):
        texts.setdefault(key, []).append(FreeText(member_no, taken_at, text))
    results = [
        _result(
            q,
            int(answered.get(q.key, 0)),
            int(responses),
            counts.get(q.key, {}),
            texts.get(q.key, []),
        )
        for q in questions
    ]
    return SurveyReport(
        survey.code, survey.title, scope.as_of, int(responses), int(respondents), results
    )


def _result(
    question: Question,
    answered: int,
    responses: int,
    counts: dict[str, int],
    texts: list[FreeText],
) -> QuestionResult:
    skipped = max(responses - answered, 0)
    if question.type == "text":
        return QuestionResult(
            question.key,
            question.text,
            question.type,
            question.required,
            answered,
            skipped,
            texts=texts,
        )
    known = question.choices()
    order = known + sorted(set(counts) - set(known))  # values no longer offered come last
    answers = [AnswerCount(v, counts.get(v, 0), ratio(counts.get(v, 0), answered)) for v in order]
    mean = None
    if question.type == "rating" and answered:
        total = sum(int(v) * n for v, n in counts.items() if v.isdigit())
        number = sum(n for v, n in counts.items() if v.isdigit())
        mean = float(round(Decimal(total) / Decimal(number), 2)) if number else None
    return QuestionResult(
        question.key,
        question.text,
        question.type,
        question.required,
        answered,
        skipped,
        answers,
        mean,
    )


def rows(report: SurveyReport) -> list[SurveyRow]:
    """The report flattened: one row per answer of each question, one per free text."""
    flat: list[SurveyRow] = []
    for q in report.questions:
        flat += [SurveyRow(q.key, q.type, a.answer, a.count, a.share, q.mean) for a in q.answers]
        flat += [
            SurveyRow(q.key, q.type, t.text, 1, None, None, t.member_no, t.taken_at)
            for t in q.texts
        ]
    return flat

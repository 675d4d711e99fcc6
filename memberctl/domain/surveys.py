"""Surveys: a questionnaire loaded from TOML, and the answers members give to it.

A survey file (see templates/surveys/satisfaction.toml) has a `code`, a `title` and
`[[question]]` tables, each with a `key`, a `text`, a `type` (`single`, `multiple`,
`rating`, `text`), `required` (default false), `options` for the choice types and `scale` for a
rating (default 5: answers 1 to 5).

Loading a code again replaces its questions while nobody has answered; once answers exist only
the title may change (the questions must be the same), otherwise it is refused (4):
load the new questionnaire under a new code. Answers keep pointing at question keys.

An answer is stored as text: the option chosen (one row per option for a multiple choice), the
rating as digits, or the free text. A choice may be given by its text or by its number (1 is the
first option); a multiple choice as a comma-separated list. Frozen and cancelled members may
answer (a survey earns and spends nothing; why someone left is worth knowing); a forgotten member
may not.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from memberctl import tomlfile
from memberctl.domain import audit, fields, lifecycle
from memberctl.errors import InvalidInput, NotFound, RuleViolation, UsageProblem
from memberctl.i18n import _
from memberctl.models import Member, Survey, SurveyAnswer, SurveyResponse

TYPES = ("single", "multiple", "rating", "text")
CHOICE_TYPES = ("single", "multiple")
DEFAULT_SCALE = 5
MAX_SCALE = 10
TEXT_LIMIT = 4000
OPTION_LIMIT = 200
SEPARATORS = re.compile(r"[,，]")  # a multiple choice on the command line: 1,3 or 早餐，午餐
_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
_FILE_KEYS = {"code", "title", "question"}
_QUESTION_KEYS = {"key", "text", "type", "required", "options", "scale"}


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    type: str
    required: bool = False
    options: tuple[str, ...] = ()
    scale: int | None = None

    def choices(self) -> list[str]:
        """What may be answered: the options, or the rating values as digits."""
        if self.type == "rating":
            return [str(n) for n in range(1, (self.scale or DEFAULT_SCALE) + 1)]
        return list(self.options)


@dataclass(frozen=True)
class SurveyDefinition:
    code: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class SurveyRecord:
    code: str
    title: str
    questions: list[Question]
    responses: int
    updated_at: dt.datetime


@dataclass(frozen=True)
class LoadResult:
    code: str
    title: str
    questions: int
    action: str  # created, updated, unchanged


@dataclass(frozen=True)
class ResponseRecord:
    id: int
    survey: str
    member_no: str
    taken_at: dt.datetime
    operator: str
    answers: dict[str, list[str]]
    recorded: bool  # False: the same response (survey, member, time) was already there


# -- reading a survey file -------------------------------------------------------------------
def read_file(path: Path) -> SurveyDefinition:
    """Parse and check a survey file; the first problem is one line naming the question (5)."""
    document = tomlfile.read(path)
    try:
        return _definition(document)
    except _Problem as problem:
        raise InvalidInput(
            f"{path.name}: {problem}", _("see templates/surveys/satisfaction.toml")
        ) from None


class _Problem(Exception):
    pass


def _text(value: Any, what: str, limit: int, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _Problem(_("{what} must be a non-empty text").format(what=what))
    text = unicodedata.normalize("NFC", value.strip())
    try:
        fields.check_text(text, what)
    except InvalidInput as error:
        raise _Problem(error.message) from None
    if len(text) > limit:
        raise _Problem(_("{what} is longer than {n} characters").format(what=what, n=limit))
    return text


def _definition(document: dict[str, Any]) -> SurveyDefinition:
    unknown = sorted(set(document) - _FILE_KEYS)
    if unknown:
        raise _Problem(_("unknown key '{key}'").format(key=unknown[0]))
    code = document.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code.strip()):
        raise _Problem(_("code must be like 'satisfaction' (a-z, 0-9, '-', '_'; up to 32)"))
    title = _text(document.get("title"), "title", 200)
    rows = document.get("question")
    if not isinstance(rows, list) or not rows:
        raise _Problem(_("no [[question]] tables"))
    questions = tuple(_question(i, row) for i, row in enumerate(rows, start=1))
    seen: set[str] = set()
    for question in questions:
        if question.key in seen:
            raise _Problem(_("question '{key}' appears twice").format(key=question.key))
        seen.add(question.key)
    return SurveyDefinition(code.strip(), title or "", questions)


def _question(index: int, row: Any) -> Question:
    if not isinstance(row, dict):
        raise _Problem(_("question #{n} is not a table").format(n=index))
    key = row.get("key")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise _Problem(
            _("question #{n}: key must be like 'overall' (a-z, 0-9, '_')").format(n=index)
        )
    try:
        return _question_body(key, row)
    except _Problem as problem:
        raise _Problem(_("question '{key}': {problem}").format(key=key, problem=problem)) from None


def _question_body(key: str, row: dict[str, Any]) -> Question:
    unknown = sorted(set(row) - _QUESTION_KEYS)
    if unknown:
        raise _Problem(_("unknown key '{key}'").format(key=unknown[0]))
    text = _text(row.get("text"), "text", 500) or ""
    kind = row.get("type")
    if kind not in TYPES:
        raise _Problem(_("type must be one of {types}").format(types=", ".join(TYPES)))
    required = row.get("required", False)
    if not isinstance(required, bool):
        raise _Problem(_("required must be true or false"))
    if kind in CHOICE_TYPES:
        return Question(key, text, kind, required, _options(row.get("options")))
    if "options" in row:
        raise _Problem(_("only single and multiple choice questions have options"))
    if kind == "rating":
        return Question(key, text, kind, required, scale=_scale(row.get("scale", DEFAULT_SCALE)))
    if "scale" in row:
        raise _Problem(_("only a rating has a scale"))
    return Question(key, text, kind, required)


def _options(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise _Problem(_("options must be a list of at least 2 texts"))
    options = []
    for value in raw:
        option = _text(value, _("an option"), OPTION_LIMIT) or ""
        if SEPARATORS.search(option):
            raise _Problem(_("option '{option}' holds a comma").format(option=option))
        if option in options:
            raise _Problem(_("option '{option}' appears twice").format(option=option))
        options.append(option)
    return tuple(options)


def _scale(raw: Any) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 2 <= raw <= MAX_SCALE:
        raise _Problem(_("scale must be a whole number from 2 to {n}").format(n=MAX_SCALE))
    return raw


# -- loading, listing ------------------------------------------------------------------------
def questions_of(survey: Survey) -> list[Question]:
    return [
        Question(q["key"], q["text"], q["type"], q["required"], tuple(q["options"]), q["scale"])
        for q in json.loads(survey.questions)
    ]


def _questions_json(questions: tuple[Question, ...] | list[Question]) -> str:
    return json.dumps([asdict(q) for q in questions], ensure_ascii=False)


def get(session: Session, code: str) -> Survey:
    survey = session.exec(select(Survey).where(Survey.code == code.strip())).first()
    if survey is None:
        codes = ", ".join(session.exec(select(Survey.code).order_by(col(Survey.code)))) or "-"
        raise NotFound(
            _("no survey '{code}'").format(code=code), _("surveys are: {codes}").format(codes=codes)
        )
    return survey


def _responses(session: Session, survey: Survey) -> int:
    query = select(func.count()).where(SurveyResponse.survey_id == survey.id)
    return int(session.exec(query).one())


def load(
    *, session: Session, definition: SurveyDefinition, operator: str, at: dt.datetime
) -> LoadResult:
    """Create the survey, or update it while it has no answers (see the module docstring)."""
    survey = session.exec(select(Survey).where(Survey.code == definition.code)).first()
    text = _questions_json(definition.questions)
    result = LoadResult(definition.code, definition.title, len(definition.questions), "created")
    if survey is None:
        survey = Survey(
            code=definition.code,
            title=definition.title,
            questions=text,
            operator=operator,
            created_at=at,
            updated_at=at,
        )
    elif (survey.title, survey.questions) == (definition.title, text):
        return replace(result, action="unchanged")
    else:
        result = replace(result, action="updated")
        if survey.questions != text and _responses(session, survey):
            raise RuleViolation(
                _("survey '{code}' already has answers; its questions cannot change").format(
                    code=definition.code
                ),
                _("load the new questions under a new code, e.g. {code}-2").format(
                    code=definition.code
                ),
            )
        survey.title, survey.questions = definition.title, text
        survey.operator, survey.updated_at = operator, at
    session.add(survey)
    session.flush()
    audit.record(
        session=session,
        operator=operator,
        action=f"survey.{result.action}",
        at=at,
        details={"survey": definition.code},
    )
    return result


@dataclass(frozen=True)
class SurveySummary:
    code: str
    title: str
    questions: int
    responses: int
    updated_at: dt.datetime


def list_surveys(*, session: Session) -> list[SurveySummary]:
    counts: dict[int | None, int] = dict(
        session.exec(
            select(SurveyResponse.survey_id, func.count()).group_by(col(SurveyResponse.survey_id))
        ).all()
    )
    return [
        SurveySummary(s.code, s.title, len(questions_of(s)), counts.get(s.id, 0), s.updated_at)
        for s in session.exec(select(Survey).order_by(col(Survey.code)))
    ]


def show(*, session: Session, code: str) -> SurveyRecord:
    survey = get(session, code)
    return SurveyRecord(
        survey.code,
        survey.title,
        questions_of(survey),
        _responses(session, survey),
        survey.updated_at,
    )


# -- answering -------------------------------------------------------------------------------
def parse_answer(question: Question, raw: str) -> list[str]:
    """The stored values for what was typed or given with --answer (InvalidInput, 5, if it is
    not one of the choices). An empty answer is []."""
    text = unicodedata.normalize("NFKC", raw).strip() if question.type != "text" else raw.strip()
    if not text:
        return []
    if question.type == "text":
        fields.check_text(text, _("the answer to '{key}'").format(key=question.key), multiline=True)
        if len(text) > TEXT_LIMIT:
            raise InvalidInput(
                _("answer to '{key}' is longer than {n} characters").format(
                    key=question.key, n=TEXT_LIMIT
                )
            )
        return [text]
    parts = [p.strip() for p in SEPARATORS.split(text)] if question.type == "multiple" else [text]
    values = [_choice(question, part) for part in parts if part]
    return list(dict.fromkeys(values))  # a choice given twice counts once


def _choice(question: Question, given: str) -> str:
    choices = question.choices()
    if given in choices:
        return given
    if question.type != "rating" and given.isdigit() and 1 <= int(given) <= len(choices):
        return choices[int(given) - 1]
    allowed = ", ".join(choices)
    raise InvalidInput(
        _("'{value}' is not an answer to '{key}'").format(value=given, key=question.key),
        _("answer one of: {allowed}").format(allowed=allowed),
    )


def check_given(questions: list[Question], given: dict[str, str]) -> dict[str, list[str]]:
    """`--answer KEY=VALUE` pairs as stored values; an unknown key is a usage error (2)."""
    by_key = {q.key: q for q in questions}
    unknown = [key for key in given if key not in by_key]
    if unknown:
        raise UsageProblem(
            _("no question '{key}' in this survey").format(key=unknown[0]),
            _("questions are: {keys}").format(keys=", ".join(by_key)),
        )
    return {key: parse_answer(by_key[key], raw) for key, raw in given.items()}


def missing_required(questions: list[Question], answers: dict[str, list[str]]) -> list[str]:
    return [q.key for q in questions if q.required and not answers.get(q.key)]


def start(*, session: Session, code: str, member: Member) -> list[Question]:
    """The questions to ask, once the survey exists (3) and the member may answer (4)."""
    survey = get(session, code)
    lifecycle.ensure_not_forgotten(member, _("record a survey for"))
    return questions_of(survey)


def take(
    *,
    session: Session,
    survey: Survey,
    member: Member,
    answers: dict[str, list[str]],
    operator: str,
    at: dt.datetime,
) -> ResponseRecord:
    """Store one response and its answers. A repeat for the same member and time changes
    nothing (a paper survey recorded twice with the same --taken-at)."""
    lifecycle.ensure_not_forgotten(member, _("record a survey for"))
    questions = questions_of(survey)
    missing = missing_required(questions, answers)
    if missing:
        raise UsageProblem(
            _("missing answers to required questions: {keys}").format(keys=", ".join(missing)),
            _("give them with --answer KEY=VALUE"),
        )
    order = [q.key for q in questions if answers.get(q.key)]
    kept = {key: answers[key] for key in order}
    existing = session.exec(
        select(SurveyResponse).where(
            SurveyResponse.survey_id == survey.id,
            SurveyResponse.member_id == member.id,
            SurveyResponse.taken_at == at,
        )
    ).first()
    if existing is not None:
        stored: dict[str, list[str]] = {}
        rows = select(SurveyAnswer).where(SurveyAnswer.response_id == existing.id)
        for row in session.exec(rows.order_by(col(SurveyAnswer.id))):
            stored.setdefault(row.question, []).append(row.value or "")
        return ResponseRecord(
            existing.id or 0,
            survey.code,
            member.member_no,
            at,
            existing.operator,
            stored,
            recorded=False,
        )
    response = SurveyResponse(
        survey_id=survey.id or 0, member_id=member.id or 0, operator=operator, taken_at=at
    )
    session.add(response)
    session.flush()
    session.add_all(
        SurveyAnswer(response_id=response.id or 0, question=key, value=value)
        for key in order
        for value in kept[key]
    )
    audit.record(
        session=session,
        operator=operator,
        action="survey.take",
        at=at,
        member=member,
        details={"survey": survey.code, "response_id": response.id},
    )
    return ResponseRecord(
        response.id or 0, survey.code, member.member_no, at, operator, kept, recorded=True
    )

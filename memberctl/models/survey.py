"""Surveys: a questionnaire loaded from TOML, and the answers members gave."""

import datetime as dt

from sqlalchemy import DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# The tables named by this module's foreign keys: a flush resolves every foreign key of
# the tables it writes, so they are declared first (see memberctl/models/__init__.py).
import memberctl.models.member  # noqa: F401


class Survey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    title: str = Field(max_length=200)
    # The questions as loaded (JSON): answers keep pointing at question keys, not positions.
    questions: str = Field(sa_type=Text)
    operator: str = Field(max_length=100)
    created_at: dt.datetime = Field(sa_type=DateTime)
    updated_at: dt.datetime = Field(sa_type=DateTime)


class SurveyResponse(SQLModel, table=True):
    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey_id", "member_id", "taken_at"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    operator: str = Field(max_length=100)
    taken_at: dt.datetime = Field(sa_type=DateTime)


class SurveyAnswer(SQLModel, table=True):
    """One row per answer; a multiple-choice question gives one row per option chosen."""

    __tablename__ = "survey_answer"

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="survey_response.id", index=True)
    question: str = Field(max_length=64)
    # The option chosen, the rating as digits, or the free text (NULL once the member is forgotten).
    value: str | None = Field(default=None, max_length=4000)

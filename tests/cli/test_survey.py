"""`survey load | list | show | take` and `report survey`: questionnaires from TOML, answers
given with --answer (scripts, paper surveys), and the report's numbers checked by hand."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import col, select

from memberctl.db.session import transaction
from memberctl.domain import refs, surveys
from memberctl.models import AuditEntry, Survey, SurveyAnswer, SurveyResponse
from tests.conftest import failure
from tests.factories import NOW, enroll, forget, member_in, snapshot

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "surveys" / "satisfaction.toml"

SMALL = """
code = "visit"
title = "到店体验"

[[question]]
key = "score"
text = "打分"
type = "rating"
scale = 3
required = true

[[question]]
key = "why"
text = "为什么来？"
type = "single"
options = ["路过", "活动", "朋友"]

[[question]]
key = "liked"
text = "喜欢什么？"
type = "multiple"
options = ["价格", "服务", "环境"]

[[question]]
key = "say"
text = "想说的话"
type = "text"
"""


def write(tmp_path: Path, text: str, name: str = "survey.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(engine, tmp_path: Path, text: str = SMALL) -> None:
    definition = surveys.read_file(write(tmp_path, text, "factory.toml"))
    with transaction(engine) as session:
        surveys.load(session=session, definition=definition, operator="factory", at=NOW)


def answer(engine, member_no: str, at: dt.datetime = NOW, code: str = "visit", **given: str):
    with transaction(engine) as session:
        survey = surveys.get(session, code)
        answers = surveys.check_given(surveys.questions_of(survey), given)
        member = refs.resolve(session, member_no)
        surveys.take(
            session=session,
            survey=survey,
            member=member,
            answers=answers,
            operator="factory",
            at=at,
        )


def stored(session) -> list[tuple[str, str | None]]:
    session.rollback()  # see what the CLI committed
    rows = session.exec(select(SurveyAnswer).order_by(col(SurveyAnswer.id))).all()
    return [(row.question, row.value) for row in rows]


# -- load, list, show --------------------------------------------------------------------------
def test_template_loads_and_a_second_load_changes_nothing(run, session):
    data = run.json("survey", "load", str(TEMPLATE))
    assert data == {
        "code": "satisfaction",
        "title": "顾客满意度调查",
        "questions": 5,
        "action": "created",
    }
    survey = session.exec(select(Survey)).one()
    kinds = [q["type"] for q in json.loads(survey.questions)]
    assert set(kinds) == {"single", "multiple", "rating", "text"}
    assert (survey.code, survey.operator) == ("satisfaction", "tester")

    assert run.json("survey", "load", str(TEMPLATE))["action"] == "unchanged"
    session.rollback()
    actions = session.exec(
        select(AuditEntry.action).where(col(AuditEntry.action).startswith("survey."))
    ).all()
    assert actions == ["survey.created"]


def test_list_and_show(run, engine, tmp_path):
    load(engine, tmp_path)
    answer(engine, enroll(engine).member_no, score="2")
    assert run.json("survey", "list") == [
        {
            "code": "visit",
            "title": "到店体验",
            "questions": 4,
            "responses": 1,
            "updated_at": NOW.isoformat(),
        },
    ]
    shown = run.json("survey", "show", "visit")
    assert shown["responses"] == 1
    assert shown["questions"][0] == {
        "key": "score",
        "text": "打分",
        "type": "rating",
        "required": True,
        "options": [],
        "scale": 3,
    }
    assert shown["questions"][2]["options"] == ["价格", "服务", "环境"]
    table = run("survey", "show", "visit")
    assert (
        table.exit_code == 0
        and "为什么来？" in table.stdout
        and "路过 / 活动 / 朋友" in table.stdout
    )


def test_show_unknown_survey_is_not_found(run):
    failure(run("survey", "show", "nope"), 3, "no survey 'nope'")


BAD_FILES = [
    ('code = "x"\ntitle = "t"\n', "no [[question]] tables"),
    ('code = "X Y"\ntitle = "t"\n[[question]]\nkey="a"\ntext="a"\ntype="text"\n', "code must be"),
    ('code = "x"\n[[question]]\nkey="a"\ntext="a"\ntype="text"\n', "title must be"),
    ('code = "x"\ntitle = "t"\ncolour = 1\n', "unknown key 'colour'"),
    (
        'code = "x"\ntitle = "t"\n[[question]]\nkey="q1"\ntext="a"\ntype="single"\n',
        "question 'q1': options must be a list of at least 2 texts",
    ),
    (
        'code = "x"\ntitle = "t"\n[[question]]\nkey="q1"\ntext="a"\ntype="pick"\n',
        "question 'q1': type must be one of single, multiple, rating, text",
    ),
    (
        'code = "x"\ntitle = "t"\n[[question]]\nkey="q1"\ntext="a"\ntype="rating"\nscale=11\n',
        "question 'q1': scale must be a whole number from 2 to 10",
    ),
    (
        'code = "x"\ntitle = "t"\n[[question]]\nkey="q1"\ntext="a"\ntype="text"\nrequired="yes"\n',
        "question 'q1': required must be true or false",
    ),
    (
        'code = "x"\ntitle = "t"\n[[question]]\nkey="q1"\ntext="a"\ntype="multiple"\n'
        'options=["a,b", "c"]\n',
        "question 'q1': option 'a,b' holds a comma",
    ),
    (
        'code = "x"\ntitle = "t"\n[[question]]\nkey="q1"\ntext="a"\ntype="single"\n'
        'options=["a", "a"]\n',
        "question 'q1': option 'a' appears twice",
    ),
    (
        'code = "x"\ntitle = "t"\n[[question]]\nkey="q1"\ntext="a"\ntype="rating"\n'
        'options=["a", "b"]\n',
        "question 'q1': only single and multiple choice questions have",
    ),
    (
        'code = "x"\ntitle = "t"\n[[question]]\nkey="q1"\ntype="text"\n',
        "question 'q1': text must be a non-empty text",
    ),
    (
        'code = "x"\ntitle = "t"\n[[question]]\nkey="q1"\ntext="a"\ntype="text"\nmax=3\n',
        "question 'q1': unknown key 'max'",
    ),
    (
        'code = "x"\ntitle = "t"\n[[question]]\nkey="q1"\ntext="a"\ntype="text"\n'
        '[[question]]\nkey="q1"\ntext="b"\ntype="text"\n',
        "question 'q1' appears twice",
    ),
    (
        'code = "x"\ntitle = "t"\n[[question]]\nkey="Bad Key"\ntext="a"\ntype="text"\n',
        "question #1: key must be like",
    ),
    ('code = "x"\ntitle = "t"\n[[question\n', "is not valid TOML"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD_FILES, ids=[f for _, f in BAD_FILES])
def test_a_bad_file_is_one_line_naming_the_question_and_writes_nothing(
    run, engine, tmp_path, text, fragment
):
    before = snapshot(engine)
    line = failure(run("survey", "load", str(write(tmp_path, text))), 5, fragment)
    assert "survey.toml" in line
    assert snapshot(engine) == before


def test_a_missing_file_is_not_found(run, tmp_path):
    failure(run("survey", "load", str(tmp_path / "none.toml")), 3, "no file")


def test_questions_change_freely_until_answered_then_only_the_title(run, engine, tmp_path):
    load(engine, tmp_path)
    changed = SMALL.replace('"路过", "活动", "朋友"', '"路过", "活动", "朋友", "广告"')
    assert run.json("survey", "load", str(write(tmp_path, changed)))["action"] == "updated"
    answer(engine, enroll(engine).member_no, score="3", why="广告")

    before = snapshot(engine)
    result = run("survey", "load", str(write(tmp_path, SMALL)))
    failure(result, 4, "survey 'visit' already has answers; its questions cannot change", "visit-2")
    assert snapshot(engine) == before
    retitled = changed.replace("到店体验", "到店体验 2026")
    assert run.json("survey", "load", str(write(tmp_path, retitled)))["action"] == "updated"
    assert run.json("survey", "list")[0]["title"] == "到店体验 2026"


# -- take with --answer ------------------------------------------------------------------------
def test_take_with_answers_stores_one_response(run, engine, session, tmp_path):
    load(engine, tmp_path)
    member_no = enroll(engine).member_no
    data = run.json(
        "survey",
        "take",
        "visit",
        member_no,
        "-a",
        "score=3",
        "-a",
        "why=2",
        "--answer",
        "liked=价格，3",
        "-a",
        "say= 停车难 ",
    )
    assert data == data | {
        "survey": "visit",
        "member_no": member_no,
        "operator": "tester",
        "recorded": True,
        "answers": {"score": ["3"], "why": ["活动"], "liked": ["价格", "环境"], "say": ["停车难"]},
    }
    assert stored(session) == [
        ("score", "3"),
        ("why", "活动"),
        ("liked", "价格"),
        ("liked", "环境"),
        ("say", "停车难"),
    ]
    response = session.exec(select(SurveyResponse)).one()
    assert response.id == data["id"] and response.operator == "tester"
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "survey.take")).one()
    assert entry.details == {"survey": "visit", "response_id": response.id}


def test_optional_questions_may_be_left_out_or_empty(run, engine, session, tmp_path):
    load(engine, tmp_path)
    member_no = enroll(engine).member_no
    data = run.json("survey", "take", "visit", member_no, "-a", "score=１", "-a", "say=")
    assert data["answers"] == {"score": ["1"]}
    assert stored(session) == [("score", "1")]


def test_missing_required_answers_are_a_usage_error_naming_them(run, engine, tmp_path):
    load(engine, tmp_path)
    member_no = enroll(engine).member_no
    before = snapshot(engine)
    failure(
        run("survey", "take", "visit", member_no, "-a", "why=1"),
        2,
        "missing answers to required questions: score",
        "--answer",
    )
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("given", "code", "fragment"),
    [
        ("score=4", 5, "'4' is not an answer to 'score'; answer one of: 1, 2, 3"),
        ("score=0", 5, "'0' is not an answer to 'score'"),
        ("why=坐车", 5, "'坐车' is not an answer to 'why'; answer one of: 路过, 活动, 朋友"),
        ("why=4", 5, "'4' is not an answer to 'why'"),
        ("liked=1,餐饮", 5, "'餐饮' is not an answer to 'liked'"),
        ("say=" + "长" * 4001, 5, "answer to 'say' is longer than 4000 characters"),
        ("colour=red", 2, "no question 'colour' in this survey; questions are: score, why"),
        ("score", 2, "'score' is not KEY=VALUE"),
    ],
)
def test_bad_answers_write_nothing(run, engine, tmp_path, given, code, fragment):
    load(engine, tmp_path)
    member_no = enroll(engine).member_no
    before = snapshot(engine)
    args = ["-a", given] if given.startswith("score") else ["-a", "score=1", "-a", given]
    failure(run("survey", "take", "visit", member_no, *args), code, fragment)
    assert snapshot(engine) == before


def test_the_same_key_twice_is_a_usage_error(run, engine, tmp_path):
    load(engine, tmp_path)
    member_no = enroll(engine).member_no
    failure(
        run("survey", "take", "visit", member_no, "-a", "score=1", "-a", "score=2"),
        2,
        "'score' is answered twice",
    )


def test_unknown_survey_or_member_is_not_found(run, engine, tmp_path):
    load(engine, tmp_path)
    member_no = enroll(engine).member_no
    failure(run("survey", "take", "nope", member_no, "-a", "score=1"), 3, "no survey 'nope'")
    failure(run("survey", "take", "visit", "M009999", "-a", "score=1"), 3, "no member 'M009999'")


@pytest.mark.parametrize("status", ["frozen", "cancelled"])
def test_frozen_and_cancelled_members_may_answer(run, engine, session, tmp_path, status):
    load(engine, tmp_path)
    member_no = member_in(engine, status).member_no
    assert run.json("survey", "take", "visit", member_no, "-a", "score=2")["recorded"] is True
    assert stored(session) == [("score", "2")]


def test_a_forgotten_member_may_not_answer(run, engine, tmp_path):
    load(engine, tmp_path)
    member_no = enroll(engine).member_no
    forget(engine, member_no)
    before = snapshot(engine)
    failure(
        run("survey", "take", "visit", member_no, "-a", "score=2"), 4, "personal data was erased"
    )
    assert snapshot(engine) == before


def test_a_paper_survey_recorded_twice_with_the_same_time_is_kept_once(
    run, engine, session, tmp_path
):
    load(engine, tmp_path)
    member_no = enroll(engine).member_no
    args = ("survey", "take", "visit", member_no, "-a", "score=2", "--taken-at", "2026-11-01")
    first = run.json(*args)
    again = run.json(*args[:5], "score=3", *args[6:])
    assert (first["recorded"], again["recorded"]) == (True, False)
    assert again["answers"] == {"score": ["2"]} and again["id"] == first["id"]
    assert first["taken_at"] == "2026-11-01T00:00:00"
    assert stored(session) == [("score", "2")]
    assert run.json(*args[:5], "score=3", "--taken-at", "2026-11-02")["recorded"] is True
    failure(run(*args[:7], "2026-13-01"), 5, "--taken-at")


# -- report survey -----------------------------------------------------------------------------
def _small_dataset(engine, tmp_path) -> list[str]:
    """Four responses by three members (one member answered twice), checked by hand below."""
    load(engine, tmp_path)
    a = enroll(engine, store="北京店").member_no
    b = enroll(engine, store="上海店").member_no
    c = enroll(engine, store="北京店").member_no
    answer(engine, a, NOW, score="3", why="1", liked="1,2", say="很好")
    answer(engine, b, NOW + dt.timedelta(hours=1), score="1", why="2", liked="2")
    answer(engine, c, NOW + dt.timedelta(hours=2), score="3", say="停车难")
    answer(engine, a, NOW + dt.timedelta(days=1), score="2", why="1")  # the day after AS_OF
    return [a, b, c]


def test_report_numbers_by_hand(run, engine, tmp_path):
    a, b, c = _small_dataset(engine, tmp_path)
    data = run.json("report", "survey", "visit", "--as-of", "2026-11-26")
    assert {k: data[k] for k in ("survey", "title", "as_of", "responses", "respondents")} == {
        "survey": "visit",
        "title": "到店体验",
        "as_of": "2026-11-26",
        "responses": 4,
        "respondents": 3,
    }
    score, why, liked, say = data["questions"]
    # score: 3, 1, 3, 2 -> mean 9/4 = 2.25; each share is of the 4 who answered
    assert (score["answered"], score["skipped"], score["mean"]) == (4, 0, 2.25)
    assert score["answers"] == [
        {"answer": "1", "count": 1, "share": 0.25},
        {"answer": "2", "count": 1, "share": 0.25},
        {"answer": "3", "count": 2, "share": 0.5},
    ]
    # why: 路过, 活动, 路过 (c skipped it) -> 2/3 and 1/3
    assert (why["answered"], why["skipped"], why["mean"]) == (3, 1, None)
    assert why["answers"] == [
        {"answer": "路过", "count": 2, "share": 0.6667},
        {"answer": "活动", "count": 1, "share": 0.3333},
        {"answer": "朋友", "count": 0, "share": 0.0},
    ]
    # liked (multiple): a 价格+服务, b 服务 -> 2 answered; 服务 by both
    assert (liked["answered"], liked["skipped"]) == (2, 2)
    assert liked["answers"] == [
        {"answer": "价格", "count": 1, "share": 0.5},
        {"answer": "服务", "count": 2, "share": 1.0},
        {"answer": "环境", "count": 0, "share": 0.0},
    ]
    assert (say["answered"], say["answers"], say["mean"]) == (2, [], None)
    assert say["texts"] == [
        {"member_no": a, "taken_at": NOW.isoformat(), "text": "很好"},
        {"member_no": c, "taken_at": (NOW + dt.timedelta(hours=2)).isoformat(), "text": "停车难"},
    ]
    assert set(score) == {
        "key",
        "text",
        "type",
        "required",
        "answered",
        "skipped",
        "answers",
        "mean",
        "texts",
    }


def test_report_as_of_and_scope(run, engine, tmp_path):
    _small_dataset(engine, tmp_path)
    day = run.json("report", "survey", "visit", "--as-of", "2026-11-25")
    assert (day["responses"], day["questions"][0]["mean"]) == (3, 2.33)  # (3 + 1 + 3) / 3
    beijing = run.json("report", "survey", "visit", "--as-of", "2026-11-25", "--store", "北京店")
    assert (beijing["responses"], beijing["respondents"]) == (2, 2)
    assert beijing["questions"][0]["answers"][2] == {"answer": "3", "count": 2, "share": 1.0}
    assert [t["text"] for t in beijing["questions"][3]["texts"]] == ["很好", "停车难"]
    where = run.json(
        "report", "survey", "visit", "--as-of", "2026-11-25", "--where", "store = 上海店"
    )
    assert where["responses"] == 1 and where["questions"][1]["answers"][1]["count"] == 1


def test_report_of_a_survey_nobody_answered(run, engine, tmp_path):
    load(engine, tmp_path)
    data = run.json("report", "survey", "visit")
    assert (data["responses"], data["questions"][0]["mean"]) == (0, None)
    assert data["questions"][0]["answers"][0] == {"answer": "1", "count": 0, "share": 0.0}


def test_report_unknown_survey_is_not_found(run):
    failure(run("report", "survey", "nope"), 3, "no survey 'nope'")


def test_report_csv_is_one_row_per_answer(run, engine, tmp_path):
    a, _b, c = _small_dataset(engine, tmp_path)
    result = run("report", "survey", "visit", "--as-of", "2026-11-25", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "question",
        "type",
        "answer",
        "count",
        "share",
        "mean",
        "member_no",
        "taken_at",
    ]
    assert [(r["question"], r["answer"], r["count"], r["share"]) for r in rows] == [
        ("score", "1", "1", "0.3333"),
        ("score", "2", "0", "0.0"),
        ("score", "3", "2", "0.6667"),
        ("why", "路过", "1", "0.5"),
        ("why", "活动", "1", "0.5"),
        ("why", "朋友", "0", "0.0"),
        ("liked", "价格", "1", "0.5"),
        ("liked", "服务", "2", "1.0"),
        ("liked", "环境", "0", "0.0"),
        ("say", "很好", "1", ""),
        ("say", "停车难", "1", ""),
    ]
    assert rows[0]["mean"] == "2.33" and rows[3]["mean"] == ""
    assert (rows[-2]["member_no"], rows[-1]["member_no"]) == (a, c)


def test_report_xlsx_has_a_sheet_and_chart_per_question(run, engine, tmp_path):
    import openpyxl

    _small_dataset(engine, tmp_path)
    out = tmp_path / "survey.xlsx"
    result = run("report", "survey", "visit", "--as-of", "2026-11-25", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["survey", "answers", "1 score", "2 why", "3 liked", "4 say"]
    assert list(book["1 score"].values) == [
        ("answer", "count", "share"),
        ("1", 1, 0.3333),
        ("2", 0, 0),
        ("3", 2, 0.6667),
    ]
    assert [row[2] for row in book["4 say"].values] == ["text", "很好", "停车难"]
    assert len(book["answers"]["A"]) == 12  # header + 11 rows, as in the CSV
    names = zipfile.ZipFile(out).namelist()  # openpyxl does not read charts back
    assert len([n for n in names if n.startswith("xl/charts/chart")]) == 3  # score, why, liked


def test_report_table_shows_each_question(run, engine, tmp_path):
    _small_dataset(engine, tmp_path)
    result = run("report", "survey", "visit", "--as-of", "2026-11-25")
    assert result.exit_code == 0, result.stderr
    assert "1. score: 打分 (answered 3, skipped 0) mean 2.33" in result.stdout
    assert "停车难" in result.stdout and "66.7%" in result.stdout
    assert "3 responses from 3 members" in result.stderr

"""`memberctl survey ...`: load questionnaires from TOML, list and show them, record answers.

The report of the answers is `memberctl report survey CODE`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from memberctl.cli._context import app_context
from memberctl.cli._options import FormatOpt, RefArg
from memberctl.cli._output import Column, Format, emit, message
from memberctl.i18n import _

if TYPE_CHECKING:
    from memberctl.domain.surveys import Question

survey_app = typer.Typer(
    no_args_is_help=True, help=_("Surveys: load a questionnaire, take it, see the answers.")
)
CodeArg = Annotated[str, typer.Argument(metavar="CODE", help=_("The survey's code."))]


def _choices(question: Question) -> str:
    if question.type == "rating":
        return f"1-{question.scale}"
    return " / ".join(question.options)


def _question_columns() -> list[Column]:
    return [
        Column("key", _("Key"), no_wrap=True),
        Column("type", _("Type")),
        Column("required", _("Required"), show=lambda r: _("yes") if r else _("no")),
        Column("text", _("Question")),
        Column("options", _("Answers")),
    ]


def _question_rows(questions: list[Question]) -> list[dict[str, Any]]:
    return [
        {
            "key": q.key,
            "type": q.type,
            "required": q.required,
            "text": q.text,
            "options": _choices(q),
        }
        for q in questions
    ]


@survey_app.command(
    help=_(
        "Load a survey from TOML (see templates/surveys/satisfaction.toml).\n"
        "\n"
        "Loading the same code again updates it while nobody has answered; after "
        "that only the title\n"
        "may change (exit 4 otherwise: use a new code). A bad file is exit 5, "
        "naming the question."
    )
)
def load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.toml", help=_("The survey file."))],
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.domain import surveys

    app = app_context(ctx)
    definition = surveys.read_file(file)
    with app.write() as session:
        result = surveys.load(
            session=session, definition=definition, operator=app.operator, at=clock.now()
        )
    from memberctl.cli._words import in_words

    action = in_words("kind", result.action, {})
    message(_("survey {code}: {action}").format(code=result.code, action=action))
    emit(result, fmt)


@survey_app.command("list", help=_("The surveys, with how many questions and responses each has."))
def list_(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import surveys

    app = app_context(ctx)
    with app.read() as session:
        rows = surveys.list_surveys(session=session)
    emit(
        rows,
        fmt,
        [
            Column("code", _("Code"), no_wrap=True),
            Column("title", _("Title")),
            Column("questions", _("Questions"), justify="right"),
            Column("responses", _("Responses"), justify="right"),
            Column("updated_at", _("Updated"), show=lambda t: t.strftime("%Y-%m-%d %H:%M")),
        ],
    )


@survey_app.command(help=_("A survey's questions, in the order they are asked."))
def show(ctx: typer.Context, code: CodeArg, fmt: FormatOpt = Format.table) -> None:
    from memberctl.domain import surveys

    app = app_context(ctx)
    with app.read() as session:
        record = surveys.show(session=session, code=code)
    if fmt == Format.json:
        emit(record, fmt)
        return
    title = _("{code}: {title} ({n} responses)").format(
        code=record.code, title=record.title, n=record.responses
    )
    emit(_question_rows(record.questions), fmt, _question_columns(), title=title)


AnswerOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--answer",
        "-a",
        metavar="KEY=VALUE",
        help=_(
            "An answer, e.g. overall=5 or liked=1,3 (a choice by its text or number); "
            "repeat for each question. Without a terminal every required one is needed."
        ),
    ),
]
TakenAtOpt = Annotated[
    str | None,
    typer.Option(
        metavar="DATETIME",
        help=_(
            "When it was answered (a paper survey); default now. The same member, survey and "
            "time again changes nothing."
        ),
    ),
]


def _pairs(answers: list[str]) -> dict[str, str]:
    given: dict[str, str] = {}
    for pair in answers:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise typer.BadParameter(
                _("'{pair}' is not KEY=VALUE").format(pair=pair), param_hint="--answer"
            )
        if key in given:
            raise typer.BadParameter(
                _("'{key}' is answered twice").format(key=key), param_hint="--answer"
            )
        given[key] = value
    return given


@survey_app.command(
    help=_(
        "Record a member's answers: asked one by one on a terminal, or given "
        "with --answer.\n"
        "\n"
        "Missing required answers are exit 2 (named); an answer that is not one "
        "of the choices is\n"
        "exit 5. Frozen and cancelled members may answer; nothing is written "
        "until all are given."
    )
)
def take(
    ctx: typer.Context,
    code: CodeArg,
    ref: RefArg,
    answer: AnswerOpt = None,
    taken_at: TakenAtOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from memberctl import clock
    from memberctl.cli._prompt import interactive
    from memberctl.domain import fields, surveys

    app = app_context(ctx)
    at = fields.parse_datetime(taken_at, "--taken-at") if taken_at else clock.now()
    with app.read() as session:
        member = app.member(session, ref)
        questions = surveys.start(session=session, code=code, member=member)
    answers = surveys.check_given(questions, _pairs(answer or []))
    if interactive(app.no_input):
        answers = _ask_the_rest(questions, answers)
    with app.write() as session:
        member = app.member(session, member.member_no, for_update=True)
        record = surveys.take(
            session=session,
            survey=surveys.get(session, code),
            member=member,
            answers=answers,
            operator=app.operator,
            at=at,
        )
    done = _("recorded") if record.recorded else _("already recorded, nothing changed")
    message(
        _("{member_no}: survey {code} {done}").format(
            member_no=record.member_no, code=record.survey, done=done
        )
    )
    if fmt != Format.table:
        emit(record, fmt)
        return
    rows = [{"question": k, "answer": ", ".join(v)} for k, v in record.answers.items()]
    emit(rows, fmt, [Column("question", _("Question")), Column("answer", _("Answer"))])


def _ask_the_rest(questions: list[Question], answers: dict[str, list[str]]) -> dict[str, list[str]]:
    """Ask each question not answered with --answer, validated as it is answered."""
    from memberctl.cli._prompt import ask, choose, choose_many
    from memberctl.domain import surveys
    from memberctl.errors import InvalidInput

    answers = dict(answers)
    todo = [q for q in questions if q.key not in answers]
    for number, question in enumerate(todo, start=1):
        label = f"({number}/{len(todo)}) {question.text}" + (" *" if question.required else "")
        skip = None if question.required else _("(skip)")
        if question.type in ("single", "rating"):
            picked = choose(label, question.choices(), skip=skip)
            answers[question.key] = [picked] if picked else []
        elif question.type == "multiple":
            need = _("choose at least one") if question.required else None
            answers[question.key] = choose_many(label, question.choices(), required=need)
        else:

            def check(text: str, question: Question = question) -> None:
                if question.required and not text.strip():
                    raise InvalidInput(_("an answer is needed"))
                surveys.parse_answer(question, text)

            typed = ask(label, "--answer", no_input=False, check=check, required=False)
            answers[question.key] = surveys.parse_answer(question, typed or "")
    return answers

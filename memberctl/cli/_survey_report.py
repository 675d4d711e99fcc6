"""`report survey CODE` as terminal tables: one table per question, answers with bars."""

from __future__ import annotations

from typing import TYPE_CHECKING

from memberctl.cli._bars import bar
from memberctl.cli._output import Column, Format, console, emit, message, visible
from memberctl.i18n import _

if TYPE_CHECKING:
    from memberctl.domain.reports.survey import QuestionResult, SurveyReport


def table(report: SurveyReport) -> None:
    message(
        _("{code} {title}: {responses} responses from {members} members, as of {day}").format(
            code=report.survey,
            title=report.title,
            responses=report.responses,
            members=report.respondents,
            day=report.as_of.isoformat(),
        )
    )
    for number, question in enumerate(report.questions, start=1):
        _question(number, question)


def _question(number: int, q: QuestionResult) -> None:
    title = _("{n}. {key}: {text} (answered {answered}, skipped {skipped})").format(
        n=number, key=q.key, text=q.text, answered=q.answered, skipped=q.skipped
    )
    if q.mean is not None:
        title += " " + _("mean {mean:.2f}").format(mean=q.mean)
    console.print()
    console.print(visible(title), style="bold", highlight=False, markup=False)
    if q.type == "text":
        emit(
            q.texts,
            Format.table,
            [
                Column("member_no", _("Member no"), no_wrap=True),
                Column("taken_at", _("When"), show=lambda t: t.strftime("%Y-%m-%d"), no_wrap=True),
                Column("text", _("Answer")),
            ],
        )
        return
    top = max((a.count for a in q.answers), default=0)
    rows = [
        {"answer": a.answer, "count": a.count, "share": f"{a.share:.1%}", "bar": bar(a.count, top)}
        for a in q.answers
    ]
    emit(
        rows,
        Format.table,
        [
            Column("answer", _("Answer")),
            Column("count", _("Count"), justify="right"),
            Column("share", _("Share"), justify="right"),
            Column("bar", "", no_wrap=True),
        ],
    )

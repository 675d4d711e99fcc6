"""Stored text reaches the terminal literally and harmlessly (issues 13.13 and 14).

A member whose every free-text field holds rich markup (`[/]`, `[bold]`), a backslash, an emoji,
bidi controls and control characters (written straight into the database, as old data may hold
them) is shown by every table-printing command: exit 0, the text as typed with each character
that would act on the terminal written as an escape, and no escape sequence, bell or bidi
control in the output. JSON keeps the data as stored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from sqlmodel import col, select, update

from memberctl.cli._output import visible
from memberctl.db.session import transaction
from memberctl.models import (
    AuditEntry,
    Campaign,
    Interaction,
    Member,
    MemberTag,
    PointsEntry,
    Survey,
    SurveyAnswer,
    Tier,
    WalletEntry,
)
from tests.factories import enroll
from tests.privacydata import populate

HOSTILE = "Bob [/] [bold]b[/bold] :smile: \\ 😀 \u202eRTL\u200f \x1b[2J\nFAKE\x07"
SHOWN = "Bob [/] [bold]b[/bold] :smile: \\ 😀 \\u202eRTL\\u200f \\x1b[2J\\nFAKE\\x07"
# Nothing in the output may act on a terminal.
FORBIDDEN = ["\x1b", "\x07", "\u202e", "\u200f", "\r"]
# Every command runs in one fresh interpreter per language, whose terminal is 600 columns wide
# (the width and the language are fixed when memberctl.cli is imported; pytest-xdist's workers
# import it at 80 columns), so that no cell wraps.
DRIVER = """
import json, sys
from typer.testing import CliRunner
from memberctl.cli import app
runs = [CliRunner().invoke(app, args, catch_exceptions=False) for args in json.loads(sys.argv[1])]
print(json.dumps([[r.exit_code, r.stdout, r.stderr] for r in runs]))
"""


def run_wide(db_url: str, lang: str, commands: list[tuple[str, ...]]) -> list[list[Any]]:
    """[exit code, stdout, stderr] of each command, run on a 600-column terminal in `lang`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEMBERCTL_", "COLUMNS"))}
    env.update(
        {
            "COLUMNS": "600",
            "TERMINAL_WIDTH": "600",
            "MEMBERCTL_LANG": lang,
            "MEMBERCTL_OPERATOR": "tester",
        }
    )
    argv = [["--db", db_url, "--no-input", *command] for command in commands]
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(argv)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_visible_escapes_what_acts_on_a_terminal_and_keeps_the_rest():
    assert visible(HOSTILE) == SHOWN
    assert visible("张三 👨‍👩‍👧 ﻿x") == "张三 👨‍👩‍👧 ﻿x"  # ZWJ emoji kept
    assert visible("a\tb\rc\x9bd\u2028e\u2066f\x7f") == "a\\tb\\rc\\x9bd\\u2028e\\u2066f\\x7f"


@pytest.fixture
def hostile(run, engine, tmp_path) -> str:
    """The privacy test's member (a row in every member table), its text made hostile."""
    member = populate(run, engine, tmp_path)
    mine = {Interaction, PointsEntry, WalletEntry}
    with transaction(engine) as session:
        session.exec(
            update(Member)
            .where(col(Member.id) == member.member_id)
            .values(name=HOSTILE, store=HOSTILE)
        )
        vip = (col(MemberTag.member_id) == member.member_id) & (col(MemberTag.tag) == "vip")
        session.exec(update(MemberTag).where(vip).values(tag=HOSTILE))
        for model in mine:
            column = "text" if model is Interaction else "reason"
            session.exec(
                update(model)
                .where(col(model.member_id) == member.member_id)
                .values({column: HOSTILE})
            )
        for campaign in session.exec(select(Campaign)).all():
            campaign.name = HOSTILE
            campaign.definition = {**campaign.definition, "name": HOSTILE}
            session.add(campaign)
        session.exec(update(Tier).where(col(Tier.code) == "basic").values(name=HOSTILE))
        session.exec(update(Survey).values(title=HOSTILE))
        session.exec(
            update(SurveyAnswer).where(col(SurveyAnswer.question) == "say").values(value=HOSTILE)
        )
        session.exec(update(AuditEntry).values(operator=HOSTILE, details={"comment": HOSTILE}))
    return member.member_no


def _commands(no: str, tmp_path) -> list[tuple[str, ...]]:
    template = tmp_path / "note.txt"
    template.write_text("Hi {name}", encoding="utf-8")
    return [
        ("member", "list"),
        ("member", "show", no),
        ("member", "history", no),
        ("member", "search", "Bob"),
        ("member", "notes"),
        ("points", "history", no),
        ("points", "balance", no),
        ("wallet", "history", no),
        ("wallet", "balance", no),
        ("tier", "list"),
        ("segment", "show", "vips"),
        ("segment", "list"),
        ("campaign", "list"),
        ("campaign", "show", "drop"),
        ("campaign", "runs"),
        ("coupon", "list"),
        ("coupon", "list", no),
        ("survey", "list"),
        ("survey", "show", "sat"),
        ("report", "summary"),
        ("report", "growth"),
        ("report", "rfm"),
        ("report", "churn", "--days", "1", "--as-of", "2026-11-25"),
        ("report", "upgrades", "--within", "1"),
        ("report", "birthdays", "--month", "5"),
        ("report", "kpi"),
        ("report", "liability"),
        ("report", "campaign", "drop"),
        ("report", "survey", "sat"),
        ("audit",),
        ("db", "info"),
        ("db", "check"),
        ("notify", "render", "--template", str(template), "--out", str(tmp_path / "out.csv")),
    ]


# What each command shows of the hostile text (the others show the member by number only).
SHOWS_TEXT = {
    "member list", "member show", "member history", "member search", "member notes",
    "points history", "wallet history", "tier list", "segment show", "campaign list",
    "campaign show", "survey list", "survey show", "report rfm", "report churn",
    "report campaign", "report birthdays", "report survey", "audit",
}  # fmt: skip


def _unwrapped(text: str) -> str:
    """A title longer than its table wraps: the words joined by single spaces again."""
    return " ".join(text.split())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_table_shows_hostile_text_literally_and_harmlessly(
    run, db_url, hostile, tmp_path, lang
):
    assert run("segment", "save", "vips", "tag != nobody").exit_code == 0
    shows = SHOWS_TEXT | ({"report summary"} if lang == "zh" else set())  # tier names in zh
    commands = _commands(hostile, tmp_path)
    wrong = []
    for command, (code, stdout, stderr) in zip(
        commands, run_wide(db_url, lang, commands), strict=True
    ):
        label = " ".join(command[:2]) if len(command) > 1 else command[0]
        if code != 0 or any(char in stdout + stderr for char in FORBIDDEN):
            wrong.append((command, code, stdout + stderr))
        elif (SHOWN in _unwrapped(stdout)) != (label in shows):
            wrong.append((command, label in shows, stdout + stderr))
    assert wrong == []


def test_json_keeps_the_text_as_stored(run, hostile):
    shown = run.json("member", "show", hostile)
    assert shown["name"] == HOSTILE and HOSTILE in shown["tags"]
    assert json.loads(run("member", "list", "-f", "json").stdout)[0]["store"] == HOSTILE


def test_an_operator_with_an_escape_sequence_cannot_forge_audit_lines(run, engine, db_url):
    no = enroll(engine, phone="13800138000").member_no
    forger = "ev\x1b[2J\n2026-11-25 10:00:00 boss member.forget M000009"
    refused = run("--operator", forger, "points", "add", no, "5", "--reason", "r")
    assert refused.exit_code == 2  # refused as it is typed now; older data may still hold one
    assert run("--operator", "ev", "points", "add", no, "5", "--reason", "r").exit_code == 0
    with transaction(engine) as writing:
        entry = writing.exec(select(AuditEntry).where(AuditEntry.action == "points.add")).one()
        entry.operator = forger
        writing.add(entry)

    [(code, stdout, stderr)] = run_wide(db_url, "en", [("audit",)])

    assert code == 0, stderr
    assert "\x1b" not in stdout
    rows = [line for line in stdout.splitlines() if "points.add" in line]
    assert len(rows) == 1 and r"ev\x1b[2J\n2026-11-25 10:00:00 boss member.forget" in rows[0]
    assert not any(line.startswith("2026-11-25 10:00:00 boss") for line in stdout.splitlines())

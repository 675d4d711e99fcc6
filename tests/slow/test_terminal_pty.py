"""Stored and typed text on a real terminal (issue 14, 13.13): the import's progress bar names a
file called `[vip][bold]会员.csv` with its brackets (rich read them as markup), and the pick list of
`member search` shows names holding an escape sequence or a bidi override escaped."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from sqlmodel import col, update

from memberctl.db.session import transaction
from memberctl.models import Member
from tests.factories import enroll
from tests.slow.test_import_progress import _members, _seen
from tests.slow.test_menu_wizard import cli_json, finish, spawn

pytestmark = pytest.mark.slow


def test_a_file_name_with_markup_is_shown_as_it_is(db_url, engine, tmp_path):  # noqa: ARG001
    path = _members(tmp_path / "mid.csv", 5_000)
    hostile = shutil.move(path, tmp_path / "[vip][bold]会员.csv")

    status, output = _seen(db_url, str(hostile))

    assert status == 0, output
    assert re.search(r"importing \[vip\]\[bold\]会员\.csv .*━+", output), output
    assert len(cli_json(db_url, "member", "list", "--limit", "10000")) == 5_000


def test_the_pick_list_shows_hostile_names_escaped(db_url, engine):
    first = enroll(engine, name="Bob", phone="13800138000").member_no
    enroll(engine, name="Bob", phone="13900139000")
    with transaction(engine) as session:  # old data: written before input was checked
        session.exec(
            update(Member)
            .where(col(Member.member_no) == first)
            .values(name="Bob [/]\x1b[2J\u202eevil")
        )
    child = spawn(db_url, "member", "search", "Bob")
    child.logfile_read = transcript = io.StringIO()
    child.expect("Which member")
    child.expect_exact("Bob [/]\\x1b[2J\\u202eevil")
    child.send("1\r")
    status, output = finish(child)

    assert status == 0, output
    seen = transcript.getvalue()
    assert "\x1b[2J" not in seen and "\u202e" not in seen

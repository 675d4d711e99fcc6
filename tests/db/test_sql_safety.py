"""No SQL is built from strings: no f-string or %-formatting inside text(...) anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import memberctl

PACKAGE = Path(memberctl.__file__).parent
BUILT_TEXT = re.compile(r"""text\(\s*(f["']|["'][^"']*["']\s*%|["'][^"']*["']\s*\.format)""")


def test_no_sql_is_formatted_into_text():
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in PACKAGE.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BUILT_TEXT.search(line)
    ]
    assert offenders == []


def test_the_pattern_catches_what_it_should():
    assert BUILT_TEXT.search('text(f"SELECT * FROM member WHERE id = {x}")')
    assert BUILT_TEXT.search('text("SELECT %s" % x)')
    assert not BUILT_TEXT.search('text("SELECT 1")')

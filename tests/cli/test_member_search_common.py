"""A common text (a surname, one character found in thousands of names) is looked for first
among the first 4,000 members by number (search.WALK), which answers when it holds a page of
matches; else the keyed search does. Either way the clerk sees the first matches by number."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

from tests.cli.test_staff_scope import _staff
from tests.conftest import Run
from tests.spreadsheets.sheets import write_csv


def _shop(run: Run, tmp_path, names: dict[int, str]) -> None:
    """Members M00001... with these names, imported in a shuffled order (ids differ from the
    order of their numbers)."""
    rows = [[f"M{n:05d}", name, f"139{n:08d}"] for n, name in names.items()]
    random.Random(7).shuffle(rows)
    sheet = write_csv(tmp_path / "members.csv", [["会员卡号", "姓名", "手机号"], *rows])
    imported = run("import", "members", str(sheet))
    assert imported.exit_code == 0, imported.stderr


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ARG001
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _first(run: Run, text: str) -> list[str]:
    return [m["member_no"] for m in run.json("member", "search", text)]


def _walks(statement: str) -> bool:
    """The statement reads the first members by number (a subquery of `member`, then a page)."""
    return statement.startswith("SELECT anon_1.id, anon_1.member_no")


def test_a_common_name_part_is_answered_by_the_first_members(run: Run, tmp_path):
    # 伟 in every second name: 2,500 of 5,000, past search.COMMON (2,000); the first 50 matches by
    # number are among the first 4,000
    names = {n: ("王伟" if n % 2 else "李娜") + str(n) for n in range(1, 5001)}
    _shop(run, tmp_path, names)
    expected = [f"M{n:05d}" for n in sorted(names) if "伟" in names[n]][:50]
    with _statements() as statements:
        assert _first(run, "伟") == expected
    keyed = [s for s in statements if "member_search_key" in s]
    assert len(keyed) == 1 and keyed[0].startswith("SELECT count(*)")  # only: is it common?
    assert any(_walks(s) for s in statements)


def test_when_the_first_members_hold_too_few_the_keyed_search_answers(run: Run, tmp_path):
    # 伟 only from M03991 on: 2,010 matches (common), 10 of them among the first 4,000
    names = {n: ("王伟" if n > 3990 else "李娜") + str(n) for n in range(1, 6001)}
    _shop(run, tmp_path, names)
    expected = [f"M{n:05d}" for n in range(3991, 4041)]
    with _statements() as statements:
        assert _first(run, "伟") == expected
    walk = next(i for i, s in enumerate(statements) if _walks(s))
    assert any("member_search_key" in s for s in statements[walk + 1 :])  # then the keys
    assert _first(run, "王伟3995") == ["M03995"]  # a rare text: the keys alone
    assert [m["member_no"] for m in run.json("member", "search", "ww")][:3] == [
        "M03991",
        "M03992",
        "M03993",
    ]


def test_a_clerk_walks_only_their_stores_members(run: Run, engine: Engine, tmp_path):
    # 2,500 named 王伟…, a third of them in S2: a clerk of S2 finds S2's first 50, which the
    # first 4,000 members by number do not hold (they hold 2,500 members in all)
    rows = [
        [f"M{n:05d}", f"王伟{n}", f"139{n:08d}", "S2" if n % 3 == 0 else "S1"]
        for n in range(1, 2501)
    ]
    for code in ("S1", "S2"):
        assert run("store", "add", code).exit_code == 0
    sheet = write_csv(tmp_path / "m.csv", [["会员卡号", "姓名", "手机号", "门店"], *rows])
    assert run("import", "members", str(sheet)).exit_code == 0
    clerk = {
        "MEMBERCTL_TOKEN": _staff(engine, "clerk2", "clerk", ("S2",)),
        "MEMBERCTL_OPERATOR": None,
    }
    found = run("member", "search", "伟", "-f", "json", env=clerk)  # type: ignore[arg-type]
    assert found.exit_code == 0, found.stderr
    assert [m["member_no"] for m in json.loads(found.stdout)] == [
        f"M{n:05d}" for n in range(3, 151, 3)
    ]

"""The opening every keyed points and wallet write shares (`points.open_write`), through the real
CLI: the key is checked first, then a repeat of an earlier write with that key is answered, and
only a new write needs an active member."""

from __future__ import annotations

import json

import pytest

from tests.conftest import error_line
from tests.factories import act, enroll, snapshot

WRITES = [
    ["points", "add", "{m}", "5", "--reason", "r"],
    ["points", "deduct", "{m}", "5", "--reason", "r"],
    ["wallet", "topup", "{m}", "10"],
    ["wallet", "pay", "{m}", "5"],
    ["wallet", "refund", "{m}", "5"],
]
IDS = [" ".join(w[:2]) for w in WRITES]


def _funded(run, engine) -> str:
    m = enroll(engine).member_no
    run.json("points", "add", m, "100", "--reason", "opening", "--key", "open-p")
    run.json("wallet", "topup", m, "100", "--key", "open-w")
    run.json("wallet", "pay", m, "50", "--key", "open-pay")
    return m


@pytest.mark.parametrize("args", WRITES, ids=IDS)
def test_an_empty_key_is_refused_before_the_member_status(run, engine, args):
    m = _funded(run, engine)
    act(engine, m, "freeze")
    before = snapshot(engine)
    result = run(*[a.format(m=m) for a in args], "--key", " ")
    assert (result.exit_code, error_line(result).split(";")[0]) == (2, "error: the --key is empty")
    assert snapshot(engine) == before


@pytest.mark.parametrize("args", WRITES, ids=IDS)
def test_a_repeat_is_answered_even_after_the_member_was_frozen(run, engine, args):
    m = _funded(run, engine)
    write = [a.format(m=m) for a in args] + ["--key", "K1", "-f", "json"]
    first = json.loads(run(*write).stdout)
    act(engine, m, "freeze")
    before = snapshot(engine)
    again = run(*write)
    assert again.exit_code == 0, again.stderr
    repeat = json.loads(again.stdout)
    same = ("member_no", "points", "balance")  # a points repeat shows no allocations again
    assert (repeat["duplicate"], *map(repeat.get, same)) == (True, *map(first.get, same))
    assert snapshot(engine) == before
    new = run(*[a.format(m=m) for a in args], "--key", "K2")
    assert (new.exit_code, "the member is frozen" in error_line(new)) == (4, True)

"""`memberctl import members` over several chunks: what one chunk decides must hold for the next."""

from __future__ import annotations

import gc
import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from memberctl.models import Member, PointsEntry
from memberctl.spreadsheets import read
from tests.factories import enroll
from tests.spreadsheets.sheets import write_csv, write_xlsx

HEADER = ["姓名", "手机号", "会员卡号", "积分"]
pytestmark = pytest.mark.usefixtures("small_chunks")  # two rows a chunk


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(read, "CHUNK_ROWS", 2)


def _import(run, path, *options):
    result = run("import", "members", str(path), *options, "--format", "json")
    return result, json.loads(result.stdout) if result.stdout else None


def _numbers(session):
    rows = session.exec(select(Member.name, Member.member_no).order_by(Member.name))
    return dict(rows.all())


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_generated_number_gives_way_to_a_later_explicit_one(run, session, tmp_path, writer):
    suffix = ".csv" if writer is write_csv else ".xlsx"
    path = writer(
        tmp_path / f"m{suffix}",
        [
            HEADER,
            ["Ann", "13800138000", "", "10"],
            ["Bob", "13900139000", "", "0"],
            ["Cat", "13700137000", "M000001", "5"],
            ["Dan", "13600136000", "M000002", ""],
        ],
    )
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"], data["errors"]) == (4, 0, [])
    numbers = _numbers(session)
    assert (numbers["Cat"], numbers["Dan"]) == ("M000001", "M000002")
    assert len(set(numbers.values())) == 4
    assert {numbers["Ann"], numbers["Bob"]}.isdisjoint({"M000001", "M000002"})
    points = dict(
        session.exec(
            select(Member.name, func.sum(PointsEntry.points))
            .join(PointsEntry, PointsEntry.member_id == Member.id)
            .group_by(Member.name)
        ).all()
    )
    assert points == {"Ann": 10, "Cat": 5}


def test_generated_number_gives_way_in_a_non_empty_database(run, engine, session, tmp_path):
    enroll(engine, name="Old", phone="13500135000")  # takes M000001
    path = write_csv(
        tmp_path / "m.csv",
        [
            HEADER,
            ["Ann", "13800138000", "", ""],
            ["Bob", "13900139000", "", ""],
            ["Cat", "13700137000", "M000002", ""],
        ],
    )
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    assert (data["inserted"], data["rejected"]) == (3, 0)
    numbers = _numbers(session)
    assert (numbers["Old"], numbers["Cat"]) == ("M000001", "M000002")
    assert len(set(numbers.values())) == 4


def test_referrer_by_number_means_the_explicit_member(run, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        [
            [*HEADER, "推荐人"],
            ["Ann", "13800138000", "", "", ""],
            ["Bob", "13900139000", "", "", "M000001"],
            ["Cat", "13700137000", "M000001", "", ""],
        ],
    )
    result, data = _import(run, path)
    assert result.exit_code == 0, result.stderr
    assert data["inserted"] == 3
    assert run.json("member", "show", "13900139000")["referrer"] == "M000001"
    assert run.json("member", "show", "M000001")["name"] == "Cat"


def test_duplicates_across_chunks_name_the_first_row(run, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        [
            HEADER,
            ["Ann", "13800138000", "", ""],
            ["Bob", "13900139000", "", ""],
            ["Cat", "13700137000", "", ""],
            ["Ann2", "138 0013 8000", "", ""],
        ],
    )
    result, data = _import(run, path, "--skip-invalid")
    assert result.exit_code == 0
    assert (data["inserted"], data["rejected"]) == (3, 1)
    [error] = data["errors"]
    assert (error["row"], error["message"]) == (5, "duplicate of row 2 in this file")


@pytest.mark.parametrize("rows", [[["Ann", "13800138000"]], [["Ann", "12"]]], ids=["ok", "no"])
def test_garbage_collector_is_running_again_afterwards(run, tmp_path, rows):
    path = write_csv(tmp_path / "m.csv", [["姓名", "手机号"], *rows, ["Bob", "13900139000"]])
    assert gc.isenabled()
    result, data = _import(run, path)
    assert result.exit_code == (0 if rows[0][1] != "12" else 5)
    assert data["inserted"] == (2 if result.exit_code == 0 else 0)
    assert data["would_insert"] == (2 if result.exit_code == 0 else 1)
    assert gc.isenabled()

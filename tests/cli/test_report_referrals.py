"""`memberctl report referrals` and `--where referrals` through the real CLI, on the shop of
tests/referraldata.py (SQLite, or PostgreSQL with MEMBERCTL_TEST_DB). Every figure below was
worked out by hand from the table in that module's docstring."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import Engine, insert

from memberctl.domain import audit, sessions
from memberctl.models import Staff, StaffStore
from tests.conftest import NOW, failure
from tests.referraldata import AS_OF, seed

DAY = ("--as-of", AS_OF.isoformat())
PERIOD = ("--from", "2026-03-01", "--to", "2026-10-31")


@pytest.fixture
def shop(engine):
    return seed(engine)


def referrer(no, name, phone, referred, cancelled, orders, spend, own_orders, own_spend):
    return {
        "member_no": no, "name": name, "phone": phone, "tier": "basic", "status": "active",
        "referred": referred, "cancelled": cancelled, "referred_purchases": orders,
        "referred_spend": spend, "own_purchases": own_orders, "own_spend": own_spend,
    }  # fmt: skip


def referred(by, by_name, no, name, phone, status, joined, orders, spend):
    return {
        "referrer_no": by, "referrer_name": by_name, "member_no": no, "name": name,
        "phone": phone, "tier": "basic", "status": status, "joined_at": f"{joined}T10:00:00",
        "purchases": orders, "spend": spend,
    }  # fmt: skip


P = "138****800"  # a masked phone of the shop, less its last digit
A = ("M000001", "张三", P + "1")
B = ("M000002", "李四", P + "2")


def test_all_time_up_to_as_of(run, shop):  # noqa: ARG001
    assert run.json("report", "referrals", *DAY) == {
        "start": None,
        "end": "2026-11-25",
        "referrers": [
            referrer(*A, 3, 1, 5, "1290.00", 2, "300.00"),
            referrer(*B, 1, 0, 1, "60.00", 2, "450.00"),  # G joins the day after
        ],
        "referred": [  # by referrer, most spend first; the refunded 80.00 counts for nothing
            referred(*A[:2], "M000003", "王五", P + "3", "active", "2026-03-15", 2, "750.00"),
            referred(*A[:2], "M000002", "李四", P + "2", "active", "2025-06-01", 2, "450.00"),
            referred(*A[:2], "M000005", "钱七", P + "5", "cancelled", "2026-05-01", 1, "90.00"),
            referred(*B[:2], "M000004", "赵六", P + "4", "active", "2026-10-20", 1, "60.00"),
        ],
    }  # fmt: skip


def test_a_period_counts_who_joined_in_it_and_the_spend_in_it(run, shop):  # noqa: ARG001
    data = run.json("report", "referrals", *PERIOD, *DAY)
    assert (data["start"], data["end"]) == ("2026-03-01", "2026-10-31")
    assert data["referrers"] == [
        referrer(*A, 2, 1, 3, "840.00", 0, "0.00"),  # C and E; A bought in January and November
        referrer(*B, 1, 0, 1, "60.00", 1, "150.00"),  # D; B's 80.00 of 09-09 was refunded
    ]
    assert [(r["member_no"], r["spend"]) for r in data["referred"]] == [
        ("M000003", "750.00"),
        ("M000005", "90.00"),
        ("M000004", "60.00"),
    ]


def test_to_defaults_to_as_of_and_a_later_day_brings_g_in(run, shop):  # noqa: ARG001
    data = run.json("report", "referrals", "--as-of", "2026-11-26")
    assert data["referrers"][1] == referrer(*B, 2, 0, 3, "170.00", 2, "450.00")  # D 100, G 70
    only_to = run.json("report", "referrals", "--to", "2026-11-25", "--as-of", "2026-11-30")
    assert only_to == run.json("report", "referrals", *DAY)


def test_where_referrals_through_member_list(run, shop):
    def listed(*args):
        return [m["member_no"] for m in run.json("member", "list", *args)]

    assert listed("--where", "referrals >= 2", *DAY) == [shop["A"]]  # E is cancelled
    assert listed("--where", "referrals = 1", *DAY) == [shop["B"]]
    # on 2026-11-26 G has joined: B referred two (newest first)
    assert listed("--where", "referrals >= 2", "--as-of", "2026-11-26") == [shop["B"], shop["A"]]
    assert len(listed("--where", "referrals = 0", *DAY)) == 5


def test_where_limit_and_store_select_the_referrers(run, shop):  # noqa: ARG001
    data = run.json("report", "referrals", "--where", "referrals >= 2", *DAY)
    assert [r["member_no"] for r in data["referrers"]] == ["M000001"]
    assert {r["referrer_no"] for r in data["referred"]} == {"M000001"}
    limited = run.json("report", "referrals", "--limit", "1", *DAY)
    assert limited == data
    south = run.json("report", "referrals", "--store", "south", *DAY)
    assert (south["referrers"], south["referred"]) == ([], [])  # C and D live there, referred


def test_from_after_to_is_a_usage_error(run, shop):  # noqa: ARG001
    result = run("report", "referrals", "--from", "2026-11-02", "--to", "2026-11-01")
    assert failure(result, 2) == (
        "error: --from 2026-11-02 is after --to 2026-11-01; give --from on or before --to"
    )


def test_a_bad_date_is_a_usage_error(run, shop):  # noqa: ARG001
    result = run("report", "referrals", "--from", "2026-02-30")
    assert result.exit_code == 2
    assert "Invalid value for '--from'" in result.stderr
    assert result.stdout == ""


def test_csv_is_the_referrers(run, shop):  # noqa: ARG001
    result = run("report", "referrals", *PERIOD, *DAY, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["member_no", "name", "phone", "tier", "status", "referred", "cancelled",
         "referred_purchases", "referred_spend", "own_purchases", "own_spend"],
        ["M000001", "张三", P + "1", "basic", "active", "2", "1", "3", "840.00", "0", "0.00"],
        ["M000002", "李四", P + "2", "basic", "active", "1", "0", "1", "60.00", "1", "150.00"],
    ]  # fmt: skip


def test_xlsx_has_the_period_the_referrers_and_who_they_referred(run, shop, tmp_path):  # noqa: ARG001
    import openpyxl

    out = tmp_path / "referrals.xlsx"
    result = run("report", "referrals", *DAY, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["referrals", "referrers", "referred"]
    rows = [list(r) for r in book["referred"].iter_rows(values_only=True)]
    assert rows[0][:3] == ["referrer_no", "referrer_name", "member_no"]
    assert [(r[0], r[2], r[-1]) for r in rows[1:]] == [
        ("M000001", "M000003", 750),
        ("M000001", "M000002", 450),
        ("M000001", "M000005", 90),
        ("M000002", "M000004", 60),
    ]
    assert [r[8] for r in book["referrers"].iter_rows(min_row=2, values_only=True)] == [1290, 60]


def test_phones_are_masked_unless_show_pii_which_is_audited(run, shop, session):  # noqa: ARG001
    data = run.json("report", "referrals", *DAY, "--show-pii")
    assert data["referrers"][0]["phone"] == "+8613800138001"
    assert data["referred"][0]["phone"] == "+8613800138003"
    entries = audit.list_entries(session=session, action="report.show_pii")
    assert [e.details for e in entries] == [{"report": "referrals"}]


def _token(engine: Engine, name: str, role: str, store: str) -> dict[str, str | None]:
    with engine.begin() as connection:
        staff_id = connection.execute(
            insert(Staff.__table__).values(  # type: ignore[attr-defined]
                name=name, role=role, password_hash="x", created_at=NOW
            )
        ).inserted_primary_key[0]
        connection.execute(
            insert(StaffStore.__table__).values(staff_id=staff_id, store=store)  # type: ignore[attr-defined]
        )
        token = sessions.issue(connection, staff_id=staff_id, kind="login")
    return {"MEMBERCTL_TOKEN": token, "MEMBERCTL_OPERATOR": None}


def test_a_manager_sees_the_referred_members_of_their_store_a_clerk_no_report(run, shop, engine):  # noqa: ARG001
    manager = _token(engine, "manager1", "manager", "north")
    clerk = _token(engine, "clerk1", "clerk", "north")
    result = run("report", "referrals", *DAY, "-f", "json", env=manager)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # north and no store: B (north) and E (none) of A's; C and D (south) are not theirs
    assert data["referrers"] == [referrer(*A, 2, 1, 3, "540.00", 2, "300.00")]
    assert [r["member_no"] for r in data["referred"]] == ["M000002", "M000005"]
    assert failure(run("report", "referrals", *DAY, env=clerk), 6) == (
        "error: 'memberctl report referrals' needs a manager, a job token or the owner; clerk1 "
        "is a clerk; ask someone with that role, or log in as them with 'memberctl login'"
    )


def test_an_empty_database(run, tmp_path):
    import openpyxl

    assert run.json("report", "referrals", *DAY) == {
        "start": None,
        "end": "2026-11-25",
        "referrers": [],
        "referred": [],
    }
    result = run("report", "referrals", *DAY, "-f", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("member_no,name,phone,")
    table = run("report", "referrals", *DAY)
    assert table.exit_code == 0
    assert "referrals up to 2026-11-25" in table.stdout
    assert table.stderr == "(none)\n"
    out = tmp_path / "empty.xlsx"
    assert run("report", "referrals", *DAY, "--out", str(out)).exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames == ["referrals", "referrers", "referred"]


@pytest.mark.parametrize("option", ["--from", "--to", "--as-of"])
def test_the_period_has_the_range_of_every_day_option(run, option):
    expected = f"Invalid value for '{option}': the day must be from 1900-01-01 to 9899-12-31"
    failure(run("report", "referrals", option, "0001-01-01"), 2, expected)


def test_the_last_day_there_is_works(run, shop):  # noqa: ARG001
    data = run.json("report", "referrals", "--from", "1900-01-01", "--as-of", "9899-12-31")
    assert [(r["member_no"], r["referred"]) for r in data["referrers"]] == [
        ("M000001", 3),
        ("M000002", 2),
    ]

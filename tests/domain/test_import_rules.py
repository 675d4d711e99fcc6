"""The import rules on plain rows: no file, no pandas, a real database.

`memberctl.domain.imports` reads rows from a `Source`; here it is a list of batches of
`(row, {field: value})` with values already normalised, as memberctl.spreadsheets would give
them. Rejections are kept by row and field (`RowErrors`)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from memberctl.db.session import transaction
from memberctl.domain import lifecycle
from memberctl.domain.imports.members import import_members
from memberctl.domain.imports.purchases import import_purchases
from memberctl.domain.imports.report import Discarded, Options, Report, RowErrors
from memberctl.domain.tiers import TierNames
from memberctl.models import ImportRun, LifecycleChange, Member, Purchase
from tests.factories import NOW, add_store, enroll, member_in

MEMBER_FIELDS = (
    "name", "phone", "gender", "birthday", "email", "address", "tier", "points", "balance",
    "member_no", "joined_at", "store", "tags", "referrer", "status",
)  # fmt: skip
PURCHASE_FIELDS = ("phone", "member_no", "order_no", "amount", "at", "store", "category")


@dataclass
class Rows:
    """A Source of plain rows: `fields` the columns it has, `batches` as given."""

    given: list[list[tuple[int, dict[str, Any]]]]
    fields: frozenset[str]
    name: str = "rows"
    sha256: str = "0" * 64
    settings: dict[str, Any] = field(default_factory=dict)
    header_row: int = 1
    total_rows: list[int] = field(default_factory=list)
    rejections: RowErrors = field(default_factory=RowErrors)

    def batches(self, tiers: TierNames | None) -> Iterator[list[tuple[int, dict[str, Any]]]]:  # noqa: ARG002
        yield from self.given

    def write_errors(self) -> Path | None:
        return None


def member(**values: Any) -> dict[str, Any]:
    blank: dict[str, Any] = dict.fromkeys(MEMBER_FIELDS)
    return {**blank, "tags": [], **values}


def members_source(*batches: list[dict[str, Any]]) -> Rows:
    """Rows numbered from 2 (the header is row 1) across batches; fields: those any row gives."""
    numbered, row = [], 2
    given = set()
    for batch in batches:
        numbered.append([])
        for values in batch:
            given |= {k for k, v in values.items() if v not in (None, [])}
            numbered[-1].append((row, member(**values)))
            row += 1
    return Rows(numbered, frozenset(given | {"name", "phone"}))


def run_members(engine: Any, source: Rows, **options: Any) -> Report:
    settings = Options(operator="tester", at=NOW, **options)
    try:
        with transaction(engine) as session:
            return import_members(session=session, source=source, options=settings)
    except Discarded as discarded:
        return discarded.report


def errors(report: Report) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, e.message) for e in report.errors]


def test_new_members_are_inserted_with_their_enrolment(engine, session):
    source = members_source([{"name": "张三", "phone": "+8613800138000", "points": 30}])
    report = run_members(engine, source)
    assert (report.inserted, report.rejected, report.rows) == (1, 0, 1)
    stored = session.exec(select(Member)).one()
    assert (stored.name, stored.phone, stored.points, stored.status) == (
        "张三",
        "+8613800138000",
        30,
        "active",
    )
    changes = session.exec(select(LifecycleChange.action, LifecycleChange.to_value)).all()
    assert changes == [("enroll", "active")]
    run = session.exec(select(ImportRun)).one()
    assert (run.kind, run.status, run.inserted, run.file_name) == ("members", "done", 1, "rows")


def test_a_phone_twice_in_one_batch_rejects_the_second_row(engine, session):
    source = members_source(
        [{"name": "甲", "phone": "+8613800138000"}, {"name": "乙", "phone": "+8613800138000"}]
    )
    report = run_members(engine, source, skip_invalid=True)
    assert errors(report) == [(3, "phone", "duplicate of row 2 in this file")]
    assert session.exec(select(Member.name)).all() == ["甲"]


def test_a_phone_repeated_in_a_later_batch_names_the_first_row(engine):
    source = members_source(
        [{"name": "甲", "phone": "+8613800138000"}], [{"name": "乙", "phone": "+8613800138000"}]
    )
    report = run_members(engine, source)
    assert errors(report) == [(3, "phone", "duplicate of row 2 in this file")]
    assert (report.discarded, report.inserted, report.would_insert) == (True, 0, 1)


@pytest.mark.parametrize(
    ("mode", "counts", "name"),
    [("skip", (0, 0, 1, 0), "旧名"), ("update", (0, 1, 0, 0), "新名")],
)
def test_on_existing_skip_or_update(engine, session, mode, counts, name):
    enroll(engine, name="旧名", phone="13800138000")
    source = members_source([{"name": "新名", "phone": "+8613800138000"}])
    report = run_members(engine, source, on_existing=mode)
    assert (report.inserted, report.updated, report.skipped, report.rejected) == counts
    assert session.exec(select(Member.name)).all() == [name]


def test_on_existing_error_rejects_the_row_and_writes_nothing(engine, session):
    number = enroll(engine, name="旧名", phone="13800138000").member_no
    source = members_source(
        [{"name": "新名", "phone": "+8613800138000"}, {"name": "新人", "phone": "+8613900139000"}]
    )
    report = run_members(engine, source)
    message = f"member {number} already exists; use --on-existing skip or update"
    assert errors(report) == [(2, "phone", message)]
    assert report.discarded
    assert session.exec(select(Member.name)).all() == ["旧名"]
    assert session.exec(select(ImportRun)).all() == []  # rolled back with everything else


def test_a_status_move_the_lifecycle_refuses_rejects_the_row(engine, session):
    cancelled = member_in(engine, "cancelled", phone="13800138000")
    source = members_source([{"name": "甲", "phone": "+8613800138000", "status": "frozen"}])
    report = run_members(engine, source, on_existing="update", skip_invalid=True)
    stored = session.exec(select(Member).where(Member.member_no == cancelled.member_no)).one()
    refused = str(lifecycle.refusal(stored, "freeze"))
    assert errors(report) == [(2, "status", refused)]
    assert stored.status == "cancelled"


def test_a_status_move_the_lifecycle_allows_is_recorded(engine, session):
    frozen = member_in(engine, "frozen", phone="13800138000")
    source = members_source([{"name": "甲", "phone": "+8613800138000", "status": "active"}])
    report = run_members(engine, source, on_existing="update")
    assert (report.updated, report.rejected) == (1, 0)
    stored = session.exec(select(Member).where(Member.member_no == frozen.member_no)).one()
    assert stored.status == "active"
    moves = session.exec(
        select(LifecycleChange.action, LifecycleChange.from_value, LifecycleChange.to_value).where(
            LifecycleChange.member_id == stored.id, LifecycleChange.action == "import"
        )
    ).all()
    assert moves == [("import", "frozen", "active")]


def test_a_referrer_further_down_is_linked_and_an_unknown_one_rejected(engine, session):
    source = members_source(
        [{"name": "甲", "phone": "+8613800138001", "referrer": (None, "+8613800138002")}],
        [
            {"name": "乙", "phone": "+8613800138002"},
            {"name": "丙", "phone": "+8613800138003", "referrer": ("M999999", None)},
        ],
    )
    report = run_members(engine, source, skip_invalid=True)
    message = (
        "referrer M999999 is not a member and not in this file; import the referrer first or "
        "leave it empty"
    )
    assert errors(report) == [(4, "referrer", message)]
    rows = session.exec(select(Member.name, Member.id, Member.referrer_id)).all()
    ids = {name: member_id for name, member_id, _ in rows}
    assert {name: ref for name, _, ref in rows} == {"甲": ids["乙"], "乙": None}


def test_a_dry_run_checks_everything_and_writes_nothing(engine, session):
    source = members_source([{"name": "甲", "phone": "+8613800138000"}])
    report = run_members(engine, source, dry_run=True)
    assert (report.dry_run, report.discarded, report.inserted, report.would_insert) == (
        True,
        True,
        0,
        1,
    )
    assert session.exec(select(Member)).all() == []


def purchases_source(*rows: dict[str, Any]) -> Rows:
    blank: dict[str, Any] = dict.fromkeys(PURCHASE_FIELDS)
    numbered = [(row, {**blank, **values}) for row, values in enumerate(rows, start=2)]
    return Rows([numbered], frozenset(PURCHASE_FIELDS))


def run_purchases(engine: Any, source: Rows, **options: Any) -> Report:
    settings = Options(operator="tester", at=NOW, **options)
    try:
        with transaction(engine) as session:
            return import_purchases(session=session, source=source, options=settings)
    except Discarded as discarded:
        return discarded.report


def purchase(order_no: str, **values: Any) -> dict[str, Any]:
    at = dt.datetime(2026, 11, 1, 12)
    return {"order_no": order_no, "amount": Decimal("88.00"), "at": at, **values}


def test_a_purchase_for_an_unknown_member_is_rejected(engine, session):
    enroll(engine, phone="13800138000")
    source = purchases_source(
        purchase("A1", phone="+8613800138000"),
        purchase("A2", member_no="M999999"),
        purchase("A3", phone="+8613900139000"),
    )
    report = run_purchases(engine, source, skip_invalid=True)
    no_member = "no member {}; import or enrol the member first"
    assert errors(report) == [
        (3, "member_no", no_member.format("M999999")),
        (4, "phone", no_member.format("139****9000")),
    ]
    assert session.exec(select(Purchase.order_no)).all() == ["A1"]


def test_a_purchase_recorded_before_is_skipped_and_a_clash_rejected(engine, session):
    enroll(engine, phone="13800138000")
    add_store(engine, "东店")
    run_purchases(engine, purchases_source(purchase("A1", phone="+8613800138000")))
    again = purchases_source(
        purchase("A1", phone="+8613800138000"),
        purchase("A1", phone="+8613800138000", store="东店"),
        purchase("A1", phone="+8613800138000", store="东店"),
    )
    report = run_purchases(engine, again, skip_invalid=True)
    assert (report.inserted, report.skipped) == (1, 1)
    assert errors(report) == [(4, "order_no", "duplicate of row 3 in this file")]
    stores = session.exec(select(Purchase.store).order_by(Purchase.id)).all()
    assert stores == ["", "东店"]


def test_a_frozen_member_earns_nothing_from_an_import(engine):
    member_in(engine, "frozen", phone="13800138000")
    report = run_purchases(engine, purchases_source(purchase("A1", phone="+8613800138000")))
    assert [(row, column) for row, column, _ in errors(report)] == [(2, "phone")]
    assert report.discarded


def test_the_rules_load_neither_pandas_nor_the_spreadsheet_package():
    code = (
        "import sys; import memberctl.domain.imports.members, memberctl.domain.imports.purchases;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'openpyxl')"
        " or m.startswith('memberctl.spreadsheets')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_rows_source_is_read_in_one_session(engine):
    """The session passed is the one written to (nothing committed behind the caller's back)."""
    source = members_source([{"name": "甲", "phone": "+8613800138000"}])
    with Session(engine) as session:
        import_members(session=session, source=source, options=Options(operator="t", at=NOW))
        session.rollback()
    with Session(engine) as session:
        assert session.exec(select(Member)).all() == []

"""Importing purchases: member by phone or member number, order number unique per store.

Same rules as the member import (one transaction recorded in `import_run`, strict by default,
`--skip-invalid`, `--dry-run`, an errors file). An order number repeated inside the file is a
rejected row naming the first one; an order number already recorded for its store is skipped
when the row is that purchase (same member, amount and time), never doubled, and rejected with
the reason when it is another purchase. Purchases are inserted with Core executemany carrying
the run's id, then `domain.purchases.earn_for_import_run` credits their points set-based (active
members only, by each member's tier rule), so a re-run of the same file earns nothing twice.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import Session

from memberctl.db.bulk import insert_rows
from memberctl.domain import bulk, phones
from memberctl.domain.purchases import order_conflict, stored_orders
from memberctl.errors import InvalidInput
from memberctl.i18n import _
from memberctl.spreadsheets import headers, importer, normalize, rounded, totals
from memberctl.spreadsheets.importer import FirstSeen, Options, Report
from memberctl.spreadsheets.rejects import Rejects

REQUIRED = ("order_no", "amount", "at")


def parsers(region: str) -> dict[str, Any]:
    return {
        "phone": normalize.phone(region), "member_no": normalize.member_no,
        "order_no": normalize.text(64, _("the order number")), "amount": normalize.amount,
        "at": normalize.datetime, "store": normalize.text(64, _("the store")),
        "category": normalize.text(64, _("the category")),
    }  # fmt: skip


def import_purchases(*, session: Session, path: Path, options: Options) -> Report:
    began = time.perf_counter()
    importer.check_errors_file(path, options)
    mapping = headers.load_mapping(options.mapping, "purchases")
    sheet = importer.open_sheet(path, options, "purchases", mapping, REQUIRED)
    columns = headers.resolve(sheet.columns, "purchases", mapping, REQUIRED, options.header_row)
    if "phone" not in columns.fields and "member_no" not in columns.fields:
        raise InvalidInput(
            _("no column for the member: give a phone (手机号) or member number (会员卡号) column"),
            _("or map one with --mapping FILE.toml"),
        )
    if columns.unknown:
        options.warn(
            _("ignoring unknown columns: {unknown}").format(unknown=", ".join(columns.unknown))
        )
    run_id = importer.start(session, "purchases", path, options)
    rejects = Rejects(sheet.columns)
    job = PurchaseJob(session, options, columns, rejects, run_id)
    guard = rounded.Guard(sheet, columns.fields.get("phone"))
    job.report.header_row = sheet.header_row
    keys = [columns.column("phone"), columns.column("member_no")]
    with importer.few_collections() as collect:
        for chunk in sheet.chunks:
            frame, total_rows = totals.split(chunk, [], keys)
            job.report.total_rows += total_rows
            guard.reject(frame, rejects)
            job.add(frame)
            collect()
            if options.progress:
                options.progress(job.report.rows, sheet.total)
    if job.writing and job.report.inserted and not (len(rejects) and not options.skip_invalid):
        from memberctl.domain.purchases import earn_for_import_run

        earn_for_import_run(
            session=session, import_run_id=run_id, operator=options.operator, at=options.at
        )
    return importer.finish(
        session=session, kind="purchases", run_id=run_id, report=job.report, rejects=rejects,
        path=path, options=options, began=began,
    )  # fmt: skip


class PurchaseJob:
    def __init__(
        self, session: Session, options: Options, columns: headers.ColumnMap, rejects: Rejects,
        run_id: int,
    ) -> None:  # fmt: skip
        self.session, self.options, self.columns, self.rejects = session, options, columns, rejects
        self.run_id = run_id
        self.parsers = parsers(options.region)
        self.orders = FirstSeen()
        self.report = Report()
        self.writing = not options.dry_run

    def add(self, frame: pd.DataFrame) -> None:
        self.report.rows += len(frame)
        values = importer.parse_columns(frame, self.columns, self.parsers, self.rejects)
        importer.require(frame, values, self.columns, REQUIRED, self.rejects)
        index = frame.index.tolist()
        keys = list(values)
        records = [
            dict(zip(keys, cells, strict=True)) for cells in zip(*values.values(), strict=True)
        ]
        members = self._members(frame, index, records)
        candidates = self._candidates(frame, index, records)
        known = stored_orders(
            self.session, {(r["store"] or "", r["order_no"]) for _row, r in candidates}
        )
        rows = []
        for row, rec in candidates:
            if row in self.rejects:
                continue
            stored = known.get((rec["store"] or "", rec["order_no"]))
            if stored is None:
                rows.append(self._row(rec, members[row]))
            elif why := order_conflict(stored, members[row], rec["amount"], rec["at"]):
                self.rejects.add(frame, row, self.columns.column("order_no"), why)
            else:
                self.report.skipped += 1  # exactly this purchase, recorded before
        self.report.inserted += len(rows)
        if self.writing and len(self.rejects) and not self.options.skip_invalid:
            self.writing = False
        if self.writing:
            insert_rows(self.session, bulk.PURCHASE, rows)

    def _members(
        self, frame: pd.DataFrame, index: list[int], records: list[dict[str, Any]]
    ) -> dict[int, int]:
        """The member id of each row; rows naming no known member are rejected."""
        by_no = bulk.members_by(self.session, "member_no", (r["member_no"] for r in records))
        by_phone = bulk.members_by(self.session, "phone", (r["phone"] for r in records))
        found: dict[int, int] = {}
        no_member = _("no member {what}; import or enrol the member first")  # once, not per row
        missing = _("the member is missing: give a phone or member number")
        for row, rec in zip(index, records, strict=True):
            number, phone = rec["member_no"], rec["phone"]
            member = by_no.get(number) if number else by_phone.get(phone) if phone else None
            if member is not None and (refused := _not_active(member)) is not None:
                column = self.columns.column("member_no" if number else "phone")
                self.rejects.add(frame, row, column, refused)
            elif member is not None:
                found[row] = member.id
            elif row not in self.rejects or not (number or phone):
                column = self.columns.column("member_no" if number or not phone else "phone")
                what = number or phones.mask(phone)  # masked: the summary line goes to stderr
                message = no_member.format(what=what) if what else missing
                self.rejects.add(frame, row, column if column in frame.columns else None, message)
        return found

    def _candidates(
        self, frame: pd.DataFrame, index: list[int], records: list[dict[str, Any]]
    ) -> list[tuple[int, dict[str, Any]]]:
        """Rows with an order number, duplicates inside the file rejected."""
        order_col = self.columns.column("order_no")
        candidates = []
        duplicate = _("duplicate of row {first} in this file")
        for row, rec in zip(index, records, strict=True):
            if rec["order_no"] is None:
                continue
            first = self.orders.claim((rec["store"] or "", rec["order_no"]), row)
            if first is not None:
                self.rejects.add(frame, row, order_col, duplicate.format(first=first))
            candidates.append((row, rec))
        return candidates

    def _row(self, rec: dict[str, Any], member_id: int) -> dict[str, Any]:
        return {
            "member_id": member_id, "order_no": rec["order_no"], "store": rec["store"] or "",
            "amount": rec["amount"], "at": rec["at"], "category": rec["category"],
            "points_earned": 0, "refunded_at": None, "import_run_id": self.run_id,
            "operator": self.options.operator, "created_at": self.options.at,
        }  # fmt: skip


def _not_active(member: Any) -> str | None:
    """Why `purchase record` would refuse this member (exit 4 there), in its words; None for an
    active member. A frozen or cancelled member earns nothing, so the row is rejected."""
    if member.status == "active" and member.forgotten_at is None:  # the common case, per row
        return None
    from memberctl.domain.points import ensure_active
    from memberctl.errors import MemberctlError

    try:
        ensure_active(member, _("record a purchase"))
    except MemberctlError as refused:
        return str(refused)
    return None

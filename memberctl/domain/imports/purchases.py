"""Importing purchases on plain rows: member by phone or member number, order number unique
per store.

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
from typing import Any

from sqlmodel import Session

from memberctl.db.bulk import insert_rows
from memberctl.domain import phones
from memberctl.domain.imports import runs, store
from memberctl.domain.imports.report import FirstSeen, Options, Rejections, Report, Source
from memberctl.domain.imports.report import Row as SourceRow
from memberctl.domain.imports.store_cells import StoreCells
from memberctl.domain.points import ensure_active
from memberctl.domain.purchases import earn_for_import_run, order_conflict, stored_orders
from memberctl.errors import MemberctlError
from memberctl.i18n import _


def import_purchases(*, session: Session, source: Source, options: Options) -> Report:
    began = time.perf_counter()
    run_id = runs.start(session, "purchases", source, options)
    job = PurchaseJob(session, options, source.rejections, run_id)
    for rows in source.batches(None):
        job.add(rows)
        del rows  # before the next chunk is read: one chunk's rows alive at a time, not two
    job.report.stores_added = job.stores.added
    rejects = source.rejections
    if job.writing and job.report.inserted and not (len(rejects) and not options.skip_invalid):
        earn_for_import_run(
            session=session, import_run_id=run_id, operator=options.operator, at=options.at
        )
    return runs.settle(
        session=session,
        kind="purchases",
        run_id=run_id,
        report=job.report,
        source=source,
        options=options,
        began=began,
    )


class PurchaseJob:
    def __init__(
        self, session: Session, options: Options, rejects: Rejections, run_id: int
    ) -> None:
        self.session, self.options, self.rejects, self.run_id = session, options, rejects, run_id
        self.orders = FirstSeen()
        self.report = Report()
        self.writing = not options.dry_run
        self.stores = StoreCells(session, options)

    def add(self, rows: list[SourceRow]) -> None:
        """One batch of rows (order number, amount and time required: rows without them are
        already rejected)."""
        self.report.rows += len(rows)
        self.stores.check(rows, self.rejects)  # before the order numbers: they are per store
        members = self._members(rows)
        candidates = self._candidates(rows)
        known = stored_orders(
            self.session, {(r["store"] or "", r["order_no"]) for _row, r in candidates}
        )
        new = []
        for row, rec in candidates:
            if row in self.rejects:
                continue
            stored = known.get((rec["store"] or "", rec["order_no"]))
            if stored is None:
                new.append(self._row(rec, members[row]))
            elif why := order_conflict(stored, members[row], rec["amount"], rec["at"]):
                self.rejects.reject(row, "order_no", why)
            else:
                self.report.skipped += 1  # exactly this purchase, recorded before
        self.report.inserted += len(new)
        if self.writing and len(self.rejects) and not self.options.skip_invalid:
            self.writing = False
        if self.writing:
            insert_rows(self.session, store.PURCHASE, new)

    def _members(self, rows: list[SourceRow]) -> dict[int, int]:
        """The member id of each row; rows naming no known member are rejected."""
        by_no = store.members_by(self.session, "member_no", (r["member_no"] for _, r in rows))
        by_phone = store.members_by(self.session, "phone", (r["phone"] for _, r in rows))
        found: dict[int, int] = {}
        no_member = _("no member {what}; import or enrol the member first")  # once, not per row
        missing = _("the member is missing: give a phone or member number")
        for row, rec in rows:
            number, phone = rec["member_no"], rec["phone"]
            member = by_no.get(number) if number else by_phone.get(phone) if phone else None
            if member is not None and (refused := _not_active(member)) is not None:
                self.rejects.reject(row, "member_no" if number else "phone", refused)
            elif member is not None:
                found[row] = member.id
            elif row not in self.rejects or not (number or phone):
                key = "member_no" if number or not phone else "phone"
                what = number or phones.mask(phone)  # masked: the summary line goes to stderr
                message = no_member.format(what=what) if what else missing
                self.rejects.reject(row, key, message)
        return found

    def _candidates(self, rows: list[SourceRow]) -> list[SourceRow]:
        """Rows with an order number, duplicates inside the file rejected."""
        candidates = []
        duplicate = _("duplicate of row {first} in this file")
        for row, rec in rows:
            if rec["order_no"] is None:
                continue
            first = self.orders.claim((rec["store"] or "", rec["order_no"]), row)
            if first is not None:
                self.rejects.reject(row, "order_no", duplicate.format(first=first))
            candidates.append((row, rec))
        return candidates

    def _row(self, rec: dict[str, Any], member_id: int) -> dict[str, Any]:
        return {
            "member_id": member_id,
            "order_no": rec["order_no"],
            "store": rec["store"] or "",
            "amount": rec["amount"],
            "at": rec["at"],
            "category": rec["category"],
            "points_earned": 0,
            "refunded_at": None,
            "import_run_id": self.run_id,
            "operator": self.options.operator,
            "created_at": self.options.at,
        }


def _not_active(member: Any) -> str | None:
    """Why `purchase record` would refuse this member (exit 4 there), in its words; None for an
    active member. A frozen or cancelled member earns nothing, so the row is rejected."""
    if member.status == "active" and member.forgotten_at is None:  # the common case, per row
        return None
    try:
        ensure_active(member, _("record a purchase"))
    except MemberctlError as refused:
        return str(refused)
    return None

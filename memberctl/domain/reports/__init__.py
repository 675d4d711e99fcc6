"""Reports an owner acts on: one module per report, each turning one or two aggregate queries
into plain rows (dataclasses). All counting and summing happens in the database.

What every report shares lives here:

- `Scope`: the day the report is for (`as_of`) and which members it covers (`--where`,
  `--segment`, `--store`, as one condition on `Member`). `--store` is the member's home store.
- Time: a report "as of" a day sees what had happened by the end of that day. Purchases, ledger
  rows and enrolments after it are left out. Windows are whole days: "the last 90 days" are
  `as_of` and the 89 days before it.
- Purchases that were refunded (`purchase.refunded_at` set) count for nothing: not as spend,
  not as a visit, not as activity.
- Staff: a manager or clerk who works in some stores sees their members only (`stores.kept_to`);
  `report daily` is one store's (theirs, or the one of theirs `--store` names).
- Phones are masked (`138****8000`) unless the caller asks for them (`--show-pii`), which is
  recorded in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, true
from sqlmodel import Session, col

from memberctl.domain import audit, money, phones, segments, stores
from memberctl.domain.permissions import Identity
from memberctl.models import Member, Purchase

NAMES = (
    "summary", "growth", "rfm", "churn", "upgrades", "birthdays", "kpi", "liability", "campaign",
    "survey", "daily", "referrals", "stores", "products", "forecast",
)  # fmt: skip
ACTIVE_DAYS = 90


@dataclass(frozen=True)
class Scope:
    as_of: dt.date
    members: ColumnElement[bool]  # the members the report covers (a condition on Member)
    filtered: bool = False  # False: every member (a query may then skip joining Member)
    show_pii: bool = False
    staff: Identity | None = None  # who is asking: a manager or clerk sees their stores only

    @property
    def day_after(self) -> dt.datetime:
        """Midnight after `as_of`: everything before it had happened by then."""
        return midnight(self.as_of + dt.timedelta(days=1))

    def since(self, days: int) -> dt.datetime:
        """Midnight starting the window of `days` whole days that ends with `as_of`."""
        return midnight(self.as_of - dt.timedelta(days=days - 1))

    def phone(self, e164: str | None) -> str | None:
        return e164 if self.show_pii else phones.mask(e164)

    def phone_column(self, column: Iterable[str | None]) -> list[str | None]:
        """`phone` of each of a column's numbers."""
        return list(column) if self.show_pii else list(map(phones.mask, column))


def scope(
    session: Session,
    *,
    as_of: dt.date,
    where: str | None = None,
    segment: str | None = None,
    store: str | None = None,
    show_pii: bool = False,
    staff: Identity | None = None,
) -> Scope:
    """Resolve the report options into a `Scope` (a bad `--where` is a usage error, exit 2);
    `staff` keeps it to the stores a manager or clerk works in (`stores.kept_to`)."""
    clauses: list[ColumnElement[bool]] = []
    clause = segments.resolve_filter(session, where, segment, as_of)
    if clause is not None:
        clauses.append(clause)
    code = stores.resolve(session, store)  # a store that is not registered: exit 3
    in_store = stores.kept_to(staff, code, Member.store)
    if in_store is not None:
        clauses.append(in_store)
    members = and_(*clauses) if clauses else true()
    return Scope(
        as_of=as_of, members=members, filtered=bool(clauses), show_pii=show_pii, staff=staff
    )


def record_pii(*, session: Session, report: str, operator: str, at: dt.datetime) -> None:
    """`--show-pii` is a disclosure: who saw unmasked phones in which report, and when."""
    audit.record(
        session=session,
        operator=operator,
        action="report.show_pii",
        at=at,
        details={"report": report},
    )


def fetch(session: Session, query: Any) -> Any:
    """Rows of a (large) Core select, without the ORM's per-row overhead."""
    return session.connection().execute(query)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def cents(value: Any) -> Decimal:
    """A sum from the database as exact money (SQLite adds NUMERIC as binary floats)."""
    if value is None:
        return Decimal("0.00")
    if isinstance(value, float):
        value = repr(value)
    return money.quantize(Decimal(value))


def counted() -> ColumnElement[bool]:
    """The purchases that count: not refunded."""
    return col(Purchase.refunded_at).is_(None)


def ratio(numerator: int | Decimal, denominator: int | Decimal, places: int = 4) -> float:
    """numerator / denominator rounded, 0.0 when there is nothing to divide by."""
    if not denominator:
        return 0.0
    return float(round(Decimal(numerator) / Decimal(denominator), places))


_ROWS = {
    "growth": "MonthRow",
    "rfm": "RfmRow",
    "churn": "ChurnRow",
    "upgrades": "UpgradeRow",
    "birthdays": "BirthdayRow",
    "survey": "SurveyRow",  # its CSV: the report flattened, one row per answer
    "referrals": "ReferrerRow",  # its CSV: the referrers
    "products": "SellerRow",  # its CSV: the best sellers
    "forecast": "ForecastRow",  # its members (the report is an object: the models and them)
    "churn_model": "ModelChurnRow",  # report churn --model
}


def row_type(report: str) -> type | None:
    """The dataclass of one row of a list report (its fields are the columns), else None."""
    if report not in _ROWS:
        return None
    import importlib

    module = importlib.import_module(f"memberctl.domain.reports.{report}")
    return getattr(module, _ROWS[report])  # type: ignore[no-any-return]

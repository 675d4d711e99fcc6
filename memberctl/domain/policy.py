"""Shop-wide rules kept in the `setting` table, with their defaults.

- `points.expiry_months`: credits without an explicit expiry date expire at the end of the Nth
  month after the month they were earned (default 24); `never` means they do not expire.
- `points.birthday_multiplier`: purchases in the member's birthday month earn this many times
  the points (default 2).
- `tier.grace_days`: a member stays in a tier this many days after falling below its threshold
  before tier evaluation downgrades them (default 30).
- `tier.kept_months`: a tier set by hand (`member upgrade/downgrade --to`, `member enroll --tier`)
  or imported with the members is kept this many months, a full evaluation window: evaluation
  only upgrades the member through the day before the same date that many months later
  (default 12; 0 keeps nothing).
- `points.per_unit`: points earned per 1.00 paid, before the tier's multiplier, for every tier
  that does not set its own `points_per_unit` (default 1).
- `points.redeem_rate`: how many points pay 1.00 at the till (default 100: 1 point = 0.01).
- `points.redeem_max_share`: the largest share of a bill points may pay, after the tier price and
  the coupon (default 0.5; 1 lets points pay it all, 0 switches paying with points off).
- `price.rounding`: how the tier's price factor is taken to the cent: `half-up` (default: to the
  nearest cent, a half cent up, as a till rounds), `down` (in the member's favour) or `up` (in
  the shop's favour).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, select

from memberctl.errors import InvalidInput
from memberctl.i18n import _
from memberctl.models import Setting

DEFAULTS = {
    "points.expiry_months": "24",
    "points.birthday_multiplier": "2",
    "tier.grace_days": "30",
    "tier.kept_months": "12",
    "points.per_unit": "1",
    "points.redeem_rate": "100",
    "points.redeem_max_share": "0.5",
    "price.rounding": "half-up",
}
ROUNDINGS = ("half-up", "down", "up")
MAX_KEPT_MONTHS = 120


@dataclass(frozen=True)
class Policy:
    expiry_months: int | None  # None: points never expire
    birthday_multiplier: Decimal
    grace_days: int
    kept_months: int = 12
    per_unit: Decimal = Decimal("1")
    redeem_rate: int = 100  # points that pay 1.00
    redeem_max_share: Decimal = Decimal("0.5")
    rounding: str = "half-up"

    def kept_until(self, day: dt.date) -> dt.date | None:
        """The last day a tier set or imported on `day` is kept, or None when nothing is kept:
        the day before the same date `kept_months` later (the end of the 29th to 31st is the
        month's last day), when a full window of spend since `day` is there to judge by."""
        if not self.kept_months:
            return None
        months = day.year * 12 + (day.month - 1) + self.kept_months
        year, month = divmod(months, 12)
        last = calendar.monthrange(year, month + 1)[1]
        return dt.date(year, month + 1, min(day.day, last)) - dt.timedelta(days=1)

    def expiry_for(self, earned_on: dt.date) -> dt.date | None:
        """The last day a credit earned on `earned_on` can be spent, or None for never."""
        if self.expiry_months is None:
            return None
        months = earned_on.year * 12 + (earned_on.month - 1) + self.expiry_months
        year, month = divmod(months, 12)
        return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def load(session: Session) -> Policy:
    values = dict(DEFAULTS)
    values.update({s.key: s.value for s in session.exec(select(Setting))})
    return _parse(values)


def _parse(values: dict[str, str]) -> Policy:
    expiry = values["points.expiry_months"].strip().lower()
    try:
        return Policy(
            expiry_months=None if expiry in {"never", "none", "0"} else int(expiry),
            birthday_multiplier=Decimal(values["points.birthday_multiplier"]),
            grace_days=int(values["tier.grace_days"]),
            kept_months=_kept_months(values["tier.kept_months"]),
            per_unit=_per_unit(values["points.per_unit"]),
            redeem_rate=_redeem_rate(values["points.redeem_rate"]),
            redeem_max_share=_share(values["points.redeem_max_share"]),
            rounding=_rounding(values["price.rounding"]),
        )
    except (ValueError, ArithmeticError):
        raise InvalidInput(
            _("a stored setting is not valid"),
            _("check the settings table: {values}").format(values=values),
        ) from None


def _kept_months(value: str) -> int:
    months = int(value)
    if not 0 <= months <= MAX_KEPT_MONTHS:
        raise ValueError(value)
    return months


def _per_unit(value: str) -> Decimal:
    rate = Decimal(value.strip())
    if not (rate.is_finite() and 0 <= rate <= 1000 and rate == rate.quantize(Decimal("0.01"))):
        raise ValueError(value)
    return rate


def _redeem_rate(value: str) -> int:
    rate = int(value.strip())
    if not 1 <= rate <= 1_000_000:
        raise ValueError(value)
    return rate


def _share(value: str) -> Decimal:
    share = Decimal(value.strip())
    if not (share.is_finite() and 0 <= share <= 1):
        raise ValueError(value)
    return share


def _rounding(value: str) -> str:
    if value.strip().lower() not in ROUNDINGS:
        raise ValueError(value)
    return value.strip().lower()


def set_value(session: Session, key: str, value: str) -> Policy:
    """Change one setting; it is checked before it is stored."""
    if key not in DEFAULTS:
        raise InvalidInput(
            _("no setting '{key}'").format(key=key),
            _("settings are: {DEFAULTS}").format(DEFAULTS=", ".join(DEFAULTS)),
        )
    current = {**DEFAULTS, **{s.key: s.value for s in session.exec(select(Setting))}}
    current[key] = value
    policy = _parse(current)
    row = session.get(Setting, key) or Setting(key=key, value=value)
    row.value = value
    session.add(row)
    return policy

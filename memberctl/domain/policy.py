"""Shop-wide rules kept in the `setting` table, with their defaults, what each allows and
what it means; `memberctl settings list|get|set|reset` shows and changes them.

- `points.expiry_months`: credits without an explicit expiry date expire at the end of the Nth
  month after the month they were earned (default 24; a whole number from 1 to 120); `never`
  (also written `none` or `0`) means they do not expire.
- `points.birthday_multiplier`: purchases in the member's birthday month earn this many times
  the points (default 2; 1 to 100, at most two decimals; 1 switches the bonus off).
- `tier.grace_days`: a member stays in a tier this many days after falling below its threshold
  before tier evaluation downgrades them (default 30; 0 to 365).
- `tier.kept_months`: a tier set by hand (`member upgrade/downgrade --to`, `member enroll --tier`)
  or imported with the members is kept this many months, a full evaluation window: evaluation
  only upgrades the member through the day before the same date that many months later
  (default 12; 0 to 120; 0 keeps nothing).
- `points.per_unit`: points earned per 1.00 paid, before the tier's multiplier, for every tier
  that does not set its own `points_per_unit` (default 1; 0 to 1000, at most two decimals).
- `points.redeem_rate`: how many points pay 1.00 at the till (default 100: 1 point = 0.01;
  a whole number from 1 to 1,000,000).
- `points.redeem_max_share`: the largest share of a bill points may pay, after the tier price and
  the coupon (default 0.5; 0 to 1; 1 lets points pay it all, 0 switches paying with points off).
- `price.rounding`: how the tier's price factor is taken to the cent: `half-up` (default: to the
  nearest cent, a half cent up, as a till rounds), `down` (in the member's favour) or `up` (in
  the shop's favour).
- `staff.idle_minutes`: a staff member's login session ends after this many minutes without a
  command (default 30; 1 to 1440).
- `staff.session_end`: a login session ends at this time of day ("HH:MM", default "23:59") on
  the day it began, or the next day when it began after that time.
- `staff.lockout_minutes`: five wrong passwords in a row lock a staff member out for this many
  minutes (default 15; 1 to 1440).

The three `staff.*` keys guard who gets in, so `staff_rules` never refuses over them: a stored
value that is not valid (written by hand) is read as the default there, and `settings set` can
still mend it.

A value is checked before it is stored and stored in one spelling (`0.50` is kept as `0.5`,
`0` months as `never`), so setting what is already there changes nothing. A value equal to the
default is not stored: the key simply follows the default again. Every change is audited
(`settings.set`, `settings.reset`, details `setting`, `old`, `new`). Full-width digits are read
as digits (NFKC). A stored value that is not valid (written by hand in the database) stops
`load` with exit 5 naming the key and how to mend it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, func
from sqlmodel import Session, select

from memberctl.domain import audit
from memberctl.errors import InvalidInput, NotFound
from memberctl.i18n import N_, _
from memberctl.models import Setting

ROUNDINGS = ("half-up", "down", "up")
MAX_KEPT_MONTHS = 120
MAX_EXPIRY_MONTHS = 120
MAX_GRACE_DAYS = 365
MAX_PER_UNIT = Decimal("1000")
MAX_REDEEM_RATE = 1_000_000
NEVER = "never"
MAX_STAFF_MINUTES = 1440
_WHOLE = re.compile(r"[0-9]{1,9}")
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_NUMBER = re.compile(r"[0-9]{1,12}(\.[0-9]{0,12})?|\.[0-9]{1,12}")
_SHOWN = 40  # characters of a refused value quoted back
_LOCK_ID = 0x6D736574  # "mset": PostgreSQL advisory lock serialising settings changes


def _text(value: str) -> str:
    """The value as typed, full-width digits and letters folded (NFKC), trimmed, lower case."""
    return unicodedata.normalize("NFKC", value).strip().lower()


def _whole(value: str, low: int, high: int) -> int:
    text = _text(value)
    if not _WHOLE.fullmatch(text) or not low <= int(text) <= high:
        raise ValueError(value)
    return int(text)


def _decimal(value: str, low: Decimal, high: Decimal, places: int | None = 2) -> Decimal:
    """A plain decimal number (no sign, exponent, NaN or infinity) within [low, high], with at
    most `places` decimals (None: any), never rounded."""
    text = _text(value)
    if not _NUMBER.fullmatch(text):
        raise ValueError(value)
    number = Decimal(text)
    if not low <= number <= high:
        raise ValueError(value)
    if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(value)
    return number


def _plain(number: Decimal) -> str:
    """The one spelling a number is stored in: `0.50` -> `0.5`, `100.00` -> `100`."""
    return format(number.normalize(), "f")


def _expiry_text(value: str) -> str:
    if _text(value) in {"never", "none", "0"}:
        return NEVER
    return str(_whole(value, 1, MAX_EXPIRY_MONTHS))


def _clock_text(value: str) -> str:
    """A time of day as HH:MM (`9:05` -> `09:05`), 00:00 to 23:59."""
    found = _CLOCK.fullmatch(_text(value).replace("：", ":"))
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        raise ValueError(value)
    return f"{int(found[1]):02d}:{found[2]}"


def _rounding_text(value: str) -> str:
    text = _text(value).replace("_", "-")
    if text not in ROUNDINGS:
        raise ValueError(value)
    return text


@dataclass(frozen=True)
class Key:
    """One setting: its default, how a value is read into its stored spelling (ValueError when
    it is not allowed), the rule a refused value is told, and its meaning (both msgids)."""

    default: str
    read: Callable[[str], str]
    rule: str
    meaning: str


KEYS: dict[str, Key] = {
    "points.expiry_months": Key(
        "24",
        _expiry_text,
        N_(
            "points.expiry_months must be a whole number of months from 1 to 120, or never "
            "(0 also means never), such as 24"
        ),
        N_(
            "Points expire at the end of this many months after the month they were earned "
            "(never: they do not expire)."
        ),
    ),
    "points.birthday_multiplier": Key(
        "2",
        lambda v: _plain(_decimal(v, Decimal(1), Decimal(100))),
        N_(
            "points.birthday_multiplier must be a number from 1 to 100 with at most two "
            "decimals, such as 2 (1 switches the birthday bonus off)"
        ),
        N_("Purchases in the member's birthday month earn this many times the points."),
    ),
    "tier.grace_days": Key(
        "30",
        lambda v: str(_whole(v, 0, MAX_GRACE_DAYS)),
        N_("tier.grace_days must be a whole number of days from 0 to 365, such as 30"),
        N_(
            "Days a member keeps a tier after falling below its threshold, before tier "
            "evaluation downgrades them."
        ),
    ),
    "tier.kept_months": Key(
        "12",
        lambda v: str(_whole(v, 0, MAX_KEPT_MONTHS)),
        N_(
            "tier.kept_months must be a whole number of months from 0 to 120, such as 12 "
            "(0 keeps nothing)"
        ),
        N_(
            "Months a tier set by hand or imported is kept: evaluation only upgrades the "
            "member until then."
        ),
    ),
    "points.per_unit": Key(
        "1",
        lambda v: _plain(_decimal(v, Decimal(0), MAX_PER_UNIT)),
        N_("points.per_unit must be a number from 0 to 1000 with at most two decimals, such as 1"),
        N_(
            "Points earned per 1.00 paid, before the tier's multiplier, by every tier without "
            "its own points_per_unit."
        ),
    ),
    "points.redeem_rate": Key(
        "100",
        lambda v: str(_whole(v, 1, MAX_REDEEM_RATE)),
        N_("points.redeem_rate must be a whole number from 1 to 1000000, such as 100"),
        N_("Points that pay 1.00 at the till (100: one point is worth 0.01)."),
    ),
    "points.redeem_max_share": Key(
        "0.5",
        lambda v: _plain(_decimal(v, Decimal(0), Decimal(1), places=None)),
        N_("points.redeem_max_share must be a number from 0 to 1, such as 0.5"),
        N_(
            "The largest share of a bill points may pay, after the tier price and the coupon "
            "(0: never)."
        ),
    ),
    "price.rounding": Key(
        "half-up",
        _rounding_text,
        N_("price.rounding must be half-up, down or up"),
        N_(
            "How the tier price is taken to the cent: half-up (nearest), down (the member's "
            "favour) or up (the shop's)."
        ),
    ),
    "staff.idle_minutes": Key(
        "30",
        lambda v: str(_whole(v, 1, MAX_STAFF_MINUTES)),
        N_("staff.idle_minutes must be a whole number of minutes from 1 to 1440, such as 30"),
        N_("A staff member's login ends after this many minutes without a command."),
    ),
    "staff.session_end": Key(
        "23:59",
        _clock_text,
        N_("staff.session_end must be a time of day from 00:00 to 23:59, such as 23:59"),
        N_(
            "A staff member's login ends at this time on the day it began (the next day when "
            "it began later)."
        ),
    ),
    "staff.lockout_minutes": Key(
        "15",
        lambda v: str(_whole(v, 1, MAX_STAFF_MINUTES)),
        N_("staff.lockout_minutes must be a whole number of minutes from 1 to 1440, such as 15"),
        N_("Five wrong passwords in a row lock a staff member out for this many minutes."),
    ),
}
DEFAULTS = {key: spec.default for key, spec in KEYS.items()}


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


def _stored(session: Session) -> dict[str, str]:
    """The stored values of the known keys (rows of other keys are left alone)."""
    return {s.key: s.value for s in session.exec(select(Setting)) if s.key in KEYS}


def _checked(values: dict[str, str]) -> dict[str, str]:
    """Every key's value in its stored spelling; InvalidInput (exit 5) naming the first stored
    value that is not allowed and how to mend it."""
    checked = {}
    for key, spec in KEYS.items():
        raw = values.get(key, spec.default)
        try:
            checked[key] = spec.read(raw)
        except (ValueError, ArithmeticError):
            raise InvalidInput(
                _("the stored setting {key} is '{value}', which is not valid: {rule}").format(
                    key=key, value=_quoted(raw), rule=_(spec.rule)
                ),
                _(
                    "mend it with 'memberctl settings set {key} VALUE' or 'settings reset {key}'"
                ).format(key=key),
            ) from None
    return checked


def _current(session: Session) -> dict[str, str]:
    """Every key's value as `settings` shows it: in its stored spelling, or as stored when it
    is not valid (so it can be seen and mended)."""
    values = {}
    for key, raw in {**DEFAULTS, **_stored(session)}.items():
        try:
            values[key] = KEYS[key].read(raw)
        except (ValueError, ArithmeticError):
            values[key] = raw
    return values


def load(session: Session) -> Policy:
    return _policy(_checked(_stored(session)))


def _policy(values: dict[str, str]) -> Policy:
    """The rules from values already checked (`_checked`)."""
    expiry = values["points.expiry_months"]
    return Policy(
        expiry_months=None if expiry == NEVER else int(expiry),
        birthday_multiplier=Decimal(values["points.birthday_multiplier"]),
        grace_days=int(values["tier.grace_days"]),
        kept_months=int(values["tier.kept_months"]),
        per_unit=Decimal(values["points.per_unit"]),
        redeem_rate=int(values["points.redeem_rate"]),
        redeem_max_share=Decimal(values["points.redeem_max_share"]),
        rounding=values["price.rounding"],
    )


def shop_per_unit(session: Session) -> Decimal:
    """The shop's `points.per_unit` alone (one row read), for showing what tiers earn."""
    row = session.get(Setting, "points.per_unit")
    return Decimal(_checked({"points.per_unit": row.value} if row else {})["points.per_unit"])


@dataclass(frozen=True)
class StaffRules:
    idle: dt.timedelta  # a login session ends after this long without a command
    session_end: dt.time  # ... and at this time of day
    lockout: dt.timedelta  # how long five wrong passwords lock a staff member out

    def session_expiry(self, begun: dt.datetime) -> dt.datetime:
        """When a login session begun at `begun` ends: `session_end` that day, or the next
        day when `begun` is already past it."""
        end = dt.datetime.combine(begun.date(), self.session_end)
        return end if end > begun else end + dt.timedelta(days=1)


_STAFF_KEYS = ("staff.idle_minutes", "staff.session_end", "staff.lockout_minutes")


def staff_rules(connection: Connection, *, keys: tuple[str, ...] = _STAFF_KEYS) -> StaffRules:
    """The `staff.*` settings in one query (`keys`: only these are read, the rest default). A
    stored value that is not valid is read as the default: these rules are on the path of every
    command once staff exist, and a refusal here would also refuse the `settings set` that
    mends it."""
    table = Setting.__table__  # type: ignore[attr-defined]
    query = select(table.c.key, table.c.value).where(table.c.key.in_(keys))
    stored = {row.key: row.value for row in connection.execute(query)}
    values = {}
    for key in _STAFF_KEYS:
        try:
            values[key] = KEYS[key].read(stored.get(key, KEYS[key].default))
        except (ValueError, ArithmeticError):
            values[key] = KEYS[key].default
    hours, minutes = values["staff.session_end"].split(":")
    return StaffRules(
        idle=dt.timedelta(minutes=int(values["staff.idle_minutes"])),
        session_end=dt.time(int(hours), int(minutes)),
        lockout=dt.timedelta(minutes=int(values["staff.lockout_minutes"])),
    )


# -- settings list / get / set / reset ---------------------------------------------------------


@dataclass(frozen=True)
class SettingRecord:
    key: str
    value: str
    default: str
    changed: bool  # the value is not the default
    description: str  # in the clerk's language


@dataclass(frozen=True)
class SettingChange:
    key: str
    value: str
    default: str
    changed: bool
    description: str
    previous: str  # the value before
    updated: bool  # False: the value was already that, nothing was written


def _quoted(value: str) -> str:
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def known_key(key: str) -> str:
    """`key` as one of KEYS (any case, surrounding spaces ignored); NotFound (exit 3) naming
    every key."""
    found = _text(key)
    if found not in KEYS:
        raise NotFound(
            _("no setting '{key}'").format(key=_quoted(key.strip())),
            _("settings are: {DEFAULTS}").format(DEFAULTS=", ".join(KEYS)),
        )
    return found


def checked_value(key: str, value: str) -> str:
    """`value` for `key` in its stored spelling; InvalidInput (exit 5) saying what is allowed."""
    try:
        return KEYS[key].read(value)
    except (ValueError, ArithmeticError):
        raise InvalidInput(
            _(KEYS[key].rule), _("not '{value}'").format(value=_quoted(value))
        ) from None


def _record(key: str, values: dict[str, str]) -> SettingRecord:
    spec = KEYS[key]
    value = values[key]
    default = spec.read(spec.default)
    return SettingRecord(key, value, default, value != default, _(spec.meaning))


def list_settings(*, session: Session) -> list[SettingRecord]:
    """Every setting, in the order of KEYS, with its value, default and meaning."""
    values = _current(session)
    return [_record(key, values) for key in KEYS]


def get_setting(*, session: Session, key: str) -> SettingRecord:
    found = known_key(key)
    return _record(found, _current(session))


def change(
    *, session: Session, key: str, value: str, operator: str, at: dt.datetime
) -> SettingChange:
    """`settings set KEY VALUE`: the key must exist (3) and the value be allowed (5); the same
    value again writes nothing (`updated` False). A value equal to the default is not stored."""
    found = known_key(key)
    new = checked_value(found, value)
    return _write(session, found, new, "settings.set", operator, at)


def reset(*, session: Session, key: str, operator: str, at: dt.datetime) -> SettingChange:
    """`settings reset KEY`: back to the default; nothing written when it is already there."""
    found = known_key(key)
    return _write(
        session, found, KEYS[found].read(KEYS[found].default), "settings.reset", operator, at
    )


def _write(
    session: Session, key: str, new: str, action: str, operator: str, at: dt.datetime
) -> SettingChange:
    if session.get_bind().dialect.name == "postgresql":
        # two changes at once queue (SQLite's writer already holds the database's write lock):
        # the second reads what the first stored, so no insert clashes and `old` is true
        session.execute(select(func.pg_advisory_xact_lock(_LOCK_ID)))
    old = _current(session)[key]
    row = session.get(Setting, key)
    default = KEYS[key].read(KEYS[key].default)
    if old != new or (row is not None and new == default):
        if new == default:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(Setting(key=key, value=new))
        else:
            row.value = new
            session.add(row)
        session.flush()
    updated = old != new
    if updated:
        audit.record(
            session=session,
            operator=operator,
            action=action,
            at=at,
            details={"setting": key, "old": old, "new": new},
        )
    record = _record(key, {key: new})
    return SettingChange(*_fields(record), previous=old, updated=updated)


def _fields(record: SettingRecord) -> tuple[str, str, str, bool, str]:
    return record.key, record.value, record.default, record.changed, record.description


def set_value(
    session: Session,
    key: str,
    value: str,
    *,
    operator: str = "memberctl",
    at: dt.datetime | None = None,
) -> Policy:
    """Change one setting as `settings set` does (checked, audited); returns the new rules."""
    from memberctl import clock

    change(session=session, key=key, value=value, operator=operator, at=at or clock.now())
    return load(session)

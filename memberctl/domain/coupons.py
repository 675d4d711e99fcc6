"""Coupons: issuing them in bulk for a campaign run, listing them, and redeeming one.

A code is 8 characters from an alphabet without the look-alikes 0/O and 1/I (32 symbols, so
32^8 ≈ 1.1e12 codes), drawn from `secrets`. Codes are made in Python for a whole run and inserted
with one executemany; the unique key on `coupon.code` decides, and the few members whose code
collided get a new one in another pass.

A coupon is valid from the run date through `valid_to` (inclusive). `weekdays_only` means Monday
to Friday; `no_holidays` excludes the public holidays of mainland China (the `holidays` package's
CN calendar). Redeeming marks the coupon used, once: a used, expired, not-yet-valid or
out-of-days coupon, a spend below its minimum, or a frozen or cancelled member is refused (exit 4);
an unknown code is exit 3.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from memberctl.domain import audit, lifecycle, money, permissions
from memberctl.domain.permissions import Identity
from memberctl.errors import NotFound, NotPermitted, RuleViolation
from memberctl.i18n import _, current, pgettext
from memberctl.models import Campaign, CampaignAward, Coupon, Member

if TYPE_CHECKING:
    from memberctl.domain.campaigns import CampaignSpec

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: no 0, O, 1, I
CODE_LENGTH = 8
STATUSES = ("unused", "used", "expired")
_TRANSLATE = bytes(ord(ALPHABET[b % len(ALPHABET)]) for b in range(256))
_COUPON = Coupon.__table__  # type: ignore[attr-defined]
_AWARD = CampaignAward.__table__  # type: ignore[attr-defined]
_MAX_PASSES = 10


@dataclass(frozen=True)
class CouponRecord:
    code: str
    member_no: str
    campaign: str | None
    value: Decimal
    min_spend: Decimal | None
    valid_from: dt.date
    valid_to: dt.date
    weekdays_only: bool
    no_holidays: bool
    status: str  # unused, used, expired (at the as-of day)
    redeemed_at: dt.datetime | None
    redeemed_order: str | None


# -- codes -----------------------------------------------------------------------------------
def new_codes(count: int) -> list[str]:
    """`count` random codes. 256 is a multiple of 32, so `byte % 32` is uniform."""
    raw = secrets.token_bytes(count * CODE_LENGTH).translate(_TRANSLATE).decode("ascii")
    return [raw[i : i + CODE_LENGTH] for i in range(0, len(raw), CODE_LENGTH)]


def normalize_code(raw: str) -> str:
    """What a person types: any case, full-width, with spaces or dashes (`abcd-efgh`)."""
    text = unicodedata.normalize("NFKC", raw).upper()
    return "".join(ch for ch in text if ch not in " -\t")


# -- issuing ---------------------------------------------------------------------------------
def issue_for_run(
    *, session: Session, spec: CampaignSpec, run_id: int, as_of: dt.date, at: dt.datetime
) -> int:
    """One coupon for each member awarded by run `run_id`; returns how many were issued."""
    valid_days = spec.coupon_valid_days or 30
    fixed = {
        "campaign_id": _campaign_id(session, spec.code),
        "run_id": run_id,
        "value": spec.coupon_value,
        "min_spend": spec.coupon_min_spend,
        "valid_from": as_of,
        "valid_to": as_of + dt.timedelta(days=valid_days - 1),
        "weekdays_only": spec.weekdays_only,
        "no_holidays": spec.no_holidays,
        "created_at": at,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_COUPON).on_conflict_do_nothing(index_elements=["code"])
    for _pass in range(_MAX_PASSES):
        waiting = _without_coupon(session, run_id)
        if not waiting:
            break
        codes = new_codes(len(waiting))
        session.execute(
            statement,
            [{**fixed, "member_id": m, "code": c} for m, c in zip(waiting, codes, strict=True)],
        )
    else:
        raise RuntimeError(_("could not find free coupon codes"))  # 1e12 codes: not in practice
    issued = session.exec(
        select(func.count()).select_from(_COUPON).where(_COUPON.c.run_id == run_id)
    ).one()
    return int(issued)


def _campaign_id(session: Session, code: str) -> int:
    return int(session.exec(select(Campaign.id).where(Campaign.code == code)).one() or 0)


def _without_coupon(session: Session, run_id: int) -> list[int]:
    has_coupon = exists(
        select(_COUPON.c.id).where(
            _COUPON.c.run_id == run_id, _COUPON.c.member_id == _AWARD.c.member_id
        )
    )
    query = select(_AWARD.c.member_id).where(_AWARD.c.run_id == run_id, ~has_coupon)
    return [int(m) for m in session.execute(query.order_by(_AWARD.c.member_id)).scalars()]


# -- reading ---------------------------------------------------------------------------------
def status_of(coupon: Coupon, day: dt.date) -> str:
    if coupon.redeemed_at is not None:
        return "used"
    return "expired" if coupon.valid_to < day else "unused"


def _record(coupon: Coupon, member_no: str, campaign: str | None, day: dt.date) -> CouponRecord:
    return CouponRecord(
        coupon.code,
        member_no,
        campaign,
        coupon.value,
        coupon.min_spend,
        coupon.valid_from,
        coupon.valid_to,
        coupon.weekdays_only,
        coupon.no_holidays,
        status_of(coupon, day),
        coupon.redeemed_at,
        coupon.redeemed_order,
    )


def _status_clause(status: str, day: dt.date) -> Any:
    used = col(Coupon.redeemed_at).is_not(None)
    if status == "used":
        return used
    if status == "expired":
        return and_(~used, col(Coupon.valid_to) < day)
    return and_(~used, col(Coupon.valid_to) >= day)


def list_coupons(
    *,
    session: Session,
    as_of: dt.date,
    member: Member | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[CouponRecord]:
    """Coupons, newest first; of one member, or in one status at `as_of`."""
    query = (
        select(Coupon, Member.member_no, Campaign.code)
        .join(Member, col(Member.id) == Coupon.member_id)
        .outerjoin(Campaign, col(Campaign.id) == Coupon.campaign_id)
    )
    if member is not None:
        query = query.where(Coupon.member_id == member.id)
    if status is not None:
        query = query.where(_status_clause(status, as_of))
    query = query.order_by(col(Coupon.created_at).desc(), col(Coupon.id).desc())
    if limit:
        query = query.limit(limit)
    return [_record(c, no, code, as_of) for c, no, code in session.exec(query)]


# -- redeeming -------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _cn_holidays(year: int, language: str) -> Any:
    import holidays  # a calendar for one year costs a few ms; only redeeming needs it

    return holidays.country_holidays("CN", years=year, language=language)


def holiday_name(day: dt.date) -> str | None:
    """The name of the mainland-China public holiday on `day` in the reader's language (国庆节,
    National Day), or None."""
    name = _cn_holidays(day.year, "zh_CN" if current() == "zh" else "en_US").get(day)
    return str(name) if name else None


def _weekday(day: dt.date) -> str:
    """Saturday or Sunday in the reader's language (strftime's %A follows the C locale)."""
    return pgettext("weekday", "Saturday") if day.weekday() == 5 else pgettext("weekday", "Sunday")


Refusal = tuple[str, str | None]  # (why, what to do instead)


def _refusal(
    coupon: Coupon, member: Member, at: dt.datetime, amount: Decimal | None
) -> Refusal | None:
    """Why the coupon cannot be used at `at`, or None; the first reason only."""
    day = at.date()
    if coupon.redeemed_at is not None:
        order = (
            _(" (order {redeemed_order})").format(redeemed_order=coupon.redeemed_order)
            if coupon.redeemed_order
            else ""
        )
        when = f"{coupon.redeemed_at:%Y-%m-%d %H:%M}"
        return _("was already used on {when}{order}").format(when=when, order=order), _(
            "a coupon can be used once"
        )
    if member.forgotten_at is not None or member.status != lifecycle.ACTIVE:
        return (
            _("belongs to {member_no}, who is {status}").format(
                member_no=member.member_no, status=pgettext("status", member.status)
            ),
            _("unfreeze or restore the member first"),
        )
    return _outside_days(coupon, day) or _below_min_spend(coupon, amount)


def _outside_days(coupon: Coupon, day: dt.date) -> Refusal | None:
    if day < coupon.valid_from:
        return _("is valid only from {isoformat}").format(
            isoformat=coupon.valid_from.isoformat()
        ), None
    if day > coupon.valid_to:
        return _("expired on {isoformat}").format(isoformat=coupon.valid_to.isoformat()), None
    if coupon.weekdays_only and day.weekday() >= 5:
        return (
            _("is valid Monday to Friday only, and {isoformat} is a {weekday}").format(
                isoformat=day.isoformat(), weekday=_weekday(day)
            ),
            _("use it on a weekday"),
        )
    holiday = holiday_name(day) if coupon.no_holidays else None
    if holiday:
        return (
            _("is not valid on public holidays, and {isoformat} is {holiday}").format(
                isoformat=day.isoformat(), holiday=holiday
            ),
            _("use it on another day"),
        )
    return None


def _below_min_spend(coupon: Coupon, amount: Decimal | None) -> Refusal | None:
    if amount is None or coupon.min_spend is None or amount >= coupon.min_spend:
        return None
    return (
        _("needs a spend of at least {min_spend}, not {amount}").format(
            min_spend=money.format(coupon.min_spend), amount=money.format(amount)
        ),
        None,
    )


def get(session: Session, code: str) -> Coupon:
    wanted = normalize_code(code)
    coupon = session.exec(select(Coupon).where(Coupon.code == wanted)).first()
    if coupon is None:
        raise NotFound(
            _("no coupon '{code}'").format(code=code), _("check the code (8 letters and digits)")
        )
    return coupon


def redeem(
    *,
    session: Session,
    code: str,
    at: dt.datetime,
    operator: str,
    order_no: str | None = None,
    amount: Decimal | None = None,
    staff: Identity | None = None,
) -> CouponRecord:
    """Use the coupon `code` at `at` (once). The update is conditional on the coupon still being
    unused, so of two tills redeeming it at once one wins and the other is refused. A manager or
    clerk redeems only coupons of members of their stores (exit 6)."""
    coupon = get(session, code)
    member = session.get(Member, coupon.member_id)
    if member is None:  # on PostgreSQL a row policy hides another store's member from staff
        raise NotPermitted(
            _("coupon {code} is for a member of a store you do not work in").format(
                code=coupon.code
            ),
            _("it is used in the member's own store"),
        )
    if staff is not None:
        permissions.require_store(staff, member.store)
    check(coupon, member, at, amount)
    use(session, coupon, member, at, order_no, amount)
    audit.record(
        session=session,
        operator=operator,
        action="coupon.redeem",
        at=at,
        member=member,
        details={"coupon": coupon.code, "order_no": order_no},
    )
    campaign = session.get(Campaign, coupon.campaign_id) if coupon.campaign_id else None
    return _record(coupon, member.member_no, campaign.code if campaign else None, at.date())


def check(coupon: Coupon, member: Member, at: dt.datetime, amount: Decimal | None) -> None:
    """RuleViolation (exit 4) when `coupon` cannot be used at `at` for a spend of `amount`:
    used, frozen or cancelled member, outside its days, below its minimum."""
    refusal = _refusal(coupon, member, at, amount)
    if refusal is not None:
        raise RuleViolation(
            _("coupon {code} {refusal}").format(code=coupon.code, refusal=refusal[0]), refusal[1]
        )


def use(
    session: Session,
    coupon: Coupon,
    member: Member,
    at: dt.datetime,
    order_no: str | None,
    amount: Decimal | None,
) -> None:
    """Mark `coupon` used, conditional on it still being unused: of two tills using it at once,
    one wins and the other is refused (exit 4)."""
    done = session.exec(
        update(_COUPON)
        .where(_COUPON.c.id == coupon.id, _COUPON.c.redeemed_at.is_(None))
        .values(redeemed_at=at, redeemed_order=order_no)
    )
    session.refresh(coupon)
    if done.rowcount != 1:  # redeemed by someone else since it was read
        why, hint = _refusal(coupon, member, at, amount) or ("was already used", None)
        raise RuleViolation(_("coupon {code} {why}").format(code=coupon.code, why=why), hint)


def give_back(session: Session, coupon: Coupon) -> None:
    """A refunded sale's coupon is unused again (its use cleared)."""
    session.exec(
        update(_COUPON)
        .where(_COUPON.c.id == coupon.id)
        .values(redeemed_at=None, redeemed_order=None)
    )
    session.refresh(coupon)

"""The till: one sale applies the tier price, a coupon, points and stored value at once.

The steps, in this order (money to the cent at each step):
1. list total: `--amount`, or the sum of the item lines (each line `qty x unit price`, half-up);
2. price: `list total x tier.discount` (the tier's price factor), to the cent by the shop's
   `price.rounding` (half-up by default; `down` in the member's favour, `up` in the shop's);
3. coupon: checked as `coupon redeem` checks it, its minimum spend against the price; it takes
   `min(coupon value, price)` off; the coupon must be the member's own;
4. points: `points.redeem_rate` points pay 1.00, at most `points.redeem_max_share` of what is left
   after the coupon (that cap rounded down to the cent); a number of points must pay whole cents;
   spent soonest-expiring first in one `redeem` debit;
5. stored value: up to the balance and up to what is left (one `pay` wallet entry);
6. the rest is tendered by the payment method;
7. points earned on what was paid in money and stored value (`purchases.points_for`, the tier
   rule and the birthday month, as `purchase record` earns), one `earn` lot.

A sale is a `purchase` (amount: the price less the coupon, what the goods sold for) with one
`sale` row holding every figure of the receipt and its `sale_line`s; the ledger rows carry the
purchase's id. Everything is one transaction after the member's row is locked: a refusal (exit 4)
writes nothing. The same order number again for the same member and list total changes nothing
and gives the stored receipt again (`duplicate`).

Refunds are in `sale_refunds.py`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Final, Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from memberctl.domain import audit, coupons, fields, money, points, policy, purchases, refs, wallet
from memberctl.errors import InvalidInput, RuleViolation, UsageProblem
from memberctl.i18n import _
from memberctl.models import (
    Coupon,
    Member,
    Purchase,
    Sale,
    SaleLine,
    Tier,
    WalletEntry,
)

ZERO = Decimal("0.00")
PAY_METHODS = ("cash", "card", "wechat", "alipay", "other")
MAX: Final = "max"
_QUANTITY = re.compile(r"\d+(?:\.\d{1,3})?|\.\d{1,3}")
_ROUNDING = {"half-up": ROUND_HALF_UP, "down": ROUND_FLOOR, "up": ROUND_CEILING}


@dataclass(frozen=True)
class Line:
    name: str | None
    sku: str | None
    category: str | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class SaleRequest:
    """What the clerk asked for; money already parsed, `points`/`wallet` may be "max"."""

    amount: Decimal | None = None
    lines: tuple[Line, ...] = ()
    coupon: str | None = None
    points: int | Literal["max"] | None = None
    wallet: Decimal | Literal["max"] | None = None
    pay: str | None = None
    order_no: str | None = None
    store: str | None = None
    at: dt.datetime | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class Receipt:
    member_no: str
    order_no: str | None  # None: a dry run without --order-no (a number is made when it is sold)
    store: str | None
    at: dt.datetime
    lines: list[Line]
    list_total: Decimal
    price_factor: Decimal
    tier_discount: Decimal
    price: Decimal
    coupon: str | None
    coupon_value: Decimal
    points_used: int
    points_value: Decimal
    wallet_paid: Decimal
    tendered: Decimal
    pay_method: str | None
    amount: Decimal  # price - coupon_value: what the goods sold for (the purchase's amount)
    earning_on: Decimal  # wallet_paid + tendered
    points_earned: int
    points: int  # the member's points after
    balance: Decimal  # the member's stored value after
    duplicate: bool
    dry_run: bool
    tier: str = ""  # the tier's code, for the table's "member price (金卡会员 0.95)" row
    refunded_at: dt.datetime | None = None  # a stored sale (`duplicate`) refunded since


# -- input -----------------------------------------------------------------------------------
def parse_item(raw: str) -> Line:
    """`SKU_OR_NAME:QTY:UNIT_PRICE[:CATEGORY]` -> a line; anything else is invalid (exit 5)."""
    parts = [part.strip() for part in unicodedata.normalize("NFKC", raw).split(":")]
    if len(parts) not in (3, 4) or not parts[0]:
        raise InvalidInput(
            _("item '{raw}' is not NAME:QUANTITY:UNIT_PRICE[:CATEGORY]").format(raw=raw),
            _('write it like "T-shirt:2:99.50:apparel"'),
        )
    name = fields.parse_text(parts[0], _("the item"), 64)
    if not _QUANTITY.fullmatch(parts[1]) or Decimal(parts[1]) <= 0:
        raise InvalidInput(
            _("item '{raw}': quantity '{qty}' is not a positive number").format(
                raw=raw, qty=parts[1]
            ),
            _("give a quantity like 2 or 0.5 (up to 3 decimals)"),
        )
    quantity = Decimal(parts[1])
    unit_price = money.parse(parts[2])
    category = fields.parse_label(parts[3], _("the category"), 64) if len(parts) == 4 else None
    amount = money.parse((quantity * unit_price).quantize(money.CENT, rounding=ROUND_HALF_UP))
    return Line(name, name, category, quantity.normalize(), unit_price, amount)


def quantity_text(quantity: Decimal) -> str:
    """2, 0.5, 1.125: a quantity without trailing zeros (and never as 1E+1)."""
    return format(quantity.normalize(), "f")


def parse_points(raw: str | None) -> int | Literal["max"] | None:
    if raw is None:
        return None
    if raw.strip().lower() == MAX:
        return MAX
    return points.parse_points(raw)


def parse_wallet(raw: str | None) -> Decimal | Literal["max"] | None:
    if raw is None:
        return None
    if raw.strip().lower() == MAX:
        return MAX
    return money.parse(raw)


def list_total(request: SaleRequest) -> Decimal:
    """Step 1; --amount and --item together, or neither, is a usage error (exit 2)."""
    if request.amount is not None and request.lines:
        raise UsageProblem(
            _("give --amount or --item, not both"), _("ring up the items, or the total alone")
        )
    if request.amount is None and not request.lines:
        raise UsageProblem(
            _("give the sale's --amount or its --item lines"), _("e.g. --amount 300")
        )
    total = (
        request.amount
        if request.amount is not None
        else sum((li.amount for li in request.lines), ZERO)
    )
    if total <= 0:
        raise InvalidInput(
            _("amount {amount} is not a sale").format(amount=money.format(total)),
            _("give an amount above 0"),
        )
    return money.parse(total)


def to_cent(value: Decimal, rounding: str) -> Decimal:
    """`value` to the cent by the shop's `price.rounding`."""
    return value.quantize(money.CENT, rounding=_ROUNDING[rounding])


# -- the plan --------------------------------------------------------------------------------
@dataclass
class _Plan:
    member: Member
    tier: Tier
    rules: policy.Policy
    at: dt.datetime
    list_total: Decimal
    price: Decimal = ZERO
    coupon: Coupon | None = None
    coupon_value: Decimal = ZERO
    points_used: int = 0
    points_value: Decimal = ZERO
    spend: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    wallet_paid: Decimal = ZERO
    tendered: Decimal = ZERO
    pay_method: str | None = None
    points_earned: int = 0

    @property
    def amount(self) -> Decimal:
        return self.price - self.coupon_value

    @property
    def earning_on(self) -> Decimal:
        return self.wallet_paid + self.tendered


def step(rate: int) -> int:
    """The fewest points that pay a whole number of cents at `rate` points per 1.00."""
    return rate // math.gcd(rate, 100)


def _cents(points_: int, rate: int) -> Decimal:
    return Decimal(points_ * 100 // rate) / 100


def _plan(session: Session, member: Member, request: SaleRequest, at: dt.datetime) -> _Plan:
    tier = session.exec(select(Tier).where(Tier.code == member.tier_code)).one()
    rules = policy.load(session)
    plan = _Plan(member, tier, rules, at, list_total(request))
    plan.price = to_cent(plan.list_total * tier.discount, rules.rounding)
    _plan_coupon(session, plan, request.coupon)
    _plan_points(session, plan, request.points)
    _plan_wallet(session, plan, request.wallet)
    plan.tendered = plan.amount - plan.points_value - plan.wallet_paid
    _plan_pay(plan, request.pay)
    plan.points_earned = purchases.earned_on(plan.earning_on, member, tier, rules, at)
    purchases.check_earning(member, request.order_no or "", plan.points_earned)
    return plan


def _plan_coupon(session: Session, plan: _Plan, code: str | None) -> None:
    if code is None:
        return
    coupon = coupons.get(session, code)
    if coupon.member_id != plan.member.id:
        raise RuleViolation(
            _("coupon {code} belongs to another member, not {member_no}").format(
                code=coupon.code, member_no=refs.shown(plan.member.member_no)
            ),
            _("a coupon pays only for its own member's sale"),
        )
    coupons.check(coupon, plan.member, plan.at, plan.price)
    plan.coupon = coupon
    plan.coupon_value = min(money.quantize(coupon.value), plan.price)


def _points_cap(plan: _Plan) -> tuple[Decimal, int]:
    """The most points may pay (money, rounded down to the cent) and its points (whole cents)."""
    cap = (plan.amount * plan.rules.redeem_max_share).quantize(money.CENT, rounding=ROUND_DOWN)
    rate = plan.rules.redeem_rate
    most = int(cap * 100) * rate // 100
    return cap, most - most % step(rate)


def _plan_points(session: Session, plan: _Plan, wanted: int | Literal["max"] | None) -> None:
    if wanted is None:
        return
    rate = plan.rules.redeem_rate
    cap, cap_points = _points_cap(plan)
    usable = points.spendable(session, plan.member, plan.at.date())
    if isinstance(wanted, str):  # max
        available = sum(left for _cid, left in usable)
        wanted = min(cap_points, available - available % step(rate))
        if wanted == 0:
            return
    elif (wanted * 100) % rate:
        raise InvalidInput(
            _("{points} points do not pay whole cents at {rate} points per 1.00").format(
                points=wanted, rate=rate
            ),
            _("use a multiple of {step}").format(step=step(rate)),
        )
    elif _cents(wanted, rate) > cap:
        raise RuleViolation(
            _(
                "points may pay at most {cap} of this bill ({cap_points} points), not {value}"
            ).format(
                cap=money.format(cap),
                cap_points=cap_points,
                value=money.format(_cents(wanted, rate)),
            ),
            _("use fewer points, or --points max"),
        )
    try:
        plan.spend = points.plan_spend(session, plan.member, wanted, plan.at.date(), usable)
    except RuleViolation as exc:  # its hint is `points deduct`'s
        raise RuleViolation(exc.message, _("use fewer points, or --points max")) from None
    plan.points_used = wanted
    plan.points_value = _cents(wanted, rate)


def _plan_wallet(session: Session, plan: _Plan, wanted: Decimal | Literal["max"] | None) -> None:
    if wanted is None:
        return
    balance = wallet.balance_of(session, plan.member)
    left = plan.amount - plan.points_value
    if isinstance(wanted, str):  # max
        plan.wallet_paid = min(balance, left)
        return
    if wanted > balance:
        raise RuleViolation(
            _("{member_no} has {balance} in the wallet, not {amount}").format(
                member_no=refs.shown(plan.member.member_no),
                balance=money.format(balance),
                amount=money.format(wanted),
            ),
            _("pay at most the balance, or --wallet max"),
        )
    if wanted > left:
        raise RuleViolation(
            _("the wallet would pay {amount}, more than the {left} left to pay").format(
                amount=money.format(wanted), left=money.format(left)
            ),
            _("pay at most what is left, or --wallet max"),
        )
    plan.wallet_paid = wanted


def _plan_pay(plan: _Plan, pay: str | None) -> None:
    if plan.tendered <= 0:
        return
    if pay is None:
        raise UsageProblem(
            _("{left} is left to pay: say how with --pay").format(left=money.format(plan.tendered)),
            _("--pay cash, card, wechat, alipay or other"),
        )
    plan.pay_method = pay


# -- selling ---------------------------------------------------------------------------------
def sell(
    *, session: Session, member: Member, request: SaleRequest, operator: str, now: dt.datetime
) -> Receipt:
    """`sale`: price, coupon, points, stored value, tender and earning in one transaction.
    `member` is locked by the caller (refs.resolve(..., for_update=True))."""
    at = request.at or now
    store = request.store
    total = list_total(request)
    existing = purchases.find(session, request.order_no, store) if request.order_no else None
    if existing is not None:
        return _same_sale(session, existing, member, total, request.dry_run)
    points.ensure_active(member, _("sell"))
    plan = _plan(session, member, request, at)
    if request.dry_run:
        return _receipt_of_plan(session, plan, request, False)
    purchase = Purchase(
        member_id=member.id or 0,
        order_no=request.order_no or purchases.generated_order_no(at),
        store=store or "",
        amount=plan.amount,
        at=at,
        category=_category(request.lines),
        points_earned=plan.points_earned,
        operator=operator,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(purchase)
    except IntegrityError:  # the same order sold by another till just now
        raced = purchases.find(session, purchase.order_no, store)
        assert raced is not None
        return _same_sale(session, raced, member, total, request.dry_run)
    _write(session, plan, purchase, request.lines, operator, now)
    return _receipt_of_plan(
        session, plan, dataclasses.replace(request, order_no=purchase.order_no), False
    )


def _category(lines: tuple[Line, ...]) -> str | None:
    categories = {line.category for line in lines}
    return categories.pop() if len(categories) == 1 else None


def _write(
    session: Session,
    plan: _Plan,
    purchase: Purchase,
    lines: tuple[Line, ...],
    operator: str,
    now: dt.datetime,
) -> None:
    member, at, why = plan.member, plan.at, f"sale {purchase.order_no}"
    if plan.coupon is not None:
        coupons.use(session, plan.coupon, member, at, purchase.order_no, plan.price)
    if plan.points_used:
        points.post_debit(
            session, member, plan.spend, kind="redeem", reason=why, operator=operator, at=at,
            purchase_id=purchase.id,
        )  # fmt: skip
    if plan.wallet_paid:
        session.add(
            WalletEntry(
                member_id=member.id or 0, kind="pay", amount=-plan.wallet_paid, reason=why,
                operator=operator, at=at, purchase_id=purchase.id,
            )
        )  # fmt: skip
    purchases.credit_earning(session, member, purchase, plan.points_earned, plan.rules, operator)
    sale = _sale_row(plan, purchase, now)
    session.add(sale)
    session.flush()
    for number, line in enumerate(lines, start=1):
        session.add(_line_row(sale.id or 0, number, line))
    refresh_caches(session, member)
    audit.record(
        session=session,
        operator=operator,
        action="sale.record",
        at=at,
        recorded_at=now,
        member=member,
        details={
            "purchase_id": purchase.id,
            "order_no": purchase.order_no,
            "amount": money.format(plan.amount),
            "coupon": plan.coupon.code if plan.coupon else None,
            "points_used": plan.points_used,
            "wallet_paid": money.format(plan.wallet_paid),
            "tendered": money.format(plan.tendered),
            "points_earned": plan.points_earned,
        },
    )


def _sale_row(plan: _Plan, purchase: Purchase, now: dt.datetime) -> Sale:
    return Sale(
        purchase_id=purchase.id or 0,
        list_total=plan.list_total,
        price_factor=plan.tier.discount,
        tier_discount=plan.list_total - plan.price,
        coupon_id=plan.coupon.id if plan.coupon else None,
        coupon_value=plan.coupon_value,
        points_used=plan.points_used,
        points_value=plan.points_value,
        wallet_paid=plan.wallet_paid,
        tendered=plan.tendered,
        pay_method=plan.pay_method,
        created_at=now,
    )


def _line_row(sale_id: int, number: int, line: Line) -> SaleLine:
    return SaleLine(
        sale_id=sale_id,
        line_no=number,
        sku=line.sku,
        name=line.name,
        category=line.category,
        quantity=line.quantity,
        unit_price=line.unit_price,
        amount=line.amount,
    )


def refresh_caches(session: Session, member: Member) -> None:
    """The member's cached points and stored value, from the ledgers (same transaction)."""
    points.refresh_cache(session, member)
    member.balance = wallet.balance_of(session, member)
    session.add(member)


def _receipt_of_plan(
    session: Session, plan: _Plan, request: SaleRequest, duplicate: bool
) -> Receipt:
    member = plan.member
    if request.dry_run:
        points_after = member.points - plan.points_used + plan.points_earned
        balance_after = wallet.balance_of(session, member) - plan.wallet_paid
    else:
        points_after, balance_after = member.points, member.balance
    return Receipt(
        member.member_no, request.order_no, request.store, plan.at, list(request.lines),
        plan.list_total, plan.tier.discount, plan.list_total - plan.price, plan.price,
        plan.coupon.code if plan.coupon else None, plan.coupon_value, plan.points_used,
        plan.points_value, plan.wallet_paid, plan.tendered, plan.pay_method, plan.amount,
        plan.earning_on, plan.points_earned, points_after, money.quantize(balance_after),
        duplicate, request.dry_run, plan.tier.code,
    )  # fmt: skip


def _same_sale(
    session: Session, purchase: Purchase, member: Member, total: Decimal, dry_run: bool
) -> Receipt:
    """The order number is taken: the same sale again (its stored receipt), else exit 4."""
    sale = session.exec(select(Sale).where(Sale.purchase_id == purchase.id)).first()
    holder = session.get(Member, purchase.member_id)
    assert holder is not None  # a foreign key
    if sale is None:
        raise RuleViolation(
            _(
                "order {order_no} is already recorded as a purchase for {member_no}, not a sale"
            ).format(order_no=purchase.order_no, member_no=refs.shown(holder.member_no)),
            _("an order number names one purchase: check it, or leave --order-no out"),
        )
    stored = purchases.StoredOrder(
        purchase.order_no, purchase.store, purchase.member_id, holder.member_no,
        sale.list_total, purchase.at,
    )  # fmt: skip
    conflict = purchases.order_conflict(stored, member.id or 0, total, None)
    if conflict is not None:
        raise RuleViolation(
            conflict, _("an order number names one sale: check it, or leave --order-no out")
        )
    return stored_receipt(session, purchase, sale, holder, dry_run)


def stored_receipt(
    session: Session, purchase: Purchase, sale: Sale, member: Member, dry_run: bool = False
) -> Receipt:
    """The receipt of a sale already made, from its stored rows; `duplicate` true."""
    coupon = session.get(Coupon, sale.coupon_id) if sale.coupon_id else None
    rows = session.exec(
        select(SaleLine).where(SaleLine.sale_id == sale.id).order_by(col(SaleLine.line_no))
    )
    lines = [
        Line(r.name, r.sku, r.category, Decimal(r.quantity).normalize(), r.unit_price, r.amount)
        for r in rows
    ]
    price = money.quantize(sale.list_total - sale.tier_discount)
    return Receipt(
        member.member_no,
        purchase.order_no,
        purchase.store or None,
        purchase.at,
        lines,
        money.quantize(sale.list_total),
        Decimal(sale.price_factor),
        money.quantize(sale.tier_discount),
        price,
        coupon.code if coupon else None,
        money.quantize(sale.coupon_value),
        sale.points_used,
        money.quantize(sale.points_value),
        money.quantize(sale.wallet_paid),
        money.quantize(sale.tendered),
        sale.pay_method,
        money.quantize(purchase.amount),
        money.quantize(sale.wallet_paid + sale.tendered),
        purchase.points_earned,
        member.points,
        money.quantize(member.balance),
        True,
        dry_run,
        member.tier_code,
        purchase.refunded_at,
    )

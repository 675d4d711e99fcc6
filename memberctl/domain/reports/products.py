"""`report products`: what sells, who buys it, and what is bought together (issue 19).

Over the days `start` through `end` (default: the 30 days ending with `as_of`, as `report kpi`),
the purchases not refunded of the members in scope (a manager: their stores' members), made in
the store `--store` names when it is given (where the purchase was made, `purchase.store`):

- Revenue is what the goods sold for (`purchase.amount`: after the tier's price and the coupon,
  as `report kpi` counts it). A till sale rung up item by item shares its amount among its
  `sale_line`s in proportion to their list amounts (a 100.00 line of a 150.00 sale sold for
  142.50 brings 95.00), so the rows add up to the shop's revenue (to the cent, each row rounded).
  Any other purchase (imported, `purchase record`, a sale of an amount alone) counts whole
  under its `purchase.category` (set by `import purchases`). A sale is counted once: through its
  lines when it has some, else through its purchase.
- `by="category"` (the default): one row per category. Lines and purchases without one are one
  row whose `category` is null ("(no category)" in tables), listed last and always, outside
  `limit`. `by="item"`: one row per item of the sale lines (its name) with its category (the
  highest, should lines of one item carry several); purchases without lines take no part, and
  with no sale line in the period the report is empty.
- `sellers`: by revenue (ties: more buyers, then the name). `rank` is the place by revenue,
  `buyers_rank` the place by buyers, the distinct members who bought it (ties: more revenue,
  then the name); `revenue_share` of the period's revenue, `buyer_share` of its buyers (one
  member buys several categories: these add up to more than 1); `purchases`: the purchases
  holding it. `limit`: the first `limit` rows.
- `member`: the group `--member`, `--segment` or `--where` names (segment and where together:
  both), their revenue by category (or item), by revenue: `share` of the group's revenue,
  `shop_share` the share of the same category in the shop's revenue (everyone in scope), and
  `index` = share / shop_share (2 places; above 1 the group favours it, below 1 it buys it less
  than the shop does). Everything else in the report stays the shop's.
- `pairs`, bought together. A basket is one till sale with lines (its lines' categories, or its
  items), or, for purchases without lines, one member's purchases of one day. `baskets` is the
  number of baskets holding at least one category (item); uncategorised lines and purchases take
  no part in pairs. For two categories A and B (A before B by name): `baskets` holding both,
  `a_baskets` and `b_baskets` holding each, `support` = both / baskets, `confidence_ab` = both /
  a_baskets (of the baskets with A, the share that also hold B), `confidence_ba` the other way,
  and `lift` = support(A,B) / (support(A) x support(B)) = both x baskets / (a_baskets x
  b_baskets) (2 places): above 1, bought together more often than chance would have it. Only a
  pair in at least `min_baskets` baskets (default 2) is listed, so that a one-off does not top
  the list; the first `top` (default 10) by lift, then more baskets, then the names. SQL groups
  the baskets by the set of names each holds; the pairs of each set are counted here.

Shares, support and confidence are 0-1 with four places. Ties sort by name in code point order;
which of a pair is A follows the database's comparison of text (SQLite: code points; PostgreSQL:
its collation, C.UTF-8 in the tests).

Speed: two statements read the period's purchases, each once (a CTE read twice is materialised):
the sums per category and in all, then the sets of names the baskets hold (one row per set:
tens for categories, where a year holds millions of baskets); a group adds one.
By category, each reads the purchases of the period once, with their sale lines joined (not
the purchases with lines, then again those without).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    ColumnElement,
    case,
    func,
    join,
    literal_column,
    null,
    union_all,
)
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from memberctl.domain import segments, stores
from memberctl.domain.reports import Scope, cents, counted, fetch, midnight, ratio
from memberctl.domain.reports.kpi import period
from memberctl.errors import UsageProblem
from memberctl.i18n import _
from memberctl.models import Member, Purchase, Sale, SaleLine

BY = ("category", "item")
TOP = 10
MIN_BASKETS = 2


@dataclass(frozen=True)
class SellerRow:
    rank: int | None  # the place by revenue; None for the row without a category
    category: str | None
    item: str | None  # --by item: the item (the line's name); --by category: null
    revenue: Decimal
    revenue_share: float
    buyers: int
    buyer_share: float
    buyers_rank: int | None
    purchases: int


@dataclass(frozen=True)
class GroupRow:
    category: str | None
    item: str | None
    revenue: Decimal
    share: float
    shop_share: float
    index: float | None  # None: the shop sold none of it (never, the group being in the shop)
    purchases: int


@dataclass(frozen=True)
class Group:
    member_no: str | None
    segment: str | None
    where: str | None
    buyers: int
    purchases: int
    revenue: Decimal
    rows: list[GroupRow]


@dataclass(frozen=True)
class PairRow:
    a: str
    b: str
    baskets: int
    a_baskets: int
    b_baskets: int
    support: float
    confidence_ab: float
    confidence_ba: float
    lift: float


@dataclass(frozen=True)
class Products:
    start: dt.date
    end: dt.date
    by: str
    store: str | None
    revenue: Decimal
    purchases: int
    buyers: int
    baskets: int
    min_baskets: int
    sellers: list[SellerRow]
    member: Group | None
    pairs: list[PairRow]


def check_group(member: str | None, where: str | None, segment: str | None) -> None:
    """`--member` names one member; `--segment`/`--where` a group: not both (exit 2)."""
    if member is not None and (where is not None or segment is not None):
        raise UsageProblem(
            _("give --member, or --segment and --where, not both"),
            _("compare one member, or a group of members, with the shop"),
        )


def _items(by: str, conditions: list[ColumnElement[bool]], join_member: bool) -> Any:
    """Every basket item of the period: (sale_id, member_id, day) name the basket (sale_id 0:
    the member's purchases of that day without lines), `name` the category or item, `revenue`
    its share of what the goods sold for."""
    day = func.date(col(Purchase.at)).label("day")
    if by == "item":
        lines = (
            core_select(
                col(Sale.id).label("sale_id"),
                col(Purchase.member_id).label("member_id"),
                day,
                col(Purchase.id).label("purchase_id"),
                func.coalesce(col(SaleLine.name), col(SaleLine.sku)).label("name"),
                col(SaleLine.category).label("category"),
                (col(SaleLine.amount) * col(Purchase.amount) / col(Sale.list_total)).label(
                    "revenue"
                ),
            )
            .select_from(SaleLine)
            .join(Sale, col(Sale.id) == col(SaleLine.sale_id))
            .join(Purchase, col(Purchase.id) == col(Sale.purchase_id))
        )
        if join_member:
            lines = lines.join(Member, col(Member.id) == col(Purchase.member_id))
        return lines.where(*conditions).cte("items")
    # Every purchase of the period once, joined to its sale's lines when it has some: a sale is
    # counted through its lines, any other purchase whole under its own category. One pass
    # over the period (the covering index on `at` holds the category), not one per kind.
    line = col(SaleLine.id).is_not(None)
    category = case((line, col(SaleLine.category)), else_=col(Purchase.category))
    share = col(SaleLine.amount) * col(Purchase.amount) / col(Sale.list_total)
    every = (
        core_select(
            func.coalesce(col(SaleLine.sale_id), 0).label("sale_id"),
            col(Purchase.member_id).label("member_id"),
            day,
            col(Purchase.id).label("purchase_id"),
            category.label("name"),
            category.label("category"),
            case((line, share), else_=col(Purchase.amount)).label("revenue"),
        )
        .select_from(Purchase)
        # (sale JOIN sale_line) as one side: joined one after the other, PostgreSQL hashed the
        # purchases' NULL sale ids for the second join, all in one bucket (127 s for a year)
        .outerjoin(
            join(Sale, SaleLine, col(SaleLine.sale_id) == col(Sale.id)),
            col(Sale.purchase_id) == col(Purchase.id),
        )
    )
    if join_member:
        every = every.join(Member, col(Member.id) == col(Purchase.member_id))
    return every.where(*conditions).cte("items")


@dataclass(frozen=True)
class _Figures:
    """One category's (item's) sums, or (name None, whole True) the period's in all."""

    name: str | None
    category: str | None
    revenue: Decimal
    buyers: int
    purchases: int


def _figures(session: Session, items: Any) -> tuple[_Figures, list[_Figures]]:
    """The sums per category (item) and in all, in one statement. The items are summed per
    name and buyer, and per buyer, first: then the buyers of a name are its rows, and each
    count of distinct purchases is of one buyer's few (four sets of millions of members and
    purchases, one per `count(DISTINCT)`, took SQLite 15 s over a year of a million members;
    this is 6.5 s)."""
    revenue, purchases = func.sum(items.c.revenue), func.count(items.c.purchase_id.distinct())
    per_buyer = (
        core_select(
            items.c.name,
            items.c.member_id,
            func.max(items.c.category).label("category"),
            revenue.label("revenue"),
            purchases.label("purchases"),
        )
        .group_by(items.c.name, items.c.member_id)
        .subquery("per_buyer")
    )
    per_member = (
        core_select(items.c.member_id, revenue.label("revenue"), purchases.label("purchases"))
        .group_by(items.c.member_id)
        .subquery("per_member")
    )
    per_name = core_select(
        per_buyer.c.name,
        func.max(per_buyer.c.category),
        func.round(func.sum(per_buyer.c.revenue), 2),
        func.count(per_buyer.c.member_id),  # a purchase of no member is no buyer
        func.coalesce(func.sum(per_buyer.c.purchases), 0),
        literal_column("0").label("whole"),
    ).group_by(per_buyer.c.name)
    whole = core_select(
        null(),
        null(),
        func.round(func.sum(per_member.c.revenue), 2),
        func.count(per_member.c.member_id),
        func.coalesce(func.sum(per_member.c.purchases), 0),
        literal_column("1"),
    )
    rows, total = [], None
    for name, category, money, buyers, count, is_whole in fetch(
        session, union_all(per_name, whole)
    ):
        figures = _Figures(name, category, cents(money), int(buyers), int(count))
        if is_whole:
            total = figures
        else:
            rows.append(figures)
    assert total is not None  # an aggregate without GROUP BY is one row
    return total, rows


def _ordered(rows: list[_Figures], *, buyers_first: bool = False) -> list[_Figures]:
    """Named rows by revenue (ties: more buyers, then the name), or by buyers first; the row
    without a name last."""
    named = [row for row in rows if row.name is not None]
    if buyers_first:
        named.sort(key=lambda row: (-row.buyers, -row.revenue, row.name or ""))
    else:
        named.sort(key=lambda row: (-row.revenue, -row.buyers, row.name or ""))
    return named + [row for row in rows if row.name is None]


def _sellers(rows: list[_Figures], by: str, total: _Figures) -> list[SellerRow]:
    places = {row.name: place for place, row in enumerate(_ordered(rows, buyers_first=True), 1)}
    sellers = []
    for place, row in enumerate(_ordered(rows), start=1):
        named = row.name is not None
        sellers.append(
            SellerRow(
                rank=place if named else None,
                category=row.category,
                item=row.name if by == "item" else None,
                revenue=row.revenue,
                revenue_share=ratio(row.revenue, total.revenue),
                buyers=row.buyers,
                buyer_share=ratio(row.buyers, total.buyers),
                buyers_rank=places[row.name] if named else None,
                purchases=row.purchases,
            )
        )
    return sellers


def _name(row: SellerRow | GroupRow) -> str | None:
    return row.item if row.item is not None else row.category


def label(row: SellerRow | GroupRow) -> str:
    """A row as a reader calls it: its item, else its category, else "(no category)"."""
    name = _name(row)
    return name if name is not None else _("(no category)")


def _index(share: Decimal, shop: Decimal) -> float | None:
    if not shop:
        return None
    return float((share / shop).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _group_rows(
    rows: list[_Figures], by: str, total: Decimal, shop: dict[str | None, Decimal], whole: Decimal
) -> list[GroupRow]:
    """The group's rows against `shop` (revenue by name) of `whole` (the shop's revenue)."""
    result = []
    for row in _ordered(rows):
        in_shop = shop.get(row.name, Decimal(0))
        share = row.revenue / total if total else Decimal(0)
        result.append(
            GroupRow(
                category=row.category,
                item=row.name if by == "item" else None,
                revenue=row.revenue,
                share=ratio(row.revenue, total),
                shop_share=ratio(in_shop, whole),
                index=_index(share, in_shop / whole if whole else Decimal(0)),
                purchases=row.purchases,
            )
        )
    return result


def _pairs(session: Session, items: Any, min_baskets: int, top: int) -> tuple[int, list[PairRow]]:
    """The number of baskets holding a category (item), and the top pairs by lift. SQL groups
    the baskets by the names they hold (one row per distinct set: a few hundred for categories,
    where the baskets are millions); the sets' pairs are counted here, each set once."""
    keys = (items.c.sale_id, items.c.member_id, items.c.day)
    held = _held_names(session, items.c.name)
    basket = core_select(held.label("names")).where(items.c.name.is_not(None)).group_by(*keys)
    sets = basket.subquery("basket")
    count = 0
    single: Counter[str] = Counter()
    both: Counter[tuple[str, str]] = Counter()
    for names, baskets in fetch(
        session, core_select(sets.c.names, func.count()).group_by(sets.c.names)
    ):
        names = names if isinstance(names, list) else sorted(json.loads(names))
        count += baskets
        single.update(dict.fromkeys(names, baskets))
        for pair in itertools.combinations(names, 2):
            both[pair] += baskets
    pairs = [
        _pair((a, b, n, single[a], single[b]), count)
        for (a, b), n in both.items()
        if n >= min_baskets
    ]
    pairs.sort(
        key=lambda p: (-Fraction(p.baskets, p.a_baskets * p.b_baskets), -p.baskets, p.a, p.b)
    )
    return count, pairs[:top]


def _held_names(session: Session, name: Any) -> Any:
    """The distinct names of a basket in one value: PostgreSQL an array in the database's
    order of text; SQLite a JSON array (in no order: sorted here, by code point, as SQLite
    compares text)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import aggregate_order_by  # not loaded on SQLite

        return func.array_agg(aggregate_order_by(name.distinct(), name))
    return func.json_group_array(name.distinct())


def _pair(row: Any, baskets: int) -> PairRow:
    a, b, n, a_n, b_n = row
    lift = Decimal(n * baskets) / Decimal(a_n * b_n)
    return PairRow(
        a=a,
        b=b,
        baskets=int(n),
        a_baskets=int(a_n),
        b_baskets=int(b_n),
        support=ratio(n, baskets),
        confidence_ab=ratio(n, a_n),
        confidence_ba=ratio(n, b_n),
        lift=float(lift.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
    )


@dataclass(frozen=True)
class _Where:
    conditions: list[ColumnElement[bool]]
    join_member: bool
    store: str | None


def _where(
    session: Session, scope: Scope, start: dt.date, end: dt.date, store: str | None
) -> _Where:
    """The purchases the report counts: the period, not refunded, the members in scope, the
    store where they were made (outside a manager's stores: exit 6)."""
    low, high = midnight(start), midnight(end + dt.timedelta(days=1))
    at = col(Purchase.at)
    conditions = [at >= low, at < high, counted()]
    if scope.filtered:
        conditions.append(scope.members)
    code = stores.resolve(session, store)  # not registered: exit 3
    if code is not None:
        kept = stores.kept_to(scope.staff, code, Purchase.store)
        assert kept is not None
        conditions.append(kept)
    return _Where(conditions, scope.filtered, code)


def _group(
    session: Session,
    base: _Where,
    by: str,
    shop: tuple[_Figures, list[_Figures]],
    who: tuple[Member | None, str | None, str | None],
    as_of: dt.date,
) -> Group | None:
    member, where, segment = who
    if member is not None:
        condition: ColumnElement[bool] | None = col(Purchase.member_id) == member.id
    else:
        condition = segments.resolve_filter(session, where, segment, as_of)
    if condition is None:
        return None
    items = _items(by, [*base.conditions, condition], join_member=True)
    total, rows = _figures(session, items)
    revenue = {row.name: row.revenue for row in shop[1]}
    member_no = member.member_no if member is not None else None
    return Group(
        member_no, segment, where, total.buyers, total.purchases, total.revenue,
        _group_rows(rows, by, total.revenue, revenue, shop[0].revenue),
    )  # fmt: skip


def _limited(rows: list[Any], limit: int | None) -> list[Any]:
    """The first `limit` named rows, and the row without a name (always)."""
    named = [row for row in rows if _name(row) is not None]
    return named[:limit] + [row for row in rows if _name(row) is None]


def build(
    *,
    session: Session,
    scope: Scope,
    start: dt.date | None = None,
    end: dt.date | None = None,
    by: str = "category",
    member: Member | None = None,
    where: str | None = None,
    segment: str | None = None,
    store: str | None = None,
    limit: int | None = None,
    top: int = TOP,
    min_baskets: int = MIN_BASKETS,
) -> Products:
    start, end = period(scope.as_of, start, end)
    base = _where(session, scope, start, end, store)
    items = _items(by, base.conditions, base.join_member)
    shop = _figures(session, items)
    group = _group(session, base, by, shop, (member, where, segment), scope.as_of)
    if group is not None:
        group = dataclasses.replace(group, rows=_limited(group.rows, limit))
    baskets, pairs = _pairs(session, items, min_baskets, top)
    total = shop[0]
    return Products(
        start, end, by, base.store, total.revenue, total.purchases, total.buyers, baskets,
        min_baskets, _limited(_sellers(shop[1], by, total), limit), group, pairs,
    )  # fmt: skip

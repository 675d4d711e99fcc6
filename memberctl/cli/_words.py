"""Codes as a Chinese shop owner reads them in a table: 正常 for `active`, 金卡会员 for `gold`.

Only tables in a language other than English use this (`_output._show`), except the metric
and key labels, which English tables show as words too: English tables, JSON and CSV keep the
codes, so scripts never depend on the language. A code not listed here is shown
as it is.
"""

from __future__ import annotations

from functools import cache

from memberctl.i18n import current, pgettext


def in_words(kind: str | None, code: str, tier_names: dict[str, str]) -> str:
    """`code` of vocabulary `kind` ("status", "gender", "kind", "segment", "tier") in words."""
    if kind == "tier":
        return tier_names.get(code, code)
    return _vocabulary(kind or "", current()).get(code, code)


@cache
def _vocabulary(kind: str, language: str) -> dict[str, str]:  # noqa: ARG001  (the cache key)
    """Built once per vocabulary and language, not once per table cell."""
    words = VOCABULARIES.get(kind)
    return words() if words is not None else {}


def _statuses() -> dict[str, str]:
    return {
        "active": pgettext("status", "active"),
        "frozen": pgettext("status", "frozen"),
        "cancelled": pgettext("status", "cancelled"),
        "unused": pgettext("status", "unused"),
        "used": pgettext("status", "used"),
        "expired": pgettext("status", "expired"),  # coupons
        "open": pgettext("status", "open"),
        "resolved": pgettext("status", "resolved"),  # notes
        "disabled": pgettext("status", "disabled"),
        "locked": pgettext("status", "locked"),
        "revoked": pgettext("status", "revoked"),  # staff and their tokens
    }


def _roles() -> dict[str, str]:
    """Staff roles (permissions.Role)."""
    return {
        "owner": pgettext("role", "owner"),
        "manager": pgettext("role", "manager"),
        "clerk": pgettext("role", "clerk"),
        "job": pgettext("role", "job"),
    }


def _genders() -> dict[str, str]:
    return {"male": pgettext("gender", "male"), "female": pgettext("gender", "female")}


def _kinds() -> dict[str, str]:
    """Ledger entries (points, stored value), notes, and the lines of a member's history."""
    return {
        "adjust": pgettext("kind", "adjust"),
        "earn": pgettext("kind", "earn"),
        "import": pgettext("kind", "import"),
        "campaign": pgettext("kind", "campaign"),
        "transfer": pgettext("kind", "transfer"),
        "redeem": pgettext("kind", "redeem"),
        "refund": pgettext("kind", "refund"),
        "return": pgettext("kind", "return"),
        "expire": pgettext("kind", "expire"),
        "topup": pgettext("kind", "topup"),
        "bonus": pgettext("kind", "bonus"),
        "pay": pgettext("kind", "pay"),
        "call": pgettext("kind", "call"),
        "complaint": pgettext("kind", "complaint"),
        "feedback": pgettext("kind", "feedback"),
        "visit": pgettext("kind", "visit"),
        "event": pgettext("kind", "event"),
        "note": pgettext("kind", "note"),
        "status": pgettext("kind", "status"),
        "tier": pgettext("kind", "tier"),
        "points": pgettext("kind", "points"),
        "wallet": pgettext("kind", "wallet"),
        "purchase": pgettext("kind", "purchase"),
        # actions: a member's history, tier evaluation, survey load
        "enroll": pgettext("kind", "enroll"),
        "freeze": pgettext("kind", "freeze"),
        "unfreeze": pgettext("kind", "unfreeze"),
        "cancel": pgettext("kind", "cancel"),
        "restore": pgettext("kind", "restore"),
        "upgrade": pgettext("kind", "upgrade"),
        "downgrade": pgettext("kind", "downgrade"),
        "created": pgettext("kind", "created"),
        "updated": pgettext("kind", "updated"),
        "unchanged": pgettext("kind", "unchanged"),
        "added": pgettext("kind", "added"),
        # campaign actions
        "award_points": pgettext("kind", "award points"),
        "issue_coupon": pgettext("kind", "issue coupon"),
        # survey question types
        "single": pgettext("kind", "single"),
        "multiple": pgettext("kind", "multiple"),
        "rating": pgettext("kind", "rating"),
        "text": pgettext("kind", "text"),
    }


def _segments() -> dict[str, str]:
    """RFM segments (report rfm)."""
    return {
        "champions": pgettext("segment", "champions"),
        "loyal": pgettext("segment", "loyal"),
        "potential": pgettext("segment", "potential"),
        "needs_attention": pgettext("segment", "needs attention"),
        "at_risk": pgettext("segment", "at risk"),
        "hibernating": pgettext("segment", "hibernating"),
        "lost": pgettext("segment", "lost"),
    }


def key_labels() -> dict[str, str]:
    """Labels for records shown without named columns (`points balance`, `db info`, ...), in
    both languages: a person reads "Points balance", not `points_balance`."""
    return {
        "member_no": pgettext("key", "member no"),
        "points": pgettext("key", "points"),
        "available": pgettext("key", "available"),
        "lapsed": pgettext("key", "lapsed"),
        "next_expiry_on": pgettext("key", "next expiry"),
        "next_expiry_points": pgettext("key", "points expiring then"),
        "balance": pgettext("key", "balance"),
        "paid": pgettext("key", "refundable"),
        "as_of": pgettext("key", "as of"),
        "entries": pgettext("key", "entries"),
        "members": pgettext("key", "members"),
        "url": pgettext("key", "database"),
        "backend": pgettext("key", "backend"),
        "schema_revision": pgettext("key", "schema version"),
        "schema_head": pgettext("key", "newest schema version"),
        "schema_known": pgettext("key", "schema known"),
        "rows": pgettext("key", "rows"),
        "file_bytes": pgettext("key", "file size (bytes)"),
        "code": pgettext("key", "code"),
        "title": pgettext("key", "title"),
        "questions": pgettext("key", "questions"),
        "action": pgettext("key", "action"),
        # db backup / restore, notify render
        "file": pgettext("key", "file"),
        "format": pgettext("key", "format"),
        "bytes": pgettext("key", "size (bytes)"),
        "encrypted": pgettext("key", "encrypted"),
        "out": pgettext("key", "written to"),
        "skipped_opt_out": pgettext("key", "opted out (skipped)"),
        # report campaign
        "campaign": pgettext("key", "campaign"),
        "name": pgettext("key", "name"),
        "days": pgettext("key", "days compared"),
        "runs": pgettext("key", "runs"),
        "first_run": pgettext("key", "first run"),
        "last_run": pgettext("key", "last run"),
        "members_reached": pgettext("key", "members reached"),
        "points_given": pgettext("key", "points given"),
        "coupons_issued": pgettext("key", "coupons issued"),
        "coupons_redeemed": pgettext("key", "coupons redeemed"),
        "redemption_rate": pgettext("key", "redemption rate"),
        "purchases_before": pgettext("key", "purchases before"),
        "purchases_after": pgettext("key", "purchases after"),
        "buyers_before": pgettext("key", "buyers before"),
        "buyers_after": pgettext("key", "buyers after"),
        "spend_before": pgettext("key", "spend before"),
        "spend_after": pgettext("key", "spend after"),
    }


def workbook_keys() -> dict[str, str]:
    """The first column of a report workbook's key/value sheets (summary, kpi, campaign...)."""
    return {
        **key_labels(),
        **_metrics(),
        "new_this_month": pgettext("key", "new this month"),
        "active_90d": pgettext("key", "active (90 days)"),
        "points_liability": pgettext("key", "points liability"),
        "balance_liability": pgettext("key", "balance liability"),
        "start": pgettext("key", "from"),
        "end": pgettext("key", "to"),
        "previous_start": pgettext("key", "previous from"),
        "previous_end": pgettext("key", "previous to"),
        "survey": pgettext("key", "survey"),
        "responses": pgettext("key", "responses"),
        "respondents": pgettext("key", "respondents"),
        **daily_keys(),
        # report stores: its total
        "buyers": pgettext("key", "buyers"),
        "average_order": pgettext("key", "average order"),
        "repeat_buyers": pgettext("key", "repeat buyers"),
        "visitors": pgettext("key", "visitors"),
        "visitor_share": pgettext("key", "visitor share"),
        "new_home_members": pgettext("key", "new members (home store)"),
        "home_members": pgettext("key", "members (home store)"),
        # report products ("buyers": above)
        "baskets": pgettext("key", "baskets"),
        "min_baskets": pgettext("key", "least baskets of a pair"),
        "segment": pgettext("key", "segment"),
        "where": pgettext("key", "filter"),
        "member_revenue": pgettext("key", "their revenue"),
        "member_purchases": pgettext("key", "their purchases"),
        "member_buyers": pgettext("key", "their buyers"),
        "forecast_days": pgettext("key", "days forecast"),
        "log_likelihood": pgettext("key", "log-likelihood"),
        "time_unit": pgettext("key", "time unit"),
        # report forecast ("buyers", "repeat_buyers": above; its buyers are those fitted on)
    }


def pay_methods() -> dict[str, str]:
    """How a sale was paid (`sale.pay_method`)."""
    return {
        "cash": pgettext("daily", "Cash"),
        "card": pgettext("daily", "Card"),
        "wechat": pgettext("daily", "WeChat Pay"),
        "alipay": pgettext("daily", "Alipay"),
        "other": pgettext("daily", "Other"),
    }


def daily_keys() -> dict[str, str]:
    """`report daily`'s figures by their key, nested ones dotted (`tendered.cash`): the rows of
    its table and the first column of its workbook, in both languages."""
    methods = pay_methods()
    back = pgettext("daily", "Tendered back: {method}")
    return {
        "date": pgettext("daily", "Day"),
        "store": pgettext("daily", "Store"),
        "store_name": pgettext("daily", "Store name"),
        "sales": pgettext("daily", "Sales made"),
        "list_total": pgettext("daily", "List total"),
        "tier_discount": pgettext("daily", "Tier discount"),
        "coupons_used": pgettext("daily", "Coupons used"),
        "coupon_value": pgettext("daily", "Coupon value"),
        "points_redeemed": pgettext("daily", "Points redeemed"),
        "points_value": pgettext("daily", "Points value"),
        "wallet_paid": pgettext("daily", "Stored value paid"),
        **{f"tendered.{code}": word for code, word in methods.items()},
        "tendered_total": pgettext("daily", "Tendered in all"),
        "refunds.count": pgettext("daily", "Sales refunded"),
        "refunds.tendered": pgettext("daily", "Tendered back"),
        "refunds.wallet": pgettext("daily", "Stored value back"),
        "refunds.points_returned": pgettext("daily", "Points returned"),
        **{
            f"refunds.tendered_by_method.{code}": back.format(method=word)
            for code, word in methods.items()
        },
        "net_takings": pgettext("daily", "Net takings (tendered less refunded)"),
        "other_purchases.count": pgettext("daily", "Purchases without the till"),
        "other_purchases.amount": pgettext("daily", "Their amount"),
        "new_members": pgettext("daily", "New members"),
        "topups.count": pgettext("daily", "Top-ups"),
        "topups.amount": pgettext("daily", "Stored value sold (a liability, not revenue)"),
        "topups.bonus": pgettext("daily", "Bonus given with it"),
        "topups.whole_shop": pgettext("daily", "Top-ups of the whole shop"),
    }


def sheet_names() -> dict[str, str]:
    """A report workbook's sheets (Excel allows 31 characters, no : / ? * [ ])."""
    return {
        "summary": pgettext("sheet", "summary"),
        "by_status": pgettext("sheet", "by status"),
        "by_tier": pgettext("sheet", "by tier"),
        "growth": pgettext("sheet", "growth"),
        "rfm": pgettext("sheet", "RFM"),
        "segments": pgettext("sheet", "segments"),
        "churn": pgettext("sheet", "churn"),
        "upgrades": pgettext("sheet", "upgrades"),
        "birthdays": pgettext("sheet", "birthdays"),
        "kpi": pgettext("sheet", "KPI"),
        "previous": pgettext("sheet", "previous period"),
        "change": pgettext("sheet", "change"),
        "change_pct": pgettext("sheet", "change %"),
        "liability": pgettext("sheet", "liability"),
        "campaign": pgettext("sheet", "campaign"),
        "survey": pgettext("sheet", "survey"),
        "answers": pgettext("sheet", "answers"),
        "daily": pgettext("sheet", "till"),
        "referrals": pgettext("sheet", "referrals"),
        "referrers": pgettext("sheet", "referrers"),
        "referred": pgettext("sheet", "referred members"),
        "stores": pgettext("sheet", "stores"),
        "total": pgettext("sheet", "total"),
        "products": pgettext("sheet", "products"),
        "sellers": pgettext("sheet", "best sellers"),
        "member": pgettext("sheet", "against the shop"),
        "pairs": pgettext("sheet", "bought together"),
        "forecast": pgettext("sheet", "forecast"),
        "risks": pgettext("sheet", "by risk"),
        "model": pgettext("sheet", "model"),
        "churn_model": pgettext("sheet", "churn (model)"),
    }


def _metrics() -> dict[str, str]:
    """KPI rows (report kpi) and the keys of the report workbooks' figures."""
    return {
        "active_members": pgettext("metric", "Active members"),
        "repurchase_rate": pgettext("metric", "Repurchase rate"),
        "average_order_value": pgettext("metric", "Average order value"),
        "purchase_frequency": pgettext("metric", "Purchase frequency"),
        "new_members": pgettext("metric", "New members"),
        "purchases": pgettext("metric", "Purchases"),
        "revenue": pgettext("metric", "Revenue"),
    }


def _audit_actions() -> dict[str, str]:
    """The audit log's action codes (`member.freeze`), as the clerk would say what was done."""
    member = {
        "enroll": pgettext("audit", "enrol a member"),
        "edit": pgettext("audit", "edit a member"),
        "freeze": pgettext("audit", "freeze a member"),
        "unfreeze": pgettext("audit", "unfreeze a member"),
        "cancel": pgettext("audit", "cancel a member"),
        "restore": pgettext("audit", "restore a member"),
        "upgrade": pgettext("audit", "upgrade a member"),
        "downgrade": pgettext("audit", "downgrade a member"),
        "note": pgettext("audit", "add a note"),
        "note.resolve": pgettext("audit", "resolve a complaint"),
        "forget": pgettext("audit", "erase personal data"),
        "export_data": pgettext("audit", "export a member's data"),
    }
    others = {
        "points.add": pgettext("audit", "add points"),
        "points.deduct": pgettext("audit", "deduct points"),
        "points.earn_import": pgettext("audit", "import opening points"),
        "points.expire": pgettext("audit", "expire points"),
        "purchase.record": pgettext("audit", "record a purchase"),
        "purchase.refund": pgettext("audit", "refund a purchase"),
        "sale.record": pgettext("audit", "sell at the till"),
        "sale.refund": pgettext("audit", "refund a sale"),
        "wallet.topup": pgettext("audit", "top up stored value"),
        "wallet.pay": pgettext("audit", "pay from stored value"),
        "wallet.refund": pgettext("audit", "refund to stored value"),
        "coupon.redeem": pgettext("audit", "redeem a coupon"),
        "campaign.add": pgettext("audit", "add a campaign"),
        "campaign.update": pgettext("audit", "update a campaign"),
        "campaign.run": pgettext("audit", "run a campaign"),
        "segment.save": pgettext("audit", "save a segment"),
        "segment.delete": pgettext("audit", "delete a segment"),
        "survey.created": pgettext("audit", "add a survey"),
        "survey.updated": pgettext("audit", "update a survey"),
        "survey.take": pgettext("audit", "record survey answers"),
        "tier.load": pgettext("audit", "load tiers"),
        "tier.evaluate": pgettext("audit", "evaluate tiers (nightly)"),
        "settings.set": pgettext("audit", "change a setting"),
        "settings.reset": pgettext("audit", "reset a setting"),
        "report.show_pii": pgettext("audit", "show personal data in a report"),
        "pii.show": pgettext("audit", "show personal data in a list or export"),
        "staff.add": pgettext("audit", "add a staff member"),
        "staff.disable": pgettext("audit", "disable a staff member"),
        "staff.password": pgettext("audit", "set a staff password"),
        "staff.login": pgettext("audit", "log in"),
        "staff.login_failed": pgettext("audit", "failed login"),
        "staff.locked": pgettext("audit", "lock out after failed logins"),
        "staff.logout": pgettext("audit", "log out"),
        "staff.token_add": pgettext("audit", "add a job token"),
        "staff.token_revoke": pgettext("audit", "revoke a job token"),
    }
    return {**{f"member.{k}": v for k, v in member.items()}, **others}


def _periods() -> dict[str, str]:
    """How often a campaign awards a member (campaign list, show)."""
    return {
        "once": pgettext("period", "once"),
        "daily": pgettext("period", "daily"),
        "weekly": pgettext("period", "weekly"),
        "monthly": pgettext("period", "monthly"),
        "yearly": pgettext("period", "yearly"),
    }


def _risks() -> dict[str, str]:
    """Risk labels (report forecast)."""
    return {
        "likely_gone": pgettext("risk", "likely gone"),
        "slipping": pgettext("risk", "slipping"),
        "steady": pgettext("risk", "steady"),
        "new": pgettext("risk", "new"),
        "one_off": pgettext("risk", "bought once"),
    }


VOCABULARIES = {
    "status": _statuses, "gender": _genders, "kind": _kinds, "segment": _segments,
    "period": _periods, "metric": _metrics, "audit": _audit_actions, "role": _roles,
    "risk": _risks,
}  # fmt: skip

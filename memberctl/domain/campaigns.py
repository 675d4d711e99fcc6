"""Campaign definitions: the flat TOML file, its validation, and keeping it in the database.

A campaign file (see templates/campaigns/) names an `action` (award_points or issue_coupon), the
members it targets (`where`, an expression of the filter language), how often a member can be
awarded (`period`: once, daily, weekly, monthly, yearly) and optionally when it runs (`starts`,
`ends`, both inclusive). Problems with the file's content are collected so one run reports them
all (exit 5, one line each); a bad `where` is a usage error of the filter language (exit 2); a
missing file is exit 3. `add` stores a file by its code; a changed file replaces the definition
and keeps the previous one in `campaign_version`; an unchanged one changes nothing.

Running campaigns lives in `campaign_runs`.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from memberctl.domain import audit, fields, money, points, segments
from memberctl.domain.where import ExpressionError
from memberctl.errors import InvalidInput, NotFound, Problems
from memberctl.i18n import _
from memberctl.models import Campaign, CampaignRun, CampaignVersion

AWARD_POINTS, ISSUE_COUPON = "award_points", "issue_coupon"
ACTIONS = (AWARD_POINTS, ISSUE_COUPON)
PERIODS = ("once", "daily", "weekly", "monthly", "yearly")
COUPON_KEYS = (
    "coupon_value", "coupon_min_spend", "coupon_valid_days", "weekdays_only", "no_holidays",
)  # fmt: skip
KEYS = ("code", "name", "action", "points", *COUPON_KEYS, "where", "period", "starts", "ends")
DEFAULT_VALID_DAYS = 30
MAX_VALID_DAYS = 3660
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class CampaignSpec:
    """A checked campaign definition; `definition()` is what the database keeps."""

    code: str
    name: str
    action: str
    where: str
    period: str
    points: int | None = None
    coupon_value: Decimal | None = None
    coupon_min_spend: Decimal | None = None
    coupon_valid_days: int | None = None
    weekdays_only: bool = False
    no_holidays: bool = False
    starts: dt.date | None = None
    ends: dt.date | None = None

    def definition(self) -> dict[str, Any]:
        """JSON-ready, keys in file order, unset keys left out."""
        out: dict[str, Any] = {}
        for key in KEYS:
            value = getattr(self, key)
            if value is None or (key in ("weekdays_only", "no_holidays") and not value):
                continue
            if isinstance(value, Decimal):
                value = money.format(value)
            elif isinstance(value, dt.date):
                value = value.isoformat()
            out[key] = value
        return out

    def is_active_on(self, day: dt.date) -> bool:
        return (self.starts is None or self.starts <= day) and (
            self.ends is None or day <= self.ends
        )


@dataclass(frozen=True)
class CampaignRecord:
    code: str
    name: str
    action: str
    period: str
    where: str
    points: int | None
    coupon_value: Decimal | None
    coupon_min_spend: Decimal | None
    coupon_valid_days: int | None
    weekdays_only: bool
    no_holidays: bool
    starts: dt.date | None
    ends: dt.date | None
    version: int
    updated_at: dt.datetime


@dataclass(frozen=True)
class VersionRecord:
    version: int
    replaced_at: dt.datetime
    operator: str
    definition: dict[str, Any]


@dataclass(frozen=True)
class SavedCampaign:
    campaign: CampaignRecord
    status: str  # added, updated, unchanged
    previous_version: int | None


@dataclass(frozen=True)
class CampaignView:
    campaign: CampaignRecord
    runs: int
    last_run_at: dt.datetime | None
    versions: list[VersionRecord]


# -- the file --------------------------------------------------------------------------------
def read_file(path: Path) -> dict[str, Any]:
    """The TOML document in `path`: a missing file is exit 3, unreadable TOML exit 5."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise NotFound(
            _("no file '{path}'").format(path=path), _("give the path of a campaign .toml file")
        ) from None
    except IsADirectoryError:
        raise NotFound(
            _("'{path}' is a folder").format(path=path), _("give the path of a campaign .toml file")
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput(
            _("{name}: not UTF-8 text").format(name=path.name), _("save the file as UTF-8")
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(
            _("{name}: not valid TOML ({exc})").format(name=path.name, exc=exc),
            _("fix the line it names"),
        ) from None


def parse(
    document: dict[str, Any], source: str = "campaign", *, stored: bool = False
) -> CampaignSpec:
    """Check every key of a campaign document; all problems at once (InvalidInput, exit 5).
    The `where` expression is checked against the database by `check_where`. A `stored`
    definition (read back from the database) may hold text from before control characters were
    refused: it is still read, and shown escaped."""
    problems = Problems()
    if not stored:
        _check_control_characters(document, problems)
    for key in document:
        if key not in KEYS:
            problems.add(
                None,
                key,
                None,
                _("unknown key '{key}' (keys are: {KEYS})").format(key=key, KEYS=", ".join(KEYS)),
            )
    code = _text(document, "code", problems, 64)
    if code is not None and not _CODE.fullmatch(code):
        problems.add(
            None,
            "code",
            code,
            _("code '{code}' is not usable: use letters, digits, - _ .").format(code=code),
        )
    action = _choice(document, "action", ACTIONS, problems)
    spec = CampaignSpec(
        code=code or "",
        name=_text(document, "name", problems, 200, required=False) or code or "",
        action=action or "",
        where=_text(document, "where", problems, segments.EXPR_LIMIT) or "",
        period=_choice(document, "period", PERIODS, problems) or "",
        starts=_date(document, "starts", problems),
        ends=_date(document, "ends", problems),
        **_action_fields(document, action, problems),
    )
    if spec.starts and spec.ends and spec.starts > spec.ends:
        problems.add(None, "ends", spec.ends, _("ends is before starts"))
    problems.check(source, _("see templates/campaigns/"))
    return spec


def check_where(session: Session, spec: CampaignSpec, as_of: dt.date, source: str) -> None:
    """A `where` that does not parse or compile is a usage error (exit 2) naming the file."""
    try:
        segments.check(session, spec.where, as_of)
    except ExpressionError as exc:
        raise ExpressionError(
            _("{source}: where: {message}").format(source=source, message=exc.message),
            exc.column,
            exc.hint,
        ) from None


def _check_control_characters(document: dict[str, Any], problems: Problems) -> None:
    for key in ("code", "name", "where"):
        value = document.get(key)
        if isinstance(value, str):
            try:
                fields.check_text(value.strip(), f"'{key}'")
            except InvalidInput as error:
                problems.add(None, key, value, error.message)


def _text(
    document: dict[str, Any], key: str, problems: Problems, limit: int, *, required: bool = True
) -> str | None:
    value = document.get(key)
    if value is None:
        if required:
            problems.add(None, key, None, _("'{key}' is missing").format(key=key))
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(None, key, value, _("'{key}' must be a non-empty string").format(key=key))
        return None
    if len(value.strip()) > limit:
        problems.add(
            None,
            key,
            value,
            _("'{key}' is longer than {limit} characters").format(key=key, limit=limit),
        )
        return None
    return value.strip()


def _choice(
    document: dict[str, Any], key: str, choices: tuple[str, ...], problems: Problems
) -> str | None:
    value = document.get(key)
    if value is None:
        problems.add(
            None,
            key,
            None,
            _("'{key}' is missing (one of: {choices})").format(key=key, choices=", ".join(choices)),
        )
        return None
    if value not in choices:
        problems.add(
            None,
            key,
            value,
            _("unknown {key} '{value}' ({key}s are: {choices})").format(
                key=key, value=value, choices=", ".join(choices)
            ),
        )
        return None
    return str(value)


def _date(document: dict[str, Any], key: str, problems: Problems) -> dt.date | None:
    value = document.get(key)
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.add(None, key, value, _("'{key}' must be a date such as 2026-01-31").format(key=key))
    return None


def _integer(
    document: dict[str, Any], key: str, problems: Problems, top: int, default: int | None = None
) -> int | None:
    value = document.get(key, default)
    if value is None:
        problems.add(None, key, None, _("'{key}' is missing").format(key=key))
    elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        problems.add(
            None,
            key,
            value,
            _("'{key}' must be a whole number from 1 to {top}").format(key=key, top=top),
        )
    else:
        return value
    return None


def _amount(
    document: dict[str, Any], key: str, problems: Problems, *, required: bool, positive: bool
) -> Decimal | None:
    value = document.get(key)
    if value is None:
        if required:
            problems.add(
                None,
                key,
                None,
                _("'{key}' is missing (an amount such as \"20.00\")").format(key=key),
            )
        return None
    if isinstance(value, bool | float) or not isinstance(value, str | int):
        problems.add(
            None, key, value, _("'{key}' must be an amount such as \"20.00\"").format(key=key)
        )
        return None
    try:
        amount = money.parse(value)
    except InvalidInput as error:
        problems.add(None, key, value, _("'{key}': {error}").format(key=key, error=error))
        return None
    if positive and amount <= 0:
        problems.add(None, key, value, _("'{key}' must be more than 0").format(key=key))
        return None
    return amount


def _flag(document: dict[str, Any], key: str, problems: Problems) -> bool:
    value = document.get(key, False)
    if not isinstance(value, bool):
        problems.add(None, key, value, _("'{key}' must be true or false").format(key=key))
        return False
    return value


def _action_fields(
    document: dict[str, Any], action: str | None, problems: Problems
) -> dict[str, Any]:
    """`points` for award_points; the coupon keys for issue_coupon; never the other's."""
    if action == AWARD_POINTS:
        for key in COUPON_KEYS:
            if key in document:
                problems.add(
                    None, key, document[key], _("'{key}' is only for issue_coupon").format(key=key)
                )
        return {"points": _integer(document, "points", problems, points.MAX_POINTS)}
    if action != ISSUE_COUPON:
        return {}
    if "points" in document:
        problems.add(None, "points", document["points"], _("'points' is only for award_points"))
    return {
        "coupon_value": _amount(document, "coupon_value", problems, required=True, positive=True),
        "coupon_min_spend": _amount(
            document, "coupon_min_spend", problems, required=False, positive=False
        ),
        "coupon_valid_days": _integer(
            document, "coupon_valid_days", problems, MAX_VALID_DAYS, DEFAULT_VALID_DAYS
        ),
        "weekdays_only": _flag(document, "weekdays_only", problems),
        "no_holidays": _flag(document, "no_holidays", problems),
    }


# -- the database ----------------------------------------------------------------------------
def spec_of(campaign: Campaign) -> CampaignSpec:
    """The stored definition, read back (it was checked when it was added)."""
    return parse(dict(campaign.definition), campaign.code, stored=True)


def record_of(campaign: Campaign) -> CampaignRecord:
    spec = spec_of(campaign)
    return CampaignRecord(
        spec.code,
        spec.name,
        spec.action,
        spec.period,
        spec.where,
        spec.points,
        spec.coupon_value,
        spec.coupon_min_spend,
        spec.coupon_valid_days,
        spec.weekdays_only,
        spec.no_holidays,
        spec.starts,
        spec.ends,
        campaign.version,
        campaign.updated_at,
    )


def get(session: Session, code: str) -> Campaign:
    """The campaign `code`, or NotFound (exit 3) listing the codes there are."""
    campaign = session.exec(select(Campaign).where(Campaign.code == code.strip())).first()
    if campaign is None:
        codes = session.exec(select(Campaign.code).order_by(col(Campaign.code))).all()
        hint = (
            _("campaigns are: {codes}").format(codes=", ".join(codes))
            if codes
            else _("add one with campaign add")
        )
        raise NotFound(_("no campaign '{code}'").format(code=code), hint)
    return campaign


def add(*, session: Session, path: Path, operator: str, at: dt.datetime) -> SavedCampaign:
    """Store the campaign in `path` by its code: new, updated (the previous definition is kept
    as a version) or unchanged (nothing written)."""
    spec = parse(read_file(path), path.name)
    check_where(session, spec, at.date(), path.name)
    definition = spec.definition()
    campaign = session.exec(select(Campaign).where(Campaign.code == spec.code)).first()
    if campaign is not None and campaign.definition == definition:
        return SavedCampaign(record_of(campaign), "unchanged", None)
    previous = None
    if campaign is None:
        campaign = Campaign(
            code=spec.code,
            version=1,
            created_at=at,
            updated_at=at,
            name="",
            action="",
            period="",
            where_expr="",
        )
    else:
        previous = campaign.version
        session.add(
            CampaignVersion(
                campaign_id=campaign.id or 0,
                version=campaign.version,
                definition=campaign.definition,
                operator=operator,
                replaced_at=at,
            )
        )
        campaign.version += 1
    campaign.name, campaign.action, campaign.period = spec.name, spec.action, spec.period
    campaign.where_expr, campaign.starts, campaign.ends = spec.where, spec.starts, spec.ends
    campaign.definition, campaign.updated_at = definition, at
    session.add(campaign)
    session.flush()
    status = "added" if previous is None else "updated"
    action = "campaign.add" if previous is None else "campaign.update"
    audit.record(
        session=session,
        operator=operator,
        action=action,
        at=at,
        details={"campaign": spec.code, "version": campaign.version},
    )
    return SavedCampaign(record_of(campaign), status, previous)


def list_campaigns(*, session: Session) -> list[CampaignRecord]:
    return [record_of(c) for c in session.exec(select(Campaign).order_by(col(Campaign.code)))]


def show(*, session: Session, code: str) -> CampaignView:
    campaign = get(session, code)
    runs, last = session.exec(
        select(func.count(), func.max(CampaignRun.at)).where(CampaignRun.campaign_id == campaign.id)
    ).one()
    versions = session.exec(
        select(CampaignVersion)
        .where(CampaignVersion.campaign_id == campaign.id)
        .order_by(col(CampaignVersion.version).desc())
    ).all()
    return CampaignView(
        record_of(campaign),
        int(runs),
        last,
        [VersionRecord(v.version, v.replaced_at, v.operator, dict(v.definition)) for v in versions],
    )

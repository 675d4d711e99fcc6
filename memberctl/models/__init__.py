"""SQLModel tables, no behaviour.

A name imported from this package loads only the module that declares it: declaring a table
(pydantic's model building and SQLAlchemy's mapping) costs a few milliseconds each, and a
command such as `member show` touches five of thirty. The tables have no relationships, only
foreign keys by table name, so a table declared alone is complete; SQLAlchemy resolves a foreign
key's target only when a query joins it, and then the query has loaded it.

What needs the complete metadata (`SQLModel.metadata`: Alembic's autogenerate, `db info`, the
privacy export and erasure, import undo) calls `load_all()` first. `MODULES` names every table
module; a test checks it against the files here, so a new table cannot be left out.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memberctl.models.audit import AuditEntry
    from memberctl.models.campaign import (
        Campaign,
        CampaignAward,
        CampaignRun,
        CampaignVersion,
        Coupon,
    )
    from memberctl.models.counter import Counter
    from memberctl.models.import_change import ImportChange
    from memberctl.models.import_run import ImportRun
    from memberctl.models.interaction import Interaction
    from memberctl.models.ledger import PointsAllocation, PointsEntry, WalletEntry
    from memberctl.models.lifecycle import LifecycleChange
    from memberctl.models.member import Member, MemberNamePosition, MemberSearchKey, MemberTag
    from memberctl.models.purchase import Purchase
    from memberctl.models.sale import Sale, SaleLine
    from memberctl.models.segment import Segment
    from memberctl.models.setting import Setting
    from memberctl.models.staff import Staff, StaffSession, StaffStore
    from memberctl.models.store import Store
    from memberctl.models.survey import Survey, SurveyAnswer, SurveyResponse
    from memberctl.models.tier import Tier

# Table class -> the module (in this package) that declares it.
_WHERE = {
    "AuditEntry": "audit",
    "Campaign": "campaign",
    "CampaignAward": "campaign",
    "CampaignRun": "campaign",
    "CampaignVersion": "campaign",
    "Coupon": "campaign",
    "Counter": "counter",
    "ImportChange": "import_change",
    "ImportRun": "import_run",
    "Interaction": "interaction",
    "LifecycleChange": "lifecycle",
    "Member": "member",
    "MemberNamePosition": "member",
    "MemberSearchKey": "member",
    "MemberTag": "member",
    "PointsAllocation": "ledger",
    "PointsEntry": "ledger",
    "Purchase": "purchase",
    "Sale": "sale",
    "SaleLine": "sale",
    "Segment": "segment",
    "Setting": "setting",
    "Staff": "staff",
    "StaffSession": "staff",
    "StaffStore": "staff",
    "Store": "store",
    "Survey": "survey",
    "SurveyAnswer": "survey",
    "SurveyResponse": "survey",
    "Tier": "tier",
    "WalletEntry": "ledger",
}
MODULES = frozenset(_WHERE.values())
# Tables that hold no data of their own (migration 0017), left out of backups, restores and
# `db info`: the search keys, kept by the database's triggers, and the name positions those
# triggers read, written by the migration alone. Emptying the positions would leave every name
# without keys, so nothing may empty them (a restore writes members while they are in place).
MIGRATION_DATA = frozenset({"member_name_position"})
DERIVED_TABLES = frozenset({"member_search_key"}) | MIGRATION_DATA

__all__ = [
    "AuditEntry",
    "Campaign",
    "CampaignAward",
    "CampaignRun",
    "CampaignVersion",
    "Counter",
    "Coupon",
    "ImportChange",
    "ImportRun",
    "Interaction",
    "LifecycleChange",
    "Member",
    "MemberNamePosition",
    "MemberSearchKey",
    "MemberTag",
    "PointsAllocation",
    "PointsEntry",
    "Purchase",
    "Sale",
    "SaleLine",
    "Segment",
    "Setting",
    "Staff",
    "StaffSession",
    "StaffStore",
    "Store",
    "Survey",
    "SurveyAnswer",
    "SurveyResponse",
    "Tier",
    "WalletEntry",
]


def _load(module: str) -> ModuleType:
    # The import statement's machinery (not importlib.import_module), so that `python -X
    # importtime`, which the start-up tests read, lists the module.
    __import__(f"{__name__}.{module}")
    return sys.modules[f"{__name__}.{module}"]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_load(module), name)
    globals()[name] = value  # the next lookup is an ordinary attribute
    return value


def load_all() -> None:
    """Declare every table, so `SQLModel.metadata` is complete."""
    for module in sorted(MODULES):
        _load(module)

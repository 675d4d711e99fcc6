"""SQLModel tables, no behaviour. Importing this package registers every table in the metadata."""

from memberctl.models.audit import AuditEntry
from memberctl.models.campaign import Campaign, CampaignAward, CampaignRun, CampaignVersion, Coupon
from memberctl.models.counter import Counter
from memberctl.models.import_change import ImportChange
from memberctl.models.import_run import ImportRun
from memberctl.models.interaction import Interaction
from memberctl.models.ledger import PointsAllocation, PointsEntry, WalletEntry
from memberctl.models.lifecycle import LifecycleChange
from memberctl.models.member import Member, MemberTag
from memberctl.models.purchase import Purchase
from memberctl.models.sale import Sale, SaleLine
from memberctl.models.segment import Segment
from memberctl.models.setting import Setting
from memberctl.models.staff import Staff, StaffSession, StaffStore
from memberctl.models.store import Store
from memberctl.models.survey import Survey, SurveyAnswer, SurveyResponse
from memberctl.models.tier import Tier

__all__ = [
    "AuditEntry",
    "Campaign",
    "CampaignAward",
    "CampaignRun",
    "CampaignVersion",
    "Coupon",
    "Counter",
    "ImportChange",
    "ImportRun",
    "Interaction",
    "LifecycleChange",
    "Member",
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

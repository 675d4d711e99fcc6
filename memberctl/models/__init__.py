"""SQLModel tables, no behaviour. Importing this package registers every table in the metadata."""

from memberctl.models.audit import AuditEntry
from memberctl.models.counter import Counter
from memberctl.models.interaction import Interaction
from memberctl.models.lifecycle import LifecycleChange
from memberctl.models.member import Member, MemberTag
from memberctl.models.tier import Tier

__all__ = ["AuditEntry", "Counter", "Interaction", "LifecycleChange", "Member", "MemberTag", "Tier"]

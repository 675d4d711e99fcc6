"""Who may run what: the one permission matrix (issue 18).

Every command of the CLI is a key of `MATRIX`, naming the roles that may run it; a test walks
the command tree and fails on a command missing here. Before any staff exists nothing is
checked (one owner on their own machine). `OPEN` commands run for anyone, logged in or not.

The README's table "Who may do what" is this matrix, and a test compares the two.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from memberctl.errors import NotPermitted
from memberctl.i18n import _


class Role(enum.StrEnum):
    owner = "owner"
    manager = "manager"
    clerk = "clerk"
    job = "job"


PEOPLE = (Role.owner, Role.manager, Role.clerk)  # the roles that log in with a password

CLERK = frozenset({Role.clerk, Role.manager, Role.owner})
MANAGER = frozenset({Role.manager, Role.owner})
OWNER = frozenset({Role.owner})
JOB_OWNER = frozenset({Role.job, Role.owner})
REPORTS = frozenset({Role.job, Role.manager, Role.owner})
EVERYONE = frozenset(Role)

# A command path (the words after `memberctl`) -> the roles that may run it.
MATRIX: dict[str, frozenset[Role]] = {
    # the clerk's menu (`memberctl` alone); each item checks its own command
    "": CLERK,
    # members
    "member enroll": CLERK,
    "member show": CLERK,
    "member search": CLERK,
    "member list": CLERK,
    "member edit": CLERK,
    "member history": CLERK,
    "member note": CLERK,
    "member notes": CLERK,  # the group lists notes by itself
    "member notes resolve": CLERK,
    "member freeze": MANAGER,
    "member unfreeze": MANAGER,
    "member cancel": MANAGER,
    "member restore": MANAGER,
    "member upgrade": MANAGER,
    "member downgrade": MANAGER,
    "member export-data": MANAGER,
    "member forget": OWNER,
    # the till and the ledgers
    "sale record": CLERK,
    "sale refund": CLERK,
    "purchase record": CLERK,
    "purchase refund": CLERK,
    "wallet topup": CLERK,
    "wallet pay": CLERK,
    "wallet balance": CLERK,
    "wallet history": CLERK,
    "wallet refund": MANAGER,
    "points balance": CLERK,
    "points history": CLERK,
    "points add": MANAGER,
    "points deduct": MANAGER,
    "points expire": JOB_OWNER,
    "coupon list": CLERK,
    "coupon redeem": CLERK,
    "survey take": CLERK,
    "survey list": CLERK,
    "survey show": CLERK,
    "survey load": MANAGER,
    "store list": CLERK,
    "tier list": CLERK,
    # campaigns, segments, reports, exports
    "campaign add": MANAGER,
    "campaign list": MANAGER,
    "campaign show": MANAGER,
    "campaign run": MANAGER,
    "campaign runs": MANAGER,
    "segment save": MANAGER,
    "segment list": MANAGER,
    "segment show": MANAGER,
    "segment delete": MANAGER,
    "notify render": MANAGER,
    "export members": MANAGER,
    "import runs": MANAGER,
    "report daily": REPORTS | CLERK,
    "report summary": REPORTS,
    "report growth": REPORTS,
    "report rfm": REPORTS,
    "report churn": REPORTS,
    "report upgrades": REPORTS,
    "report birthdays": REPORTS,
    "report kpi": REPORTS,
    "report liability": REPORTS,
    "report campaign": REPORTS,
    "report survey": REPORTS,
    "report referrals": REPORTS,
    "report stores": REPORTS,
    "report products": REPORTS,
    "report forecast": REPORTS,
    # the shop's rules, its data in bulk, the database
    "import members": OWNER,
    "import purchases": OWNER,
    "import undo": OWNER,
    "tier load": OWNER,
    "tier evaluate": OWNER,
    "settings list": MANAGER,
    "settings get": MANAGER,
    "settings set": OWNER,
    "settings reset": OWNER,
    "store add": OWNER,
    "store rename": OWNER,
    "audit": OWNER,
    "nightly": JOB_OWNER,
    "db backup": JOB_OWNER,
    "db check": JOB_OWNER,
    "db info": EVERYONE,
    "db upgrade": OWNER,
    "db restore": OWNER,
    # staff
    "staff add": OWNER,
    "staff list": OWNER,
    "staff disable": OWNER,
    "staff stores": OWNER,
    "staff password": OWNER,
    "staff token add": OWNER,
    "staff token list": OWNER,
    "staff token revoke": OWNER,
    # issue 19: a what-if of a tier file; it writes nothing and shows counts and points per
    # tier, no member, so a manager plans tiers with the owner, who alone loads them
    "tier simulate": MANAGER,
}

# Options of a command that are a bigger power than the command itself: (command, option) ->
# the roles that may give it. A clerk enrols, edits contact details and takes payments; moving a
# member to another store, enrolling straight into a higher tier, back-dating (which changes what
# a purchase earns, a tier's 12-month spend, whether a coupon was still valid) and giving stored
# value away as a bonus are a manager's. (`member enroll --tier-until` goes with `--tier`.)
OPTION_RULES: dict[tuple[str, str], frozenset[Role]] = {
    ("member edit", "--store"): MANAGER,
    ("member enroll", "--tier"): MANAGER,
    ("member enroll", "--joined-at"): MANAGER,
    ("purchase record", "--at"): MANAGER,
    ("sale record", "--at"): MANAGER,
    ("coupon redeem", "--at"): MANAGER,
    ("wallet topup", "--bonus"): MANAGER,
}

# Run by anyone, logged in or not: they touch no member data (or prove who is acting).
OPEN = frozenset({"login", "logout", "whoami", "template members"})


@dataclass(frozen=True)
class Identity:
    """Who is acting. `role` None: no staff exists yet, and nothing is checked."""

    name: str
    role: Role | None = None
    stores: tuple[str, ...] = ()  # the stores this staff member works in; () = every store
    staff_id: int | None = None

    @property
    def checked(self) -> bool:
        return self.role is not None


def may(role: Role, command: str) -> bool:
    return role in MATRIX.get(command, frozenset())


def may_give(role: Role | None, command: str, option: str) -> bool:
    """Whether `role` may give `option` to `command` (None: no staff yet, anything goes)."""
    return role is None or role in OPTION_RULES.get((command, option), EVERYONE)


def matrix_rows() -> list[tuple[str, dict[Role, bool]]]:
    """The matrix as a table, in MATRIX's order, OPEN commands last: (command, {role: may}).
    The menu's row is named "" (the README writes it `memberctl` alone)."""
    rows = [(command, {role: role in roles for role in Role}) for command, roles in MATRIX.items()]
    rows += [(command, dict.fromkeys(Role, True)) for command in sorted(OPEN)]
    return rows


def role_label(role: Role) -> str:
    labels = {
        Role.owner: _("the owner"),
        Role.manager: _("a manager"),
        Role.clerk: _("a clerk"),
        Role.job: _("a job token"),
    }
    return labels[role]


def needed(command: str) -> str:
    """The roles that may run `command`, as a clerk reads them ("a manager or the owner")."""
    return _labels(MATRIX.get(command, OWNER))


def _labels(allowed: frozenset[Role]) -> str:
    order = (Role.clerk, Role.manager, Role.job, Role.owner)
    labels = [role_label(r) for r in order if r in allowed]
    if len(labels) == 1:
        return labels[0]
    return _("{some} or {last}").format(some=_(", ").join(labels[:-1]), last=labels[-1])


def check(identity: Identity, command: str) -> None:
    """Refuse (exit 6) when `identity` may not run `command`; nothing is checked before staff
    exists or for an OPEN command."""
    if identity.role is None or command in OPEN or may(identity.role, command):
        return
    raise NotPermitted(
        _("'{command}' needs {role}; {name} is {own}").format(
            command=f"memberctl {command}".strip(),
            role=needed(command),
            name=identity.name,
            own=role_label(identity.role),
        ),
        _("ask someone with that role, or log in as them with 'memberctl login'"),
    )


def check_options(identity: Identity, command: str, given: list[str]) -> None:
    """Refuse (exit 6) the first option in `given` (as typed: "--store") that `identity` may not
    give to `command` (OPTION_RULES); nothing before staff exists."""
    for option in given:
        if may_give(identity.role, command, option):
            continue
        assert identity.role is not None  # noqa: S101  (may_give allows everything without)
        raise NotPermitted(
            _("{option} of '{command}' needs {role}; {name} is {own}").format(
                option=option,
                command=f"memberctl {command}",
                role=_labels(OPTION_RULES[(command, option)]),
                name=identity.name,
                own=role_label(identity.role),
            ),
            _("leave {option} out, or ask someone with that role").format(option=option),
        )


def require_store(identity: Identity, store: str | None) -> None:
    """Refuse (exit 6) work on a store this staff member does not work in."""
    if identity.role is None or not identity.stores or store is None:
        return
    if identity.role in (Role.owner, Role.job) or store in identity.stores:
        return
    raise NotPermitted(
        _("{name} works in {stores}, not in {store}").format(
            name=identity.name, stores=", ".join(identity.stores), store=store
        ),
        _(
            "ask the owner to add the store with 'memberctl staff stores NAME --add STORE' or "
            "use your own store"
        ),
    )


def within(identity: Identity) -> tuple[str, ...] | None:
    """The stores `identity`'s work is kept to, or None: every store (no staff yet, the owner,
    a job, or a manager or clerk given no store)."""
    if identity.role in (None, Role.owner, Role.job) or not identity.stores:
        return None
    return identity.stores


# Outputs of many members at once: a clerk sees them masked always, a manager or a job unless
# --show-pii (audited). `member show` (one member) is not among them.
BULK = frozenset(
    {"", "member list", "member search", "segment show", "export members", "member export-data"}
)


def masks_pii(identity: Identity, command: str, *, show_pii: bool, default: bool) -> bool:
    """Whether `command`'s output shows phones masked (138****8000). `default` is what the
    command does when nothing is checked (its --mask-phone; reports mask unless --show-pii).
    A clerk giving --show-pii is refused (exit 6); with it anyone else sees phones unmasked,
    and the caller records that in the audit log."""
    role = identity.role
    if show_pii and role is Role.clerk:
        raise NotPermitted(
            _("--show-pii needs a manager or the owner; {name} is {own}").format(
                name=identity.name, own=role_label(role)
            ),
            _("phones are masked for clerks in lists; 'memberctl member show' shows one member's"),
        )
    if show_pii:
        return False
    bulk = command in BULK or command.startswith("report ")
    if role in (Role.clerk, Role.manager, Role.job) and bulk:
        return True
    return default

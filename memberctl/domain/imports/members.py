"""The member import on plain rows, batch by batch: keys, duplicates, existing members,
referrers, writes.

`import_members` runs a `Source` through a `MemberJob`: `add(rows)` takes one batch of
normalised rows; `finish()` settles the rows held back for a referrer further down the file and
links referrers. Decisions per row:

- a key (phone, or member number when given) seen before in the file: rejected, naming the row
  of its first occurrence;
- a new key whose phone belongs to another member: rejected;
- a member number that is another member's phone, or a phone that is another member's number
  (in the database or an earlier row): rejected (`keys`);
- an existing member: `--on-existing error` rejects the row, `skip` skips it, `update` sets the
  fields the row fills in (an empty cell keeps the stored value; tags are replaced). A row that
  would change nothing counts as skipped. Opening points and balance are never added again;
- a status change by `update` is allowed only as the lifecycle table allows it
  (lifecycle.TRANSITIONS, the commands' own rules), else the row is rejected in the words of the
  command that would make it.

Opening points and balance become ledger entries (kind `import`) for new members only, so
re-importing a file with `--on-existing skip` or `update` never adds them twice. A referrer may
name a member further down the file: such a row is held back until the file's end. In strict
mode the first rejected row stops the writing (the transaction will be rolled back) but checking
goes on, so one run reports every problem.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Row
from sqlmodel import Session

from memberctl.db.bulk import insert_columns, insert_rows
from memberctl.domain import import_runs, members, policy, tiers
from memberctl.domain.imports import runs, store
from memberctl.domain.imports.keys import KeysApart
from memberctl.domain.imports.report import FirstSeen, Options, Rejections, Report, Source
from memberctl.domain.imports.report import Row as SourceRow
from memberctl.domain.imports.store_cells import StoreCells
from memberctl.domain.lifecycle import TRANSITIONS, refusal
from memberctl.i18n import _

ZERO = Decimal("0.00")
UPDATABLE = (
    "name",
    "phone",
    "gender",
    "birthday",
    "email",
    "address",
    "tier_code",
    "status",
    "store",
    "joined_at",
)
RefKey = tuple[str | None, str | None]


@dataclass(slots=True)  # one per row of a chunk: no __dict__ each
class Action:
    row: int
    rec: dict[str, Any]
    existing: Row[Any] | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    tags: list[str] | None = None  # update: the tags to set, None to keep them
    old_tags: list[str] | None = None  # update: the tags before, while `tags` replaces them
    referrer_id: int | None = None


@dataclass
class Found:
    by_no: dict[str, Row[Any]]
    by_phone: dict[str, Row[Any]]
    tags: dict[int, list[str]]


def import_members(*, session: Session, source: Source, options: Options) -> Report:
    """Import the members of `source`; see the module docstring for the rules."""
    began = time.perf_counter()
    run_id = runs.start(session, "members", source, options)
    job = MemberJob(session, options, source.fields, source.rejections, run_id, source.name)
    for rows in source.batches(job.tiers.names):
        job.add(rows)
        del rows  # before the next chunk is read: one chunk's rows alive at a time, not two
    job.finish()
    job.report.stores_added = job.stores.added
    return runs.settle(
        session=session,
        kind="members",
        run_id=run_id,
        report=job.report,
        source=source,
        options=options,
        began=began,
    )


class MemberJob:
    def __init__(
        self,
        session: Session,
        options: Options,
        fields: frozenset[str],
        rejects: Rejections,
        run_id: int,
        source_name: str,
    ) -> None:
        self.session, self.options, self.fields, self.rejects = session, options, fields, rejects
        self.run_id, self.source_name = run_id, source_name
        self.tiers = store.tiers(session)
        # An imported tier is kept (evaluation only upgrades) until this day: the spend that
        # earned it in the old system is not imported.
        self.kept = tiers.keep_until(session, options.at.date(), options.tier_until)
        self.report = Report()
        self.phones, self.numbers = FirstSeen(), FirstSeen()
        self.accepted: set[tuple[str, str]] = set()  # ("no", M...) / ("phone", +86...) in file
        self.track = "referrer" in fields
        self.held: list[Action] = []
        self.links: list[tuple[int, RefKey]] = []  # (member id, referrer) set at the end
        self.writing = not options.dry_run
        self.opening: store.Opening | None = None
        self.fresh = store.member_count(session) == 0
        self.keys_apart = KeysApart(session, options.region, self.fresh)  # numbers vs phones
        # Numbers this import gave to rows without one, while the file has a number column:
        # one of them given explicitly in a later chunk is taken back (see `_give_way`).
        self.generated: set[str] | None = set() if "member_no" in fields else None
        self.stores = StoreCells(session, options)

    # -- reading ------------------------------------------------------------------------------

    def add(self, rows: list[SourceRow]) -> None:
        """One batch of rows (`name` and `phone` required: rows without them already rejected)."""
        self.report.rows += len(rows)
        records = [rec for _row, rec in rows]
        self.stores.check(rows, self.rejects)
        self._claim_keys(rows)
        self.keys_apart.check(rows, self.rejects, (self.numbers.rows, self.phones.rows))
        self._give_way(records)
        rejected = self.rejects
        candidates = [(r, rec) for r, rec in rows if r not in rejected]
        found = self._lookup([rec for _row, rec in candidates])
        inserts: list[Action] = []
        updates: list[Action] = []
        alone = not (found.by_no or found.by_phone)  # no row of this chunk meets a member
        new = 0
        for row, rec in candidates:
            if alone and rec["referrer"] is None:  # a new member, the common case: `_queue`
                inserts.append(Action(row, rec))
                new += 1
                if self.track:
                    self._accept(rec)
                continue
            action = self._classify(row, rec, found)
            if action is not None:
                self._route(action, found, inserts, updates)
        self.report.inserted += new
        self._write(inserts, updates)

    def _claim_keys(self, rows: list[SourceRow]) -> None:
        numbers, phones = self.numbers.rows, self.phones.rows  # FirstSeen.claim, inlined
        duplicate = _("duplicate of row {first} in this file")  # translated once, not per row
        for row, rec in rows:
            for seen, key, name in (
                (numbers, rec["member_no"], "member_no"),
                (phones, rec["phone"], "phone"),
            ):
                if key is None:
                    continue
                first = seen.setdefault(key, row)
                if first != row:
                    self.rejects.reject(row, name, duplicate.format(first=first))

    def _give_way(self, records: list[dict[str, Any]]) -> None:
        """A number generated for an earlier row and now given explicitly: the explicit row
        keeps it, and the earlier member (written in this transaction, so never seen by anyone)
        gets a fresh number."""
        if not self.generated:
            return
        wanted = sorted({rec["member_no"] for rec in records} & self.generated)
        if not wanted:
            return
        fresh = members.allocate_member_nos(self.session, len(wanted), set(self.numbers.rows))
        store.renumber(self.session, dict(zip(wanted, fresh, strict=True)))
        self.generated.difference_update(wanted)
        self.generated.update(fresh)

    def _lookup(self, records: list[dict[str, Any]]) -> Found:
        if self.fresh:  # no members before: only this file's own keys, checked in memory
            return Found({}, {}, {})
        numbers = {rec["member_no"] for rec in records}
        phone_set = {rec["phone"] for rec in records}
        for rec in records:
            if rec["referrer"]:
                numbers.add(rec["referrer"][0])
                phone_set.add(rec["referrer"][1])
        by_no = store.members_by(self.session, "member_no", numbers - {None})
        by_phone = store.members_by(self.session, "phone", phone_set - {None})
        tags: dict[int, list[str]] = {}
        if self.options.on_existing == "update" and "tags" in self.fields:
            tags = store.tags_of(
                self.session, [m.id for m in [*by_no.values(), *by_phone.values()]]
            )
        return Found(by_no, by_phone, tags)

    def _classify(self, row: int, rec: dict[str, Any], found: Found) -> Action | None:
        number, phone = rec["member_no"], rec["phone"]
        existing = found.by_no.get(number) if number else found.by_phone.get(phone)
        holder = found.by_phone.get(phone)
        if existing is None and holder is None:
            return Action(row, rec)
        action = self._existing(row, rec, existing) if existing is not None else None
        clash = holder is not None and (existing is None or holder.id != existing.id)
        if clash and (existing is None or action is not None and "phone" in action.changes):
            assert holder is not None
            message = _("phone already belongs to member {member_no}").format(
                member_no=holder.member_no
            )
            self.rejects.reject(row, "phone", message)
            return None
        if action is not None and action.existing is not None and rec["tags"]:
            current = found.tags.get(action.existing.id, [])
            if self.options.on_existing == "update" and sorted(rec["tags"]) != sorted(current):
                action.tags, action.old_tags = rec["tags"], current
        return action

    def _existing(self, row: int, rec: dict[str, Any], existing: Row[Any]) -> Action | None:
        key = "member_no" if rec["member_no"] else "phone"
        mode = self.options.on_existing
        if existing.forgotten_at is not None and mode != "skip":
            message = _(
                "member {member_no} was forgotten (personal data erased) and cannot be "
                "imported again"
            )
            self.rejects.reject(row, key, message.format(member_no=existing.member_no))
            return None
        if mode == "error":
            message = _("member {member_no} already exists; use --on-existing skip or update")
            self.rejects.reject(row, key, message.format(member_no=existing.member_no))
            return None
        action = Action(row, rec, existing)
        if mode == "update":
            action.changes = {
                k: v
                for k, v in self._fields(rec).items()
                if v is not None and v != getattr(existing, k)
            }
            if "status" in action.changes and (refused := _refused_move(existing, rec)):
                self.rejects.reject(row, "status", refused)
                return None
            if "tier_code" in action.changes:  # a new tier is kept; the old one's mark goes
                action.changes["tier_kept_until"] = self._kept(action.changes["tier_code"])
                action.changes["below_tier_since"] = None
        return action

    def _kept(self, tier_code: str | None) -> Any:
        return self.kept if tier_code is not None and tier_code != self.tiers.lowest else None

    @staticmethod
    def _fields(rec: dict[str, Any]) -> dict[str, Any]:
        values = {k: rec[k] for k in UPDATABLE if k in rec}
        values["tier_code"] = rec["tier"]
        return values

    def _route(
        self, action: Action, found: Found, inserts: list[Action], updates: list[Action]
    ) -> None:
        """Resolve the referrer (or hold the row back), then queue the insert or update."""
        ref = action.rec["referrer"]
        if ref is not None:
            if ref[0] and ref[0] == action.rec["member_no"] or ref[1] == action.rec["phone"]:
                self.rejects.reject(
                    action.row, "referrer", _("a member cannot be their own referrer")
                )
                return
            known = found.by_no.get(ref[0] or "") or found.by_phone.get(ref[1] or "")
            if known is None and not self._accepted(ref):
                self.rejects.hold(action.row)
                self.held.append(action)
                return
            action.referrer_id = known.id if known is not None else None
        self._queue(action, inserts, updates)

    def _accepted(self, ref: RefKey) -> bool:
        return ("no", ref[0]) in self.accepted or ("phone", ref[1]) in self.accepted

    def _accept(self, rec: dict[str, Any]) -> None:
        """Remember an accepted row's keys: a referrer further down the file may name it."""
        self.accepted.add(("phone", rec["phone"]))
        if rec["member_no"]:
            self.accepted.add(("no", rec["member_no"]))

    def _queue(self, action: Action, inserts: list[Action], updates: list[Action]) -> None:
        if self.track:
            self._accept(action.rec)
        if action.existing is None:
            inserts.append(action)
            self.report.inserted += 1
        elif self._changes_something(action):
            updates.append(action)
            self.report.updated += 1
        else:
            self.report.skipped += 1

    def _changes_something(self, action: Action) -> bool:
        if self.options.on_existing != "update" or action.existing is None:
            return False
        ref = action.rec["referrer"]
        new_referrer = ref is not None and (
            action.referrer_id is None or action.referrer_id != action.existing.referrer_id
        )
        return bool(action.changes) or action.tags is not None or new_referrer

    # -- the end of the file ------------------------------------------------------------------

    def finish(self) -> None:
        inserts: list[Action] = []
        updates: list[Action] = []
        progress = True
        while self.held and progress:
            ready = [self._accepted(a.rec["referrer"]) for a in self.held]
            for action, ok in zip(self.held, ready, strict=True):
                if ok:
                    self._queue(action, inserts, updates)
            self.held = [a for a, ok in zip(self.held, ready, strict=True) if not ok]
            progress = any(ready)
        unknown = _(
            "referrer {referrer} is not a member and not in this file; import the "
            "referrer first or leave it empty"
        )
        for action in self.held:
            number, phone = action.rec["referrer"]
            self.rejects.reject(action.row, "referrer", unknown.format(referrer=number or phone))
        self._write(inserts, updates)
        if self.writing:
            self._link_referrers()

    # -- writing ------------------------------------------------------------------------------

    def _write(self, inserts: list[Action], updates: list[Action]) -> None:
        if self.writing and len(self.rejects) and not self.options.skip_invalid:
            self.writing = False  # strict: this transaction will be rolled back; only check on
        if not self.writing:
            return
        self._insert(inserts)
        self._update(updates)

    def _insert(self, actions: list[Action]) -> None:
        if not actions:
            return
        at, lowest = self.options.at, self.tiers.lowest
        need = sum(1 for a in actions if not a.rec["member_no"])
        taken = set(self.numbers.rows) if need else set()
        numbers = members.allocate_member_nos(self.session, need, taken)
        if self.generated is not None:
            self.generated.update(numbers)
        fresh = iter(numbers)
        recs = [a.rec for a in actions]
        columns = _member_columns(recs, [r["member_no"] or next(fresh) for r in recs], lowest, at)
        columns["tier_kept_until"] = [self._kept(r["tier"]) for r in recs]
        ids = store.insert_members(self.session, columns)
        import_runs.record_inserted(self.session, self.run_id, ids)
        tagged = [(i, tag) for i, rec in zip(ids, recs, strict=True) for tag in rec["tags"]]
        insert_columns(
            self.session,
            store.TAG,
            {
                "member_id": [i for i, _tag in tagged],
                "tag": [tag for _id, tag in tagged],
            },
        )
        enrolled = store.enrolments(ids, columns["status"], self.options.operator, at)
        insert_columns(self.session, store.LIFECYCLE, enrolled)
        ledger = self._opening()
        insert_columns(self.session, store.POINTS, ledger.points_rows(ids, columns["points"]))
        insert_columns(self.session, store.WALLET, ledger.wallet_rows(ids, columns["balance"]))
        self._remember_links(ids, actions)

    def _opening(self) -> store.Opening:
        """How opening points and balance of new members are booked (expiry per the shop
        policy)."""
        if self.opening is None:
            options = self.options
            expires = policy.load(self.session).expiry_for(options.at.date())
            reason = f"import {self.source_name}"[:200]
            self.opening = store.Opening(self.run_id, options.operator, options.at, expires, reason)
        return self.opening

    def _remember_links(self, ids: list[int], actions: list[Action]) -> None:
        for member_id, action in zip(ids, actions, strict=True):
            ref = action.rec["referrer"]
            if ref is not None:
                self.links.append((member_id, ref))

    def _update(self, actions: list[Action]) -> None:
        if not actions:
            return
        at, operator = self.options.at, self.options.operator
        changes = [
            {"member_id": a.existing.id, **a.changes, "updated_at": at}
            for a in actions
            if a.existing is not None
        ]
        import_runs.record_updated(self.session, self.run_id, _old_values(actions))
        store.update_members(self.session, changes)
        moves = []
        for a in actions:
            assert a.existing is not None
            for kind, column in (("status", "status"), ("tier", "tier_code")):
                if column in a.changes:
                    moves.append(
                        (a.existing.id, kind, getattr(a.existing, column), a.changes[column])
                    )
        insert_rows(self.session, store.LIFECYCLE, store.change_rows(moves, operator, at))
        store.replace_tags(
            self.session,
            {
                a.existing.id: a.tags
                for a in actions
                if a.tags is not None and a.existing is not None
            },
        )
        self._remember_links([a.existing.id for a in actions if a.existing is not None], actions)

    def _link_referrers(self) -> None:
        if not self.links:
            return
        numbers = {ref[0] for _id, ref in self.links if ref[0]}
        phone_set = {ref[1] for _id, ref in self.links if ref[1]}
        by_no = store.ids_by(self.session, "member_no", numbers)
        by_phone = store.ids_by(self.session, "phone", phone_set)
        pairs = []
        for member_id, (number, phone) in self.links:
            referrer_id = by_no.get(number or "") or by_phone.get(phone or "")
            if referrer_id is not None:
                pairs.append((member_id, referrer_id))
        store.set_referrers(self.session, pairs)


def _old_values(actions: list[Action]) -> list[tuple[int, str, Any]]:
    """(member id, field, value before) of everything an update changes, for `import undo`."""
    old = []
    for a in actions:
        assert a.existing is not None
        member = a.existing
        names = [*a.changes, "updated_at"]
        if "name" in a.changes:
            names.append("name_initials")
        if a.rec["referrer"] is not None:
            names.append("referrer_id")
        old += [(member.id, name, getattr(member, name)) for name in names]
        if a.tags is not None:
            old.append((member.id, import_runs.TAGS, a.old_tags or []))
    return old


def _refused_move(existing: Row[Any], rec: dict[str, Any]) -> str | None:
    """Why the status change of an update is not allowed, in the words of the command that
    would make it (`member freeze` of a cancelled member...); None when the move is allowed.
    The rules are lifecycle.TRANSITIONS, the commands' own."""
    moves = [(action, to) for (start, action), to in TRANSITIONS.items() if to == rec["status"]]
    if any((existing.status, action) in TRANSITIONS for action, _to in moves):
        return None
    return str(refusal(existing, moves[0][0]))  # type: ignore[arg-type]


def _member_columns(
    recs: list[dict[str, Any]], numbers: list[str], lowest: str, at: Any
) -> dict[str, list[Any]]:
    """New members' rows, column by column (what `store.insert_members` takes)."""

    def field(key: str, default: Any = None) -> list[Any]:
        if default is None:
            return [rec[key] for rec in recs]
        return [rec[key] or default for rec in recs]

    count = len(recs)
    return {
        "member_no": numbers,
        "name": field("name"),
        "phone": field("phone"),
        "gender": field("gender"),
        "birthday": field("birthday"),
        "email": field("email"),
        "address": field("address"),
        "tier_code": field("tier", lowest),
        "status": field("status", "active"),
        "points": field("points", 0),
        "balance": field("balance", ZERO),
        "store": field("store"),
        "referrer_id": [None] * count,
        "joined_at": field("joined_at", at),
        "created_at": [at] * count,
        "updated_at": [at] * count,
        "forgotten_at": [None] * count,
        "below_tier_since": [None] * count,
    }

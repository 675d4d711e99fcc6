"""Member numbers that read as phone numbers, in a member import (issue 13.3).

Shops print the phone on the card as its member number; that is fine for the member who owns
both. A row whose member number is another member's phone, or whose phone is another member's
number (in the database, or in an earlier row of the file), is rejected: a purchase for that
number would reach the wrong member. Only rows with an all-digit member number cost anything,
and the phone side is checked only when some member number in the database or file starts with
a digit.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from memberctl.domain import phones, refs
from memberctl.domain.imports import store
from memberctl.domain.imports.report import Rejections
from memberctl.domain.imports.report import Row as SourceRow
from memberctl.i18n import _


class KeysApart:
    def __init__(self, session: Session, region: str, fresh: bool) -> None:
        self.session, self.region, self.fresh = session, region, fresh
        self.in_database = not fresh and refs.numbers_may_read_as_phones(session)
        self.in_file = False

    def check(
        self,
        rows: list[SourceRow],
        rejects: Rejections,
        first_rows: tuple[dict[Any, int], dict[Any, int]],
    ) -> None:
        """Reject the rows of `rows` (not yet rejected) that clash; `first_rows` maps each
        member number and each phone of the file to the row it first appeared in."""
        numbers, phone_rows = first_rows
        self._numbers(rows, rejects, phone_rows)
        if self.in_database or self.in_file:
            self._phones(rows, rejects, numbers)

    def _numbers(
        self, rows: list[SourceRow], rejects: Rejections, phone_rows: dict[Any, int]
    ) -> None:
        read: dict[int, str] = {}  # row -> the phone its member number reads as
        for row, rec in rows:
            phone = refs.phone_of_number(rec["member_no"], self.region)
            self.in_file = self.in_file or phone is not None
            if phone is not None and phone != rec["phone"] and row not in rejects:
                read[row] = phone
        if not read:
            return
        holders = {} if self.fresh else store.members_by(self.session, "phone", read.values())
        for row, rec in rows:
            phone = read.get(row)
            if phone is None:
                continue
            number = refs.shown(rec["member_no"])
            first = phone_rows.get(phone, row)
            holder = holders.get(phone)
            if first < row:
                message = _("member number {member_no} is the phone in row {first}").format(
                    member_no=number, first=first
                )
            elif holder is not None and holder.member_no != rec["member_no"]:
                message = _("member number {member_no} is the phone of member {holder}").format(
                    member_no=number, holder=refs.shown(holder.member_no)
                )
            else:
                continue
            rejects.reject(row, "member_no", message)

    def _phones(self, rows: list[SourceRow], rejects: Rejections, numbers: dict[Any, int]) -> None:
        forms = {
            row: [
                n
                for n in refs.numbers_for_phone(rec["phone"], self.region)
                if n != rec["member_no"]
            ]
            for row, rec in rows
            if rec["phone"] and row not in rejects
        }
        wanted = {n for found in forms.values() for n in found}
        holders = store.members_by(self.session, "member_no", wanted) if self.in_database else {}
        for row, rec in rows:
            clash = self._clash(row, rec, forms.get(row, ()), numbers, holders)
            if clash is not None:
                rejects.reject(row, "phone", clash)

    @staticmethod
    def _clash(
        row: int, rec: dict[str, Any], forms: Any, numbers: dict[Any, int], holders: dict[str, Any]
    ) -> str | None:
        national = phones.mask(rec["phone"])
        for number in forms:
            first = numbers.get(number, row)
            if first < row:
                return _("phone {national} is the member number in row {first}").format(
                    national=national, first=first
                )
            holder = holders.get(number)
            if holder is not None and holder.phone != rec["phone"]:
                return _("phone {national} is another member's member number").format(
                    national=national
                )
        return None

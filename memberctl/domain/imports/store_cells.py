"""The store cells of an import: each names a registered store, by code or by name, and is
stored as its code.

A cell naming no registered store rejects its row (field `store`), unless the import was given
`--add-stores`: then every new store text of the file is registered (code = the text, name = the
same) inside the import's transaction, so a refused or dry run registers nothing either. Each
distinct text is looked up once for the whole file (`stores.Directory`), never per row.
"""

from __future__ import annotations

from sqlmodel import Session

from memberctl.domain import stores
from memberctl.domain.imports.report import Options, Rejections
from memberctl.domain.imports.report import Row as SourceRow
from memberctl.errors import MemberctlError
from memberctl.i18n import _


class StoreCells:
    def __init__(self, session: Session, options: Options) -> None:
        self.options = options
        self.directory: stores.Directory | None = None  # read on the first store cell
        self.codes: dict[str, str | None] = {}  # cell text -> code (None: not registered)
        self.refusals: dict[str, str] = {}  # cell text -> why it cannot be added
        self.added: list[str] = []
        self.session = session

    def check(self, rows: list[SourceRow], rejects: Rejections) -> None:
        """Every row's store cell replaced by its store's code; rows naming no store rejected."""
        texts = {rec["store"] for _row, rec in rows if rec.get("store")}
        new = sorted(texts - self.codes.keys())
        if new:
            self._look_up(new)
        if not texts:
            return
        unknown = _(
            "no store '{store}' is registered; add it (memberctl store add CODE --name NAME) "
            "or import with --add-stores"
        )
        for row, rec in rows:
            text = rec.get("store")
            if not text:
                continue
            code = self.codes[text]
            if code is not None:
                rec["store"] = code
            else:
                why = self.refusals.get(text) or unknown.format(store=text)
                rejects.reject(row, "store", why)

    def _look_up(self, texts: list[str]) -> None:
        if self.directory is None:
            self.directory = stores.Directory(self.session)
        for text in texts:
            code = self.directory.code_of(text)
            if code is None and self.options.add_stores:
                code = self._register(text)
            self.codes[text] = code

    def _register(self, text: str) -> str | None:
        assert self.directory is not None
        try:
            code = self.directory.register(text, operator=self.options.operator, at=self.options.at)
        except MemberctlError as refused:
            self.refusals[text] = str(refused)
            return None
        self.added.append(code)
        return code

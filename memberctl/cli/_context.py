"""What every command needs from the root callback: settings and a lazily built engine."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import typer

from memberctl.config import Settings
from memberctl.i18n import _

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from memberctl.domain.permissions import Identity
    from memberctl.models import Member

T = TypeVar("T")


@dataclass
class AppContext:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)
    _tier_names: dict[str, str] | None = field(default=None, repr=False)
    _identity: Identity | None = field(default=None, repr=False)
    # Why nobody is acting (not logged in, a session that ended): raised when `identity` is
    # asked for; only an OPEN command (login, logout, whoami) gets this far without one.
    _refusal: Exception | None = field(default=None, repr=False)
    operator_given: bool = False  # --operator or MEMBERCTL_OPERATOR was given

    @property
    def engine(self) -> Engine:
        """Built on first use; the schema is created in an empty database, and a database
        behind this memberctl's schema is refused (`SchemaBehind`, exit 4)."""
        return self.open()

    def open(
        self,
        *,
        create_folders: bool = False,
        unknown_schema_ok: bool = False,
        behind_ok: bool = False,
    ) -> Engine:
        """The engine, built on first use; an empty database gets the schema. A new SQLite file
        is made only in a folder that exists (`create_folders`: `db upgrade`; the default
        database always), and said on stderr. `behind_ok` (`db upgrade`, `info`, `backup`,
        `restore`) opens a database whose schema is older than this memberctl's, without
        migrating it; `unknown_schema_ok` (`db info`) one whose schema version it does not know."""
        if self._engine is None:
            from memberctl.cli._output import message
            from memberctl.db.engine import make_engine, prepare_sqlite_file
            from memberctl.db.migrate import ensure_schema

            url = self.settings.db_url
            folders = create_folders or self.settings.default_db
            created = prepare_sqlite_file(url, create_folders=folders)
            engine = make_engine(url)
            try:
                ensure_schema(engine, unknown_ok=unknown_schema_ok, behind_ok=behind_ok)
                command = command_path()
                self._identity = self._who(
                    engine, may_lack_table=behind_ok or unknown_schema_ok, command=command
                )
                self.require(command)
            except BaseException:
                engine.dispose()
                raise
            self._engine = engine
            if not gc.isenabled():  # main() paused it for the imports (see there)
                gc.freeze()
                gc.enable()
            if created is not None:
                message(_("created a new database at {path}").format(path=created))
        return self._engine

    def _who(self, engine: Engine, *, may_lack_table: bool, command: str) -> Identity | None:
        from memberctl.domain.permissions import OPEN
        from memberctl.errors import NotPermitted

        try:
            return self._resolve(engine, may_lack_table=may_lack_table)
        except NotPermitted as refusal:
            if command not in OPEN:
                raise
            self._refusal = refusal
            return None

    def _resolve(self, engine: Engine, *, may_lack_table: bool) -> Identity:
        import os

        from memberctl import session_file
        from memberctl.domain.identity import resolve

        return resolve(
            engine,
            fallback=self.settings.operator,
            operator_given=self.operator_given,
            token=os.environ.get("MEMBERCTL_TOKEN") or None,
            stored_token=lambda: session_file.read(self.settings.db_url),
            may_lack_table=may_lack_table,
        )

    @property
    def identity(self) -> Identity:
        """Who is acting (resolved when the database is opened)."""
        if self._identity is None:
            self.open()
        if self._refusal is not None:
            raise self._refusal
        assert self._identity is not None  # noqa: S101  (set by open)
        return self._identity

    def require(self, command: str) -> None:
        """Refuse (exit 6) unless whoever is acting may run `command` (a MATRIX key)."""
        from memberctl.domain.permissions import check

        if self._identity is not None:
            check(self._identity, command)

    def require_options(self, command: str, **values: object) -> None:
        """Refuse (exit 6) an option given (a value not None) that whoever is acting may not
        give to `command` (permissions.OPTION_RULES); `tier_until=...` is `--tier-until`."""
        from memberctl.domain.permissions import check_options

        given = [
            f"--{name.replace('_', '-')}" for name, value in values.items() if value is not None
        ]
        if given:
            check_options(self.identity, command, given)

    def may_give(self, command: str, option: str) -> bool:
        """Whether whoever is acting may give `option` to `command` (the menu asks only then)."""
        from memberctl.domain.permissions import may_give

        return may_give(self.identity.role, command, option)

    def member(self, session: Session, ref: str, *, for_update: bool = False) -> Member:
        """The member `ref` names, found as `refs.resolve` finds one; a member of a store the
        staff member acting does not work in is exit 6 (permissions.require_store)."""
        from memberctl.domain import refs

        return refs.resolve(
            session, ref, region=self.region, for_update=for_update, staff=self.identity
        )

    @contextmanager
    def write(self, *, bulk: bool = False) -> Iterator[Session]:
        from memberctl.db.session import transaction

        with transaction(self.engine, write=True, bulk=bulk) as session:
            yield session

    def run_write(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in one writing transaction, run again as a whole when the database
        gives it up for a deadlock or serialization failure (`db.session.run_transaction`): for
        the till's commands, so that a clerk never sees one."""
        from memberctl.db.session import run_transaction

        return run_transaction(self.engine, work)

    @contextmanager
    def read(self) -> Iterator[Session]:
        from memberctl.db.session import transaction

        with transaction(self.engine, write=False) as session:
            yield session

    def tier_names(self) -> dict[str, str]:
        """Tier code -> name, read once, for tables in Chinese (金卡会员 rather than gold); empty
        when this command opened no database."""
        if self._tier_names is None:
            if self._engine is None:
                return {}
            from memberctl.domain.tiers import list_tiers

            with self.read() as session:
                self._tier_names = {t.code: t.name for t in list_tiers(session=session)}
        return self._tier_names

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @property
    def operator(self) -> str:
        """The name the audit log records: the logged-in staff member once staff exist."""
        return self.identity.name

    @property
    def region(self) -> str:
        return self.settings.region

    @property
    def no_input(self) -> bool:
        return self.settings.no_input


def command_path() -> str:
    """The words after `memberctl` of the command running now ("member enroll"); "" for the
    menu. A MATRIX key."""
    from memberctl.cli._framework import current_context

    ctx = current_context()
    words: list[str] = []
    while ctx is not None and ctx.parent is not None:
        words.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(words))


def app_context(ctx: typer.Context) -> AppContext:
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        raise RuntimeError("the root callback did not run")
    return root.obj

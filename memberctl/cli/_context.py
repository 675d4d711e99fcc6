"""What every command needs from the root callback: settings and a lazily built engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from memberctl.config import Settings
from memberctl.i18n import _

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session


@dataclass
class AppContext:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)
    _tier_names: dict[str, str] | None = field(default=None, repr=False)

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
            except BaseException:
                engine.dispose()
                raise
            self._engine = engine
            if created is not None:
                message(_("created a new database at {path}").format(path=created))
        return self._engine

    @contextmanager
    def write(self) -> Iterator[Session]:
        from memberctl.db.session import transaction

        with transaction(self.engine, write=True) as session:
            yield session

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
        return self.settings.operator

    @property
    def region(self) -> str:
        return self.settings.region

    @property
    def no_input(self) -> bool:
        return self.settings.no_input


def app_context(ctx: typer.Context) -> AppContext:
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        raise RuntimeError("the root callback did not run")
    return root.obj

"""Shell completion from the database: member numbers, tier codes, campaign codes, segment names.

`memberctl --install-completion` installs Typer's script; the shell then runs memberctl with
`_MEMBERCTL_COMPLETE` set, and these callbacks answer from the database named by --db or
MEMBERCTL_DB (read from the half-typed command line). Completion never creates, migrates or
writes a database, and never prints an error: a database that cannot be opened completes nothing.
Only typer is imported here (the options module attaches these callbacks at start-up).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from sqlmodel import Session

LIMIT = 50
CONNECT_TIMEOUT_SECONDS = 2


def _db_url(ctx: typer.Context) -> str:
    from memberctl.config import default_db_path, to_db_url

    root = ctx.find_root()
    given = root.params.get("db_url")  # --db, or MEMBERCTL_DB (Click reads the envvar)
    return to_db_url(given or str(default_db_path()))


def _engine(url: str) -> Any:
    """An engine on an existing database, or None (a missing SQLite file is not created)."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from memberctl.db.engine import make_engine

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or not Path(parsed.database).is_file():
            return None
    else:  # a server that does not answer must not hang the shell
        parsed = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_SECONDS)})
    return make_engine(parsed.render_as_string(hide_password=False))


def _complete(ctx: typer.Context, query: Callable[[Session], list[str]]) -> list[str]:
    try:
        engine = _engine(_db_url(ctx))
        if engine is None:
            return []
        try:
            from memberctl.db.session import transaction

            with transaction(engine, write=False) as session:
                return query(session)[:LIMIT]
        finally:
            engine.dispose()
    except Exception:  # completion is a convenience: any failure completes nothing, silently
        return []


def _starting(values: list[str], incomplete: str) -> list[str]:
    return [v for v in values if v.lower().startswith(incomplete.lower())]


def member_nos(ctx: typer.Context, incomplete: str) -> list[str]:
    """Member numbers starting with what was typed (at most 50)."""
    from memberctl.domain import search

    return _complete(ctx, lambda s: search.member_nos(s, incomplete, LIMIT))


def tier_codes(ctx: typer.Context, incomplete: str) -> list[str]:
    """Tier codes; once something is typed, names with and without 会员 too (金: 金卡会员, 金卡)."""
    from memberctl.domain import tiers

    def offered(session: Any) -> list[str]:
        found = tiers.list_tiers(session=session)
        names = [n for t in found for n in (t.name, t.name.removesuffix(tiers.SUFFIX)) if n]
        values = [t.code for t in found] + (names if incomplete else [])
        return _starting(list(dict.fromkeys(values)), incomplete)

    return _complete(ctx, offered)


def campaign_codes(ctx: typer.Context, incomplete: str) -> list[str]:
    from memberctl.domain import campaigns

    return _complete(
        ctx,
        lambda s: _starting([c.code for c in campaigns.list_campaigns(session=s)], incomplete),
    )


def segment_names(ctx: typer.Context, incomplete: str) -> list[str]:
    from memberctl.domain import segments

    return _complete(
        ctx,
        lambda s: _starting([g.name for g in segments.list_segments(session=s)], incomplete),
    )


def store_codes(ctx: typer.Context, incomplete: str) -> list[str]:
    """Registered store codes; once something is typed, store names too (旗: 旗舰店)."""
    from memberctl.domain import stores

    def offered(session: Any) -> list[str]:
        found = stores.known(session)
        values = [s.code for s in found] + ([s.name for s in found] if incomplete else [])
        return _starting(list(dict.fromkeys(values)), incomplete)

    return _complete(ctx, offered)

"""A bulk write keeps SQLite's temporary files in memory (db/engine.py, SQLITE_BULK_OPTION): the
triggers on member give every inserted member a statement journal, a temporary file per row
otherwise. Other transactions leave SQLite's default alone."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from memberctl.db.engine import make_engine
from memberctl.db.session import transaction
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's temporary files")
MEMORY = 2  # PRAGMA temp_store: 0 default, 1 file, 2 memory


@pytest.mark.parametrize(("bulk", "expected"), [(True, MEMORY), (False, 0)])
def test_a_bulk_write_keeps_temporary_files_in_memory(db_url, bulk, expected):
    engine = make_engine(db_url)
    try:
        with transaction(engine, bulk=bulk) as session:
            assert session.execute(text("PRAGMA temp_store")).scalar_one() == expected
    finally:
        engine.dispose()

"""The import's progress bar names the file literally: a file called `[vip][bold]会员.csv` does not
lose its brackets (rich read them as markup) (issue 14)."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.slow.test_import_progress import _members, _seen
from tests.slow.test_menu_wizard import cli_json

pytestmark = pytest.mark.slow


def test_a_file_name_with_markup_is_shown_as_it_is(db_url, engine, tmp_path):  # noqa: ARG001
    path = _members(tmp_path / "mid.csv", 5_000)
    hostile = shutil.move(path, tmp_path / "[vip][bold]会员.csv")

    status, output = _seen(db_url, str(hostile))

    assert status == 0, output
    assert re.search(r"importing \[vip\]\[bold\]会员\.csv .*━+", output), output
    assert len(cli_json(db_url, "member", "list", "--limit", "10000")) == 5_000

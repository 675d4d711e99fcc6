"""Personal values not echoed (issue 13.12): a phone number that names no member is masked in the
error line as tables mask it; an idempotency key reaches the audit log only as a short hash."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlmodel import select

from memberctl.db.session import transaction
from memberctl.domain.audit import key_hash
from memberctl.models import AuditEntry
from tests.conftest import failure
from tests.factories import NOW, enroll

HINT = "; give a member number such as M000001 or the member's phone number"


@pytest.mark.parametrize(
    ("ref", "shown"),
    [
        ("13955556666", "139****6666"),
        ("+86 139-5555-6666", "139****6666"),
        ("139 5555 6666", "139****6666"),
        ("1395555666", "139***5666"),
        ("M000404", "M000404"),
        ("123456", "123456"),
    ],
)
def test_an_unknown_phone_is_masked_in_the_error(run, ref, shown):
    assert failure(run("member", "show", ref), 3) == f"error: no member '{shown}'{HINT}"
    line = failure(run("points", "add", ref, "5", "--reason", "r"), 3)
    assert line == f"error: no member '{shown}'{HINT}"


def test_audit_keeps_keys_as_a_hash_that_still_matches(run, engine, session):
    no = enroll(engine, phone="13800138000").member_no
    key = "13912345678-receipt"
    assert run("points", "add", no, "5", "--reason", "r", "--key", key).exit_code == 0
    assert run("points", "add", no, "5", "--reason", "r", "--key", key).exit_code == 0
    assert run("wallet", "topup", no, "10", "--key", "w-13912345678").exit_code == 0
    with transaction(engine) as writing:  # as an older version wrote it
        writing.add(
            AuditEntry(
                at=NOW,
                operator="legacy",
                action="points.add",
                details={"points": 1, "key": "old-13912345678"},
            )
        )

    stored = [e.details for e in session.exec(select(AuditEntry)).all() if "key" in e.details]
    shown = run.json("audit")
    table = run("audit", env={"COLUMNS": "300", "TERMINAL_WIDTH": "300"})

    assert [d["key"] for d in stored][:2] == [key_hash(key), key_hash("w-13912345678")]
    assert key_hash(key) == "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:12]
    keys = [entry["details"]["key"] for entry in shown if "key" in entry["details"]]
    assert sorted(keys) == sorted(
        [key_hash(key), key_hash("w-13912345678"), key_hash("old-13912345678")]
    )
    for output in (json.dumps(shown), table.stdout):
        assert "13912345678" not in output
    # The table wraps its Details cell at the test process's width; the CSV holds it whole.
    assert key_hash(key) in run("audit", "-f", "csv").stdout

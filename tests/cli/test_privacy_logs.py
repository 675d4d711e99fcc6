"""No personal data in what memberctl writes beside its output: a representative day of commands
(enrol, a refused duplicate, edit, imports with rejected rows, a header-less sheet, nightly,
forget, an import after forget) leaves the member's phone, name and e-mail neither on stderr nor
in the audit log. Where a message must name a member it says the member number (or 135****5678)."""

from __future__ import annotations

from sqlmodel import select

from memberctl.models import AuditEntry
from tests.spreadsheets.sheets import write_csv

NAME, PHONE, EMAIL = "欧阳娜娜", "13512345678", "nana.ouyang@example.com"
NEW_NAME, NEW_EMAIL = "欧阳娜", "nana@example.org"
PII = (NAME, NEW_NAME, PHONE, "135 1234 5678", "+8613512345678", EMAIL, NEW_EMAIL)


def day_of_commands(run, tmp_path) -> list[tuple[tuple[str, ...], int, str]]:
    members = write_csv(
        tmp_path / "members.csv",
        [
            ["姓名", "手机号", "邮箱", "生日"],
            [NAME, PHONE, EMAIL, "1990-05-06"],
            ["赵六", "1351234567", "zhao@example.com", "1991-01-01"],
        ],
    )
    headerless = write_csv(tmp_path / "raw.csv", [[NAME, PHONE, EMAIL], ["李四", "139", ""]])
    purchases = write_csv(
        tmp_path / "p.csv",
        [
            ["手机号", "订单号", "金额", "时间"],
            [PHONE, "A1", "30", "2026-11-02 11:00"],
            ["13700137000", "A2", "10", "2026-11-02 12:00"],
        ],
    )
    again = write_csv(tmp_path / "p2.csv", [["手机号", "订单号", "金额"], [PHONE, "A3", "10"]])
    steps = [
        ("member", "enroll", "--name", NAME, "--phone", PHONE, "--email", EMAIL, "--tag", "vip"),
        ("member", "enroll", "--name", NAME, "--phone", "135-1234-5678"),
        ("member", "edit", PHONE, "--email", NEW_EMAIL, "--name", NEW_NAME, "--add-tag", "x"),
        ("member", "note", PHONE, f"{NEW_NAME} called from {PHONE}"),
        ("points", "add", PHONE, "10", "--reason", f"gift for {NEW_NAME}"),
        ("import", "members", str(members), "--on-existing", "skip"),
        ("import", "members", str(members), "--on-existing", "update", "--skip-invalid"),
        ("import", "members", str(headerless)),
        ("import", "purchases", str(purchases), "--skip-invalid"),
        ("import", "purchases", str(purchases)),
        ("nightly", "--as-of", "2026-11-25", "--backup-dir", str(tmp_path / "backups")),
        ("member", "export-data", PHONE),
        ("member", "forget", PHONE, "--yes"),
        ("import", "purchases", str(again)),
        ("nightly", "--as-of", "2026-11-26"),
    ]
    done = []
    for args in steps:
        result = run(*args, "-f", "json")
        # nightly's JSON summary goes to a log file too (docs/: the crontab line)
        logged = result.stderr + (result.stdout if args[0] == "nightly" else "")
        done.append((args, result.exit_code, logged))
    return done


def test_no_personal_data_on_stderr_or_in_the_audit_log(run, session, tmp_path):
    done = day_of_commands(run, tmp_path)
    # the commands did what they should, so that their messages were really written
    assert [code for _, code, _ in done] == [0, 4, 0, 0, 0, 5, 0, 5, 0, 5, 0, 0, 0, 5, 0]
    stderr = "\n".join(err for _, _, err in done)
    assert "135****5678" in stderr and "M000001" in stderr and "137****7000" in stderr
    assert [(args, value) for args, _, err in done for value in PII if value in err] == []
    session.rollback()
    audit = repr([(e.action, e.details) for e in session.exec(select(AuditEntry))])
    assert "member.forget" in audit and "import.members" in audit
    assert [value for value in PII if value in audit] == []


def test_audit_details_never_hold_personal_values_even_before_forget(run, session, tmp_path):
    done = day_of_commands(run, tmp_path)[:12]  # everything up to export-data, no forget
    assert all(code in (0, 4, 5) for _, code, _ in done)
    session.rollback()
    details = repr([e.details for e in session.exec(select(AuditEntry))])
    assert [value for value in PII if value in details] == []


def test_a_database_error_does_not_quote_the_values_it_was_writing(run, monkeypatch):
    assert run("member", "enroll", "--name", NAME, "--phone", PHONE).exit_code == 0
    # Skip the friendly check so that the database's unique index refuses the second phone.
    monkeypatch.setattr("memberctl.domain.members._ensure_phone_free", lambda *_, **__: None)
    result = run("member", "enroll", "--name", NEW_NAME, "--phone", PHONE, "--email", EMAIL)
    assert len(result.stderr.strip().splitlines()) == 1
    if run.db_url.startswith("postgresql"):  # the phone's unique index is explained (exit 4)
        assert result.exit_code == 4
        assert "already used by a member of another store" in result.stderr
    else:
        assert result.exit_code == 1
        assert "IntegrityError" in result.stderr
    assert [value for value in PII if value in result.stderr] == []

# ruff: noqa: E501  (a snapshot line is as wide as the terminal it shows, 100 columns)
"""Exact error lines of encrypted backups (db backup --encrypt, db restore, nightly --encrypt),
with their exit codes, in English and Chinese. Files are named relative to the test's folder so
the lines read the same on every machine; none of these writes or restores anything."""

from __future__ import annotations

import pytest
from inline_snapshot import snapshot

from tests.factories import enroll
from tests.snapshots.shop import both

PASSPHRASE = "correct horse battery\n"

CASES = {
    "wrong passphrase": ["db", "restore", "shop.backup", "--yes", "--passphrase-file", "wrong"],
    "encrypted, no passphrase source": ["db", "restore", "shop.backup", "--yes"],
    "missing passphrase file": [
        "db",
        "backup",
        "new.backup",
        "--encrypt",
        "--passphrase-file",
        "nope",
    ],
    "short passphrase": ["db", "backup", "new.backup", "--encrypt", "--passphrase-file", "short"],
    "empty passphrase file": [
        "db",
        "backup",
        "new.backup",
        "--encrypt",
        "--passphrase-file",
        "empty",
    ],
    "encrypt without a passphrase source": ["db", "backup", "new.backup", "--encrypt"],
    "passphrase file without encrypt": ["db", "backup", "new.backup", "--passphrase-file", "pass"],
    "nightly encrypt without backup dir": ["nightly", "--encrypt", "--passphrase-file", "pass"],
}


@pytest.fixture
def files(run, engine, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    enroll(engine, "甲", phone="13800000001")
    for name, text in {
        "pass": PASSPHRASE,
        "wrong": "not the passphrase\n",
        "short": "1234567\n",
        "empty": "\n",
    }.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = run("db", "backup", "shop.backup", "--encrypt", "--passphrase-file", "pass")
    assert result.exit_code == 0, result.stderr


@pytest.mark.usefixtures("files")
@pytest.mark.parametrize("case", CASES)
def test_encrypted_backup_errors(run, tmp_path, case):
    assert both(run, *CASES[case]) == EXPECTED[case]
    assert not (tmp_path / "new.backup").exists()


EXPECTED = snapshot(
    {
        "wrong passphrase": {
            "en": {
                "exit": 5,
                "stdout": "",
                "stderr": "error: the backup 'shop.backup' could not be decrypted: wrong passphrase, or the file is damaged; nothing was restored; check the passphrase, or restore an older backup\n",
            },
            "zh": {
                "exit": 5,
                "stdout": "",
                "stderr": "错误：备份“shop.backup”无法解密：口令错误，或文件已损坏；未恢复任何内容；请检查口令，或恢复更早的备份\n",
            },
        },
        "encrypted, no passphrase source": {
            "en": {
                "exit": 2,
                "stdout": "",
                "stderr": "error: the backup 'shop.backup' is encrypted; give --passphrase-file (prompts need a terminal)\n",
            },
            "zh": {
                "exit": 2,
                "stdout": "",
                "stderr": "错误：备份“shop.backup”已加密；请指定 --passphrase-file（询问需要终端）\n",
            },
        },
        "missing passphrase file": {
            "en": {
                "exit": 3,
                "stdout": "",
                "stderr": "error: no passphrase file 'nope'; check the path given to --passphrase-file\n",
            },
            "zh": {
                "exit": 3,
                "stdout": "",
                "stderr": "错误：没有口令文件 'nope'；请检查 --passphrase-file 指定的路径\n",
            },
        },
        "short passphrase": {
            "en": {
                "exit": 5,
                "stdout": "",
                "stderr": "error: the passphrase is shorter than 8 characters; give a longer passphrase\n",
            },
            "zh": {
                "exit": 5,
                "stdout": "",
                "stderr": "错误：口令少于 8 个字符；请使用更长的口令\n",
            },
        },
        "empty passphrase file": {
            "en": {
                "exit": 5,
                "stdout": "",
                "stderr": "error: the passphrase file 'empty' starts with an empty line; write the passphrase as the file's first line\n",
            },
            "zh": {
                "exit": 5,
                "stdout": "",
                "stderr": "错误：口令文件 'empty' 的第一行是空的；请把口令写在文件的第一行\n",
            },
        },
        "encrypt without a passphrase source": {
            "en": {
                "exit": 2,
                "stdout": "",
                "stderr": "error: --encrypt needs a passphrase; give --passphrase-file (prompts need a terminal)\n",
            },
            "zh": {
                "exit": 2,
                "stdout": "",
                "stderr": "错误：--encrypt 需要口令；请指定 --passphrase-file（询问需要终端）\n",
            },
        },
        "passphrase file without encrypt": {
            "en": {
                "exit": 2,
                "stdout": "",
                "stderr": "error: --passphrase-file is given without --encrypt; add --encrypt, or leave out --passphrase-file\n",
            },
            "zh": {
                "exit": 2,
                "stdout": "",
                "stderr": "错误：指定了 --passphrase-file，但没有 --encrypt；请加上 --encrypt，或去掉 --passphrase-file\n",
            },
        },
        "nightly encrypt without backup dir": {
            "en": {
                "exit": 2,
                "stdout": "",
                "stderr": "error: --encrypt and --passphrase-file need --backup-dir; add --backup-dir DIR\n",
            },
            "zh": {
                "exit": 2,
                "stdout": "",
                "stderr": "错误：--encrypt 和 --passphrase-file 需要配合 --backup-dir 使用；请加上 --backup-dir DIR\n",
            },
        },
    }
)

"""Backups and restores of a whole memberctl database.

- SQLite is backed up with SQLite's online backup API: a consistent copy taken while the shop
  keeps working, written owner-only (0600).
- PostgreSQL is backed up without pg_dump, as a logical export: a gzip file holding one JSON
  document per line, a header (`memberctl_backup`, schema revision, time) and then every table
  with its rows. It restores into SQLite as well, so it also moves a shop between backends.

A restore first builds the backup into a private temporary SQLite database, upgrades it to the
current schema, and only then replaces the target's contents in one transaction: a bad file
never leaves the target half-restored. Files that are not memberctl backups, or that come from
a newer memberctl, are refused.

With a passphrase, a backup is written encrypted (memberctl/db/crypt.py describes the format):
the plain backup is made in a private temporary folder, sealed into the target, and removed. A
restore recognises an encrypted backup by its first line, decrypts and verifies all of it into a
private temporary folder, and only then restores that as it would a plain backup.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from memberctl.atomic import atomic_path, make_folder, scratch_folder
from memberctl.db.engine import is_sqlite, make_engine
from memberctl.db.migrate import HEAD_REVISION, current_revision, upgrade
from memberctl.errors import InvalidInput, NotFound, RuleViolation
from memberctl.i18n import _
from memberctl.models import DERIVED_TABLES

FORMAT_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
GZIP_MAGIC = b"\x1f\x8b"
REQUIRED_TABLES = {"alembic_version", "member", "tier"}


@dataclass(frozen=True)
class BackupInfo:
    file: str
    format: str  # sqlite or logical
    schema_revision: str | None
    rows: dict[str, int]
    bytes: int
    encrypted: bool = False


def _private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _revision_order(revision: str | None) -> int:
    return int(revision) if revision and revision.isdigit() else -1


def backup(engine: Engine, path: Path, passphrase: str | None = None) -> BackupInfo:
    """Write a consistent backup of the database behind `engine` to `path` (0600). It is
    written to a temporary file beside `path`, read back, and only then renamed over `path`: an
    interrupted or failed backup leaves an earlier backup at `path` as it was. With
    `passphrase`, the file is encrypted."""
    if passphrase is not None:
        return _encrypted_backup(engine, path, passphrase)
    with atomic_path(path, private=True) as scratch:
        if is_sqlite(engine):
            _backup_sqlite(engine, scratch)
            kind = "sqlite"
        else:
            _backup_logical(engine, scratch)
            kind = "logical"
        with _opened_backup(scratch) as (backup_engine, revision, _kind):
            rows = _row_counts(backup_engine)
        size = scratch.stat().st_size
    return BackupInfo(str(path), kind, revision, rows, size)


def _encrypted_backup(engine: Engine, path: Path, passphrase: str) -> BackupInfo:
    from memberctl.atomic import atomic_output, signals_unwind
    from memberctl.db import crypt

    crypt.check_passphrase(passphrase)
    with (
        signals_unwind(),  # before the folder exists: a signal at any moment removes it
        scratch_folder("memberctl-backup-") as folder,
        atomic_output(path, private=True) as sealed,  # the output path is checked first
    ):
        plain = backup(engine, folder / "plain.backup")
        crypt.encrypt(Path(plain.file), sealed, passphrase)
    size = path.stat().st_size
    return BackupInfo(str(path), plain.format, plain.schema_revision, plain.rows, size, True)


BACKUP_STEP_PAGES = 1024  # pages copied per step: a signal is handled between steps


def _backup_sqlite(engine: Engine, path: Path) -> None:
    with engine.connect() as connection:
        source = connection.connection.driver_connection
        target = sqlite3.connect(path)
        try:
            target.execute("PRAGMA journal_mode=OFF")  # a scratch file: no -journal beside it
            source.backup(target, pages=BACKUP_STEP_PAGES, progress=_step)  # type: ignore[union-attr]
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            target.close()


def _step(_status: int, _remaining: int, _total: int) -> None:
    """Called between backup steps: Python runs pending signal handlers here (SIGTERM)."""


def _tables(connection: Connection) -> list[Table]:
    metadata = MetaData()
    metadata.reflect(connection)
    # derived tables: a backup holds what they are made from; a restore makes them again
    return [table for table in metadata.sorted_tables if table.name not in DERIVED_TABLES]


def _backup_logical(engine: Engine, path: Path) -> None:
    with engine.connect() as connection, gzip.open(path, "wt", encoding="utf-8") as out:
        if engine.dialect.name == "postgresql":  # one snapshot for every table
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        header = {
            "memberctl_backup": FORMAT_VERSION,
            "schema_revision": current_revision(connection),
            "created_at": dt.datetime.now().isoformat(timespec="seconds"),
        }
        out.write(json.dumps(header) + "\n")
        for table in _tables(connection):
            ordered = select(table).order_by(*table.primary_key.columns)  # not storage order
            rows = [_plain_row(row._mapping) for row in connection.execute(ordered)]
            out.write(json.dumps({"table": table.name, "rows": rows}, ensure_ascii=False) + "\n")


def _plain_row(row: Any) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        return value

    return {key: plain(value) for key, value in row.items()}


def _typed_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    typed = {}
    for key, value in row.items():
        column = table.c.get(key)
        if column is None or value is None:
            typed[key] = value
        elif isinstance(column.type, DateTime):
            typed[key] = dt.datetime.fromisoformat(value)
        elif isinstance(column.type, Date):
            typed[key] = dt.date.fromisoformat(value)
        elif isinstance(column.type, Numeric) and not isinstance(column.type, JSON):
            typed[key] = Decimal(str(value))
        else:
            typed[key] = value
    return typed


def undecryptable(path: Path) -> InvalidInput:
    return InvalidInput(
        _(
            "the backup '{name}' could not be decrypted: wrong passphrase, or the file is "
            "damaged; nothing was restored"
        ).format(name=path.name),
        _("check the passphrase, or restore an older backup"),
    )


def _decrypted(path: Path, folder: Path, passphrase: str | None) -> Path:
    """The plain backup inside the encrypted backup `path`, whole and verified, in `folder`."""
    from memberctl.db import crypt

    if passphrase is None:
        from memberctl.errors import UsageProblem

        raise UsageProblem(
            _("the backup '{name}' is encrypted").format(name=path.name),
            _("give --passphrase-file (prompts need a terminal)"),
        )
    plain = folder / "decrypted.backup"
    _private_file(plain)
    try:
        with plain.open("wb") as out:
            crypt.decrypt(path, out, passphrase)
    except crypt.CannotDecrypt:
        raise undecryptable(path) from None
    return plain


@contextmanager
def _opened_backup(
    path: Path, passphrase: str | None = None
) -> Iterator[tuple[Engine, str | None, str]]:
    """The backup as a private temporary SQLite database (at the backup's own revision)."""
    from memberctl.db import crypt

    if not path.is_file():
        raise NotFound(_("no file '{path}'").format(path=path), _("check the path of the backup"))
    with scratch_folder("memberctl-restore-") as folder:
        scratch = folder / "restore.db"
        source = path
        if crypt.is_encrypted(path):
            source = _decrypted(path, folder, passphrase)
        with source.open("rb") as handle:
            magic = handle.read(16)
        if magic.startswith(SQLITE_MAGIC):
            _copy_sqlite_file(source, scratch, path)
            kind = "sqlite"
        elif magic.startswith(GZIP_MAGIC):
            _load_logical(source, scratch, path)
            kind = "logical"
        elif crypt.looks_encrypted(path):  # its first line damaged
            raise undecryptable(path)
        else:
            raise _not_a_backup(path)
        if source != path:
            source.unlink()  # now in `scratch`: the decrypted copy is not kept twice
        engine = make_engine(f"sqlite:///{scratch}")
        try:
            _check_whole(engine, path)
            yield engine, _backup_revision(engine, path), kind
        finally:
            engine.dispose()


def damaged(path: Path, detail: str) -> InvalidInput:
    return InvalidInput(
        _("the backup '{name}' is damaged ({detail}); nothing was restored").format(
            name=path.name, detail=detail
        ),
        _("restore an older backup"),
    )


def _check_whole(engine: Engine, path: Path) -> None:
    """Every page readable and every reference intact, before anything is restored: SQLite's
    backup copies pages as they are, so a damaged page would otherwise surface half-way, or
    not at all (an index page), and a broken reference only on the target."""
    with engine.connect() as connection:
        try:
            pages = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check(5)")]
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        except DBAPIError as exc:
            raise damaged(path, str(exc.orig).splitlines()[0]) from None
    if pages != ["ok"]:
        raise damaged(path, pages[0])
    if broken:
        raise damaged(
            path,
            _("{count} rows point at rows that are missing, first in {table}").format(
                count=len(broken), table=broken[0][0]
            ),
        )


def _not_a_backup(path: Path, why: str = "") -> InvalidInput:
    return InvalidInput(
        _("'{name}' is not a memberctl backup{why}").format(name=path.name, why=why),
        _("give a file written by 'memberctl db backup'"),
    )


def _copy_sqlite_file(file: Path, scratch: Path, path: Path) -> None:
    """`file` (the backup, or what was decrypted from it) into `scratch`; `path` names it."""
    _private_file(scratch)
    source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    target = sqlite3.connect(scratch)
    try:
        source.backup(target)
    except sqlite3.DatabaseError:
        raise _not_a_backup(path, _(" (it is not a readable SQLite file)")) from None
    finally:
        source.close()
        target.close()


def _backup_revision(engine: Engine, path: Path) -> str | None:
    with engine.connect() as connection:
        names = {t.name for t in _tables(connection)}
        if not REQUIRED_TABLES <= names:
            raise _not_a_backup(path)
        return current_revision(connection)


def _read_logical(file: Path, path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    try:
        with gzip.open(file, "rt", encoding="utf-8") as lines:
            header = json.loads(next(lines))
            tables = [json.loads(line) for line in lines]
    except (OSError, EOFError, ValueError, StopIteration, UnicodeDecodeError):
        raise _not_a_backup(path, _(" (it is damaged or not a backup)")) from None
    if not isinstance(header, dict) or header.get("memberctl_backup") != FORMAT_VERSION:
        raise _not_a_backup(path)
    return header, tables


def _load_logical(file: Path, scratch: Path, path: Path) -> None:
    header, tables = _read_logical(file, path)
    revision = header.get("schema_revision")
    _refuse_newer(revision, path)
    engine = make_engine(f"sqlite:///{scratch}")
    try:
        upgrade(engine, str(revision))
        with engine.begin() as connection:
            _fill(connection, tables)
    except DBAPIError as exc:  # a row SQLite refuses: a broken reference, a missing value
        raise damaged(path, str(exc.orig).splitlines()[0]) from None
    except (ValueError, TypeError, AttributeError) as exc:  # a value of the wrong kind
        raise damaged(path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    finally:
        engine.dispose()


def _fill(connection: Connection, tables: list[dict[str, Any]]) -> None:
    """References are checked when the transaction commits, not row by row: a member may come
    before the member who referred them (PostgreSQL returns updated rows later)."""
    connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    live = {t.name: t for t in _tables(connection)}
    table: Table | None
    for table in live.values():
        if table.name != "alembic_version":
            connection.execute(delete(table))
    for entry in tables:
        table = live.get(entry.get("table", ""))
        if table is None or table.name == "alembic_version" or not entry.get("rows"):
            continue
        rows = [_typed_row(table, row) for row in entry["rows"]]
        connection.execute(insert(table), rows)


def _refuse_newer(revision: str | None, path: Path) -> None:
    if _revision_order(revision) > _revision_order(HEAD_REVISION):
        raise RuleViolation(
            _(
                "'{name}' was written by a newer memberctl (schema {revision}, this one "
                "knows up to {HEAD_REVISION})"
            ).format(name=path.name, revision=revision, HEAD_REVISION=HEAD_REVISION),
            _("upgrade memberctl before restoring it"),
        )


def restore(engine: Engine, path: Path, passphrase: str | None = None) -> BackupInfo:
    """Replace everything in the target database with the backup's contents (`passphrase`
    decrypts an encrypted backup)."""
    from memberctl.db import crypt

    encrypted = crypt.is_encrypted(path)
    with _opened_backup(path, passphrase) as (source, revision, kind):
        _refuse_newer(revision, path)
        upgrade(source)
        if engine.dialect.name == "postgresql":
            _refuse_nul(source, path)
        _copy_all(source, engine, path)
        rows = _row_counts(source)
    return BackupInfo(str(path), kind, revision, rows, path.stat().st_size, encrypted)


def _refuse_nul(source: Engine, path: Path) -> None:
    """PostgreSQL cannot store a NUL character in text, which SQLite (old data) may hold: refuse
    the restore, naming the first such value, rather than stopping halfway or dropping it."""
    nul = literal(b"\x00", LargeBinary)
    with source.connect() as reader:
        for table in _tables(reader):
            texts = [c for c in table.c if isinstance(c.type, String)]
            if not texts or "id" not in table.c:
                continue
            holds = {c.name: func.instr(cast(c, LargeBinary), nul) > 0 for c in texts}
            query = select(table.c.id, *(h.label(n) for n, h in holds.items()))
            row = reader.execute(query.where(or_(*holds.values())).limit(1)).first()
            if row is not None:
                column = next(name for name in holds if row._mapping[name])
                raise InvalidInput(
                    _(
                        "'{name}' holds a NUL character in {table}.{column} (row id {id}), "
                        "which PostgreSQL cannot store"
                    ).format(name=path.name, table=table.name, column=column, id=row.id),
                    _("remove it in the SQLite database, back it up again and restore that"),
                )


def _copy_all(source: Engine, target: Engine, path: Path) -> None:
    """Replace the target's rows with the source's, in one transaction. A value the target
    refuses (PostgreSQL checks text lengths and integer ranges that SQLite does not) undoes it."""
    from memberctl.db.session import transaction

    upgrade(target)
    try:
        with source.connect() as reader, transaction(target) as session:
            writer = session.connection()
            tables = [t for t in _tables(writer) if t.name != "alembic_version"]
            for table in reversed(tables):
                writer.execute(delete(table))
            for table in tables:
                _copy_table(reader, writer, table)
    except (DataError, IntegrityError) as exc:
        raise InvalidInput(
            _(
                "the backup '{name}' holds a value this database refuses ({detail}); nothing was "
                "restored"
            ).format(name=path.name, detail=str(exc.orig).splitlines()[0]),
            _("restore it into SQLite, or restore another backup"),
        ) from None


def _copy_table(reader: Connection, writer: Connection, table: Table) -> None:
    """Rows go in with references to their own table (a member's referrer) left empty, and
    those are filled in afterwards, so the order of the rows does not matter."""
    own = [
        c.name for c in table.c if any(fk.column.table.name == table.name for fk in c.foreign_keys)
    ]
    rows = [dict(row._mapping) for row in reader.execute(select(table))]
    if rows:
        writer.execute(insert(table), [{**row, **dict.fromkeys(own)} for row in rows])
    for name in own:
        links = [{"row_id": r["id"], "link": r[name]} for r in rows if r[name] is not None]
        if links:
            writer.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({name: bindparam("link")}),
                links,
            )
    if writer.dialect.name == "postgresql":
        sync_id_sequence(writer, table)


def sync_id_sequence(connection: Connection, table: Table) -> None:
    """After rows were inserted with their ids (PostgreSQL): the next id follows the highest."""
    if "id" not in table.c or not isinstance(table.c.id.type, Integer):
        return
    top = select(func.max(table.c.id)).scalar_subquery()
    sequence = func.pg_get_serial_sequence(table.name, "id")
    connection.execute(select(func.setval(sequence, func.coalesce(top, 1), top.is_not(None))))


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in _tables(connection)
            if table.name != "alembic_version"
        }


BACKUP_PREFIX = "memberctl-"
BACKUP_SUFFIX = ".backup"


@dataclass(frozen=True)
class Rotation:
    file: str
    bytes: int
    removed: list[str]


def rotate(
    engine: Engine, folder: Path, day: dt.date, keep: int, passphrase: str | None = None
) -> Rotation:
    """Back up to `folder/memberctl-DAY.backup` (a re-run of the same day replaces it) and keep
    only the newest `keep` such files (encrypted with `passphrase` when given)."""
    target = folder / f"{BACKUP_PREFIX}{day.isoformat()}{BACKUP_SUFFIX}"
    make_folder(folder)
    info = backup(
        engine, target, passphrase
    )  # a crash mid-backup never leaves a half-written dated file
    dated = sorted(folder.glob(f"{BACKUP_PREFIX}????-??-??{BACKUP_SUFFIX}"))
    removed = dated[:-keep] if keep > 0 else []
    for old in removed:
        old.unlink()
    return Rotation(str(target), info.bytes, [old.name for old in removed])

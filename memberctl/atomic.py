"""Every file memberctl writes is written whole or not at all.

A writer gets a temporary file beside the target, named `.NAME.tmp-` and 8 random characters
(hidden, and recognisable); when the writer is done the file is synced and renamed over the target
(`os.replace`). On any failure (a full disk, an error, Ctrl-C, SIGTERM or SIGHUP) the temporary
file is removed and the target is left as it was: a previous export or backup is never cut
short. Only SIGKILL can leave a `.NAME.tmp-*` file behind; it is safe to delete.

The rename replaces the name itself: an output path that is a symbolic link (dangling or not)
becomes a regular file, and the file it pointed to is never written through.

Mistakes in the output path are found before anything is written and end as one line: a folder
that does not exist is exit 3; a path that is a folder, a parent that is a file, permission
denied or a read-only file system is exit 2 (a bad option value, as click's own path checks
have it); a write the disk refuses (full, over quota, an I/O error) is exit 1 saying so.

- `atomic_output(path)`: a binary stream (for zip writers: xlsxwriter, openpyxl);
- `text_output(path, bom=...)`: a UTF-8 text stream (CSV, JSON);
- `atomic_path(path)`: the temporary file's path, for writers that open files themselves
  (SQLite's backup API, gzip);
- `scratch_folder(prefix)`: a private folder in the temporary directory, removed afterwards
  whatever happens (a plain backup before it is sealed, a sheet's parts).
"""

from __future__ import annotations

import errno
import io
import os
import secrets
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from memberctl.errors import CannotWrite, MemberctlError, NotFound, UsageProblem
from memberctl.i18n import _

TEMP_MARK = ".tmp-"
SIDECARS = ("-journal", "-wal", "-shm")  # SQLite's files beside a database being written
HANDLED_SIGNALS = ("SIGTERM", "SIGHUP")  # SIGINT already raises KeyboardInterrupt


class OutputLimit(Exception):
    """A stream given a `limit` was asked to grow past it (the caller says what to do)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class Terminated(BaseException):
    """SIGTERM or SIGHUP while a file was being written: unwinds so the file is removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def temporary_name(target: Path) -> str:
    name = target.name if len(target.name.encode()) <= 200 else target.name[:50]
    return f".{name}{TEMP_MARK}{secrets.token_hex(4)}"


@contextmanager
def atomic_path(path: Path, *, private: bool = False) -> Iterator[Path]:
    """The path of an empty temporary file beside `path` (0600 when `private`, else as the
    umask has it), renamed to `path` when the block ends without an error."""
    target = Path(path)
    with signals_unwind(), _replacing(target, private) as (fd, temporary):
        os.close(fd)
        yield temporary


@contextmanager
def atomic_output(
    path: Path, *, private: bool = False, limit: int | None = None
) -> Iterator[IO[bytes]]:
    """A buffered binary stream on a temporary file, renamed to `path` on success. With
    `limit`, growing past that many bytes raises OutputLimit (and nothing is written)."""
    target = Path(path)
    with signals_unwind(), _replacing(target, private) as (fd, _temporary):
        # The descriptor stays ours (closefd=False): after a failure it is pointed at /dev/null
        # and left open, so that nothing a writer still holds can fail or warn later.
        raw = _Limited(fd, limit) if limit is not None else io.FileIO(fd, "wb", closefd=False)
        stream = io.BufferedWriter(raw)
        try:
            yield stream
            stream.close()
        except BaseException:
            _abandon(fd)
            raise
        os.close(fd)


@contextmanager
def text_output(path: Path, *, bom: bool = False, limit: int | None = None) -> Iterator[IO[str]]:
    """UTF-8 text (with a BOM when `bom`: a CSV for Excel), newlines written as given."""
    with atomic_output(path, limit=limit) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig" if bom else "utf-8", newline="")
        yield text
        text.flush()
        text.detach()


def make_folder(folder: Path) -> None:
    """Create `folder` (and its parents) for output, failing as one line like the writers."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(exc, folder) from None


# -- the rename ------------------------------------------------------------------------------
@contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A new folder (0700) in the temporary directory, removed with all in it when the block
    ends. Unlike tempfile.TemporaryDirectory, a signal the moment the folder exists (before the
    block is entered) removes it too: it is named before it is made, and made inside the try."""
    folder = Path(tempfile.gettempdir()) / f"{prefix}{secrets.token_hex(8)}"
    ours = True
    try:
        try:
            folder.mkdir(mode=0o700)
        except OSError:
            ours = False  # EEXIST would name another's folder: nothing of ours to remove
            raise
        yield folder
    finally:
        if ours:
            shutil.rmtree(folder, ignore_errors=True)


class _NotOpened(Exception):
    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


@contextmanager
def _replacing(target: Path, private: bool) -> Iterator[tuple[int, Path]]:
    _check_target(target)
    temporary = target.with_name(temporary_name(target))
    try:
        # Opened inside the try: a signal the moment the file exists must remove it too.
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
            fd = os.open(temporary, flags, 0o600 if private else 0o666)
        except OSError as exc:
            raise _NotOpened(_os_error(exc, target)) from None
        yield fd, temporary
        _sync(temporary)
        os.replace(temporary, target)
    except _NotOpened as exc:  # nothing of ours to remove (EEXIST would name another's file)
        raise exc.error from None
    except BaseException as exc:
        for leftover in (temporary, *(Path(f"{temporary}{s}") for s in SIDECARS)):
            leftover.unlink(missing_ok=True)
        translated = _translated(exc, target)
        if translated is exc:
            raise
        raise translated from None
    _sync_folder(target.parent)


def _check_target(target: Path) -> None:
    try:
        _check_path(target)
    except OSError as exc:  # a folder on the way that may not be looked into
        raise _os_error(exc, target) from None


def _check_path(target: Path) -> None:
    folder = target.parent
    if target.is_dir() and not target.is_symlink():
        raise UsageProblem(
            _("cannot write {path}: it is a folder").format(path=target),
            _("give a file name inside it"),
        )
    if target.is_file() and not target.is_symlink() and not os.access(target, os.W_OK):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES))  # read-only: kept, not replaced
    if not folder.exists():
        raise NotFound(
            _("no folder '{folder}' for {name}").format(folder=folder, name=target.name),
            _("create it first, or choose another folder"),
        )
    if not folder.is_dir():
        raise UsageProblem(
            _("cannot write {path}: '{folder}' is not a folder").format(path=target, folder=folder),
            _("choose a file in a folder"),
        )


def _sync(path: Path) -> None:
    """The bytes on disk before the rename: a power cut leaves the old file or the new one."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not every system opens folders (Windows): the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _Limited(io.FileIO):
    def __init__(self, fd: int, limit: int) -> None:
        super().__init__(fd, "wb", closefd=False)
        self.limit, self.size = limit, 0

    def write(self, data: Any) -> int:
        size = memoryview(data).nbytes
        if self.size + size > self.limit:
            self.size = self.limit + 1  # over: what buffers still flush later goes nowhere
            raise OutputLimit(self.limit)
        if self.size > self.limit:
            return size
        self.size += size
        return super().write(data)


def _abandon(fd: int) -> None:
    """Point the temporary file's descriptor at /dev/null: what writers still hold (a zip
    archive, a text buffer) is finished or flushed by their destructors into nothing, with no
    error; the descriptor is closed when the process ends."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


# -- signals ---------------------------------------------------------------------------------
@contextmanager
def signals_unwind() -> Iterator[None]:
    """While a file is written, SIGTERM and SIGHUP (when not ignored) raise Terminated, so that
    the temporary file is removed; then the process exits with 128 + the signal's number (143
    for SIGTERM), running the `finally` blocks and exit handlers on the way."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}
    for name in HANDLED_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is signal.SIG_DFL:
            previous[signum] = signal.signal(signum, _unwind)
    try:
        yield
    except BaseException as exc:
        signum = _terminating_signal(exc)
        if signum is None:
            raise
        raise SystemExit(128 + signum) from None  # 143 for SIGTERM, as a shell reports it
    finally:
        _restore(previous)


def _unwind(signum: int, _frame: Any) -> None:
    raise Terminated(signum)


def _terminating_signal(exc: BaseException | None) -> int | None:
    """The signal behind `exc`: a Terminated, or one that a clean-up on the way out replaced
    with its own error (closing a PostgreSQL connection the signal cut mid-message fails, and
    the signal must still end the process as a signal, not as "cannot reach the server")."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, Terminated):
            return exc.signum
        seen.add(id(exc))
        exc = exc.__context__
    return None


def _restore(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


# -- errors ----------------------------------------------------------------------------------
USAGE_ERRNOS = {
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.EISDIR,
    errno.ENOTDIR,
    errno.ENAMETOOLONG,
}


def _reasons() -> dict[int, str]:
    return {
        errno.EACCES: _("permission denied"),
        errno.EPERM: _("permission denied"),
        errno.EROFS: _("the file system is read-only"),
        errno.EISDIR: _("it is a folder"),
        errno.ENOTDIR: _("a part of the path is not a folder"),
        errno.ENAMETOOLONG: _("the name is too long"),
        errno.ENOSPC: _("no space left on the disk"),
        errno.EFBIG: _("the file is too large for this disk or system"),
        errno.EDQUOT: _("disk quota exceeded"),
        errno.EIO: _("a write to the disk failed (is it full?)"),
    }


def _os_error(exc: OSError, target: Path) -> MemberctlError:
    reason = _reasons().get(exc.errno or 0) or exc.strerror or str(exc)
    message = _("cannot write {path}: {reason}").format(path=target, reason=reason)
    if exc.errno in USAGE_ERRNOS:
        return UsageProblem(message, _("choose a folder you can write to"))
    return CannotWrite(
        message,
        _(
            "nothing was written and any earlier {name} is unchanged; free some space or "
            "choose another folder"
        ).format(name=target.name),
    )


def _translated(exc: BaseException, target: Path) -> BaseException:
    """A failure to write as one line, or `exc` itself when it is not one (a bug, an interrupt,
    an error memberctl raised on purpose)."""
    if isinstance(exc, MemberctlError | OutputLimit | Terminated | KeyboardInterrupt):
        return exc
    seen: BaseException | None = exc
    for _depth in range(10):  # the error itself, then what caused it
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno is not None:
            return _os_error(seen, target)
        if _is_sqlite_write_error(seen):
            code = errno.ENOSPC if getattr(seen, "sqlite_errorcode", 0) == 13 else errno.EIO
            return _os_error(OSError(code, os.strerror(code)), target)
        wrapped = seen.args[0] if seen.args and isinstance(seen.args[0], OSError) else None
        seen = seen.__cause__ or seen.__context__ or wrapped  # xlsxwriter: FileCreateError(e)
    return exc


SQLITE_WRITE_ERRORS = {
    "SQLITE_FULL",
    "SQLITE_IOERR_WRITE",
    "SQLITE_IOERR_FSYNC",
    "SQLITE_IOERR_TRUNCATE",
    "SQLITE_IOERR_DIR_FSYNC",
}


def _is_sqlite_write_error(exc: BaseException) -> bool:
    return getattr(exc, "sqlite_errorname", None) in SQLITE_WRITE_ERRORS

"""Encrypted backups: a plain backup file sealed with a passphrase, streamed in chunks.

The file, byte by byte (all integers big-endian):

    offset  size  what
    0       29    the magic line b"memberctl-encrypted-backup 1\\n" (format version 1)
    29      4     scrypt n (a power of two; 2**15 when written by this version)
    33      4     scrypt r (8)
    37      4     scrypt p (1)
    41      4     the plaintext chunk size C (1 MiB = 1048576)
    45      16    a random salt for scrypt
    61      8     a random nonce prefix
    69      ...   the chunks, one after the other

The 69 bytes above are "the header". The key is scrypt(passphrase as UTF-8, salt, n, r, p,
length 32). The plaintext (a plain backup: a SQLite file or a gzip logical export) is cut into
chunks of C bytes (the last one may be shorter, even empty when the plaintext is), and chunk
number i (counting from 0) is stored as AES-256-GCM(key) of its bytes, which is its length plus
a 16-byte tag, under

- the nonce: the 8-byte prefix followed by i as 4 bytes (12 bytes in all), and
- the associated data: the whole header followed by one byte, 0x00 when more chunks follow and
  0x01 for the last chunk.

This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015): every chunk is
authenticated together with the header and its place, so a changed byte anywhere (header
included), chunks swapped or dropped, a file cut short (even at a chunk boundary) or bytes
appended after the last chunk all fail to decrypt. A wrong passphrase cannot be told apart from
a damaged file, and is not: both are "could not be decrypted". A lost passphrase cannot be
recovered; nothing else in the file helps.

Both directions stream: at most two chunks are held in memory, whatever the backup's size.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import IO

from memberctl.errors import InvalidInput, NotFound
from memberctl.i18n import _

MAGIC = b"memberctl-encrypted-backup 1\n"
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
CHUNK_SIZE = 1024 * 1024  # plaintext bytes per chunk (tests make it small)
SALT_BYTES = 16
PREFIX_BYTES = 8
TAG_BYTES = 16
MIN_PASSPHRASE = 8
_PARAMS = struct.Struct(">IIII")  # n, r, p, chunk size
HEADER_BYTES = len(MAGIC) + _PARAMS.size + SALT_BYTES + PREFIX_BYTES
MORE, LAST = b"\x00", b"\x01"
# Limits on what a header may ask for, so a hostile file cannot make us spend gigabytes or hours
MAX_N, MAX_R, MAX_P, MAX_CHUNK = 2**20, 32, 16, 64 * 1024 * 1024
MAX_CHUNKS = 2**32


class CannotDecrypt(Exception):
    """Wrong passphrase, or the file is damaged (a failed tag, a bad header, cut short)."""


def is_encrypted(path: Path) -> bool:
    """Whether `path` starts like an encrypted backup (only its first bytes are read)."""
    try:
        with Path(path).open("rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def looks_encrypted(path: Path) -> bool:
    """Whether `path` starts with the magic line give or take a few changed bytes: a damaged
    encrypted backup (a flipped bit in its first line), to be reported as one."""
    try:
        with Path(path).open("rb") as handle:
            start = handle.read(len(MAGIC))
    except OSError:
        return False
    changed = sum(a != b for a, b in zip(start, MAGIC, strict=False))
    return len(start) == len(MAGIC) and changed <= 3


def check_passphrase(passphrase: str) -> str:
    """A passphrase good enough to encrypt with (at least 8 characters), else exit 5."""
    if not passphrase:
        raise InvalidInput(
            _("the passphrase is empty"), _("give a passphrase of 8 characters or more")
        )
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(
            _("the passphrase is shorter than {count} characters").format(count=MIN_PASSPHRASE),
            _("give a longer passphrase"),
        )
    return passphrase


def read_passphrase_file(path: Path) -> str:
    """The first line of `path`, its line ending stripped: exit 3 when there is no such file,
    5 when the passphrase is empty."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(
            _("no passphrase file '{path}'").format(path=path),
            _("check the path given to --passphrase-file"),
        )
    try:
        with path.open("rb") as handle:
            first = handle.readline()
    except OSError as exc:
        raise NotFound(
            _("cannot read the passphrase file '{path}' ({reason})").format(
                path=path, reason=exc.strerror
            ),
            _("check the path given to --passphrase-file"),
        ) from None
    try:
        passphrase = first.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise InvalidInput(
            _("the passphrase file '{path}' is not UTF-8 text").format(path=path),
            _("write the passphrase as the file's first line"),
        ) from None
    if not passphrase:
        raise InvalidInput(
            _("the passphrase file '{path}' starts with an empty line").format(path=path),
            _("write the passphrase as the file's first line"),
        )
    return passphrase


def _key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _nonce(prefix: bytes, counter: int) -> bytes:
    if counter >= MAX_CHUNKS:
        raise CannotDecrypt("too many chunks")
    return prefix + counter.to_bytes(4, "big")


def encrypt(source: Path, target: IO[bytes], passphrase: str) -> None:
    """Write `source` (a plain backup) to `target`, encrypted with `passphrase`."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, prefix = os.urandom(SALT_BYTES), os.urandom(PREFIX_BYTES)
    header = MAGIC + _PARAMS.pack(SCRYPT_N, SCRYPT_R, SCRYPT_P, CHUNK_SIZE) + salt + prefix
    aead = AESGCM(_key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P))
    target.write(header)
    with Path(source).open("rb") as plain:
        counter, chunk = 0, plain.read(CHUNK_SIZE)
        while True:
            following = plain.read(CHUNK_SIZE)
            flag = MORE if following else LAST
            target.write(aead.encrypt(_nonce(prefix, counter), chunk, header + flag))
            if not following:
                return
            counter, chunk = counter + 1, following


def _read_header(handle: IO[bytes]) -> tuple[bytes, int, int, int, int, bytes, bytes]:
    header = handle.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
        raise CannotDecrypt("header")
    n, r, p, chunk = _PARAMS.unpack_from(header, len(MAGIC))
    if not (1 < n <= MAX_N and n & (n - 1) == 0 and 0 < r <= MAX_R and 0 < p <= MAX_P):
        raise CannotDecrypt("scrypt parameters")
    if not 0 < chunk <= MAX_CHUNK:
        raise CannotDecrypt("chunk size")
    salt_at = len(MAGIC) + _PARAMS.size
    salt = header[salt_at : salt_at + SALT_BYTES]
    prefix = header[salt_at + SALT_BYTES :]
    return header, n, r, p, chunk, salt, prefix


def decrypt(source: Path, target: IO[bytes], passphrase: str) -> None:
    """Write the plain backup inside `source` to `target`; CannotDecrypt when the passphrase is
    wrong or the file was changed, cut short or extended (`target` then holds a part of it, for
    the caller to throw away)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    with Path(source).open("rb") as sealed:
        header, n, r, p, chunk, salt, prefix = _read_header(sealed)
        aead = AESGCM(_key(passphrase, salt, n, r, p))
        size = chunk + TAG_BYTES
        counter, current = 0, sealed.read(size)
        while True:
            following = sealed.read(size)
            flag = MORE if following else LAST
            if len(current) < TAG_BYTES or (following and len(current) != size):
                raise CannotDecrypt("cut short")
            try:
                target.write(aead.decrypt(_nonce(prefix, counter), current, header + flag))
            except InvalidTag:
                raise CannotDecrypt("tag") from None
            if not following:
                return
            counter, current = counter + 1, following

"""memberctl/db/crypt.py below the CLI: the STREAM format over many small chunks (the chunk
size is a module constant made small here), and every way a file can be tampered with."""

from __future__ import annotations

import io
import os
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memberctl.db import crypt

PASSPHRASE = "correct horse battery"


@pytest.fixture
def small_chunks(monkeypatch):
    """64-byte chunks and a cheap scrypt (the format stores both, so decrypt follows)."""
    monkeypatch.setattr(crypt, "CHUNK_SIZE", 64)
    monkeypatch.setattr(crypt, "SCRYPT_N", 2**4)


def _seal(tmp_path, plain: bytes, passphrase: str = PASSPHRASE) -> bytes:
    source = tmp_path / "plain"
    source.write_bytes(plain)
    out = io.BytesIO()
    crypt.encrypt(source, out, passphrase)
    return out.getvalue()


def _open(tmp_path, sealed: bytes, passphrase: str = PASSPHRASE) -> bytes:
    path = tmp_path / "sealed"
    path.write_bytes(sealed)
    out = io.BytesIO()
    crypt.decrypt(path, out, passphrase)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 128, 1000])
def test_round_trip_at_every_chunk_boundary(tmp_path, small_chunks, size):  # noqa: ARG001
    plain = os.urandom(size)
    sealed = _seal(tmp_path, plain)
    chunks = max(1, -(-size // 64))
    assert len(sealed) == crypt.HEADER_BYTES + size + chunks * crypt.TAG_BYTES
    assert _open(tmp_path, sealed) == plain


def test_the_header_holds_the_scrypt_parameters_salt_and_nonce_prefix(tmp_path):
    sealed = _seal(tmp_path, b"x" * 10)
    assert sealed.startswith(b"memberctl-encrypted-backup 1\n")
    n, r, p, chunk = crypt._PARAMS.unpack_from(sealed, len(crypt.MAGIC))
    assert (n, r, p, chunk) == (2**15, 8, 1, 1024 * 1024)
    again = _seal(tmp_path, b"x" * 10)
    assert sealed[45:69] != again[45:69]  # a fresh salt and nonce prefix every time
    assert sealed[69:] != again[69:]


def _tampered(sealed: bytes, where: str) -> bytes:
    body = crypt.HEADER_BYTES
    chunk = 64 + crypt.TAG_BYTES

    def flip(at: int) -> bytes:
        return sealed[:at] + bytes([sealed[at] ^ 0x01]) + sealed[at + 1 :]

    cases = {
        "flip in magic": lambda: flip(3),
        "flip in scrypt n": lambda: flip(len(crypt.MAGIC) + 3),
        "flip in chunk size": lambda: flip(len(crypt.MAGIC) + 15),
        "flip in salt": lambda: flip(50),
        "flip in nonce prefix": lambda: flip(65),
        "flip in first chunk": lambda: flip(body + 5),
        "flip in a middle chunk": lambda: flip(body + chunk + 30),
        "flip in the last tag": lambda: flip(len(sealed) - 1),
        "cut by one byte": lambda: sealed[:-1],
        "cut by a whole chunk": lambda: sealed[: -((len(sealed) - body) % chunk or chunk)],
        "cut at the end of the header": lambda: sealed[:body],
        "cut inside the header": lambda: sealed[: body - 1],
        "one byte appended": lambda: sealed + b"\x00",
        "a chunk appended again": lambda: sealed + sealed[body : body + chunk],
        "two chunks swapped": lambda: (
            sealed[:body]
            + sealed[body + chunk : body + 2 * chunk]
            + sealed[body : body + chunk]
            + sealed[body + 2 * chunk :]
        ),
        "the first chunk dropped": lambda: sealed[:body] + sealed[body + chunk :],
    }
    return cases[where]()


TAMPERING = [
    "flip in magic",
    "flip in scrypt n",
    "flip in chunk size",
    "flip in salt",
    "flip in nonce prefix",
    "flip in first chunk",
    "flip in a middle chunk",
    "flip in the last tag",
    "cut by one byte",
    "cut by a whole chunk",
    "cut at the end of the header",
    "cut inside the header",
    "one byte appended",
    "a chunk appended again",
    "two chunks swapped",
    "the first chunk dropped",
]


@pytest.mark.parametrize("where", TAMPERING)
def test_any_change_to_the_file_is_detected(tmp_path, small_chunks, where):  # noqa: ARG001
    sealed = _seal(tmp_path, os.urandom(64 * 4 + 10))  # five chunks, the last one short
    with pytest.raises(crypt.CannotDecrypt):
        _open(tmp_path, _tampered(sealed, where))


def test_cut_at_a_chunk_boundary_of_a_whole_number_of_chunks(tmp_path, small_chunks):  # noqa: ARG001
    """Four full chunks, the last one dropped: the third is now last but was sealed as 'more'."""
    sealed = _seal(tmp_path, os.urandom(64 * 4))
    with pytest.raises(crypt.CannotDecrypt):
        _open(tmp_path, sealed[: -(64 + crypt.TAG_BYTES)])


def test_a_wrong_passphrase_is_detected(tmp_path, small_chunks):  # noqa: ARG001
    sealed = _seal(tmp_path, b"members" * 100)
    with pytest.raises(crypt.CannotDecrypt):
        _open(tmp_path, sealed, "correct horse batterY")


def test_a_hostile_header_cannot_ask_for_huge_scrypt_work(tmp_path, small_chunks):  # noqa: ARG001
    sealed = bytearray(_seal(tmp_path, b"abc"))
    sealed[len(crypt.MAGIC) : len(crypt.MAGIC) + 4] = (2**30).to_bytes(4, "big")
    with pytest.raises(crypt.CannotDecrypt):
        _open(tmp_path, bytes(sealed))


def test_encrypting_streams_in_bounded_memory(tmp_path):
    """32 MiB through the real 1 MiB chunks: Python holds a few chunks at a time, never the
    file (tracemalloc sees the chunks' bytes; scrypt's 32 MiB is OpenSSL's, not counted)."""
    source = tmp_path / "big"
    with source.open("wb") as out:
        for _ in range(32):
            out.write(os.urandom(1024 * 1024))
    sealed = tmp_path / "big.enc"
    tracemalloc.start()
    try:
        with sealed.open("wb") as out:
            crypt.encrypt(source, out, PASSPHRASE)
        with (tmp_path / "big.out").open("wb") as out:
            crypt.decrypt(sealed, out, PASSPHRASE)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 6 * 1024 * 1024, peak
    assert sealed.stat().st_size == crypt.HEADER_BYTES + 32 * (1024 * 1024 + crypt.TAG_BYTES)
    assert (tmp_path / "big.out").read_bytes() == source.read_bytes()


def test_passphrase_rules(tmp_path):
    from memberctl.errors import InvalidInput, NotFound

    assert crypt.check_passphrase("12345678") == "12345678"
    for short in ["", "1234567"]:
        with pytest.raises(InvalidInput):
            crypt.check_passphrase(short)
    file = tmp_path / "pass"
    file.write_bytes("长城长城 passphrase\r\nsecond line\n".encode())
    assert crypt.read_passphrase_file(file) == "长城长城 passphrase"
    file.write_bytes(b"\n")
    with pytest.raises(InvalidInput):
        crypt.read_passphrase_file(file)
    with pytest.raises(NotFound):
        crypt.read_passphrase_file(tmp_path / "missing")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plain=st.binary(max_size=400),
    edit=st.one_of(
        st.tuples(st.just("flip"), st.integers(min_value=0), st.integers(1, 255)),
        st.tuples(st.just("cut"), st.integers(min_value=1), st.just(0)),
        st.tuples(st.just("append"), st.integers(1, 100), st.just(0)),
    ),
)
def test_property_no_edit_of_the_file_decrypts(tmp_path, small_chunks, plain, edit):  # noqa: ARG001
    """Any changed byte (any position, any bit pattern), any cut and any appendix fails."""
    sealed = _seal(tmp_path, plain)
    kind, at, mask = edit
    if kind == "flip":
        at %= len(sealed)
        changed = sealed[:at] + bytes([sealed[at] ^ mask]) + sealed[at + 1 :]
    elif kind == "cut":
        changed = sealed[: len(sealed) - 1 - (at % len(sealed))]
    else:
        changed = sealed + bytes(at)
    with pytest.raises(crypt.CannotDecrypt):
        _open(tmp_path, changed)

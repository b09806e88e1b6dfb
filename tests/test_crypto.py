"""core.crypto: AES-256-GCM envelope encryption of secrets at rest under a master key."""

from __future__ import annotations

import base64
import os
import secrets
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from core.crypto import MasterKey, SecretStoreError, open_with, seal_with

AAD = "issuer-key:7:kid-abc"
SECRET = b'{"kty":"EC","d":"very-secret"}'


@pytest.fixture
def master() -> MasterKey:
    return MasterKey(secrets.token_bytes(32))


@pytest.fixture
def umask_zero() -> Iterator[None]:
    """Show that the 0600/0700 modes are explicit, not an effect of the process umask."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_seal_open_roundtrip(master: MasterKey) -> None:
    blob = master.seal(SECRET, AAD)
    assert master.open(blob, AAD) == SECRET
    assert SECRET not in blob


def test_seal_is_randomised(master: MasterKey) -> None:
    assert master.seal(SECRET, AAD) != master.seal(SECRET, AAD)


def test_seal_open_empty_plaintext(master: MasterKey) -> None:
    assert master.open(master.seal(b"", AAD), AAD) == b""


def test_wrong_aad_fails(master: MasterKey) -> None:
    blob = master.seal(SECRET, AAD)
    with pytest.raises(SecretStoreError):
        master.open(blob, "issuer-key:8:kid-abc")  # the blob copied to another row


@pytest.mark.parametrize("offset", [1 + 8 + 5, 1 + 8 + 12 + 5, 1 + 8 + 12 + 48 + 5, -1])
def test_tampered_blob_fails(master: MasterKey, offset: int) -> None:
    blob = bytearray(master.seal(SECRET, AAD))
    blob[offset] ^= 0x01
    with pytest.raises(SecretStoreError) as caught:
        master.open(bytes(blob), AAD)
    assert "another master key" not in str(caught.value)


def test_wrong_master_key_reports_another_master_key(master: MasterKey) -> None:
    blob = master.seal(SECRET, AAD)
    with pytest.raises(SecretStoreError, match="another master key"):
        MasterKey(secrets.token_bytes(32)).open(blob, AAD)


@pytest.mark.parametrize("length", [0, 1, 1 + 8 + 12 + 48, 1 + 8 + 12 + 48 + 12 + 15])
def test_truncated_blob_fails(master: MasterKey, length: int) -> None:
    blob = master.seal(SECRET, AAD)
    with pytest.raises(SecretStoreError, match="truncated"):
        master.open(blob[:length], AAD)


def test_truncated_ciphertext_fails_its_integrity_check(master: MasterKey) -> None:
    blob = master.seal(SECRET, AAD)
    with pytest.raises(SecretStoreError):
        master.open(blob[:-1], AAD)


def test_unknown_version_fails(master: MasterKey) -> None:
    blob = master.seal(SECRET, AAD)
    with pytest.raises(SecretStoreError, match="version"):
        master.open(b"\x02" + blob[1:], AAD)


def test_seal_with_data_key_roundtrip_and_wrong_aad() -> None:
    data_key = secrets.token_bytes(32)
    blob = seal_with(data_key, SECRET, AAD)
    assert open_with(data_key, blob, AAD) == SECRET
    with pytest.raises(SecretStoreError):
        open_with(data_key, blob, AAD + "x")
    with pytest.raises(SecretStoreError):
        open_with(secrets.token_bytes(32), blob, AAD)


def test_master_key_repr_shows_no_key() -> None:
    raw = secrets.token_bytes(32)
    key = MasterKey(raw)
    for shown in (repr(key), str(key)):
        assert raw.hex() not in shown
        assert base64.urlsafe_b64encode(raw).decode().rstrip("=") not in shown
    assert repr(key) == f"MasterKey(id={key.key_id.hex()})"


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_master_key_must_be_32_bytes(size: int) -> None:
    with pytest.raises(SecretStoreError):
        MasterKey(bytes(size))


def test_master_key_from_text_accepts_padded_and_unpadded_base64url() -> None:
    raw = secrets.token_bytes(32)
    padded = base64.urlsafe_b64encode(raw).decode()
    assert MasterKey.from_text(padded).key_id == MasterKey(raw).key_id
    assert MasterKey.from_text(padded.rstrip("=") + "\n").key_id == MasterKey(raw).key_id


@pytest.mark.parametrize("text", ["", "c2hvcnQ", "é" * 43])
def test_master_key_from_text_rejects_bad_text(text: str) -> None:
    with pytest.raises(SecretStoreError):
        MasterKey.from_text(text)


def test_key_file_created_with_mode_0600(tmp_path: Path, umask_zero: None) -> None:
    path = tmp_path / "state" / "master.key"
    key = MasterKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert MasterKey.from_text(path.read_text()).key_id == key.key_id


def test_key_file_is_reused(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    first = MasterKey.load_or_create(path)
    content = path.read_bytes()
    second = MasterKey.load_or_create(path)
    assert second.key_id == first.key_id
    assert path.read_bytes() == content
    assert second.open(first.seal(SECRET, AAD), AAD) == SECRET


def test_existing_key_file_is_never_overwritten(tmp_path: Path) -> None:
    raw = secrets.token_bytes(32)
    path = tmp_path / "master.key"
    path.write_text(base64.urlsafe_b64encode(raw).decode())
    path.chmod(0o640)
    loaded = MasterKey.load_or_create(path)
    assert loaded.key_id == MasterKey(raw).key_id
    assert path.read_text() == base64.urlsafe_b64encode(raw).decode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the operator's choice is left alone


def test_corrupt_key_file_is_reported_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_text("c2hvcnQ")
    with pytest.raises(SecretStoreError):
        MasterKey.load_or_create(path)
    assert path.read_text() == "c2hvcnQ"


def test_processes_starting_together_share_one_new_key_file(tmp_path: Path) -> None:
    """Each creator links a whole file into place: none reads a half-written key."""
    path = tmp_path / "master.key"
    barrier = threading.Barrier(16)

    def start() -> bytes:
        barrier.wait()
        return MasterKey.load_or_create(path).key_id

    with ThreadPoolExecutor(16) as pool:
        key_ids = list(pool.map(lambda _: start(), range(16)))
    assert len(set(key_ids)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]


def test_master_key_from_text_refuses_characters_outside_base64url() -> None:
    """Read by ``core.b64url``: a stray character is refused, not skipped."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    with pytest.raises(SecretStoreError):
        MasterKey.from_text(text[:20] + "!" + text[20:])

"""Secrets at rest: AES-256-GCM envelope encryption under a master key.

Each secret is sealed under a fresh 256-bit data key, and the data key is wrapped under the
master key (both AES-256-GCM from ``cryptography``). The associated data names what the blob is
(e.g. ``issuer-key:<issuer id>:<kid>``), so a blob copied to another row does not open.

Blob layout (version 1): ``b"\\x01" | master key id (8) | wrap nonce (12) | wrapped data key (48)
| nonce (12) | ciphertext+tag``. The master key id is a hash prefix, so a wrong master key is
reported as such rather than as corrupt data.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core import b64url
from core.errors import IntygError
from core.files import write_whole

_VERSION = b"\x01"
_HEADER = 1 + 8 + 12 + 48 + 12


class SecretStoreError(IntygError):
    code = "secret_store_error"
    status = 500
    title = "A secret at rest could not be opened"


class MasterKey:
    """The key-encryption key. Its ``repr`` shows only its id."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise SecretStoreError("the master key must be 32 bytes")
        self._aead = AESGCM(key)
        self._hkdf_input = key
        self._derived: dict[bytes, bytes] = {}
        self.key_id = hashlib.sha256(b"intyg-master-key-id" + key).digest()[:8]

    def derive(self, purpose: bytes) -> bytes:
        """A 32-byte key for one ``purpose`` (HKDF-SHA256, RFC 5869): the same on every
        instance that shares the master key, and useless for any other purpose."""
        derived = self._derived.get(purpose)
        if derived is None:
            hkdf = HKDF(hashes.SHA256(), length=32, salt=None, info=b"intyg:" + purpose)
            derived = self._derived[purpose] = hkdf.derive(self._hkdf_input)
        return derived

    def __repr__(self) -> str:
        return f"MasterKey(id={self.key_id.hex()})"

    @staticmethod
    def from_text(text: str) -> MasterKey:
        try:  # the file holds the key as urlsafe_b64encode writes it: padded
            raw = b64url.decode(text.strip().rstrip("="))
        except b64url.B64urlRejected:
            raise SecretStoreError("the master key is not base64url") from None
        return MasterKey(raw)

    @staticmethod
    def load_or_create(path: Path) -> MasterKey:
        """Read the key file; create it (mode 0600, never overwritten) on first run.

        The new key is moved into place whole (``core.files``), so a process that starts at
        the same moment reads either no file or the whole key, and one key wins.
        """
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            key = base64.urlsafe_b64encode(secrets.token_bytes(32))
            write_whole(path, key, exclusive=True)  # False: another process won; read theirs
        return MasterKey.from_text(path.read_text())

    def wrap(self, data_key: bytes, aad: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return self.key_id + nonce + self._aead.encrypt(nonce, data_key, aad)

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytes:
        if wrapped[:8] != self.key_id:
            raise SecretStoreError("the secret was sealed under another master key")
        try:
            return self._aead.decrypt(wrapped[8:20], wrapped[20:], aad)
        except InvalidTag:
            raise SecretStoreError("a wrapped key failed its integrity check") from None

    def seal(self, plaintext: bytes, aad: str) -> bytes:
        """Encrypt under a fresh data key wrapped by this master key."""
        data_key = AESGCM.generate_key(bit_length=256)
        return _VERSION + self.wrap(data_key, aad.encode()) + seal_with(data_key, plaintext, aad)

    def open(self, blob: bytes, aad: str) -> bytes:
        if len(blob) < _HEADER + 16 or blob[:1] != _VERSION:
            raise SecretStoreError("the sealed secret is truncated or of an unknown version")
        data_key = self.unwrap(blob[1 : 1 + 8 + 12 + 48], aad.encode())
        return open_with(data_key, blob[1 + 8 + 12 + 48 :], aad)


def seal_with(data_key: bytes, plaintext: bytes, aad: str) -> bytes:
    """Encrypt with a data key the caller holds (e.g. a holder's unwrapped data key)."""
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext, aad.encode())


def open_with(data_key: bytes, blob: bytes, aad: str) -> bytes:
    try:
        return AESGCM(data_key).decrypt(blob[:12], blob[12:], aad.encode())
    except InvalidTag:
        raise SecretStoreError("a sealed secret failed its integrity check") from None

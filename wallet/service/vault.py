"""Per-holder envelope encryption: each holder's data is sealed under their own data key,
which is wrapped by the master key (``core.crypto``). Deleting the holder's row deletes the
wrapped key, so nothing sealed under it can be opened again (crypto-shredding)."""

from __future__ import annotations

import secrets

from core.crypto import open_with, seal_with
from core.runtime import Runtime
from wallet.models import WalletHolder


def new_data_key() -> bytes:
    return secrets.token_bytes(32)


def wrap_data_key(rt: Runtime, holder_id: str, data_key: bytes) -> bytes:
    return rt.master_key.wrap(data_key, f"wallet-holder-key:{holder_id}".encode())


def data_key(rt: Runtime, holder: WalletHolder) -> bytes:
    return rt.master_key.unwrap(holder.wrapped_data_key, f"wallet-holder-key:{holder.id}".encode())


def seal(rt: Runtime, holder: WalletHolder, plaintext: bytes, aad: str) -> bytes:
    return seal_with(data_key(rt, holder), plaintext, f"{holder.id}:{aad}")


def open_sealed(rt: Runtime, holder: WalletHolder, blob: bytes, aad: str) -> bytes:
    return open_with(data_key(rt, holder), blob, f"{holder.id}:{aad}")

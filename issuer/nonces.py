"""Stateless ``c_nonce`` values (OpenID4VCI 1.0 §7): minted without a database write, checked
by their MAC and expiry, and still spent only once.

A nonce is base64url of ``expires_at`` (8 bytes, big-endian) ‖ 16 random bytes ‖ a tag: the
first 16 bytes of HMAC-SHA256, under a key derived from the master key, over the issuer's id
and the bytes before it. So every instance that shares the master key can check a nonce any
other minted, a nonce of one issuer is not one of another's, and none can be forged or have
its lifetime stretched. Single use stays in the database: the credential request that spends
a nonce records its hash (``issuer_nonce``, primary key) in the same transaction as the
credentials it issues, so a replay on any instance is refused (``repository.spend_nonce``).
"""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives import constant_time, hashes, hmac

from core import b64url
from core.runtime import Runtime
from core.standards import oid4vci

_RANDOM, _TAG = 16, 16
_LENGTH = 8 + _RANDOM + _TAG


def mint(rt: Runtime, issuer_id: str, now: int) -> str:
    body = (now + rt.settings.c_nonce_ttl_seconds).to_bytes(8, "big") + secrets.token_bytes(_RANDOM)
    return b64url.encode(body + _tag(rt, issuer_id, body))


def check(rt: Runtime, issuer_id: str, value: str, now: int) -> int:
    """The nonce's expiry, if ``value`` is a live nonce this issuer minted; else
    ``invalid_nonce``. Whether it was spent already is the caller's (database) question."""
    try:
        raw = b64url.decode(value)
    except b64url.B64urlRejected:
        raw = b""
    if len(raw) != _LENGTH or not constant_time.bytes_eq(
        raw[-_TAG:], _tag(rt, issuer_id, raw[:-_TAG])
    ):
        raise oid4vci.InvalidNonce("the c_nonce is unknown, used or expired; get a new one")
    expires_at = int.from_bytes(raw[:8], "big")
    if expires_at <= now:
        raise oid4vci.InvalidNonce("the c_nonce is unknown, used or expired; get a new one")
    return expires_at


def _tag(rt: Runtime, issuer_id: str, body: bytes) -> bytes:
    mac = hmac.HMAC(rt.master_key.derive(b"issuer c_nonce"), hashes.SHA256())
    mac.update(issuer_id.encode() + b"\0" + body)
    return mac.finalize()[:_TAG]

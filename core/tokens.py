"""Opaque secrets (API keys, codes, access tokens, nonces) and how they are kept: as hashes.

They are 256-bit random values, so a plain SHA-256 is a sufficient one-way store (no
password-hashing cost is needed for high-entropy secrets); comparison is by hash lookup.
"""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def new_numeric_code(digits: int = 6) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(digits))

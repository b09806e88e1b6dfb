"""Disclosures (RFC 9901 §4.2): the vocabulary of digests in a payload, the digest of a
Disclosure (§4.2.3) and the strict decoding of one (§4.2.1, §4.2.2)."""

from __future__ import annotations

import hashlib
from typing import Final, NamedTuple

from core import b64url, jose, jsontext
from core.standards.sd_jwt.errors import MalformedDisclosure, ReservedClaimName

SD_DIGESTS_KEY: Final = "_sd"
ARRAY_DIGEST_KEY: Final = "..."
SD_ALG_KEY: Final = "_sd_alg"
SD_ALG_SHA256: Final = "sha-256"
SALT_BYTES: Final = 16  # §9.5: 128 bits of entropy
RESERVED_CLAIM_NAMES: Final = frozenset({SD_DIGESTS_KEY, ARRAY_DIGEST_KEY})

ClaimPath = tuple[str | int, ...]


def disclosure_digest(encoded: bytes) -> str:
    """§4.2.3: base64url(sha-256(US-ASCII bytes of the base64url Disclosure))."""
    return b64url.encode(hashlib.sha256(encoded).digest())


class Disclosure(NamedTuple):
    """A decoded Disclosure; ``name`` is ``None`` for an array element (§4.2.2)."""

    encoded: str
    digest: str
    salt: str
    name: str | None
    value: object


def decode_disclosure(encoded: str) -> Disclosure:
    """§4.2.1/§4.2.2, strictly: base64url, UTF-8 JSON array of 3 or 2, salt a string."""
    if not isinstance(encoded, str) or not encoded:
        raise MalformedDisclosure("a disclosure is a non-empty string")
    try:
        data = b64url.decode(encoded)
    except b64url.B64urlRejected as exc:
        raise MalformedDisclosure(f"a disclosure is not base64url: {exc}") from None
    try:
        content = jsontext.loads(
            data, decoder=jsontext.UNIQUE_MEMBERS, max_bytes=jose.MAX_TOKEN_BYTES
        )
    except jsontext.JsonRejected as exc:
        raise MalformedDisclosure(f"a disclosure is not JSON: {exc}") from None
    if not isinstance(content, list) or len(content) not in (2, 3):
        raise MalformedDisclosure("a disclosure is a JSON array of 3 (or 2) elements")
    if not isinstance(content[0], str):
        raise MalformedDisclosure("a disclosure's salt is a string")
    if len(content) == 2:
        return Disclosure(
            encoded, disclosure_digest(encoded.encode("ascii")), content[0], None, content[1]
        )
    name = content[1]
    if not isinstance(name, str):
        raise MalformedDisclosure("a disclosure's claim name is a string")
    if name in RESERVED_CLAIM_NAMES:
        raise ReservedClaimName(f"a disclosure names the reserved claim {name!r}")
    return Disclosure(
        encoded, disclosure_digest(encoded.encode("ascii")), content[0], name, content[2]
    )

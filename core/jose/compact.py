"""Compact JWS (RFC 7515 §7.1): sign with an explicit ``typ``; parse strictly; verify with the
caller's algorithms, ``typ`` and key (the checks are listed in ``core.jose``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from core.jose.encoding import (
    MAX_TOKEN_BYTES,
    JsonObject,
    b64url_decode,
    b64url_encode,
    compact_json,
    json_object,
)
from core.jose.errors import (
    AlgorithmNotAllowed,
    BadSignature,
    KeyMismatch,
    MalformedJws,
    TypeMismatch,
    UnsupportedCritical,
)
from core.jose.keys import ALLOWED_ALGORITHMS, KNOWN_ALGORITHMS, PrivateKey, PublicKey

MAX_HEADER_BYTES: Final = 8 * 1024


def sign(
    payload: Mapping[str, object],
    key: PrivateKey,
    *,
    typ: str,
    header: Mapping[str, object] | None = None,
    include_kid: bool = True,
) -> str:
    """Sign ``payload`` as a compact JWS with explicit ``typ``; ``kid`` is the thumbprint."""
    if header:
        protected: JsonObject = {"alg": key.alg, "typ": typ}
        if include_kid:
            protected["kid"] = key.kid
        protected.update(header)
        encoded_header = b64url_encode(compact_json(protected))
    else:
        encoded_header = _plain_header(key.alg, typ, key.kid if include_kid else None)
    signing_input = f"{encoded_header}.{b64url_encode(compact_json(payload))}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode()))}"


@lru_cache(maxsize=1024)  # a pure function of its arguments, like ``keys._public_from_members``
def _plain_header(alg: str, typ: str, kid: str | None) -> str:
    protected: JsonObject = {"alg": alg, "typ": typ}
    if kid is not None:
        protected["kid"] = kid
    return b64url_encode(compact_json(protected))


@dataclass(frozen=True)
class Jws:
    """A parsed (not yet verified, unless returned by ``verify``) compact JWS."""

    header: JsonObject
    payload: JsonObject
    signing_input: bytes
    signature: bytes
    token: str


def parse(token: str, *, max_bytes: int = MAX_TOKEN_BYTES) -> Jws:
    """Split and decode a compact JWS whose payload is a JSON object. No checks of trust."""
    if not isinstance(token, str) or not token.isascii():
        raise MalformedJws("the token must be an ASCII string")
    if len(token) > max_bytes:
        raise MalformedJws(f"the token is larger than {max_bytes} bytes")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedJws("a compact JWS has exactly three dot-separated parts")
    header_b64, payload_b64, signature_b64 = parts
    if len(header_b64) > MAX_HEADER_BYTES:
        raise MalformedJws("the protected header is too large")
    header = json_object(b64url_decode(header_b64), "protected header")
    payload = json_object(b64url_decode(payload_b64), "payload")
    signature = b64url_decode(signature_b64)
    return Jws(header, payload, f"{header_b64}.{payload_b64}".encode(), signature, token)


#: The key a header names; or, for a header that names none (no ``kid``), the candidates the
#: signature then chooses among (bounded by whoever picks them).
Keys = PublicKey | Sequence[PublicKey]
KeyResolver = Callable[[Mapping[str, object]], Keys]


def verify(
    token: str | Jws,
    key: Keys | KeyResolver,
    *,
    typ: str | None,
    algorithms: frozenset[str] = ALLOWED_ALGORITHMS,
    understood_crit: frozenset[str] = frozenset(),
) -> Jws:
    """Verify a compact JWS; return it parsed, or raise the ``JoseError`` of the failed check.

    Given several candidate keys, the token verifies if one of them fits its ``alg`` and
    verifies its signature; if none does, it is ``BadSignature``, as with one wrong key."""
    jws = parse(token) if isinstance(token, str) else token
    alg = check_header(jws.header, typ=typ, algorithms=algorithms, understood_crit=understood_crit)
    found = key(jws.header) if callable(key) else key
    if isinstance(found, PublicKey):
        if found.alg != alg:
            raise KeyMismatch(f"the token says {alg} but the key is for {found.alg}")
        found.verify(jws.signature, jws.signing_input)
        return jws
    for candidate in found:
        if candidate.alg != alg:
            continue
        try:
            candidate.verify(jws.signature, jws.signing_input)
        except BadSignature:
            continue
        return jws
    raise BadSignature(f"none of the {len(found)} candidate keys verifies the signature")


def check_header(
    header: Mapping[str, object],
    *,
    typ: str | None,
    algorithms: frozenset[str] = ALLOWED_ALGORITHMS,
    understood_crit: frozenset[str] = frozenset(),
) -> str:
    """The checks that come before any key is touched; returns the accepted ``alg``.

    ``typ=None`` is for a format that registers no media type of its own (an ETSI TS 119 602
    list): the header then carries no ``typ``, or only a generic one that names no kind of
    token (``JWT``, RFC 7519 §5.1; ``JOSE``, RFC 7515 §4.1.9). The caller must then tell the
    token from others by its payload."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms or alg not in KNOWN_ALGORITHMS:
        raise AlgorithmNotAllowed(f"the algorithm {alg!r} is not allowed here")
    if not _typ_matches(header.get("typ"), typ):
        raise TypeMismatch(f"expected typ {typ!r}, got {header.get('typ')!r}")
    if "crit" in header:
        crit = header["crit"]
        if not isinstance(crit, list) or not crit or not all(isinstance(c, str) for c in crit):
            raise UnsupportedCritical("crit must be a non-empty list of header names")
        unknown = [c for c in crit if c not in understood_crit or c not in header]
        if unknown:
            raise UnsupportedCritical(f"critical header parameters not understood: {unknown}")
    return alg


#: ``typ`` values that say only "a JWS/JWT", not which kind (RFC 7519 §5.1, RFC 7515 §4.1.9).
GENERIC_TYPES: Final = ("JWT", "JOSE")


def _typ_matches(actual: object, expected: str | None) -> bool:
    if expected is None:
        return actual is None or any(same_type(actual, generic) for generic in GENERIC_TYPES)
    return same_type(actual, expected)


def same_type(actual: object, expected: str) -> bool:
    """RFC 7515 §4.1.9: media types compare case-insensitively, ``application/`` optional."""
    if not isinstance(actual, str):
        return False
    a, e = actual.lower(), expected.lower()
    return a.removeprefix("application/") == e.removeprefix("application/")

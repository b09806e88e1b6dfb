"""The Key Binding JWT (RFC 9901 §4.3): made by the holder over a presentation, verified by
the verifier (§7.3) with the holder key, ``typ``, ``iat``, ``aud``, ``nonce`` and ``sd_hash``."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from core import jose
from core.standards.sd_jwt.compact import SEPARATOR, SdJwt, split
from core.standards.sd_jwt.disclosures import disclosure_digest
from core.standards.sd_jwt.errors import (
    KbJwtAudienceMismatch,
    KbJwtIatInFuture,
    KbJwtIatInvalid,
    KbJwtMissing,
    KbJwtNonceMismatch,
    KbJwtSdHashMismatch,
    KbJwtTooOld,
    KbJwtUnexpected,
)

SD_HASH_KEY: Final = "sd_hash"
TYP_KB_JWT: Final = "kb+jwt"


def compute_sd_hash(sd_jwt: str) -> str:
    """§4.3.1: the ``sd_hash`` of ``<Issuer-signed JWT>~<D.1>~...~<D.N>~``."""
    return disclosure_digest(sd_jwt.encode("ascii"))


def make_kb_jwt(sd_jwt: str, holder_key: jose.PrivateKey, *, aud: str, nonce: str, iat: int) -> str:
    """§4.3: the KB-JWT over ``sd_jwt`` (``<JWT>~<D.1>~...~<D.N>~``, without a KB-JWT)."""
    if not sd_jwt.endswith(SEPARATOR):
        raise KbJwtUnexpected("key binding needs an SD-JWT that ends with '~'")
    split(sd_jwt)  # the structure must be sound before the holder signs over it
    payload: dict[str, object] = {
        "iat": iat,
        "aud": aud,
        "nonce": nonce,
        SD_HASH_KEY: compute_sd_hash(sd_jwt),
    }
    return jose.sign(payload, holder_key, typ=TYP_KB_JWT, include_kid=False)


def add_key_binding(
    sd_jwt: str, holder_key: jose.PrivateKey, *, aud: str, nonce: str, iat: int
) -> str:
    """The SD-JWT+KB: ``sd_jwt`` followed by its KB-JWT."""
    return sd_jwt + make_kb_jwt(sd_jwt, holder_key, aud=aud, nonce=nonce, iat=iat)


@dataclass(frozen=True)
class KbExpectations:
    """What the verifier expects of a KB-JWT; times in seconds since the epoch."""

    aud: str
    nonce: str
    now: int
    max_age: int = 300
    leeway: int = 60


def verify_kb_jwt(
    presentation: str | SdJwt,
    holder_key: jose.PublicKey,
    *,
    expected_aud: str,
    expected_nonce: str,
    now: int,
    max_age: int = 300,
    leeway: int = 60,
    algorithms: frozenset[str] = jose.ALLOWED_ALGORITHMS,
) -> dict[str, object]:
    """§7.3: verify the KB-JWT of an SD-JWT+KB; return its claims or raise.

    ``typ``, the algorithm allow-list and the signature are checked by ``core.jose`` (its
    ``JoseError`` propagates); the claims here, each with its own error.
    """
    parts = presentation if isinstance(presentation, SdJwt) else split(presentation)
    if parts.kb_jwt is None:
        raise KbJwtMissing("the presentation ends with '~' and carries no key binding JWT")
    claims = jose.verify(parts.kb_jwt, holder_key, typ=TYP_KB_JWT, algorithms=algorithms).payload
    _check_kb_claims(claims, KbExpectations(expected_aud, expected_nonce, now, max_age, leeway))
    expected_hash = compute_sd_hash(parts.without_kb)
    sd_hash = claims.get(SD_HASH_KEY)
    if not isinstance(sd_hash, str) or not hmac.compare_digest(
        sd_hash.encode("utf-8"), expected_hash.encode("ascii")
    ):
        raise KbJwtSdHashMismatch("sd_hash does not match the presented SD-JWT and disclosures")
    return claims


def _check_kb_claims(claims: Mapping[str, object], expected: KbExpectations) -> None:
    aud = claims.get("aud")
    if not isinstance(aud, str) or aud != expected.aud:
        raise KbJwtAudienceMismatch("the aud claim is not this verifier")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or nonce != expected.nonce:
        raise KbJwtNonceMismatch("the nonce claim is not the one this verifier issued")
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise KbJwtIatInvalid("the iat claim is missing or not a number")
    if iat > expected.now + expected.leeway:
        raise KbJwtIatInFuture(f"iat is {int(iat - expected.now)} s in the future")
    if iat < expected.now - expected.max_age - expected.leeway:
        raise KbJwtTooOld(f"iat is {int(expected.now - iat)} s old (max {expected.max_age} s)")

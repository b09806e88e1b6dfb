"""Key attestations, OpenID for Verifiable Credential Issuance 1.0 (final), Appendix D.

https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#appendix-D — a
wallet provider's signed statement about the holder keys of a wallet:

- D.1: a JWT with ``typ: key-attestation+jwt``, signed by the provider (here: a key of an entry
  of kind ``wallet_provider`` on the issuer's trust list, ``core.standards.trust_list``), with
  ``iat``, optional ``exp``, ``attested_keys`` (the public JWKs it vouches for), and
  ``key_storage`` / ``user_authentication``: arrays of attack potential resistance values.
- D.2: those values, from ISO/IEC 18045's attack potential scale (VAN.2 to VAN.5):
  ``iso_18045_basic`` < ``iso_18045_enhanced-basic`` < ``iso_18045_moderate`` <
  ``iso_18045_high``.
- F.1: it travels in the ``key_attestation`` header of a key proof, whose key must be one of
  ``attested_keys``; §12.2.4 ``key_attestations_required`` in the issuer's metadata lists the
  values the issuer accepts. A proof that does not meet them is ``invalid_proof`` (§8.3.1.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from core import jose
from core.standards.oid4vci import InvalidProof
from core.standards.trust_list import TrustList

TYP_KEY_ATTESTATION: Final = "key-attestation+jwt"
HEADER: Final = "key_attestation"  # F.1: the proof's JOSE header parameter
KEY_STORAGE: Final = "key_storage"
USER_AUTHENTICATION: Final = "user_authentication"
# D.2, lowest to highest.
BASIC: Final = "iso_18045_basic"
ENHANCED_BASIC: Final = "iso_18045_enhanced-basic"
MODERATE: Final = "iso_18045_moderate"
HIGH: Final = "iso_18045_high"
LEVELS: Final = (BASIC, ENHANCED_BASIC, MODERATE, HIGH)
MAX_ATTESTED_KEYS: Final = 64

_PLAIN: Final = {
    KEY_STORAGE: "keeps its keys",
    USER_AUTHENTICATION: "checks that it is you",
}


class KeyAttestationInsufficient(InvalidProof):
    """§8.3.1.2 ``invalid_proof``: the key attestation is missing, not trusted, or attests
    less than the issuer requires; the description is a sentence for the learner."""

    title = "The wallet's key attestation does not meet the issuer's requirements"


@dataclass(frozen=True)
class Requirement:
    """The lowest D.2 level an issuer accepts for each property (None: no requirement)."""

    key_storage: str | None = None
    user_authentication: str | None = None

    def __post_init__(self) -> None:
        for level in (self.key_storage, self.user_authentication):
            if level is not None and level not in LEVELS:
                raise ValueError(f"{level!r} is not one of {LEVELS}")

    def metadata(self) -> dict[str, list[str]]:
        """§12.2.4 ``key_attestations_required``: the values accepted (the minimum and up)."""
        out: dict[str, list[str]] = {}
        if self.key_storage is not None:
            out[KEY_STORAGE] = list(LEVELS[LEVELS.index(self.key_storage) :])
        if self.user_authentication is not None:
            out[USER_AUTHENTICATION] = list(LEVELS[LEVELS.index(self.user_authentication) :])
        return out


@dataclass(frozen=True)
class KeyAttestation:
    provider: str
    key_storage: tuple[str, ...]
    user_authentication: tuple[str, ...]


def make(
    provider_key: jose.PrivateKey,
    *,
    provider: str,
    attested_keys: Sequence[jose.PublicKey],
    iat: int,
    exp: int,
    key_storage: Sequence[str],
    user_authentication: Sequence[str],
    nonce: str | None = None,
) -> str:
    """D.1: the provider's statement about ``attested_keys``."""
    payload: dict[str, object] = {
        "iss": provider,
        "iat": iat,
        "exp": exp,
        "attested_keys": [dict(k.jwk) for k in attested_keys],
        KEY_STORAGE: list(key_storage),
        USER_AUTHENTICATION: list(user_authentication),
    }
    if nonce is not None:
        payload["nonce"] = nonce
    return jose.sign(payload, provider_key, typ=TYP_KEY_ATTESTATION)


def verify(
    token: object,
    *,
    trusted: TrustList | None,
    holder_key: jose.PublicKey,
    requirement: Requirement,
    now: int,
    skew: int,
) -> KeyAttestation:
    """D.1 and F.1 checks, then the levels against ``requirement``: the attestation, or
    ``KeyAttestationInsufficient`` with a sentence the learner can understand."""
    if not isinstance(token, str):
        raise KeyAttestationInsufficient(
            "This issuer only issues to wallets that prove how they protect their keys (a key "
            "attestation), and your wallet did not send one."
        )
    try:
        parsed = jose.parse(token)
        iss = parsed.payload.get("iss")
        provider = trusted.wallet_provider(iss) if trusted and isinstance(iss, str) else None
        if provider is None:
            raise KeyAttestationInsufficient(
                "This issuer does not know the provider of your wallet, so it cannot trust "
                "what your wallet says about how it protects your keys."
            )
        jose.verify(parsed, list(provider.keys), typ=TYP_KEY_ATTESTATION)
    except jose.JoseError as exc:
        raise KeyAttestationInsufficient(
            f"the key attestation is not valid: {exc.detail}"
        ) from None
    claims = parsed.payload
    _check_time(claims, now, skew)
    _check_attested(claims.get("attested_keys"), holder_key)
    found = KeyAttestation(
        provider.id, _levels(claims, KEY_STORAGE), _levels(claims, USER_AUTHENTICATION)
    )
    _meets(found.key_storage, requirement.key_storage, KEY_STORAGE)
    _meets(found.user_authentication, requirement.user_authentication, USER_AUTHENTICATION)
    return found


def _check_time(claims: Mapping[str, object], now: int, skew: int) -> None:
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or isinstance(iat, bool) or iat > now + skew:
        raise KeyAttestationInsufficient("the key attestation has no valid iat")
    if exp is not None and (not isinstance(exp, int) or exp <= now - skew):
        raise KeyAttestationInsufficient("the key attestation has expired")


def _check_attested(keys: object, holder_key: jose.PublicKey) -> None:
    if not isinstance(keys, list) or not 1 <= len(keys) <= MAX_ATTESTED_KEYS:
        raise KeyAttestationInsufficient("attested_keys must be a non-empty array of JWKs")
    for jwk in keys:
        if isinstance(jwk, Mapping) and jose.jwk_thumbprint(jwk) == holder_key.kid:
            return
    raise KeyAttestationInsufficient("the proof's key is not one of the attested_keys")


def _levels(claims: Mapping[str, object], name: str) -> tuple[str, ...]:
    value = claims.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KeyAttestationInsufficient(f"{name} must be an array of strings")
    return tuple(value)


def _meets(stated: tuple[str, ...], minimum: str | None, name: str) -> None:
    """D.2: one stated value at or above the minimum; unknown values count for nothing."""
    if minimum is None:
        return
    ranks = [LEVELS.index(v) for v in stated if v in LEVELS]
    if ranks and max(ranks) >= LEVELS.index(minimum):
        return
    best = LEVELS[max(ranks)] if ranks else "not stated"
    raise KeyAttestationInsufficient(
        f"This issuer requires a wallet that {_PLAIN[name]} with protection at level "
        f"{minimum}, but your wallet {_PLAIN[name]} at level {best} ({name}). Your credential "
        "was not issued; collect it with a wallet that meets this level, for example one "
        "that keeps its keys in a phone's secure hardware."
    )

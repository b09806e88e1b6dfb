"""OAuth 2.0 Attestation-Based Client Authentication, draft-ietf-oauth-attestation-based-client-auth
(read at -10; the header names, token types and claims used here have been stable since -04).

https://datatracker.ietf.org/doc/draft-ietf-oauth-attestation-based-client-auth/ — a client
instance (here: a wallet) presents two JWTs in HTTP headers:

- ``OAuth-Client-Attestation``: the *client attestation* (``typ:
  oauth-client-attestation+jwt``, §5.1), signed by the client attester (the wallet provider):
  ``iss`` the provider, ``sub`` the ``client_id``, ``exp``, and ``cnf.jwk`` the instance key.
- ``OAuth-Client-Attestation-PoP``: its proof of possession (``typ:
  oauth-client-attestation-pop+jwt``, §5.2), signed by that instance key: ``aud`` the
  authorization server's issuer identifier, a unique ``jti``, a fresh ``iat``, and
  ``challenge`` when the server handed one out (the challenge endpoint is optional, §8;
  Intyg offers none, so freshness rests on ``iat`` and single use of ``jti``).

HAIP 1.0 §4.3 makes this the wallet attestation of the EUDI ecosystem: the issuer trusts the
*wallet provider* (here: an entry of kind ``wallet_provider`` of its trust list,
``core.standards.trust_list``), never the wallet. Replay of ``jti`` is the caller's store's
job (as for DPoP, RFC 9449 §11.1). The server-side error is ``invalid_client`` (RFC 6749
§5.2, which the draft's §5.3 points to for a failed client authentication).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from core import jose
from core.errors import OAuthError
from core.standards.trust_list import TrustedWalletProvider, TrustList

TYP_ATTESTATION: Final = "oauth-client-attestation+jwt"
TYP_POP: Final = "oauth-client-attestation-pop+jwt"
HEADER_ATTESTATION: Final = "OAuth-Client-Attestation"
HEADER_POP: Final = "OAuth-Client-Attestation-PoP"
#: §13.4: the value for ``token_endpoint_auth_methods_supported`` (RFC 8414).
AUTH_METHOD: Final = "attest_jwt_client_auth"
MAX_BYTES: Final = 16 * 1024


class InvalidClient(OAuthError):
    """RFC 6749 §5.2: the client attestation or its proof of possession is missing or not
    valid (draft §5.3)."""

    code = "invalid_client"
    status = 401
    title = "The client's wallet attestation is not valid"


@dataclass(frozen=True)
class VerifiedAttestation:
    client_id: str
    provider: str  # the wallet provider's identifier (the attestation's ``iss``)
    instance_key: jose.PublicKey  # ``cnf.jwk``
    jti: str  # of the PoP, for the caller's replay store
    iat: int  # of the PoP


# --- client side -------------------------------------------------------------------------------


def make_attestation(
    provider_key: jose.PrivateKey,
    *,
    provider: str,
    client_id: str,
    instance_key: jose.PublicKey,
    iat: int,
    exp: int,
) -> str:
    """§5.1: the wallet provider attests ``client_id`` and binds it to ``instance_key``."""
    payload = {
        "iss": provider,
        "sub": client_id,
        "iat": iat,
        "exp": exp,
        "cnf": {"jwk": dict(instance_key.jwk)},
    }
    return jose.sign(payload, provider_key, typ=TYP_ATTESTATION)


def make_pop(
    instance_key: jose.PrivateKey, *, audience: str, iat: int, challenge: str | None = None
) -> str:
    """§5.2: one proof of possession per request, for the server ``audience``."""
    payload: dict[str, object] = {"aud": audience, "jti": secrets.token_urlsafe(16), "iat": iat}
    if challenge is not None:
        payload["challenge"] = challenge
    return jose.sign(payload, instance_key, typ=TYP_POP, include_kid=False)


# --- server side -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    now: int
    skew: int
    max_age: int  # how old a PoP's ``iat`` may be


def verify(
    attestation: str | None,
    pop: str | None,
    *,
    trusted: TrustList | None,
    audience: str,
    window: Window,
    client_id: str | None = None,
) -> VerifiedAttestation:
    """§5.1 and §5.2 checks (all but ``jti`` replay): the verified client, or ``InvalidClient``."""
    if not attestation or not pop:
        raise InvalidClient(
            f"this issuer requires a wallet attestation: send the {HEADER_ATTESTATION} and "
            f"{HEADER_POP} headers"
        )
    if len(attestation) > MAX_BYTES or len(pop) > MAX_BYTES:
        raise InvalidClient("the wallet attestation or its proof is too large")
    try:
        parsed = jose.parse(attestation)
    except jose.JoseError as exc:
        raise InvalidClient(f"the wallet attestation is not a JWT: {exc.detail}") from None
    provider = _provider(trusted, parsed.payload.get("iss"))
    try:
        jose.verify(parsed, list(provider.keys), typ=TYP_ATTESTATION)
    except jose.JoseError as exc:
        raise InvalidClient(f"the wallet attestation does not verify: {exc.detail}") from None
    claims = parsed.payload
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise InvalidClient("the wallet attestation names no client (sub)")
    if client_id is not None and client_id != sub:
        raise InvalidClient("client_id is not the client the wallet attestation names (sub)")
    _check_exp(claims, window)
    instance_key = _cnf_key(claims)
    return _verify_pop(pop, instance_key, sub, provider.id, audience, window)


def _provider(trusted: TrustList | None, iss: object) -> TrustedWalletProvider:
    found = trusted.wallet_provider(iss) if trusted is not None and isinstance(iss, str) else None
    if found is None:
        raise InvalidClient("the wallet's provider is not on this issuer's trust list")
    return found


def _check_exp(claims: Mapping[str, object], window: Window) -> None:
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise InvalidClient("the wallet attestation has no numeric exp")
    if exp <= window.now - window.skew:
        raise InvalidClient("the wallet attestation has expired")
    if iat is not None and (not isinstance(iat, int) or iat > window.now + window.skew):
        raise InvalidClient("the wallet attestation is issued in the future")


def _cnf_key(claims: Mapping[str, object]) -> jose.PublicKey:
    cnf = claims.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    if not isinstance(jwk, Mapping) or "d" in jwk:
        raise InvalidClient("the wallet attestation binds no public key (cnf.jwk)")
    try:
        return jose.PublicKey.from_jwk(jwk)
    except jose.JoseError as exc:
        raise InvalidClient(f"cnf.jwk: {exc.detail}") from None


def _verify_pop(
    pop: str, key: jose.PublicKey, client_id: str, provider: str, audience: str, window: Window
) -> VerifiedAttestation:
    try:
        claims = jose.verify(pop, key, typ=TYP_POP).payload
    except jose.JoseError as exc:
        raise InvalidClient(f"the attestation's proof of possession: {exc.detail}") from None
    if claims.get("aud") != audience:
        raise InvalidClient("the attestation's proof of possession is for another audience")
    jti, iat = claims.get("jti"), claims.get("iat")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 256:
        raise InvalidClient("the attestation's proof of possession has no unique jti")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise InvalidClient("the attestation's proof of possession has no numeric iat")
    if iat > window.now + window.skew or iat < window.now - window.max_age:
        raise InvalidClient("the attestation's proof of possession is not fresh (iat)")
    return VerifiedAttestation(client_id, provider, key, jti, iat)

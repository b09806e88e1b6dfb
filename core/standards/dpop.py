"""OAuth 2.0 Demonstrating Proof of Possession (DPoP), RFC 9449.

A DPoP proof is a JWT (``typ: dpop+jwt``, §4.2) signed by the client's key, which it carries in
the ``jwk`` header; it names the HTTP method (``htm``) and URI (``htu``, without query and
fragment, §4.3 check 9), a unique ``jti``, a fresh ``iat``, and with an access token its hash
(``ath``, §4.3 check 11). The access token is then bound to the key's thumbprint (``jkt``,
§6.1). Replay of ``jti`` is detected by the caller's store (§11.1).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from core import jose
from core.errors import OAuthError

TYP_DPOP = "dpop+jwt"
MAX_PROOF_BYTES = 8 * 1024


class InvalidDpopProof(OAuthError):
    """RFC 9449 §12.2: the registered error code ``invalid_dpop_proof``."""

    code = "invalid_dpop_proof"
    status = 400
    title = "The DPoP proof is not valid"


class InvalidDpopProofAtResource(InvalidDpopProof):
    """§7.1: at a protected resource a bad proof is a 401 with a ``DPoP`` challenge."""

    status = 401
    challenge = "DPoP"


@dataclass(frozen=True)
class DpopProof:
    jkt: str
    jti: str
    iat: int


def access_token_hash(access_token: str) -> str:
    return jose.b64url_encode(hashlib.sha256(access_token.encode("ascii")).digest())


def normalise_htu(uri: str) -> str:
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))


def make_proof(
    key: jose.PrivateKey,
    *,
    method: str,
    uri: str,
    iat: int,
    access_token: str | None = None,
    nonce: str | None = None,
) -> str:
    """Client side: a proof for one request (§4.2)."""
    payload: dict[str, object] = {
        "jti": secrets.token_urlsafe(16),
        "htm": method,
        "htu": normalise_htu(uri),
        "iat": iat,
    }
    if access_token is not None:
        payload["ath"] = access_token_hash(access_token)
    if nonce is not None:
        payload["nonce"] = nonce
    return jose.sign(
        payload, key, typ=TYP_DPOP, header={"jwk": dict(key.public.jwk)}, include_kid=False
    )


def verify_proof(
    proof: str,
    *,
    method: str,
    uri: str,
    now: int,
    max_age: int,
    skew: int,
    access_token: str | None = None,
) -> DpopProof:
    """Server side: the checks of §4.3; ``jti`` replay is the caller's store's job."""
    if len(proof) > MAX_PROOF_BYTES:
        raise InvalidDpopProof("the DPoP proof is too large")
    try:
        jws = jose.verify(proof, _embedded_key, typ=TYP_DPOP)
    except jose.JoseError as exc:
        raise InvalidDpopProof(f"{exc.detail}") from None
    claims = jws.payload
    jti, iat = claims.get("jti"), claims.get("iat")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 256:
        raise InvalidDpopProof("jti must be a unique string")
    if claims.get("htm") != method:
        raise InvalidDpopProof("htm does not match the request method")
    htu = claims.get("htu")
    try:
        same_uri = isinstance(htu, str) and normalise_htu(htu) == normalise_htu(uri)
    except ValueError:  # urlsplit: e.g. an unbalanced "[" in the host
        same_uri = False
    if not same_uri:
        raise InvalidDpopProof("htu does not match the request URI")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise InvalidDpopProof("iat must be a number")
    if iat > now + skew or iat < now - max_age:
        raise InvalidDpopProof("iat is outside the accepted window")
    if access_token is not None and claims.get("ath") != access_token_hash(access_token):
        raise InvalidDpopProof("ath does not match the access token")
    return DpopProof(jkt=_embedded_key(jws.header).kid, jti=jti, iat=iat)


def _embedded_key(header: Mapping[str, object]) -> jose.PublicKey:
    """§4.3 check 5: the proof is signed with the public key in its own ``jwk`` header."""
    jwk = header.get("jwk")
    if not isinstance(jwk, Mapping):
        raise InvalidDpopProof("the DPoP proof must carry its public key in the jwk header")
    try:
        return jose.PublicKey.from_jwk(jwk)
    except jose.JoseError as exc:
        raise InvalidDpopProof(exc.detail) from None

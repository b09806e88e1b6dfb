"""OpenID for Verifiable Credential Issuance 1.0 (final), the pre-authorized code flow.

https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html — vocabulary,
credential offers (§4.1), the pre-authorized code grant (§6.1), key proofs of type ``jwt``
(§F.1, ``typ: openid4vci-proof+jwt``) and the error codes of the token (§6.3), credential
(§8.3.1), deferred credential (§9.3) and notification (§11.3) endpoints. Used by the issuer
(server side) and by the wallet (client side).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qs, quote, urlsplit

from core import jose, jsontext
from core.errors import OAuthError

PRE_AUTHORIZED_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME: Final = "openid-credential-offer"
TYP_PROOF: Final = "openid4vci-proof+jwt"
FORMAT_SD_JWT_VC: Final = "dc+sd-jwt"
WELL_KNOWN_ISSUER: Final = "/.well-known/openid-credential-issuer"
WELL_KNOWN_AS: Final = "/.well-known/oauth-authorization-server"
MAX_OFFER_LINK: Final = 8 * 1024
# §11.1: what a wallet may report about the credentials of one credential response.
NOTIFICATION_EVENTS: Final = frozenset(
    {"credential_accepted", "credential_failure", "credential_deleted"}
)


# --- error codes (§6.3 token endpoint, RFC 6749 §5.2; §8.3.1 credential endpoint; §9.3
# deferred credential endpoint; §11.3 notification endpoint) ----------------------------------


class InvalidRequest(OAuthError):
    code = "invalid_request"
    title = "The request is missing or has a malformed parameter"


class InvalidGrant(OAuthError):
    code = "invalid_grant"
    title = "The pre-authorized code or transaction code is not valid"


class UnsupportedGrantType(OAuthError):
    code = "unsupported_grant_type"
    title = "The grant type is not supported"


class InvalidToken(OAuthError):
    """RFC 6750 §3.1: a missing, expired or unknown access token."""

    code = "invalid_token"
    status = 401
    title = "The access token is not valid"


class InvalidCredentialRequest(OAuthError):
    code = "invalid_credential_request"
    title = "The credential request is not valid"


class UnknownCredentialConfiguration(OAuthError):
    code = "unknown_credential_configuration"
    title = "The credential configuration is not offered by this issuer"


class InvalidProof(OAuthError):
    code = "invalid_proof"
    title = "The key proof is not valid"


class InvalidNonce(OAuthError):
    code = "invalid_nonce"
    title = "The key proof's nonce is not a valid c_nonce"


class CredentialRequestDenied(OAuthError):
    code = "credential_request_denied"
    title = "The credential request was denied"


class InvalidTransactionId(OAuthError):
    """§9.3: a ``transaction_id`` this issuer did not give to this grant, or already used."""

    code = "invalid_transaction_id"
    title = "The transaction_id is not valid"


class InvalidNotificationId(OAuthError):
    """§11.3: a ``notification_id`` this issuer did not give to this grant."""

    code = "invalid_notification_id"
    title = "The notification_id is not valid"


class InvalidNotificationRequest(OAuthError):
    """§11.3: a notification request missing a parameter or with a value not allowed."""

    code = "invalid_notification_request"
    title = "The notification request is not valid"


class InvalidOffer(OAuthError):
    """Client side: a credential offer link or document that does not follow §4.1."""

    code = "invalid_credential_offer"
    title = "The credential offer is not valid"


# --- credential offer (§4.1) ------------------------------------------------------------------


def offer_link_by_reference(offer_uri: str) -> str:
    """§4.1.3: ``openid-credential-offer://?credential_offer_uri=<url-encoded URI>``."""
    return f"{OFFER_SCHEME}://?credential_offer_uri={quote(offer_uri, safe='')}"


@dataclass(frozen=True)
class OfferLink:
    """A parsed offer link: exactly one of ``offer`` (by value) or ``offer_uri`` is set."""

    offer: dict[str, object] | None
    offer_uri: str | None


def parse_offer_link(link: str) -> OfferLink:
    if not isinstance(link, str) or len(link) > MAX_OFFER_LINK or not link.isascii():
        raise InvalidOffer("the offer link is missing, too long or not ASCII (RFC 3986)")
    try:
        parts = urlsplit(link.strip())
    except ValueError:  # e.g. an unbalanced "[" in the host
        raise InvalidOffer("the offer link is not a URI") from None
    if parts.scheme not in (OFFER_SCHEME, "https", "http"):
        raise InvalidOffer("an offer link starts with openid-credential-offer://")
    params = parse_qs(parts.query, strict_parsing=False)
    by_value, by_reference = params.get("credential_offer"), params.get("credential_offer_uri")
    if bool(by_value) == bool(by_reference):
        raise InvalidOffer("the link must carry exactly one of credential_offer(_uri)")
    if by_reference:
        if len(by_reference) != 1:
            raise InvalidOffer("credential_offer_uri appears more than once")
        return OfferLink(offer=None, offer_uri=by_reference[0])
    assert by_value is not None
    if len(by_value) != 1:
        raise InvalidOffer("credential_offer appears more than once")
    try:
        offer = jsontext.loads(by_value[0])
    except jsontext.JsonRejected as exc:
        raise InvalidOffer(f"credential_offer is not usable JSON: {exc}") from None
    return OfferLink(offer=check_offer(offer).raw, offer_uri=None)


@dataclass(frozen=True)
class CredentialOffer:
    credential_issuer: str
    credential_configuration_ids: tuple[str, ...]
    pre_authorized_code: str
    tx_code: dict[str, object] | None
    raw: dict[str, object]


def check_offer(document: object) -> CredentialOffer:
    """Validate a credential offer document (§4.1.1) with a pre-authorized code grant."""
    if not isinstance(document, dict):
        raise InvalidOffer("the credential offer is not a JSON object")
    issuer = document.get("credential_issuer")
    ids = document.get("credential_configuration_ids")
    grants = document.get("grants")
    if not isinstance(issuer, str) or not issuer:
        raise InvalidOffer("credential_issuer is missing")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise InvalidOffer("credential_configuration_ids must be a non-empty list of strings")
    grant = grants.get(PRE_AUTHORIZED_GRANT) if isinstance(grants, dict) else None
    if not isinstance(grant, dict) or not isinstance(grant.get("pre-authorized_code"), str):
        raise InvalidOffer("the offer carries no pre-authorized code grant")
    tx_code = grant.get("tx_code")
    if tx_code is not None and not isinstance(tx_code, dict):
        raise InvalidOffer("tx_code must be an object")
    return CredentialOffer(
        credential_issuer=issuer,
        credential_configuration_ids=tuple(ids),
        pre_authorized_code=grant["pre-authorized_code"],
        tx_code=tx_code,
        raw=document,
    )


def offer_document(
    credential_issuer: str,
    configuration_ids: list[str],
    pre_authorized_code: str,
    tx_code: Mapping[str, object] | None,
) -> dict[str, object]:
    grant: dict[str, object] = {"pre-authorized_code": pre_authorized_code}
    if tx_code is not None:
        grant["tx_code"] = dict(tx_code)
    return {
        "credential_issuer": credential_issuer,
        "credential_configuration_ids": configuration_ids,
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


# --- key proof of type jwt (Appendix F.1) -----------------------------------------------------


def make_proof(
    key: jose.PrivateKey,
    *,
    audience: str,
    nonce: str | None,
    iat: int,
    client_id: str | None = None,
    key_attestation: str | None = None,
) -> str:
    payload: dict[str, object] = {"aud": audience, "iat": iat}
    if nonce is not None:
        payload["nonce"] = nonce
    if client_id is not None:
        payload["iss"] = client_id
    header: dict[str, object] = {"jwk": dict(key.public.jwk)}
    if key_attestation is not None:
        header["key_attestation"] = key_attestation  # Appendix D, F.1
    return jose.sign(payload, key, typ=TYP_PROOF, header=header, include_kid=False)


@dataclass(frozen=True)
class VerifiedProof:
    holder_key: jose.PublicKey
    nonce: str
    #: F.1 ``key_attestation`` header, unverified (``core.standards.key_attestation``)
    key_attestation: object = None


def verify_proof(
    proof: object,
    *,
    audience: str,
    now: int,
    max_age: int,
    skew: int,
    algorithms: frozenset[str] = jose.ALLOWED_ALGORITHMS,
) -> VerifiedProof:
    """F.4 checks except nonce freshness, which the caller's store decides (single use)."""
    if not isinstance(proof, str):
        raise InvalidProof("each proof must be a compact JWT string")
    try:
        jws = jose.verify(proof, _proof_key, typ=TYP_PROOF, algorithms=algorithms)
    except jose.JoseError as exc:
        raise InvalidProof(exc.detail) from None
    claims = jws.payload
    if claims.get("aud") != audience:
        raise InvalidProof("the proof's aud is not this credential issuer")
    iat = claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise InvalidProof("the proof has no numeric iat")
    if iat > now + skew or iat < now - max_age:
        raise InvalidProof("the proof's iat is not fresh")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        # §8.3.1.2: a key proof without a c_nonce is invalid_proof (invalid_nonce is for a
        # c_nonce that is present but not valid, which the caller's store decides).
        raise InvalidProof("the proof carries no c_nonce")
    return VerifiedProof(
        holder_key=_proof_key(jws.header),
        nonce=nonce,
        key_attestation=jws.header.get("key_attestation"),
    )


def _proof_key(header: Mapping[str, object]) -> jose.PublicKey:
    """F.1: the holder key travels in ``jwk`` (the binding method we support); no kid/x5c. A
    ``key_attestation`` may come with it: the key must then be one it attests (Appendix D)."""
    if "kid" in header or "x5c" in header:
        raise InvalidProof("only a jwk header is supported for the holder key")
    jwk = header.get("jwk")
    if not isinstance(jwk, Mapping):
        raise InvalidProof("the proof must carry the holder's public key in its jwk header")
    try:
        return jose.PublicKey.from_jwk(jwk)
    except jose.JoseError as exc:
        raise InvalidProof(exc.detail) from None


def well_known_url(identifier: str, well_known: str) -> str:
    """RFC 8414 §3.1 / OID4VCI §12.2.2: insert the well-known segment before the path."""
    parts = urlsplit(identifier)
    return f"{parts.scheme}://{parts.netloc}{well_known}{parts.path.rstrip('/')}"

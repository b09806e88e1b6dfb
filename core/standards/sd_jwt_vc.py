"""SD-JWT-based Verifiable Credentials (draft-ietf-oauth-sd-jwt-vc).

https://datatracker.ietf.org/doc/draft-ietf-oauth-sd-jwt-vc/ — the ``dc+sd-jwt`` media type
(§3.2.1), the registered claims that are never selectively disclosed (§3.2.2.2: ``iss``,
``nbf``, ``exp``, ``cnf``, ``vct``, ``status``), the validity checks (§3.4), and JWT VC Issuer
Metadata at ``/.well-known/jwt-vc-issuer`` inserted before the issuer's path (§4), and the
two Issuer Signature Mechanisms for the Issuer-signed JWT's key (§3.5): that metadata, or the
``x5c`` chain in its header (which HAIP 1.0 §6.1.1 makes the profile's), one or both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Final
from urllib.parse import urlsplit

from cryptography import x509

from core import jose
from core import x509 as certs
from core.errors import IntygError
from core.standards.status_list import StatusListReference

TYP_SD_JWT_VC: Final = "dc+sd-jwt"
WELL_KNOWN_JWT_VC_ISSUER: Final = "/.well-known/jwt-vc-issuer"
NEVER_SELECTIVE: Final = frozenset({"iss", "iat", "nbf", "exp", "cnf", "vct", "status"})
#: §3.2.2.2: the registered claims that MUST NOT be selectively disclosed (``sub`` and ``iat``
#: MAY be). Intyg never issues them in Disclosures (``NEVER_SELECTIVE``); a receiver refuses
#: a credential that does: a Disclosure of ``status`` would let its holder hide the status, and
#: checks that read the signed payload (status, validity, key binding) would not see it.
NOT_DISCLOSABLE: Final = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"})
#: The most published keys tried for a credential whose header names no ``kid``.
MAX_KEYS_WITHOUT_KID: Final = 10


class SdJwtVcError(IntygError):
    code = "sd_jwt_vc_invalid"
    title = "The credential is not a valid SD-JWT VC"


class CredentialExpired(SdJwtVcError):
    code = "credential_expired"
    title = "The credential has expired"


class CredentialNotYetValid(SdJwtVcError):
    code = "credential_not_yet_valid"
    title = "The credential is not valid yet"


class MissingClaim(SdJwtVcError):
    code = "sd_jwt_vc_missing_claim"
    title = "The credential lacks a required claim"


class IssuerMetadataInvalid(SdJwtVcError):
    code = "jwt_vc_issuer_metadata_invalid"
    status = 502
    title = "The issuer's JWT VC Issuer Metadata is not valid"


class IssuerKeyNotFound(SdJwtVcError):
    code = "issuer_key_not_found"
    title = "The issuer publishes no key that signed this credential"


class IssuerKeysDisagree(SdJwtVcError):
    code = "issuer_keys_disagree"
    title = "The credential's certificate and the issuer's published key differ"


class IssuerCertificateUntrusted(SdJwtVcError):
    code = "issuer_certificate_untrusted"
    title = "The credential's certificate chain has no trust anchor here"


class RegisteredClaimDisclosed(SdJwtVcError):
    code = "sd_jwt_vc_registered_claim_disclosed"
    title = "A registered claim that must not be selectively disclosed is in a disclosure"


def credential_payload(
    claims: Mapping[str, object],
    *,
    issuer: str,
    vct: str,
    iat: int,
    exp: int,
    holder_jwk: Mapping[str, object],
    status: StatusListReference,
    nbf: int | None = None,
) -> dict[str, object]:
    """The plain payload (before selective disclosure) of a key-bound SD-JWT VC."""
    clash = NEVER_SELECTIVE.intersection(claims)
    if clash:
        raise SdJwtVcError(f"registered claims cannot be supplied as credential claims: {clash}")
    payload: dict[str, object] = {
        "iss": issuer,
        "iat": iat,
        "exp": exp,
        "vct": vct,
        "cnf": {"jwk": {k: holder_jwk[k] for k in ("kty", "crv", "x", "y") if k in holder_jwk}},
        "status": {"status_list": {"idx": status.idx, "uri": status.uri}},
    }
    if nbf is not None:
        payload["nbf"] = nbf
    payload.update(claims)
    return payload


def check_validity(payload: Mapping[str, object], *, now: int, skew: int) -> None:
    """§3.4 validity window with bounded clock skew; ``exp`` is required by Intyg's profile."""
    exp, nbf, iat = payload.get("exp"), payload.get("nbf"), payload.get("iat")
    if not _is_time(exp):
        raise MissingClaim("the credential has no exp")
    assert isinstance(exp, int)
    if exp <= now - skew:
        raise CredentialExpired("the credential's exp has passed")
    if nbf is not None:
        if not _is_time(nbf):
            raise SdJwtVcError("nbf must be a NumericDate")
        assert isinstance(nbf, int)
        if nbf > now + skew:
            raise CredentialNotYetValid("the credential's nbf is in the future")
    if iat is not None:
        if not _is_time(iat):
            raise SdJwtVcError("iat must be a NumericDate")
        assert isinstance(iat, int)
        if iat > now + skew:
            raise CredentialNotYetValid("the credential's iat is in the future")


def check_disclosed_paths(paths: Iterable[tuple[str | int, ...]]) -> None:
    """§3.2.2.2: no Disclosure may carry a top-level ``NOT_DISCLOSABLE`` claim."""
    for path in paths:
        if len(path) == 1 and path[0] in NOT_DISCLOSABLE:
            raise RegisteredClaimDisclosed(
                f"the registered claim {path[0]!r} must not be selectively disclosed (§3.2.2.2)"
            )


def _is_time(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def required_string(payload: Mapping[str, object], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value:
        raise MissingClaim(f"the credential has no {name}")
    return value


def holder_key(payload: Mapping[str, object]) -> jose.PublicKey:
    """The holder's key from ``cnf.jwk`` (RFC 7800 §3.2), for key binding."""
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    if not isinstance(jwk, Mapping):
        raise MissingClaim("the credential has no cnf.jwk holder key")
    return jose.PublicKey.from_jwk(jwk)


def issuer_metadata_url(issuer: str) -> str:
    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}{WELL_KNOWN_JWT_VC_ISSUER}{parts.path.rstrip('/')}"


def issuer_metadata(issuer: str, jwks: list[Mapping[str, object]]) -> dict[str, object]:
    return {"issuer": issuer, "jwks": {"keys": [dict(k) for k in jwks]}}


def keys_from_issuer_metadata(
    document: object, *, expected_issuer: str
) -> dict[str, jose.PublicKey]:
    """§4.3: the metadata's ``issuer`` must equal the credential's ``iss``; keys by ``kid``."""
    if not isinstance(document, Mapping) or document.get("issuer") != expected_issuer:
        raise IssuerMetadataInvalid("the metadata's issuer does not match the credential's iss")
    jwks = document.get("jwks")
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        raise IssuerMetadataInvalid("the metadata carries no inline jwks")
    found: dict[str, jose.PublicKey] = {}
    for jwk in keys:
        # A key published for encryption (RFC 7517 §4.2 ``use``) never verifies a signature.
        if not isinstance(jwk, Mapping) or jwk.get("use", "sig") != "sig":
            continue
        try:
            key = jose.PublicKey.from_jwk(jwk)
        except jose.JoseError:
            continue  # keys of algorithms we do not accept are ignored, not trusted
        kid = jwk.get("kid")
        # A key without a kid is known by its RFC 7638 thumbprint (a published kid wins).
        found.setdefault(kid if isinstance(kid, str) else key.kid, key)
    return found


def published_key(
    header: Mapping[str, object],
    published: Callable[[bool], Mapping[str, jose.PublicKey]],
    *,
    missing: type[SdJwtVcError] = IssuerKeyNotFound,
) -> jose.Keys:
    """The issuer's published key (§4) that a JWS ``header`` names by ``kid``; without a
    ``kid``, the candidates of ``keys_without_kid``. ``published(refresh)`` gives the issuer's
    keys by kid, from a cache unless ``refresh``: an unknown ``kid`` asks once more with
    ``refresh``, since the issuer may have rotated its keys after they were cached. A ``kid``
    that is not a string, or still unknown, is ``missing`` (status list tokens keep
    ``IssuerMetadataInvalid``)."""
    if "kid" not in header:
        return keys_without_kid(published(False), header)
    kid = header["kid"]
    if not isinstance(kid, str):
        raise missing("the credential's kid is not a string")
    key = published(False).get(kid)
    if key is None:  # perhaps rotated since we cached: look once more
        key = published(True).get(kid)
    if key is None:
        raise missing(f"the issuer publishes no key {kid!r}")
    return key


def issuer_signature_key(
    header: Mapping[str, object],
    published: Callable[[bool], Mapping[str, jose.PublicKey]],
    issuer: str,
    anchors: tuple[x509.Certificate, ...],
    now: int,
    *,
    missing: type[SdJwtVcError] = IssuerKeyNotFound,
) -> jose.Keys:
    """The key for an Issuer-signed JWT (or a status list token) by the mechanisms its header
    offers (§3.5): without ``x5c``, the published key (``published_key``). With ``x5c`` and
    ``anchors`` (the trust list's certificates for ``issuer``), the chain must validate to
    them (``core.x509.verify_issuer_x5c``: HAIP 1.0 §6.1.1, the leaf naming ``issuer``); with
    ``x5c`` and no anchors it is taken only beside a ``kid`` that the metadata resolves. A
    header that offers both (``x5c`` and ``kid``) must name one key: the published key must be
    the leaf's. A certified key whose issuer publishes no metadata for its ``kid`` stands on its
    certificate (the ``kid`` may be meant for another lookup), but a published key that differs
    is refused — one of the two is not the issuer's."""
    x5c = header.get("x5c")
    if x5c is None:
        return published_key(header, published, missing=missing)
    certified = certs.verify_issuer_x5c(x5c, anchors, now, issuer) if anchors else None
    if "kid" not in header:
        if certified is None:
            raise IssuerCertificateUntrusted(
                f"no trust anchor is listed for {issuer[:200]}, and the header names no kid"
            )
        return certified
    try:
        key = published_key(header, published, missing=missing)
    except IntygError:
        if certified is None:
            raise
        return certified
    leaf = certified or certs.public_key_of(certs.parse_x5c(x5c)[0])
    if not isinstance(key, jose.PublicKey) or key.kid != leaf.kid:
        raise IssuerKeysDisagree("the x5c leaf is not the key the issuer publishes as the kid")
    return key


def check_pinned(header: Mapping[str, object], pins: frozenset[str]) -> None:
    """The header's ``x5c`` leaf is one of the certificates a trust list pins (base64url
    SHA-256 thumbprints): an issuer pinned that way is trusted by no other certificate, nor
    by its metadata alone."""
    try:
        leaf = certs.parse_x5c(header.get("x5c"))[0]
    except certs.X509Error:
        raise IssuerCertificateUntrusted("the trust list pins this issuer's certificate") from None
    if certs.certificate_thumbprint(leaf) not in pins:
        raise IssuerCertificateUntrusted("the certificate is not the one the trust list pins")


def keys_without_kid(
    published: Mapping[str, jose.PublicKey], header: Mapping[str, object]
) -> list[jose.PublicKey]:
    """The candidates for a header without ``kid`` (the draft requires only ``typ`` there):
    each published key of the header's ``alg`` once, in published order; the signature check
    takes the one that verifies. Bounded, so a token cannot make us try a large key set."""
    alg = header.get("alg")
    candidates = list({k.kid: k for k in published.values() if k.alg == alg}.values())
    if not candidates:
        raise IssuerKeyNotFound(f"the header names no kid, and the issuer publishes no {alg} key")
    if len(candidates) > MAX_KEYS_WITHOUT_KID:
        raise IssuerKeyNotFound(
            f"the header names no kid, and the issuer publishes more than "
            f"{MAX_KEYS_WITHOUT_KID} {alg} keys to try"
        )
    return candidates

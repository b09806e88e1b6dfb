"""The Request Object (§5, RFC 9101): made and signed by the verifier, verified by the wallet
(§5.9.3 client identifier prefixes ``x509_san_dns``, ``x509_hash`` and — development only —
``redirect_uri``; §5.10.1 ``client_id`` and ``wallet_nonce``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography import x509

from core import jose
from core import x509 as certs
from core.errors import JoseError
from core.standards.oid4vp.client_id import check_dns_name, check_url, split_client_id
from core.standards.oid4vp.encryption import ResponseEncryption, choose_response_encryption
from core.standards.oid4vp.errors import (
    ClientIdMismatch,
    ClientIdUnsupported,
    RequestCertificateInvalid,
    RequestExpired,
    RequestObjectInvalid,
    RequestSignatureInvalid,
    ResponseEncryptionUnsupported,
    ResponseUriMismatch,
    TransactionDataUnsupported,
    UnsignedRequestRejected,
    WalletNonceMismatch,
)
from core.standards.oid4vp.vocabulary import (
    AUD_STATIC_DISCOVERY,
    MAX_NONCE_CHARS,
    MAX_REQUEST_OBJECT_BYTES,
    PREFIX_REDIRECT_URI,
    PREFIX_X509_HASH,
    PREFIX_X509_SAN_DNS,
    QUERY_ID,
    RESPONSE_MODE_DIRECT_POST,
    RESPONSE_MODE_DIRECT_POST_JWT,
    RESPONSE_MODES,
    RESPONSE_TYPE_VP_TOKEN,
    SHA256_B64URL,
    TYP_REQUEST_OBJECT,
    URL_SAFE,
)


def request_object_payload(
    client_id: str,
    response_uri: str,
    nonce: str,
    state: str | None,
    dcql_query: Mapping[str, object],
    client_metadata: Mapping[str, object],
    iat: int,
    exp: int,
    aud: str = AUD_STATIC_DISCOVERY,
    response_mode: str = RESPONSE_MODE_DIRECT_POST,
) -> dict[str, object]:
    """Verifier side: the claims of a Request Object for ``vp_token`` over ``direct_post`` or
    ``direct_post.jwt`` (whose ``client_metadata`` must then carry the encryption key)."""
    payload: dict[str, object] = {
        "client_id": client_id,
        "aud": aud,
        "response_type": RESPONSE_TYPE_VP_TOKEN,
        "response_mode": response_mode,
        "response_uri": response_uri,
        "nonce": nonce,
        "dcql_query": dict(dcql_query),
        "client_metadata": dict(client_metadata),
        "iat": iat,
        "exp": exp,
    }
    if state is not None:
        payload["state"] = state
    _check_claims(payload, now=iat, skew=0, audience=aud)
    if response_mode == RESPONSE_MODE_DIRECT_POST_JWT:
        choose_response_encryption(client_metadata)
    return payload


def sign_request_object(
    payload: Mapping[str, object], key: jose.PrivateKey, x5c: Sequence[str]
) -> str:
    """Verifier side: ``typ: oauth-authz-req+jwt`` with the certificate chain in ``x5c``."""
    return jose.sign(
        payload, key, typ=TYP_REQUEST_OBJECT, header={"x5c": list(x5c)}, include_kid=False
    )


@dataclass(frozen=True)
class VerifiedRequest:
    """A Request Object that passed every check; ``verified`` is False only for the unsigned
    development prefix ``redirect_uri:``, whose origin nothing vouches for."""

    client_id: str
    client_id_prefix: str
    original_client_id: str
    response_uri: str
    response_mode: str
    #: with ``direct_post.jwt``: the key and ``enc`` the response is encrypted with
    response_encryption: ResponseEncryption | None
    nonce: str
    state: str | None
    dcql_query: dict[str, object]
    client_metadata: dict[str, object]
    iat: int | None
    exp: int
    verified: bool
    certificate_thumbprint: str | None
    organisation: str | None
    request_hash: str
    claims: dict[str, object]


def request_object_hash(token: str) -> str:
    """Base64url SHA-256 of the compact Request Object, kept as consent evidence."""
    return jose.b64url_encode(hashlib.sha256(token.encode("ascii")).digest())


def verify_request_object(
    token: str,
    *,
    expected_client_id: str,
    trust_anchors: Sequence[x509.Certificate],
    now: int,
    skew: int,
    allow_unsigned_redirect_uri: bool,
    allow_http_loopback: bool = False,
    wallet_nonce: str | None = None,
    audience: str = AUD_STATIC_DISCOVERY,
) -> VerifiedRequest:
    """Wallet side: verify a Request Object fetched from the link's ``request_uri``.

    ``expected_client_id`` is the link's ``client_id``; ``wallet_nonce`` the one the Wallet sent
    with ``request_uri_method=post``. Raises the ``Oid4vpError`` of the first failed check.
    """
    if not isinstance(token, str) or len(token) > MAX_REQUEST_OBJECT_BYTES:
        raise RequestObjectInvalid("the request object is missing or too large")
    prefix, original = split_client_id(expected_client_id)
    if prefix in (PREFIX_X509_SAN_DNS, PREFIX_X509_HASH):
        dns = check_dns_name(original.lower()) if prefix == PREFIX_X509_SAN_DNS else None
        if prefix == PREFIX_X509_HASH and not SHA256_B64URL.fullmatch(original):
            raise ClientIdUnsupported("x509_hash: the value is a base64url SHA-256 (§5.9.3)")
        jws, leaf = _verify_x5c_signed(token, prefix, dns, trust_anchors, now)
        leaf_hash = certs.certificate_thumbprint(leaf)
        if prefix == PREFIX_X509_HASH and leaf_hash != original:  # a public value: plain ==
            raise ClientIdMismatch(
                "x509_hash: the client_id is not the SHA-256 hash of the leaf certificate "
                "in x5c (§5.9.3)"
            )
        thumbprint: str | None = leaf_hash
        organisation = certs.organisation_name(leaf)
    elif prefix == PREFIX_REDIRECT_URI:
        if not allow_unsigned_redirect_uri:
            raise UnsignedRequestRejected(
                "the redirect_uri: prefix carries no verifiable identity; it is accepted only in "
                "development"
            )
        jws = _parse_unsigned(token)
        thumbprint = organisation = None
    else:
        raise ClientIdUnsupported(
            f"the client identifier prefix {prefix!r} is not supported "
            f"(supported: {PREFIX_X509_HASH!r}, {PREFIX_X509_SAN_DNS!r})"
        )
    claims = jws.payload
    if claims.get("client_id") != expected_client_id:
        raise ClientIdMismatch("the request object's client_id differs from the link's (§5.10.1)")
    if wallet_nonce is not None and claims.get("wallet_nonce") != wallet_nonce:
        raise WalletNonceMismatch(
            "the request object's wallet_nonce is missing or not the one sent (§5.10.1)"
        )
    _check_claims(claims, now=now, skew=skew, audience=audience)
    response_uri = check_url(
        claims["response_uri"],
        "response_uri",
        allow_http_loopback=allow_http_loopback,
        error=RequestObjectInvalid,
    )
    _check_response_uri(prefix, original, response_uri)
    state = claims.get("state")
    metadata = dict(_as_dict(claims.get("client_metadata", {})))
    response_mode = str(claims["response_mode"])
    encryption = None
    if response_mode == RESPONSE_MODE_DIRECT_POST_JWT:
        try:
            encryption = choose_response_encryption(metadata)
        except ResponseEncryptionUnsupported as exc:
            if prefix != PREFIX_REDIRECT_URI:  # an authenticated verifier may be told
                exc.answer_to = (response_uri, state if isinstance(state, str) else None)
            raise
    return VerifiedRequest(
        client_id=expected_client_id,
        client_id_prefix=prefix.rstrip(":"),
        original_client_id=original,
        response_uri=response_uri,
        response_mode=response_mode,
        response_encryption=encryption,
        nonce=str(claims["nonce"]),
        state=state if isinstance(state, str) else None,
        dcql_query=dict(_as_dict(claims["dcql_query"])),
        client_metadata=metadata,
        iat=_int(claims, "iat") if "iat" in claims else None,
        exp=_int(claims, "exp"),
        verified=prefix != PREFIX_REDIRECT_URI,
        certificate_thumbprint=thumbprint,
        organisation=organisation,
        request_hash=request_object_hash(token),
        claims=dict(claims),
    )


def _as_dict(value: object) -> dict[str, object]:
    assert isinstance(value, dict)  # established by _check_claims
    return value


def _int(claims: Mapping[str, object], name: str) -> int:
    value = claims[name]
    assert isinstance(value, int)  # established by _check_claims
    return value


def _verify_x5c_signed(
    token: str,
    prefix: str,
    dns: str | None,
    trust_anchors: Sequence[x509.Certificate],
    now: int,
) -> tuple[jose.Jws, x509.Certificate]:
    """§5.9.3, ``x509_san_dns`` and ``x509_hash`` alike: signed with the key of the leaf of
    ``x5c``, whose chain the Wallet validates to one of its trust anchors."""
    try:
        parsed = jose.parse(token, max_bytes=MAX_REQUEST_OBJECT_BYTES)
        jose.check_header(parsed.header, typ=TYP_REQUEST_OBJECT)
    except jose.TypeMismatch as exc:
        raise RequestObjectInvalid(f"typ must be {TYP_REQUEST_OBJECT!r} (§5)") from exc
    except jose.AlgorithmNotAllowed as exc:
        raise RequestSignatureInvalid(f"{prefix} requests are signed: {exc.detail}") from exc
    except JoseError as exc:
        raise RequestObjectInvalid(f"the request object is not a valid JWS: {exc.detail}") from exc
    try:
        leaf_key = certs.verify_x5c(parsed.header.get("x5c"), trust_anchors, now, dns)
    except certs.X509Error as exc:
        raise RequestCertificateInvalid(f"{exc.detail} ({exc.code})") from exc
    try:
        jws = jose.verify(parsed, leaf_key, typ=TYP_REQUEST_OBJECT)
    except JoseError as exc:
        raise RequestSignatureInvalid(
            f"the request object is not signed by the leaf certificate's key ({exc.code})"
        ) from exc
    leaf = certs.parse_x5c(parsed.header["x5c"])[0]
    return jws, leaf


def _parse_unsigned(token: str) -> jose.Jws:
    try:
        parsed = jose.parse(token, max_bytes=MAX_REQUEST_OBJECT_BYTES)
    except JoseError as exc:
        raise RequestObjectInvalid(f"the request object is not a valid JWT: {exc.detail}") from exc
    if parsed.header.get("alg") != "none" or parsed.signature:
        raise RequestObjectInvalid("redirect_uri: requests cannot be signed (§5.9.3): alg none")
    if not jose.same_type(parsed.header.get("typ"), TYP_REQUEST_OBJECT):
        raise RequestObjectInvalid(f"typ must be {TYP_REQUEST_OBJECT!r} (§5)")
    if "crit" in parsed.header:
        raise RequestObjectInvalid("an unsigned request object cannot carry crit")
    return parsed


def _check_response_uri(prefix: str, original: str, response_uri: str) -> None:
    host = urlsplit(response_uri).hostname or ""
    if prefix == PREFIX_X509_SAN_DNS and host != original.lower():
        raise ResponseUriMismatch(
            f"the response_uri's host {host!r} is not the verifier's DNS name {original!r} (§5.9.3)"
        )
    if prefix == PREFIX_REDIRECT_URI and response_uri != original:
        raise ResponseUriMismatch("with redirect_uri:, response_uri must be that URI (§5.9.3)")


def _check_time(claims: Mapping[str, object], *, now: int, skew: int) -> None:
    for name in ("iat", "nbf", "exp"):
        value = claims.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise RequestObjectInvalid(f"{name} must be an integer NumericDate")
    exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
    if not isinstance(exp, int):
        raise RequestObjectInvalid("exp is required: a signed request must not live forever")
    if now - skew >= exp:
        raise RequestExpired(f"the request expired at {exp}")
    if isinstance(iat, int) and iat > now + skew:
        raise RequestObjectInvalid("the request object's iat is in the future")
    if isinstance(nbf, int) and nbf > now + skew:
        raise RequestObjectInvalid("the request object is not valid yet (nbf)")


def _check_claims(claims: Mapping[str, object], *, now: int, skew: int, audience: str) -> None:
    """§5, §5.2, §8.2: the checks every Request Object must pass, for both sides."""
    if claims.get("response_type") != RESPONSE_TYPE_VP_TOKEN:
        raise RequestObjectInvalid("response_type must be vp_token")
    if claims.get("response_mode") not in RESPONSE_MODES:
        raise RequestObjectInvalid("response_mode must be direct_post or direct_post.jwt")
    if "response_uri" not in claims:
        raise RequestObjectInvalid("response_uri is required with direct_post (§8.2, §8.3.1)")
    if "redirect_uri" in claims:
        raise RequestObjectInvalid("redirect_uri must not be present with direct_post (§8.2)")
    if "transaction_data" in claims:
        raise TransactionDataUnsupported()
    if "scope" in claims:
        raise RequestObjectInvalid("scope-based requests are not supported; use dcql_query")
    aud = claims.get("aud")
    if aud is not None and aud != audience and not (isinstance(aud, list) and audience in aud):
        raise RequestObjectInvalid(f"aud must be {audience!r} (§5.8)")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or len(nonce) > MAX_NONCE_CHARS or not URL_SAFE.fullmatch(nonce):
        raise RequestObjectInvalid("nonce is required and uses ASCII URL-safe characters (§5.2)")
    state = claims.get("state")
    if state is not None and (
        not isinstance(state, str) or len(state) > MAX_NONCE_CHARS or not URL_SAFE.fullmatch(state)
    ):
        raise RequestObjectInvalid("state uses ASCII URL-safe characters only (§5.2)")
    check_dcql_shape(claims.get("dcql_query"))
    metadata = claims.get("client_metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise RequestObjectInvalid("client_metadata must be a JSON object (§5.1)")
    _check_time(claims, now=now, skew=skew)


def check_dcql_shape(query: object) -> list[str]:
    """The shape that the response depends on (§6.1); DCQL semantics live in ``dcql``."""
    if not isinstance(query, dict):
        raise RequestObjectInvalid("dcql_query is required and must be a JSON object")
    credentials = query.get("credentials")
    if not isinstance(credentials, list) or not credentials:
        raise RequestObjectInvalid("dcql_query.credentials must be a non-empty array (§6)")
    ids: list[str] = []
    for entry in credentials:
        cid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(cid, str) or not QUERY_ID.fullmatch(cid) or cid in ids:
            raise RequestObjectInvalid("each Credential Query needs a unique id of [A-Za-z0-9_-]")
        ids.append(cid)
    return ids

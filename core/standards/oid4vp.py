"""OpenID for Verifiable Presentations 1.0 (final), the subset Intyg speaks.

https://openid.net/specs/openid-4-verifiable-presentations-1_0.html (section numbers below are
those of 1.0 final, tag ``1.0-final`` of github.com/openid/OpenID4VP):

- §5    the Authorization Request as a Request Object (RFC 9101, JAR): ``typ`` MUST be
        ``oauth-authz-req+jwt``; ``iss`` is ignored; unknown parameters are ignored except
        ``transaction_data``, which a Wallet that does not support it MUST reject (§5.1).
- §5.1–5.2  ``dcql_query``, ``client_metadata``, ``request_uri_method`` (``get``/``post``),
        ``nonce`` (REQUIRED) and ``state`` (ASCII URL-safe characters only).
- §5.7  across devices: the link carries only ``client_id`` and ``request_uri`` (by reference,
        RFC 9101 §5.2), here under the ``openid4vp://`` scheme of §13.1.2.
- §5.8  ``aud`` of a Request Object: ``https://self-issued.me/v2`` with static discovery.
- §5.9.3  Client Identifier Prefixes: ``x509_san_dns:<dns>`` (signed with the key of the leaf of
        ``x5c``; the DNS name is a SAN ``dNSName`` of the leaf; "the Wallet MUST validate the
        signature and the trust chain"; unless the Wallet trusts the client otherwise, "the FQDN
        of the ``redirect_uri`` value MUST match the Client Identifier", which §8.2 extends to
        ``response_uri``) and ``redirect_uri:<uri>`` (unsigned; the URI is the Response URI).
        Intyg's wallet always applies the FQDN rule: it lets no verifier choose another host.
- §5.10  ``request_uri_method=post``: the Wallet POSTs ``wallet_metadata`` and
        ``wallet_nonce`` (form-urlencoded, ``Accept: application/oauth-authz-req+jwt``).
- §5.10.1  the ``client_id`` of the link and of the Request Object MUST be identical, prefix
        included; a ``wallet_nonce`` sent by the Wallet MUST come back.
- §8.1  ``vp_token``: a JSON object keyed by Credential Query id, each value a non-empty array
        of Presentations (strings or objects); one only unless the query says ``multiple``.
- §8.2  Response Mode ``direct_post``: ``response_uri`` REQUIRED, ``redirect_uri`` MUST NOT be
        present (else ``invalid_request``); the response is an ``application/x-www-form-
        urlencoded`` POST of ``vp_token`` (JSON-encoded) and ``state``, or of ``error``,
        ``error_description`` and ``state``.
- §8.5  error codes for the Authorization Error Response.

Pure functions: fetching the ``request_uri`` and posting to the ``response_uri`` belong to the
caller (through ``core.http``). Signatures go through ``core.jose``; certificate chains through
``core.x509``. The one unsigned JWT accepted — ``alg: none`` under ``redirect_uri:``, and only
when the caller allows it for development — is parsed, never "verified".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Final
from urllib.parse import parse_qsl, quote, urlsplit

from cryptography import x509

from core import jose
from core import x509 as certs
from core.config import is_loopback_host
from core.errors import IntygError, JoseError

TYP_REQUEST_OBJECT: Final = "oauth-authz-req+jwt"
MEDIA_TYPE_REQUEST_OBJECT: Final = "application/oauth-authz-req+jwt"
RESPONSE_TYPE_VP_TOKEN: Final = "vp_token"
RESPONSE_MODE_DIRECT_POST: Final = "direct_post"
SCHEME: Final = "openid4vp"
#: Link schemes a wallet accepts: §13.1.2's, the EU wallet's and HAIP's, and a universal link.
LINK_SCHEMES: Final = frozenset({SCHEME, "eudi-openid4vp", "haip-vp", "https"})
PREFIX_X509_SAN_DNS: Final = "x509_san_dns:"
FORMAT_SD_JWT_VC: Final = "dc+sd-jwt"
PREFIX_REDIRECT_URI: Final = "redirect_uri:"
AUD_STATIC_DISCOVERY: Final = "https://self-issued.me/v2"
REQUEST_URI_METHODS: Final = frozenset({"get", "post"})

MAX_LINK_CHARS: Final = 4096
MAX_REQUEST_URI_CHARS: Final = 2048
MAX_CLIENT_ID_CHARS: Final = 1024
MAX_REQUEST_OBJECT_BYTES: Final = 256 * 1024
MAX_NONCE_CHARS: Final = 512
MAX_VP_TOKEN_BYTES: Final = 4 * 1024 * 1024
MAX_ERROR_DESCRIPTION_CHARS: Final = 1024

# §8.5 error codes of the Authorization Error Response (with RFC 6749 §4.1.2.1's).
ERROR_INVALID_REQUEST: Final = "invalid_request"
ERROR_ACCESS_DENIED: Final = "access_denied"
ERROR_INVALID_CLIENT: Final = "invalid_client"
ERROR_INVALID_SCOPE: Final = "invalid_scope"
ERROR_VP_FORMATS_NOT_SUPPORTED: Final = "vp_formats_not_supported"
ERROR_INVALID_REQUEST_URI_METHOD: Final = "invalid_request_uri_method"
ERROR_INVALID_TRANSACTION_DATA: Final = "invalid_transaction_data"
ERROR_WALLET_UNAVAILABLE: Final = "wallet_unavailable"
RESPONSE_ERROR_CODES: Final = frozenset(
    {
        ERROR_INVALID_REQUEST,
        ERROR_ACCESS_DENIED,
        ERROR_INVALID_CLIENT,
        ERROR_INVALID_SCOPE,
        ERROR_VP_FORMATS_NOT_SUPPORTED,
        ERROR_INVALID_REQUEST_URI_METHOD,
        ERROR_INVALID_TRANSACTION_DATA,
        ERROR_WALLET_UNAVAILABLE,
        "unauthorized_client",
        "unsupported_response_type",
        "server_error",
        "temporarily_unavailable",
    }
)

#: §5.2: nonce and state use "ASCII URL safe characters" only.
_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")
#: §6.1: a Credential Query id is alphanumeric, underscore or hyphen.
_QUERY_ID = re.compile(r"[A-Za-z0-9_-]+")
_DNS_NAME = re.compile(r"(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*")
#: RFC 6749 §4.1.2.1: error and error_description characters.
_ERROR_CODE = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]+")


# --- errors ----------------------------------------------------------------------------------


class Oid4vpError(IntygError):
    """An OpenID4VP failure. ``oauth_error`` is the §8.5 code a Wallet sends back for it."""

    code = "oid4vp_invalid"
    title = "The OpenID4VP message is not valid"
    oauth_error: ClassVar[str] = ERROR_INVALID_REQUEST


class RequestLinkInvalid(Oid4vpError):
    code = "oid4vp_request_link_invalid"
    title = "The presentation request link is not valid"


class RequestUriMethodInvalid(Oid4vpError):
    code = "oid4vp_request_uri_method_invalid"
    title = "request_uri_method is neither get nor post"
    oauth_error = ERROR_INVALID_REQUEST_URI_METHOD


class RequestObjectInvalid(Oid4vpError):
    code = "oid4vp_request_invalid"
    title = "The presentation request is not valid"


class RequestExpired(Oid4vpError):
    code = "oid4vp_request_expired"
    title = "The presentation request has expired"


class RequestSignatureInvalid(Oid4vpError):
    code = "oid4vp_request_signature_invalid"
    title = "The presentation request's signature does not verify"


class RequestCertificateInvalid(Oid4vpError):
    """The ``x5c`` chain failed; ``__cause__`` is the ``core.x509`` error with its own code."""

    code = "oid4vp_request_certificate_invalid"
    title = "The verifier's certificate is not trusted for this client identifier"
    oauth_error = ERROR_INVALID_CLIENT


class ClientIdUnsupported(Oid4vpError):
    code = "oid4vp_client_id_unsupported"
    title = "The verifier's client identifier prefix is not supported"


class ClientIdMismatch(Oid4vpError):
    code = "oid4vp_client_id_mismatch"
    title = "The client_id of the link and of the request object differ"


class UnsignedRequestRejected(Oid4vpError):
    code = "oid4vp_unsigned_request_rejected"
    title = "Unsigned presentation requests are accepted only in development"


class WalletNonceMismatch(RequestObjectInvalid):
    code = "oid4vp_wallet_nonce_mismatch"
    title = "The request object does not return the wallet_nonce the wallet sent"


class ResponseUriMismatch(Oid4vpError):
    code = "oid4vp_response_uri_mismatch"
    title = "The response_uri does not belong to the verifier's client identifier"


class TransactionDataUnsupported(Oid4vpError):
    code = "oid4vp_transaction_data_unsupported"
    title = "Requests with transaction_data are not supported"
    oauth_error = ERROR_INVALID_TRANSACTION_DATA


class ResponseInvalid(Oid4vpError):
    """Verifier side: a ``direct_post`` body that does not follow §8.1/§8.2."""

    code = "oid4vp_response_invalid"
    title = "The presentation response is not valid"


# --- URLs and identifiers --------------------------------------------------------------------


def _check_url(
    url: object, what: str, *, allow_http_loopback: bool, error: type[Oid4vpError]
) -> str:
    if not isinstance(url, str) or not url or len(url) > MAX_REQUEST_URI_CHARS:
        raise error(f"{what} must be a URL of at most {MAX_REQUEST_URI_CHARS} characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        raise error(f"{what} is not a valid URL") from None
    if not host or parts.username is not None or parts.password is not None or parts.fragment:
        raise error(f"{what} must be an absolute URL with a host, no user info and no fragment")
    if parts.scheme == "https" or (
        parts.scheme == "http" and allow_http_loopback and is_loopback_host(host)
    ):
        return url
    raise error(f"{what} must use https (http is allowed for loopback hosts in development)")


def split_client_id(client_id: str) -> tuple[str, str]:
    """§5.9.1: ``<prefix>:<original client id>``; the prefix ends at the first colon."""
    prefix, colon, original = client_id.partition(":")
    if not colon:
        raise ClientIdUnsupported("pre-registered clients (no prefix) are not supported")
    return prefix + colon, original


def x509_san_dns_client_id(dns_name: str) -> str:
    return PREFIX_X509_SAN_DNS + dns_name


def _check_dns_name(name: str) -> str:
    if not _DNS_NAME.fullmatch(name):
        raise ClientIdUnsupported(f"{name!r} is not a DNS name (§5.9.3)")
    return name


# --- the request link (§5.7, RFC 9101 §5.2) --------------------------------------------------


def authorization_request_link(
    client_id: str, request_uri: str, *, request_uri_method: str | None = None
) -> str:
    """``openid4vp://?client_id=…&request_uri=…`` (a QR code's or a same-device link's text)."""
    link = f"{SCHEME}://?client_id={quote(client_id, safe='')}"
    link += f"&request_uri={quote(request_uri, safe='')}"
    if request_uri_method is not None:
        if request_uri_method not in REQUEST_URI_METHODS:
            raise RequestUriMethodInvalid()
        link += f"&request_uri_method={request_uri_method}"
    return link


@dataclass(frozen=True)
class RequestLink:
    client_id: str
    request_uri: str
    request_uri_method: str  # "get" when absent (RFC 9101 default)


def parse_authorization_request_link(
    link: str, *, allow_http_loopback: bool = False
) -> RequestLink:
    """Wallet side: the link must carry exactly one ``client_id`` and one ``request_uri``."""
    if not isinstance(link, str) or not link.isascii() or len(link) > MAX_LINK_CHARS:
        raise RequestLinkInvalid(f"the link must be ASCII text of at most {MAX_LINK_CHARS} chars")
    try:
        parts = urlsplit(link.strip())
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise RequestLinkInvalid("the link's query string is not well-formed") from None
    if parts.scheme not in LINK_SCHEMES:
        raise RequestLinkInvalid(f"the link's scheme must be one of {sorted(LINK_SCHEMES)}")
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    if "request" in params:
        raise RequestLinkInvalid("requests by value are not supported; use request_uri")
    for name in ("client_id", "request_uri", "request_uri_method"):
        if len(params.get(name, [])) > 1:
            raise RequestLinkInvalid(f"{name} appears more than once")
    client_id = params.get("client_id", [""])[0]
    if not client_id or len(client_id) > MAX_CLIENT_ID_CHARS:
        raise RequestLinkInvalid("the link must carry one non-empty client_id")
    if "request_uri" not in params:
        raise RequestLinkInvalid("the link must carry a request_uri (RFC 9101 §5.2)")
    request_uri = _check_url(
        params["request_uri"][0],
        "request_uri",
        allow_http_loopback=allow_http_loopback,
        error=RequestLinkInvalid,
    )
    method = params.get("request_uri_method", ["get"])[0]
    if method not in REQUEST_URI_METHODS:
        raise RequestUriMethodInvalid(f"request_uri_method {method!r} is neither get nor post")
    return RequestLink(client_id=client_id, request_uri=request_uri, request_uri_method=method)


def request_uri_post_form(algorithms: Sequence[str], wallet_nonce: str) -> dict[str, str]:
    """Wallet side, ``request_uri_method=post`` (§5.10): the ``application/x-www-form-
    urlencoded`` body of the POST to the ``request_uri``: the Wallet's metadata (§10: the
    formats and algorithms it supports, the request signing algorithms it accepts) and a
    fresh ``wallet_nonce``, which the Request Object must return (§5.10.1). The POST asks for
    ``Accept: application/oauth-authz-req+jwt``."""
    algs = sorted(algorithms)
    metadata = {
        "vp_formats_supported": {
            FORMAT_SD_JWT_VC: {"sd-jwt_alg_values": algs, "kb-jwt_alg_values": algs}
        },
        "request_object_signing_alg_values_supported": algs,
        "client_id_prefixes_supported": [
            prefix.rstrip(":") for prefix in (PREFIX_X509_SAN_DNS, PREFIX_REDIRECT_URI)
        ],
    }
    return {
        "wallet_metadata": json.dumps(metadata, separators=(",", ":")),
        "wallet_nonce": wallet_nonce,
    }


# --- the Request Object (§5, §5.9.3) ---------------------------------------------------------


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
) -> dict[str, object]:
    """Verifier side: the claims of a Request Object for ``vp_token`` over ``direct_post``."""
    payload: dict[str, object] = {
        "client_id": client_id,
        "aud": aud,
        "response_type": RESPONSE_TYPE_VP_TOKEN,
        "response_mode": RESPONSE_MODE_DIRECT_POST,
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
    return payload


def sign_request_object(
    payload: Mapping[str, object], key: jose.PrivateKey, x5c: Sequence[str]
) -> str:
    """Verifier side: ``typ: oauth-authz-req+jwt`` with the certificate chain in ``x5c``."""
    return jose.sign(
        payload, key, typ=TYP_REQUEST_OBJECT, header={"x5c": list(x5c)}, include_kid=False
    )


def unsigned_request_object(payload: Mapping[str, object]) -> str:
    """Development only: an unsecured JWT (RFC 7519 §6) for the ``redirect_uri:`` prefix."""
    header = {"alg": "none", "typ": TYP_REQUEST_OBJECT}
    return (
        f"{jose.b64url_encode(jose.compact_json(header))}."
        f"{jose.b64url_encode(jose.compact_json(dict(payload)))}."
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
    if prefix == PREFIX_X509_SAN_DNS:
        dns = _check_dns_name(original.lower())
        jws, leaf = _verify_x509_san_dns(token, dns, trust_anchors, now)
        thumbprint: str | None = certs.certificate_thumbprint(leaf)
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
            f"(supported: {PREFIX_X509_SAN_DNS!r})"
        )
    claims = jws.payload
    if claims.get("client_id") != expected_client_id:
        raise ClientIdMismatch("the request object's client_id differs from the link's (§5.10.1)")
    if wallet_nonce is not None and claims.get("wallet_nonce") != wallet_nonce:
        raise WalletNonceMismatch(
            "the request object's wallet_nonce is missing or not the one sent (§5.10.1)"
        )
    _check_claims(claims, now=now, skew=skew, audience=audience)
    response_uri = _check_url(
        claims["response_uri"],
        "response_uri",
        allow_http_loopback=allow_http_loopback,
        error=RequestObjectInvalid,
    )
    _check_response_uri(prefix, original, response_uri)
    state = claims.get("state")
    return VerifiedRequest(
        client_id=expected_client_id,
        client_id_prefix=prefix.rstrip(":"),
        original_client_id=original,
        response_uri=response_uri,
        response_mode=RESPONSE_MODE_DIRECT_POST,
        nonce=str(claims["nonce"]),
        state=state if isinstance(state, str) else None,
        dcql_query=dict(_as_dict(claims["dcql_query"])),
        client_metadata=dict(_as_dict(claims.get("client_metadata", {}))),
        iat=_int(claims, "iat") if "iat" in claims else None,
        exp=_int(claims, "exp"),
        verified=prefix == PREFIX_X509_SAN_DNS,
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


def _verify_x509_san_dns(
    token: str, dns: str, trust_anchors: Sequence[x509.Certificate], now: int
) -> tuple[jose.Jws, x509.Certificate]:
    try:
        parsed = jose.parse(token, max_bytes=MAX_REQUEST_OBJECT_BYTES)
        jose.check_header(parsed.header, typ=TYP_REQUEST_OBJECT)
    except jose.TypeMismatch as exc:
        raise RequestObjectInvalid(f"typ must be {TYP_REQUEST_OBJECT!r} (§5)") from exc
    except jose.AlgorithmNotAllowed as exc:
        raise RequestSignatureInvalid(f"x509_san_dns requests are signed: {exc.detail}") from exc
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
    if claims.get("response_mode") != RESPONSE_MODE_DIRECT_POST:
        raise RequestObjectInvalid("response_mode must be direct_post")
    if "response_uri" not in claims:
        raise RequestObjectInvalid("response_uri is required with direct_post (§8.2)")
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
    if not isinstance(nonce, str) or len(nonce) > MAX_NONCE_CHARS or not _URL_SAFE.fullmatch(nonce):
        raise RequestObjectInvalid("nonce is required and uses ASCII URL-safe characters (§5.2)")
    state = claims.get("state")
    if state is not None and (
        not isinstance(state, str) or len(state) > MAX_NONCE_CHARS or not _URL_SAFE.fullmatch(state)
    ):
        raise RequestObjectInvalid("state uses ASCII URL-safe characters only (§5.2)")
    _check_dcql_shape(claims.get("dcql_query"))
    metadata = claims.get("client_metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise RequestObjectInvalid("client_metadata must be a JSON object (§5.1)")
    _check_time(claims, now=now, skew=skew)


def _check_dcql_shape(query: object) -> list[str]:
    """The shape that the response depends on (§6.1); DCQL semantics live in ``dcql``."""
    if not isinstance(query, dict):
        raise RequestObjectInvalid("dcql_query is required and must be a JSON object")
    credentials = query.get("credentials")
    if not isinstance(credentials, list) or not credentials:
        raise RequestObjectInvalid("dcql_query.credentials must be a non-empty array (§6)")
    ids: list[str] = []
    for entry in credentials:
        cid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(cid, str) or not _QUERY_ID.fullmatch(cid) or cid in ids:
            raise RequestObjectInvalid("each Credential Query needs a unique id of [A-Za-z0-9_-]")
        ids.append(cid)
    return ids


# --- the response (§8.1, §8.2, §8.5) ---------------------------------------------------------


Presentation = str | dict[str, object]


def check_vp_token(value: object) -> dict[str, list[Presentation]]:
    """§8.1: an object keyed by Credential Query id, each value a non-empty array."""
    if not isinstance(value, dict) or not value:
        raise ResponseInvalid("vp_token must be a non-empty JSON object (§8.1)")
    checked: dict[str, list[Presentation]] = {}
    for query_id, presentations in value.items():
        if not _QUERY_ID.fullmatch(query_id):
            raise ResponseInvalid(f"vp_token key {query_id[:64]!r} is not a Credential Query id")
        if not isinstance(presentations, list) or not presentations:
            raise ResponseInvalid(f"vp_token[{query_id!r}] must be a non-empty array (§8.1)")
        for item in presentations:
            if not ((isinstance(item, str) and item) or isinstance(item, dict)):
                raise ResponseInvalid(f"vp_token[{query_id!r}] holds a non-presentation")
        checked[query_id] = list(presentations)
    return checked


def check_vp_token_against_query(
    vp_token: Mapping[str, Sequence[Presentation]], dcql_query: Mapping[str, object]
) -> None:
    """§8.1: only ids of the query; one Presentation unless the query says ``multiple``."""
    try:
        ids = _check_dcql_shape(dict(dcql_query))
    except RequestObjectInvalid as exc:
        raise ResponseInvalid(f"the request's dcql_query is not valid: {exc.detail}") from None
    credentials = dcql_query["credentials"]
    assert isinstance(credentials, list)
    multiple = {q["id"]: q.get("multiple") is True for q in credentials}
    for query_id, presentations in vp_token.items():
        if query_id not in ids:
            raise ResponseInvalid(f"vp_token answers {query_id!r}, which was not asked for")
        if len(presentations) > 1 and not multiple[query_id]:
            raise ResponseInvalid(f"{query_id!r} is not 'multiple': one Presentation only (§8.1)")


def direct_post_form(
    vp_token: Mapping[str, Sequence[Presentation]], state: str | None
) -> dict[str, str]:
    """Wallet side: the ``application/x-www-form-urlencoded`` body of §8.2."""
    checked = check_vp_token({k: list(v) for k, v in vp_token.items()})
    form = {"vp_token": json.dumps(checked, separators=(",", ":"), ensure_ascii=False)}
    if state is not None:
        form["state"] = state
    return form


def direct_post_error_form(
    error: str, error_description: str | None, state: str | None
) -> dict[str, str]:
    """Wallet side: an Authorization Error Response (§8.5) sent with ``direct_post``."""
    if error not in RESPONSE_ERROR_CODES:
        raise ValueError(f"{error!r} is not an OpenID4VP / OAuth 2.0 error code")
    form = {"error": error}
    if error_description is not None:
        if not _ERROR_CODE.fullmatch(error_description):
            raise ValueError("error_description uses printable ASCII without '\"' and '\\'")
        form["error_description"] = error_description[:MAX_ERROR_DESCRIPTION_CHARS]
    if state is not None:
        form["state"] = state
    return form


@dataclass(frozen=True)
class DirectPostResponse:
    """Verifier side: exactly one of ``vp_token`` and ``error`` is set."""

    vp_token: dict[str, list[Presentation]] | None
    error: str | None
    error_description: str | None
    state: str | None


def parse_direct_post(form: Mapping[str, str]) -> DirectPostResponse:
    """Verifier side: validate a ``direct_post`` body (the caller rejects repeated fields)."""
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in form.items()):
        raise ResponseInvalid("form fields must be strings")
    if "response" in form:
        raise ResponseInvalid("direct_post.jwt (encrypted) responses were not asked for")
    state = form.get("state")
    if state is not None and (len(state) > MAX_NONCE_CHARS or not _URL_SAFE.fullmatch(state)):
        raise ResponseInvalid("state uses ASCII URL-safe characters only (§5.2)")
    if ("vp_token" in form) == ("error" in form):
        raise ResponseInvalid("the response carries exactly one of vp_token and error")
    if "error" in form:
        error, description = form["error"], form.get("error_description")
        if not _ERROR_CODE.fullmatch(error) or len(error) > 128:
            raise ResponseInvalid("error is not an RFC 6749 error code")
        if description is not None and (
            len(description) > MAX_ERROR_DESCRIPTION_CHARS or not _ERROR_CODE.fullmatch(description)
        ):
            raise ResponseInvalid("error_description is not RFC 6749 text")
        return DirectPostResponse(None, error, description, state)
    raw = form["vp_token"]
    if len(raw) > MAX_VP_TOKEN_BYTES:
        raise ResponseInvalid(f"vp_token is larger than {MAX_VP_TOKEN_BYTES} bytes")
    try:
        value = jose.json_object(raw.encode("utf-8"), "vp_token")
    except (JoseError, UnicodeEncodeError):  # a lone surrogate is a str but not UTF-8
        raise ResponseInvalid("vp_token must be a JSON-encoded object (§8.1)") from None
    return DirectPostResponse(check_vp_token(value), None, None, state)

"""The request link (§5.7, RFC 9101 §5.2) and the ``request_uri_method=post`` form (§5.10)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit

from core.standards.oid4vp.client_id import check_url
from core.standards.oid4vp.errors import RequestLinkInvalid, RequestUriMethodInvalid
from core.standards.oid4vp.vocabulary import (
    FORMAT_SD_JWT_VC,
    LINK_SCHEMES,
    MAX_CLIENT_ID_CHARS,
    MAX_LINK_CHARS,
    PREFIX_REDIRECT_URI,
    PREFIX_X509_HASH,
    PREFIX_X509_SAN_DNS,
    REQUEST_URI_METHODS,
    SCHEME,
)


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
    request_uri = check_url(
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
            prefix.rstrip(":")
            for prefix in (PREFIX_X509_HASH, PREFIX_X509_SAN_DNS, PREFIX_REDIRECT_URI)
        ],
    }
    return {
        "wallet_metadata": json.dumps(metadata, separators=(",", ":")),
        "wallet_nonce": wallet_nonce,
    }

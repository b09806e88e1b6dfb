"""The vocabulary of OpenID4VP 1.0: media types, Client Identifier Prefixes, parameter values,
the §8.5 error codes, and the bounds Intyg holds each message to."""

from __future__ import annotations

import re
from typing import Final

TYP_REQUEST_OBJECT: Final = "oauth-authz-req+jwt"
MEDIA_TYPE_REQUEST_OBJECT: Final = "application/oauth-authz-req+jwt"
RESPONSE_TYPE_VP_TOKEN: Final = "vp_token"
RESPONSE_MODE_DIRECT_POST: Final = "direct_post"
#: §8.3.1: the response is an encrypted JWT in the form field ``response``; HAIP 1.0's mode.
RESPONSE_MODE_DIRECT_POST_JWT: Final = "direct_post.jwt"
RESPONSE_MODES: Final = frozenset({RESPONSE_MODE_DIRECT_POST, RESPONSE_MODE_DIRECT_POST_JWT})
SCHEME: Final = "openid4vp"
#: Link schemes a wallet accepts: §13.1.2's, the EU wallet's and HAIP's, and a universal link.
LINK_SCHEMES: Final = frozenset({SCHEME, "eudi-openid4vp", "haip-vp", "https"})
PREFIX_X509_SAN_DNS: Final = "x509_san_dns:"
#: §5.9.3: base64url SHA-256 of the DER leaf certificate; HAIP 1.0's prefix.
PREFIX_X509_HASH: Final = "x509_hash:"
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
URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")
#: §6.1: a Credential Query id is alphanumeric, underscore or hyphen.
QUERY_ID = re.compile(r"[A-Za-z0-9_-]+")
#: §5.9.3: an ``x509_hash`` value, base64url SHA-256 without padding.
SHA256_B64URL = re.compile(r"[A-Za-z0-9_-]{43}")
DNS_NAME = re.compile(r"(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*")
#: RFC 6749 §4.1.2.1: error and error_description characters.
ERROR_CODE = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]+")

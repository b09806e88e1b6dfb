"""The OAuth 2.0 authorization code flow as OpenID4VCI 1.0 and HAIP 1.0 profile it.

- OpenID4VCI 1.0 §5.1.1 (``authorization_details`` of type ``openid_credential``), §5.1.2
  (``scope`` per credential configuration), §5.2 (the authorization response), §6.1/§6.2
  (the token request with ``authorization_code``, ``credential_identifiers`` in the answer),
  §8.2 (``credential_identifier``) and §8.3.1.2 (``unknown_credential_identifier``);
- RFC 9126 (Pushed Authorization Requests): §2.1 the request, §2.2 ``request_uri`` and
  ``expires_in``, §2.3 errors, §4 the authorization request with ``request_uri``;
- RFC 7636 (PKCE): §4.2 ``S256``, §4.6 the server's check;
- RFC 9207: §2 ``iss`` in the authorization response;
- HAIP 1.0 §4: PAR, PKCE with ``S256`` and DPoP-bound tokens are required of the issuer.

No FastAPI, no SQL, no HTTP here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection, Mapping
from typing import Final
from urllib.parse import urlsplit

from core import jose, jsontext
from core.errors import OAuthError
from core.standards.oid4vci import InvalidRequest

AUTHORIZATION_CODE_GRANT: Final = "authorization_code"
REFRESH_TOKEN_GRANT: Final = "refresh_token"
RESPONSE_TYPE_CODE: Final = "code"
PKCE_S256: Final = "S256"
REQUEST_URI_PREFIX: Final = "urn:ietf:params:oauth:request_uri:"  # RFC 9126 §2.2
TYPE_OPENID_CREDENTIAL: Final = "openid_credential"  # OpenID4VCI 1.0 §5.1.1
# RFC 7636 §4.1/§4.2: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
_PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


class InvalidScope(OAuthError):
    """RFC 6749 §4.1.2.1: a ``scope`` value this issuer does not know."""

    code = "invalid_scope"
    title = "The requested scope is not valid"


class InvalidAuthorizationDetails(OAuthError):
    """RFC 9396 §5: ``authorization_details`` that are malformed or name what is not offered."""

    code = "invalid_authorization_details"
    title = "The authorization details are not valid"


class UnsupportedResponseType(OAuthError):
    code = "unsupported_response_type"
    title = "Only the response type code is supported"


class UnknownCredentialIdentifier(OAuthError):
    """OpenID4VCI 1.0 §8.3.1.2: a ``credential_identifier`` not given to this grant."""

    code = "unknown_credential_identifier"
    title = "The credential identifier is not known"


def pkce_value(value: str | None, name: str) -> str:
    """A ``code_verifier`` or ``code_challenge`` of the allowed shape (RFC 7636 §4.1, §4.2)."""
    if not value:
        raise InvalidRequest(f"{name} is missing (PKCE is required)")
    if not _PKCE_VALUE.fullmatch(value):
        raise InvalidRequest(f"{name} must be 43 to 128 unreserved characters")
    return value


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: ``BASE64URL(SHA256(ASCII(code_verifier)))``."""
    return jose.b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def verifier_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 §4.6, in constant time."""
    return hmac.compare_digest(s256(verifier).encode(), challenge.encode())


MAX_REDIRECT_URI = 2048  # the column that keeps it


def redirect_uri(value: str | None, *, development: bool) -> str:
    """A wallet's redirect URI: absolute, without a fragment (RFC 6749 §3.1.2); ``https`` or
    a private-use scheme of a native app (RFC 8252 §7.1), plain ``http`` only to loopback in
    development."""
    if not value:
        raise InvalidRequest("redirect_uri is missing")
    if len(value) > MAX_REDIRECT_URI:
        raise InvalidRequest(f"redirect_uri is longer than {MAX_REDIRECT_URI} characters")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise InvalidRequest("redirect_uri is not a URI") from None
    if not parts.scheme or parts.fragment or "#" in value:
        raise InvalidRequest("redirect_uri must be an absolute URI without a fragment")
    if parts.scheme == "http":
        loopback = host in ("localhost", "127.0.0.1", "::1")
        if not (development and loopback):
            raise InvalidRequest("redirect_uri must not be plain http")
    elif parts.scheme in ("https",) and not host:
        raise InvalidRequest("redirect_uri has no host")
    elif parts.scheme in ("javascript", "data", "file"):
        raise InvalidRequest("redirect_uri has a scheme that cannot be a redirect target")
    return value


def requested_configurations(
    scope: str | None, authorization_details: str | None, offered: Mapping[str, str]
) -> tuple[list[str], bool]:
    """The credential configuration ids asked for, and whether by ``authorization_details``.

    ``offered`` maps each scope value to its configuration id (OpenID4VCI 1.0 §12.2.4
    ``scope``). An unknown scope is ``invalid_scope``; details of another type or naming a
    configuration not offered are ``invalid_authorization_details``; neither is
    ``invalid_request`` (§5.1)."""
    wanted: list[str] = []
    if authorization_details is not None:
        wanted.extend(_details(authorization_details, set(offered.values())))
    if scope is not None:
        for value in scope.split(" "):
            if value not in offered:
                raise InvalidScope("the scope names no credential configuration of this issuer")
            wanted.append(offered[value])
    if not wanted:
        raise InvalidRequest("ask for a credential with scope or authorization_details")
    return list(dict.fromkeys(wanted)), authorization_details is not None


def _details(text: str, configurations: Collection[str]) -> list[str]:
    try:
        value = jsontext.loads(text.encode())
    except jsontext.JsonRejected:
        raise InvalidAuthorizationDetails("authorization_details is not JSON") from None
    if not isinstance(value, list) or not value:
        raise InvalidAuthorizationDetails("authorization_details must be a non-empty array")
    ids: list[str] = []
    for entry in value:
        if not isinstance(entry, dict) or entry.get("type") != TYPE_OPENID_CREDENTIAL:
            raise InvalidAuthorizationDetails("each entry must be of type openid_credential")
        configuration = entry.get("credential_configuration_id")
        if not isinstance(configuration, str) or configuration not in configurations:
            raise InvalidAuthorizationDetails(
                "credential_configuration_id names no configuration of this issuer"
            )
        assert isinstance(configuration, str)
        ids.append(configuration)
    return ids


def token_details(configuration_ids: list[str], identifiers: list[str]) -> list[dict[str, object]]:
    """OpenID4VCI 1.0 §6.2: ``authorization_details`` of the token response, each with its
    ``credential_identifiers``."""
    return [
        {
            "type": TYPE_OPENID_CREDENTIAL,
            "credential_configuration_id": configuration,
            "credential_identifiers": identifiers,
        }
        for configuration in configuration_ids
    ]

"""Client identifiers (§5.9: ``x509_san_dns:``, ``x509_hash:`` and ``redirect_uri:``
prefixes) and the URLs they name."""

from __future__ import annotations

from urllib.parse import urlsplit

from cryptography import x509

from core.config import is_loopback_host
from core.standards.oid4vp.errors import ClientIdUnsupported, Oid4vpError
from core.standards.oid4vp.vocabulary import (
    DNS_NAME,
    MAX_REQUEST_URI_CHARS,
    PREFIX_X509_HASH,
    PREFIX_X509_SAN_DNS,
)
from core.x509 import certificate_thumbprint


def check_url(
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


def x509_hash_client_id(leaf: x509.Certificate) -> str:
    """§5.9.3: ``x509_hash:`` and the base64url SHA-256 of the DER leaf certificate."""
    return PREFIX_X509_HASH + certificate_thumbprint(leaf)


def check_dns_name(name: str) -> str:
    if not DNS_NAME.fullmatch(name):
        raise ClientIdUnsupported(f"{name!r} is not a DNS name (§5.9.3)")
    return name

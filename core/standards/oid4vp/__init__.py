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
        ``x509_hash:<hash>`` (HAIP 1.0's prefix): the base64url SHA-256 of the DER leaf
        certificate, which signs the request as above; the Wallet validates the chain, and "all
        Verifier metadata other than the public key MUST be obtained from the
        ``client_metadata`` parameter" (no host is bound, so no FQDN rule applies).
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
- §8.3, §8.3.1  Response Mode ``direct_post.jwt`` (HAIP 1.0's): the verifier offers a fresh
        ECDH-ES P-256 key per request in ``client_metadata.jwks`` (each JWK with ``alg`` and
        ``kid``) and ``encrypted_response_enc_values_supported``; the wallet posts
        ``response=<JWE>`` (the JWE's ``kid`` is the key's) whose payload holds the response
        parameters; a wallet that cannot encrypt MAY send an error unencrypted.
- §8.5  error codes for the Authorization Error Response.

Pure functions: fetching the ``request_uri`` and posting to the ``response_uri`` belong to the
caller (through ``core.http``). Signatures go through ``core.jose``; certificate chains through
``core.x509``. The one unsigned JWT accepted — ``alg: none`` under ``redirect_uri:``, and only
when the caller allows it for development — is parsed, never "verified".

One module per part: ``vocabulary`` (constants and bounds), ``client_id`` (§5.9), ``link``
(§5.7, §5.10), ``request`` (§5, the Request Object), ``response`` (§8), and all the error
classes in ``errors``. Callers use the names re-exported here:
``from core.standards import oid4vp; oid4vp.verify_request_object(...)``.
"""

from __future__ import annotations

from core.standards.oid4vp.client_id import (
    check_url as check_url,
)
from core.standards.oid4vp.client_id import (
    split_client_id as split_client_id,
)
from core.standards.oid4vp.client_id import (
    x509_hash_client_id as x509_hash_client_id,
)
from core.standards.oid4vp.client_id import (
    x509_san_dns_client_id as x509_san_dns_client_id,
)
from core.standards.oid4vp.encryption import (
    ResponseEncryption as ResponseEncryption,
)
from core.standards.oid4vp.encryption import (
    choose_response_encryption as choose_response_encryption,
)
from core.standards.oid4vp.encryption import (
    encryption_metadata as encryption_metadata,
)
from core.standards.oid4vp.errors import (
    ClientIdMismatch as ClientIdMismatch,
)
from core.standards.oid4vp.errors import (
    ClientIdUnsupported as ClientIdUnsupported,
)
from core.standards.oid4vp.errors import (
    Oid4vpError as Oid4vpError,
)
from core.standards.oid4vp.errors import (
    RequestCertificateInvalid as RequestCertificateInvalid,
)
from core.standards.oid4vp.errors import (
    RequestExpired as RequestExpired,
)
from core.standards.oid4vp.errors import (
    RequestLinkInvalid as RequestLinkInvalid,
)
from core.standards.oid4vp.errors import (
    RequestObjectInvalid as RequestObjectInvalid,
)
from core.standards.oid4vp.errors import (
    RequestSignatureInvalid as RequestSignatureInvalid,
)
from core.standards.oid4vp.errors import (
    RequestUriMethodInvalid as RequestUriMethodInvalid,
)
from core.standards.oid4vp.errors import (
    ResponseEncryptionUnsupported as ResponseEncryptionUnsupported,
)
from core.standards.oid4vp.errors import (
    ResponseInvalid as ResponseInvalid,
)
from core.standards.oid4vp.errors import (
    ResponseNotDecrypted as ResponseNotDecrypted,
)
from core.standards.oid4vp.errors import (
    ResponseUriMismatch as ResponseUriMismatch,
)
from core.standards.oid4vp.errors import (
    TransactionDataUnsupported as TransactionDataUnsupported,
)
from core.standards.oid4vp.errors import (
    UnsignedRequestRejected as UnsignedRequestRejected,
)
from core.standards.oid4vp.errors import (
    WalletNonceMismatch as WalletNonceMismatch,
)
from core.standards.oid4vp.link import (
    RequestLink as RequestLink,
)
from core.standards.oid4vp.link import (
    authorization_request_link as authorization_request_link,
)
from core.standards.oid4vp.link import (
    parse_authorization_request_link as parse_authorization_request_link,
)
from core.standards.oid4vp.link import (
    request_uri_post_form as request_uri_post_form,
)
from core.standards.oid4vp.request import (
    VerifiedRequest as VerifiedRequest,
)
from core.standards.oid4vp.request import (
    request_object_hash as request_object_hash,
)
from core.standards.oid4vp.request import (
    request_object_payload as request_object_payload,
)
from core.standards.oid4vp.request import (
    sign_request_object as sign_request_object,
)
from core.standards.oid4vp.request import (
    verify_request_object as verify_request_object,
)
from core.standards.oid4vp.response import (
    DirectPostResponse as DirectPostResponse,
)
from core.standards.oid4vp.response import (
    Presentation as Presentation,
)
from core.standards.oid4vp.response import (
    check_vp_token as check_vp_token,
)
from core.standards.oid4vp.response import (
    check_vp_token_against_query as check_vp_token_against_query,
)
from core.standards.oid4vp.response import (
    direct_post_error_form as direct_post_error_form,
)
from core.standards.oid4vp.response import (
    direct_post_form as direct_post_form,
)
from core.standards.oid4vp.response import (
    parse_direct_post as parse_direct_post,
)
from core.standards.oid4vp.response import (
    vp_token_json as vp_token_json,
)
from core.standards.oid4vp.vocabulary import (
    AUD_STATIC_DISCOVERY as AUD_STATIC_DISCOVERY,
)
from core.standards.oid4vp.vocabulary import (
    ERROR_ACCESS_DENIED as ERROR_ACCESS_DENIED,
)
from core.standards.oid4vp.vocabulary import (
    ERROR_INVALID_CLIENT as ERROR_INVALID_CLIENT,
)
from core.standards.oid4vp.vocabulary import (
    ERROR_INVALID_REQUEST as ERROR_INVALID_REQUEST,
)
from core.standards.oid4vp.vocabulary import (
    ERROR_INVALID_REQUEST_URI_METHOD as ERROR_INVALID_REQUEST_URI_METHOD,
)
from core.standards.oid4vp.vocabulary import (
    ERROR_INVALID_SCOPE as ERROR_INVALID_SCOPE,
)
from core.standards.oid4vp.vocabulary import (
    ERROR_INVALID_TRANSACTION_DATA as ERROR_INVALID_TRANSACTION_DATA,
)
from core.standards.oid4vp.vocabulary import (
    ERROR_VP_FORMATS_NOT_SUPPORTED as ERROR_VP_FORMATS_NOT_SUPPORTED,
)
from core.standards.oid4vp.vocabulary import (
    ERROR_WALLET_UNAVAILABLE as ERROR_WALLET_UNAVAILABLE,
)
from core.standards.oid4vp.vocabulary import (
    FORMAT_SD_JWT_VC as FORMAT_SD_JWT_VC,
)
from core.standards.oid4vp.vocabulary import (
    LINK_SCHEMES as LINK_SCHEMES,
)
from core.standards.oid4vp.vocabulary import (
    MAX_CLIENT_ID_CHARS as MAX_CLIENT_ID_CHARS,
)
from core.standards.oid4vp.vocabulary import (
    MAX_ERROR_DESCRIPTION_CHARS as MAX_ERROR_DESCRIPTION_CHARS,
)
from core.standards.oid4vp.vocabulary import (
    MAX_LINK_CHARS as MAX_LINK_CHARS,
)
from core.standards.oid4vp.vocabulary import (
    MAX_NONCE_CHARS as MAX_NONCE_CHARS,
)
from core.standards.oid4vp.vocabulary import (
    MAX_REQUEST_OBJECT_BYTES as MAX_REQUEST_OBJECT_BYTES,
)
from core.standards.oid4vp.vocabulary import (
    MAX_REQUEST_URI_CHARS as MAX_REQUEST_URI_CHARS,
)
from core.standards.oid4vp.vocabulary import (
    MAX_VP_TOKEN_BYTES as MAX_VP_TOKEN_BYTES,
)
from core.standards.oid4vp.vocabulary import (
    MEDIA_TYPE_REQUEST_OBJECT as MEDIA_TYPE_REQUEST_OBJECT,
)
from core.standards.oid4vp.vocabulary import (
    PREFIX_REDIRECT_URI as PREFIX_REDIRECT_URI,
)
from core.standards.oid4vp.vocabulary import (
    PREFIX_X509_HASH as PREFIX_X509_HASH,
)
from core.standards.oid4vp.vocabulary import (
    PREFIX_X509_SAN_DNS as PREFIX_X509_SAN_DNS,
)
from core.standards.oid4vp.vocabulary import (
    REQUEST_URI_METHODS as REQUEST_URI_METHODS,
)
from core.standards.oid4vp.vocabulary import (
    RESPONSE_ERROR_CODES as RESPONSE_ERROR_CODES,
)
from core.standards.oid4vp.vocabulary import (
    RESPONSE_MODE_DIRECT_POST as RESPONSE_MODE_DIRECT_POST,
)
from core.standards.oid4vp.vocabulary import (
    RESPONSE_MODE_DIRECT_POST_JWT as RESPONSE_MODE_DIRECT_POST_JWT,
)
from core.standards.oid4vp.vocabulary import (
    RESPONSE_TYPE_VP_TOKEN as RESPONSE_TYPE_VP_TOKEN,
)
from core.standards.oid4vp.vocabulary import (
    SCHEME as SCHEME,
)
from core.standards.oid4vp.vocabulary import (
    TYP_REQUEST_OBJECT as TYP_REQUEST_OBJECT,
)

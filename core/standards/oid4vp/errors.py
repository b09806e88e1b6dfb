"""The errors of OpenID4VP: one ``Oid4vpError`` leaf per failure, each with a stable ``code``
and the §8.5 ``oauth_error`` a Wallet sends back for it."""

from __future__ import annotations

from typing import ClassVar

from core.errors import IntygError
from core.standards.oid4vp.vocabulary import (
    ERROR_INVALID_CLIENT,
    ERROR_INVALID_REQUEST,
    ERROR_INVALID_REQUEST_URI_METHOD,
    ERROR_INVALID_TRANSACTION_DATA,
)


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


class ResponseEncryptionUnsupported(Oid4vpError):
    """Wallet side: the request asks for an encrypted response with no key or ``enc`` the
    wallet can use (ECDH-ES on P-256 with A128GCM or A256GCM). §8.5 has no code of its own for
    it: ``invalid_request``."""

    code = "oid4vp_response_encryption_unsupported"
    title = "The request asks for a response encryption the wallet does not support"
    #: set once the request is otherwise verified: where and with which ``state`` a wallet
    #: may say so in the clear (§8.3.1)
    answer_to: tuple[str, str | None] | None = None


class ResponseInvalid(Oid4vpError):
    """Verifier side: a ``direct_post`` body that does not follow §8.1/§8.2."""

    code = "oid4vp_response_invalid"
    title = "The presentation response is not valid"


class ResponseNotDecrypted(ResponseInvalid):
    """Verifier side: a ``direct_post.jwt`` response that is not a JWE for this request's key
    (another key, an old request's key, a disallowed ``alg`` or ``enc``, a tampered token)."""

    code = "oid4vp_response_not_decrypted"
    title = "The encrypted presentation response does not decrypt with this request's key"

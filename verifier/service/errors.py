"""The verifier's own errors (each carries its wire code; ``core/web.py`` renders them)."""

from __future__ import annotations

from core.errors import Conflict, InvalidInput, NotFound, OAuthError
from core.standards import dcql


class VerifierExists(Conflict):
    code = "verifier_exists"
    title = "A verifier with this slug already exists"


class VerifierNotFound(NotFound):
    code = "verifier_not_found"
    title = "No such verifier"


class RequestNotFound(NotFound):
    code = "request_not_found"
    title = "No such presentation request"


class QueryRefused(InvalidInput):
    """The requester's DCQL query is not valid: input that does not fit (422), reported under
    the DCQL error's own code (``dcql_malformed``, ``dcql_unsupported_format``, ...)."""

    title = dcql.DcqlError.title

    def __init__(self, cause: dcql.DcqlError) -> None:
        super().__init__(cause.detail)
        self.code = cause.code  # type: ignore[misc]  # the precise dcql_* code on this instance


class ResponseCodeInvalid(InvalidInput):
    """A same-device request's result is released only for its one-time ``response_code``."""

    status = 400
    code = "response_code_invalid"
    title = "The response code does not release this request's result"


class ResponseNotAccepted(OAuthError):
    """What the response endpoint answers the wallet (OpenID4VP §8.2: an OAuth error body)."""

    code = "invalid_request"
    title = "The response is not accepted"

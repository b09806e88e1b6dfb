"""The one error tree of Intyg.

Every error that Intyg raises on purpose is an ``IntygError``. Each class carries its stable
wire ``code`` (never renamed once released: operators and support desks key on it), the HTTP
``status`` it maps to, and a short ``title``. The instance carries a ``detail`` in words a
support desk can read; it never contains key material, tokens, passwords, personnummer or
claim values.

    IntygError
    ├── InvalidInput            (422) a request body or parameter that does not fit
    ├── InvalidJson             (400) a request body that is not JSON at all
    ├── Unauthenticated         (401) missing or wrong credentials
    ├── Forbidden               (403)
    ├── NotFound                (404) also "exists but is not yours"
    ├── Conflict                (409)
    ├── PayloadTooLarge         (413)
    ├── UnsupportedMediaType    (415) a body sent as something other than JSON
    ├── ServiceUnavailable      (503)
    ├── UpstreamError           (502) a remote party did not answer per spec
    ├── JoseError               JOSE parse / algorithm / typ / signature failures (core.jose)
    ├── SdJwtError              SD-JWT structure and disclosure failures (core.standards.sd_jwt)
    ├── StatusListError         Token Status List failures (core.standards.status_list)
    └── OAuthError              errors that OAuth-family endpoints render as
                                ``{"error", "error_description"}`` (RFC 6749 §5.2, OID4VCI §8.3.1)

Modules define the leaves next to the code that raises them; ``all_error_classes()`` walks
the tree so that the error-code table in ``docs/errors.md`` is checked against it by a test.
"""

from __future__ import annotations

from typing import ClassVar


class IntygError(Exception):
    """Base class: a failure that Intyg reports with a stable code."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "The request could not be completed"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.title
        super().__init__(self.detail)


class InvalidInput(IntygError):
    code = "invalid_input"
    status = 422
    title = "The input is not valid"


class InvalidJson(IntygError):
    code = "invalid_json"
    status = 400
    title = "The request body is not valid JSON"


class Unauthenticated(IntygError):
    code = "unauthenticated"
    status = 401
    title = "Missing or invalid credentials"


class Forbidden(IntygError):
    code = "forbidden"
    status = 403
    title = "Not allowed"


class NotFound(IntygError):
    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(IntygError):
    code = "conflict"
    status = 409
    title = "Conflicts with the current state"


class PayloadTooLarge(IntygError):
    code = "payload_too_large"
    status = 413
    title = "The request body is too large"


class UnsupportedMediaType(IntygError):
    code = "unsupported_media_type"
    status = 415
    title = "The request body's media type is not supported"


class ServiceUnavailable(IntygError):
    code = "service_unavailable"
    status = 503
    title = "The service is temporarily unavailable"


class UpstreamError(IntygError):
    code = "upstream_error"
    status = 502
    title = "A remote party did not answer as the standard requires"


class JoseError(IntygError):
    code = "jose_invalid"
    title = "The signed token is not valid"


class SdJwtError(IntygError):
    code = "sd_jwt_invalid"
    title = "The SD-JWT is not valid"


class StatusListError(IntygError):
    code = "status_list_invalid"
    title = "The status list is not valid"


class OAuthError(IntygError):
    """An error that an OAuth-family endpoint renders as ``{"error", "error_description"}``.

    ``code`` is the registered OAuth / OpenID4VCI error code itself.
    """

    code = "invalid_request"
    status = 400
    title = "The request is not valid"


def all_error_classes() -> list[type[IntygError]]:
    """Every class in the tree, depth first, for the documented error table."""
    found: list[type[IntygError]] = []
    stack: list[type[IntygError]] = [IntygError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(reversed(cls.__subclasses__()))
    return found

"""The verifier's use cases: tenants and trust lists (``tenants``), OpenID4VP requests and
responses (``requests``) and direct verification (``direct``). No FastAPI and no SQL here: the
SQL is in ``verifier.repository``, the checks in ``verifier.pipeline``."""

from verifier.service.direct import verify_direct
from verifier.service.errors import (
    QueryRefused,
    RequestNotFound,
    ResponseNotAccepted,
    VerifierExists,
    VerifierNotFound,
)
from verifier.service.requests import (
    CreatedRequest,
    create_request,
    receive_response,
    request_object,
    request_status,
)
from verifier.service.tenants import (
    DNS_RE,
    CreatedVerifier,
    authenticate,
    authenticate_cached,
    client_id,
    create_verifier,
    get_trust_list,
    list_tenants,
    put_trust_list,
    reset_api_key,
    tenant_by_slug,
)

__all__ = [
    "DNS_RE",
    "CreatedRequest",
    "CreatedVerifier",
    "QueryRefused",
    "RequestNotFound",
    "ResponseNotAccepted",
    "VerifierExists",
    "VerifierNotFound",
    "authenticate",
    "authenticate_cached",
    "client_id",
    "create_request",
    "create_verifier",
    "get_trust_list",
    "list_tenants",
    "put_trust_list",
    "receive_response",
    "request_object",
    "request_status",
    "reset_api_key",
    "tenant_by_slug",
    "verify_direct",
]

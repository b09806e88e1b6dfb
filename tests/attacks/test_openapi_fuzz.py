"""Schemathesis against the served OpenAPI document (``/openapi.json``), in process over ASGI.

Every operation is called with schema-shaped examples — and the valid credentials of the role
that owns it (admin token, the issuer's API key, the verifier's API key with a trust list in
place, a holder's session token, a service's API key) and the slug of a real tenant, so the
examples reach past authentication. Checked: no 5xx, and every response fits the schema the
document declares for it. Bounded (``max_examples`` per operation) to stay within CI's time.
"""

from __future__ import annotations

import copy

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.verifier.support import SLUG as VERIFIER_SLUG

from .operations import DOCUMENT, ISSUER_SLUG, role_of

BASE = "http://localhost:8000"


schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT))


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors_and_responses_fit_their_schema(
    case: schemathesis.Case, client: TestClient, credentials: dict[str, dict[str, str]]
) -> None:
    method, path = case.operation.method.upper(), case.operation.path
    role = role_of(method, path)
    if role is not None:
        case.headers = {**(case.headers or {}), **credentials[role]}
        case.headers.pop("authorization", None)  # the generated one, lower-case
        case.headers["Authorization"] = credentials[role]["Authorization"]
    if case.path_parameters and "slug" in case.path_parameters:
        case.path_parameters["slug"] = (
            VERIFIER_SLUG if path.startswith("/verifiers/") else ISSUER_SLUG
        )
    kwargs = case.as_transport_kwargs(base_url=BASE)
    cookies = kwargs.pop("cookies", None)  # per-request cookies are deprecated in httpx
    if cookies:
        kwargs["headers"]["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if isinstance(kwargs.get("data"), bytes | str):  # requests' raw body is httpx's content
        kwargs["content"] = kwargs.pop("data")
    response = client.request(**kwargs)
    case.validate_response(
        response, checks=[not_a_server_error, response_schema_conformance, content_type_conformance]
    )

"""Schemathesis against the served OpenAPI document (``/openapi.json``), in process over ASGI.

Every operation is called with schema-shaped examples — and the valid credentials of the role
that owns it (admin token, the issuer's API key, the verifier's API key with a trust list in
place, a holder's session token, a service's API key) and the slug of a real tenant, so the
examples reach past authentication. Checked: no 5xx, and every response fits the schema the
document declares for it. Bounded (``max_examples`` per operation) to stay within CI's time.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from core.config import Settings
from intyg.app import create_app
from tests.helpers import ADMIN
from tests.verifier.support import SLUG as VERIFIER_SLUG
from tests.verifier.support import Roles
from tests.wallet.flows import register_service, service_auth

ISSUER_SLUG = "yh-akademin"
BASE = "http://localhost:8000"


@pytest.fixture
def credentials(
    roles: Roles, client: TestClient, holder_auth: dict[str, str]
) -> dict[str, dict[str, str]]:
    service = register_service(client)
    return {
        "admin": ADMIN,
        "issuer": roles.issuer_auth,
        "verifier": roles.verifier_auth,
        "holder": holder_auth,
        "service": service_auth(service),
    }


def served_document() -> dict[str, object]:
    """The document ``GET /openapi.json`` serves (an app on an in-memory database: the
    document depends on the routes only). Loaded at collection, so each operation is a test
    of its own; the calls go to the test's own app. (``schemathesis.pytest.from_fixture``
    would load it from a fixture, but it sets ``Node._nodeid``, which pytest 9 no longer has.)"""
    settings = Settings(database_url="sqlite://", master_key="A" * 43, admin_token="x")
    with TestClient(create_app(settings)) as client:
        return client.get("/openapi.json").json()


schema = schemathesis.openapi.from_dict(served_document())

SERVICE_OPERATIONS = {
    ("POST", "/wallet/grant-requests"),
    ("GET", "/wallet/grant-requests/{request_id}/state"),
    ("POST", "/wallet/grants/{grant_id}/presentations"),
}
# calls that would end the holder's own session or account for the remaining examples
SELF_DESTRUCTIVE = {("DELETE", "/wallet/accounts/me"), ("DELETE", "/wallet/sessions/current")}


def role_of(method: str, path: str) -> str | None:
    if (method, path) in SELF_DESTRUCTIVE:
        return None
    if path.startswith("/admin/") or (method, path) == ("POST", "/wallet/services"):
        return "admin"
    if path.startswith("/issuers/{slug}/admin/"):
        return "issuer"
    if (
        path.startswith("/verifiers/{slug}/")
        and "request-objects" not in path
        and "responses" not in path
    ):
        return "verifier"
    if (method, path) in SERVICE_OPERATIONS:
        return "service"
    if path.startswith("/wallet/") and path not in (
        "/wallet/accounts",
        "/wallet/sessions",
        "/wallet/jwks.json",
    ):
        return "holder"
    return None


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

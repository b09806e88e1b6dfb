"""The served OpenAPI document, and who may call each of its operations: shared by the
schema-driven suites (``test_openapi_fuzz``, ``test_request_input``)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from core.config import Settings
from intyg.app import create_app
from tests.verifier.support import SLUG as VERIFIER_SLUG

ISSUER_SLUG = "yh-akademin"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def served_document() -> dict[str, object]:
    """The document ``GET /openapi.json`` serves (an app on an in-memory database: the
    document depends on the routes only). Loaded at collection, so each operation is a test
    of its own; the calls go to the test's own app. (``schemathesis.pytest.from_fixture``
    would load it from a fixture, but it sets ``Node._nodeid``, which pytest 9 no longer has.)"""
    settings = Settings(database_url="sqlite://", master_key="A" * 43, admin_token="x")
    with TestClient(create_app(settings)) as client:
        return client.get("/openapi.json").json()


DOCUMENT = served_document()

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


def url_of(path: str, **values: str) -> str:
    """The path with the tenant slug of its role, ``values`` for the named parameters and an
    unknown id for every other one."""
    slug = VERIFIER_SLUG if path.startswith("/verifiers/") else ISSUER_SLUG
    for name, value in {"slug": slug, **values}.items():
        path = path.replace("{" + name + "}", value)
    return re.sub(r"\{[^}]+\}", UNKNOWN_ID, path)

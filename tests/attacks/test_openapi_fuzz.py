"""Schemathesis against the served OpenAPI document (``/openapi.json``), in process over ASGI.

Every operation is called with schema-shaped examples — and the valid credentials of the role
that owns it (admin token, the issuer's API key, the verifier's API key with a trust list in
place, a holder's session token, a service's API key) and the slug of a real tenant, so the
examples reach past authentication. Checked: no 5xx, and every response fits the schema the
document declares for it. Bounded (``max_examples`` per operation) to stay within CI's time.
"""

from __future__ import annotations

import copy
import re

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


DOCUMENT = served_document()
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT))

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


# --- integer parameters are bounded ---------------------------------------------------------

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
OUT_OF_RANGE = {"2**63": str(2**63), "33-digits": "9" * 33}


def _integer_schema(schema: dict[str, object]) -> dict[str, object] | None:
    """The integer branch of a parameter's schema (``int | None`` is an ``anyOf``)."""
    branches = schema.get("anyOf", [schema])
    assert isinstance(branches, list)
    return next((b for b in branches if b.get("type") == "integer"), None)


def integer_parameters() -> list[tuple[str, str, dict[str, object], dict[str, object]]]:
    """(method, path, parameter, its integer schema) of every query and path parameter."""
    found = []
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                integer = _integer_schema(parameter["schema"])
                if integer is not None and parameter["in"] in ("query", "path"):
                    found.append((method.upper(), path, parameter, integer))
    return found


INTEGER_PARAMETERS = integer_parameters()


def _request_body_schemas() -> list[tuple[str, object]]:
    """Every schema reachable from a request body, by its place in the document."""
    document = DOCUMENT
    components = document["components"]["schemas"]
    todo: list[tuple[str, object]] = [
        (f"{method.upper()} {path}", operation["requestBody"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]
    seen: set[str] = set()
    found = []
    while todo:
        where, node = todo.pop()
        found.append((where, node))
        children: list[tuple[str, object]] = []
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref not in seen:
                seen.add(ref)
                name = ref.rsplit("/", 1)[-1]
                children.append((name, components[name]))
            children += [(f"{where}.{k}", v) for k, v in node.items()]
        elif isinstance(node, list):
            children += [(f"{where}[{i}]", v) for i, v in enumerate(node)]
        todo.extend(children)
    return found


def test_every_integer_parameter_and_body_field_declares_its_range() -> None:
    """A number past the database's integer column is a 500 on SQLite and PostgreSQL alike,
    so every integer a client sends has a declared minimum and maximum."""
    unbounded = [
        f"{method} {path} {parameter['in']} {parameter['name']}"
        for method, path, parameter, integer in INTEGER_PARAMETERS
        if "minimum" not in integer or "maximum" not in integer
    ]
    unbounded += [
        where
        for where, node in _request_body_schemas()
        if isinstance(node, dict)
        and node.get("type") == "integer"
        and ("minimum" not in node or "maximum" not in node)
    ]
    assert INTEGER_PARAMETERS, "the walk found no integer parameter at all"
    assert not unbounded, f"integers without a declared range: {unbounded}"


def _call_with(
    client: TestClient,
    credentials: dict[str, dict[str, str]],
    method: str,
    path: str,
    parameter: dict[str, object],
    value: str,
) -> int:
    role = role_of(method, path)
    slug = VERIFIER_SLUG if path.startswith("/verifiers/") else ISSUER_SLUG
    url = path.replace("{slug}", slug).replace("{" + str(parameter["name"]) + "}", value)
    url = re.sub(r"\{[^}]+\}", UNKNOWN_ID, url)
    params = {str(parameter["name"]): value} if parameter["in"] == "query" else None
    headers = credentials[role] if role else {}
    return client.request(method, url, params=params, headers=headers).status_code


@pytest.mark.parametrize("value", OUT_OF_RANGE.values(), ids=list(OUT_OF_RANGE))
def test_integer_parameters_out_of_range_are_422(
    client: TestClient, credentials: dict[str, dict[str, str]], value: str
) -> None:
    answers = {
        f"{method} {path} {parameter['name']}": _call_with(
            client, credentials, method, path, parameter, value
        )
        for method, path, parameter, _ in INTEGER_PARAMETERS
    }
    assert answers and set(answers.values()) == {422}, answers


def test_integer_parameters_at_their_bounds_are_no_server_error(
    client: TestClient, credentials: dict[str, dict[str, str]]
) -> None:
    """The declared range is one the database can take: its ends are answered, not a 500."""
    answers = {
        f"{method} {path} {parameter['name']}={integer[end]}": _call_with(
            client, credentials, method, path, parameter, str(integer[end])
        )
        for method, path, parameter, integer in INTEGER_PARAMETERS
        for end in ("minimum", "maximum")
        if end in integer
    }
    assert answers and all(status < 500 for status in answers.values()), answers

"""The service admin's staff API: /admin/{issuers,verifiers}/{slug}/staff — create, list,
reset a password, remove; never a password in an answer; every other caller refused alike."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core.db import session_scope
from core.runtime import Runtime
from core.signin import SessionInvalid
from core.staff import service
from intyg.app import create_app
from tests.helpers import ADMIN, create_issuer
from tests.verifier.support import bearer, create_verifier

PASSWORD = "correct horse battery staple"
KINDS = ("issuers", "verifiers")


@pytest.fixture
def client(runtime: Runtime, tmp_path: Path) -> TestClient:
    settings = runtime.settings.model_copy(update={"verifier_ca_dir": tmp_path / "ca"})
    app = create_app(runtime=dataclasses.replace(runtime, settings=settings))
    return TestClient(app, base_url="http://localhost:8000")


@pytest.fixture
def tenants(client: TestClient) -> dict[str, dict[str, str]]:
    return {"issuers": create_issuer(client), "verifiers": create_verifier(client)}


def staff_url(kind: str, tenants: dict[str, dict[str, str]], rest: str = "") -> str:
    return f"/admin/{kind}/{tenants[kind]['slug']}/staff{rest}"


def tenant_id(engine: Engine, kind: str, slug: str) -> str:
    table = "issuer_tenant" if kind == "issuers" else "verifier_tenant"
    with engine.connect() as connection:
        found = connection.execute(
            text(f"SELECT id FROM {table} WHERE slug = :slug"), {"slug": slug}
        ).scalar_one()
    return str(found)


@pytest.mark.parametrize("kind", KINDS)
def test_the_service_admin_creates_lists_and_removes_staff(
    client: TestClient, tenants: dict[str, dict[str, str]], kind: str
) -> None:
    body = {"username": "Karin@YH.se", "password": PASSWORD, "display_name": "Karin Holm"}
    made = client.post(staff_url(kind, tenants), json=body, headers=ADMIN)
    assert made.status_code == 201, made.text
    assert made.json() == {
        "username": "karin@yh.se",
        "display_name": "Karin Holm",
        "created_at": made.json()["created_at"],
    }
    assert PASSWORD not in made.text
    again = client.post(staff_url(kind, tenants), json=body, headers=ADMIN)
    assert again.status_code == 409 and again.json()["code"] == "staff_account_exists"
    other = {"username": "bosse", "password": PASSWORD}
    assert client.post(staff_url(kind, tenants), json=other, headers=ADMIN).status_code == 201

    listed = client.get(staff_url(kind, tenants), headers=ADMIN)
    assert listed.status_code == 200
    assert [a["username"] for a in listed.json()["accounts"]] == ["bosse", "karin@yh.se"]
    assert listed.json()["accounts"][0]["display_name"] is None
    assert "password" not in listed.text and "argon2" not in listed.text

    gone = client.delete(staff_url(kind, tenants, "/KARIN@yh.se"), headers=ADMIN)
    assert gone.status_code == 204
    listed = client.get(staff_url(kind, tenants), headers=ADMIN).json()["accounts"]
    assert [a["username"] for a in listed] == ["bosse"]
    missing = client.delete(staff_url(kind, tenants, "/karin@yh.se"), headers=ADMIN)
    assert missing.status_code == 404 and missing.json()["code"] == "staff_account_not_found"


def test_issuer_and_verifier_staff_are_apart(
    client: TestClient, tenants: dict[str, dict[str, str]]
) -> None:
    body = {"username": "karin", "password": PASSWORD}
    assert client.post(staff_url("issuers", tenants), json=body, headers=ADMIN).status_code == 201
    assert client.get(staff_url("verifiers", tenants), headers=ADMIN).json() == {"accounts": []}


@pytest.mark.parametrize("kind", KINDS)
def test_a_password_reset_ends_the_accounts_sessions(
    client: TestClient,
    tenants: dict[str, dict[str, str]],
    runtime: Runtime,
    engine: Engine,
    kind: str,
) -> None:
    body = {"username": "karin", "password": PASSWORD}
    assert client.post(staff_url(kind, tenants), json=body, headers=ADMIN).status_code == 201
    staff_kind, tid = kind.removesuffix("s"), tenant_id(engine, kind, tenants[kind]["slug"])
    with session_scope(runtime.engine) as session:
        token = service.sign_in(
            session, runtime, staff_kind, tid, "karin", PASSWORD, "192.0.2.1"
        ).token
    new = {"password": "a brand new long password"}
    reset = client.post(staff_url(kind, tenants, "/karin/password"), json=new, headers=ADMIN)
    assert reset.status_code == 204 and reset.content == b""
    with session_scope(runtime.engine) as session:
        with pytest.raises(SessionInvalid):
            service.account_for_session(session, runtime, staff_kind, tid, token)
        service.sign_in(session, runtime, staff_kind, tid, "karin", new["password"], "192.0.2.1")
    short = client.post(
        staff_url(kind, tenants, "/karin/password"), json={"password": "short"}, headers=ADMIN
    )
    assert short.status_code == 422 and short.json()["code"] == "invalid_input"
    nobody = client.post(staff_url(kind, tenants, "/nobody/password"), json=new, headers=ADMIN)
    assert nobody.status_code == 404 and nobody.json()["code"] == "staff_account_not_found"


@pytest.mark.parametrize(
    "body",
    [
        {"username": "ab", "password": PASSWORD},
        {"username": "karin", "password": "short"},
        {"username": "karin", "password": PASSWORD, "role": "admin"},
        {"username": "karin"},
        {"username": "karin", "password": PASSWORD, "display_name": "x" * 201},
    ],
)
def test_bad_bodies_are_refused_and_nothing_is_created(
    client: TestClient, tenants: dict[str, dict[str, str]], body: dict[str, str]
) -> None:
    refused = client.post(staff_url("issuers", tenants), json=body, headers=ADMIN)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_input"
    assert PASSWORD not in refused.text
    assert client.get(staff_url("issuers", tenants), headers=ADMIN).json() == {"accounts": []}


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_tenant_is_404(client: TestClient, kind: str) -> None:
    answer = client.get(f"/admin/{kind}/nobody/staff", headers=ADMIN)
    assert answer.status_code == 404
    assert answer.json()["code"] == f"{kind.removesuffix('s')}_not_found"


@pytest.mark.parametrize("kind", KINDS)
def test_only_the_service_admin_may_and_others_learn_nothing(
    client: TestClient, tenants: dict[str, dict[str, str]], kind: str
) -> None:
    callers = {
        "nobody": {},
        "the tenant's own API key": bearer(tenants[kind]["api_key"]),
        "a wrong admin token": {"Authorization": "Bearer not-the-admin-token"},
    }
    body = {"username": "mallory", "password": PASSWORD}
    for name, headers in callers.items():
        for slug in (tenants[kind]["slug"], "made-up-slug"):
            base = f"/admin/{kind}/{slug}/staff"
            for method, path, json_body in (
                ("POST", base, body),
                ("GET", base, None),
                ("DELETE", f"{base}/mallory", None),
                ("POST", f"{base}/mallory/password", {"password": PASSWORD}),
            ):
                answer = client.request(method, path, json=json_body, headers=headers)
                assert answer.status_code == 401, (name, method, path, answer.text)
                assert answer.json()["code"] == "unauthenticated", (name, method, path)
    assert client.get(staff_url(kind, tenants), headers=ADMIN).json() == {"accounts": []}


def test_the_staff_routes_are_documented_with_examples_and_problems(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for kind in KINDS:
        create = document["paths"][f"/admin/{kind}/{{slug}}/staff"]["post"]
        assert {"201", "401", "404", "409", "422"} <= set(create["responses"])
        problem = create["responses"]["409"]["content"]["application/problem+json"]
        assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
        remove = document["paths"][f"/admin/{kind}/{{slug}}/staff/{{username}}"]["delete"]
        assert {"204", "401", "404"} <= set(remove["responses"])
    body = document["components"]["schemas"]["CreateStaff"]
    assert body["additionalProperties"] is False
    assert body["properties"]["username"]["examples"]
    out = document["components"]["schemas"]["StaffAccount"]
    assert "password" not in out["properties"]

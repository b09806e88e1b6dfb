"""Holder A can neither read, use nor learn the existence of holder B's data: for every
endpoint that takes an id, B's id answers exactly like an id that does not exist."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.wallet.conftest import sign_up_and_in
from tests.wallet.flows import (
    approve,
    ask_grant,
    open_request,
    random_id,
    receive,
    register_service,
    service_auth,
    share,
)
from tests.wallet.verifier_double import VerifierDouble

CHOICE = {"credentials": {"skill": {"credential_id": "00000000-0000-4000-8000-000000000000"}}}


@pytest.fixture
def world(client: TestClient, issuer: dict, issuer_auth: dict, double: VerifierDouble) -> dict:
    """Bo holds a credential, a given consent, a pending presentation request, a pending and
    an approved grant request, and a log; Alva holds a credential and a pending request."""
    alva = sign_up_and_in(client, "alva@example.se")
    bo = sign_up_and_in(client, "bo@example.se")
    bo_credential = receive(client, issuer, issuer_auth, bo, given_name="Bo")
    bo_consent, _ = share(client, double, bo, bo_credential)
    bo_request, _ = open_request(client, double, bo)
    service = register_service(client)
    pending = ask_grant(client, service, "bo@example.se").json()["id"]
    granted = ask_grant(client, service, "bo@example.se").json()["id"]
    grant = client.post(
        f"/wallet/grant-requests/{granted}/approve",
        json={"credentials": {"skill": {"credential_id": bo_credential}}},
        headers=bo,
    )
    assert grant.status_code == 200, grant.text
    alva_credential = receive(client, issuer, issuer_auth, alva)
    alva_request, alva_double_id = open_request(client, double, alva)
    return {
        "alva": alva,
        "bo": bo,
        "service": service,
        "bo_credential": bo_credential,
        "bo_consent": bo_consent,
        "bo_grant_consent": grant.json()["id"],
        "bo_request": bo_request["id"],
        "bo_grant_request": pending,
        "bo_grant": granted,
        "alva_credential": alva_credential,
        "alva_request": alva_request["id"],
        "alva_double_id": alva_double_id,
    }


# (method, path template, body): {id} is the other holder's id or an unknown one
ID_ENDPOINTS = [
    ("GET", "/wallet/credentials/{id}", None, "bo_credential"),
    ("DELETE", "/wallet/credentials/{id}", None, "bo_credential"),
    ("GET", "/wallet/consents/{id}", None, "bo_consent"),
    ("GET", "/wallet/consents/{id}/receipt", None, "bo_consent"),
    ("POST", "/wallet/consents/{id}/withdraw", None, "bo_consent"),
    ("POST", "/wallet/consents/{id}/withdraw", None, "bo_grant_consent"),
    ("GET", "/wallet/presentation-requests/{id}", None, "bo_request"),
    ("POST", "/wallet/presentation-requests/{id}/approve", CHOICE, "bo_request"),
    ("POST", "/wallet/presentation-requests/{id}/deny", None, "bo_request"),
    ("POST", "/wallet/grant-requests/{id}/approve", CHOICE, "bo_grant_request"),
    ("POST", "/wallet/grant-requests/{id}/deny", None, "bo_grant_request"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "key"),
    ID_ENDPOINTS,
    ids=[f"{m} {p} {k}" for m, p, _, k in ID_ENDPOINTS],
)
def test_another_holders_id_answers_like_an_unknown_one(
    client: TestClient,
    world: dict,
    double: VerifierDouble,
    method: str,
    path: str,
    body: dict | None,
    key: str,
) -> None:
    sent_before = dict(double.received)
    theirs = client.request(method, path.format(id=world[key]), json=body, headers=world["alva"])
    unknown = client.request(method, path.format(id=random_id()), json=body, headers=world["alva"])
    assert theirs.status_code == unknown.status_code == 404, theirs.text
    assert theirs.json() == unknown.json()
    assert double.received == sent_before  # nothing went to any verifier
    assert_bo_untouched(client, world)


def assert_bo_untouched(client: TestClient, world: dict) -> None:
    bo = world["bo"]
    assert (
        client.get(f"/wallet/credentials/{world['bo_credential']}", headers=bo).status_code == 200
    )
    assert (
        client.get(f"/wallet/consents/{world['bo_consent']}", headers=bo).json()["state"] == "given"
    )
    assert (
        client.get(f"/wallet/consents/{world['bo_grant_consent']}", headers=bo).json()["state"]
        == "active"
    )
    assert (
        client.get(f"/wallet/presentation-requests/{world['bo_request']}", headers=bo).json()[
            "state"
        ]
        == "pending"
    )
    assert [r["id"] for r in client.get("/wallet/grant-requests", headers=bo).json()] == [
        world["bo_grant_request"]
    ]
    assert client.get("/wallet/log/verify", headers=bo).json()["valid"] is True


def test_lists_log_and_export_show_only_ones_own(client: TestClient, world: dict) -> None:
    alva = world["alva"]
    assert [c["id"] for c in client.get("/wallet/credentials", headers=alva).json()] == [
        world["alva_credential"]
    ]
    assert client.get("/wallet/consents", headers=alva).json() == []
    assert client.get("/wallet/grant-requests", headers=alva).json() == []
    log = client.get("/wallet/log", headers=alva).json()["entries"]
    assert [e["event"] for e in log] == ["presentation_requested", "credential_received"]
    exported = client.get("/wallet/export", headers=alva).text
    bo_ids = [
        world[k]
        for k in ("bo_credential", "bo_consent", "bo_grant_consent", "bo_request", "bo_grant")
    ]
    for text in (exported, str(log)):
        for bo_id in bo_ids:
            assert bo_id not in text
        assert "bo@example.se" not in text and '"Bo"' not in text


def test_approving_with_another_holders_credential_sends_nothing(
    client: TestClient, world: dict, double: VerifierDouble
) -> None:
    alva = world["alva"]
    theirs = approve(client, alva, world["alva_request"], world["bo_credential"])
    unknown = approve(client, alva, world["alva_request"], random_id())
    assert theirs.status_code == unknown.status_code == 422
    assert theirs.json()["code"] == "choice_invalid"
    assert theirs.json() == unknown.json()
    assert world["alva_double_id"] not in double.received
    view = client.get(f"/wallet/presentation-requests/{world['alva_request']}", headers=alva).json()
    assert view["state"] == "pending"  # still answerable with her own credential
    assert client.get("/wallet/consents", headers=alva).json() == []
    ok = approve(client, alva, world["alva_request"], world["alva_credential"])
    assert ok.status_code == 200, ok.text
    assert double.received[world["alva_double_id"]].vp_token is not None
    assert_bo_untouched(client, world)


def test_a_service_cannot_reach_another_services_grant(client: TestClient, world: dict) -> None:
    other = register_service(client, "Annan tjänst", "https://annan.example")
    theirs = client.post(
        f"/wallet/grants/{world['bo_grant']}/presentations",
        json={"nonce": "n-1"},
        headers=service_auth(other),
    )
    unknown = client.post(
        f"/wallet/grants/{random_id()}/presentations",
        json={"nonce": "n-1"},
        headers=service_auth(other),
    )
    assert theirs.status_code == unknown.status_code == 403
    assert theirs.json() == unknown.json() and theirs.json()["code"] == "grant_not_approved"
    state_theirs = client.get(
        f"/wallet/grant-requests/{world['bo_grant']}/state", headers=service_auth(other)
    )
    state_unknown = client.get(
        f"/wallet/grant-requests/{random_id()}/state", headers=service_auth(other)
    )
    assert state_theirs.status_code == state_unknown.status_code == 404
    assert state_theirs.json() == state_unknown.json()
    own = client.post(
        f"/wallet/grants/{world['bo_grant']}/presentations",
        json={"nonce": "n-1"},
        headers=service_auth(world["service"]),
    )
    assert own.status_code == 200, own.text

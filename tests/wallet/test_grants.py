"""Standing consent: a service asks, the holder approves (choosing claims) or denies, the service
pulls fresh key-bound presentations while the grant lives; withdrawal and expiry take effect on
the next pull. Presentations are checked with the OWF sd_jwt reference library."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sd_jwt.verifier import SDJWTVerifier

from core.clock import FixedClock
from tests.helpers import ADMIN, b64url_json
from tests.wallet.flows import (
    ask_grant,
    issuer_keys,
    random_id,
    receive,
    register_service,
    service_auth,
)
from tests.wallet.verifier_double import disclosed_names

SERVICE_ID = "https://matchning.example"


@pytest.fixture
def service(client: TestClient) -> dict:
    return register_service(client, "Matchningstjänsten", SERVICE_ID)


@pytest.fixture
def held(client: TestClient, issuer: dict, issuer_auth: dict, holder_auth: dict) -> str:
    return receive(client, issuer, issuer_auth, holder_auth)


def pull(client: TestClient, service: dict, grant_id: str, nonce: str):  # noqa: ANN201
    return client.post(
        f"/wallet/grants/{grant_id}/presentations",
        json={"nonce": nonce},
        headers=service_auth(service),
    )


def approved_grant(
    client: TestClient,
    service: dict,
    holder_auth: dict,
    credential_id: str,
    optional: list | None = None,
    duration_days: int = 90,
) -> tuple[str, dict]:
    asked = ask_grant(client, service, duration_days=duration_days)
    assert asked.status_code == 202, asked.text
    grant_id = asked.json()["id"]
    consent = client.post(
        f"/wallet/grant-requests/{grant_id}/approve",
        json={
            "credentials": {
                "skill": {"credential_id": credential_id, "optional_claims": optional or []}
            }
        },
        headers=holder_auth,
    )
    assert consent.status_code == 200, consent.text
    return grant_id, consent.json()


def sign_in_again(client: TestClient) -> dict[str, str]:
    """A fresh session (a session lasts 12 h; these tests move the clock by days)."""
    made = client.post(
        "/wallet/sessions",
        json={"username": "alva@example.se", "password": "correct horse battery staple"},
    )
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['token']}"}


def events(client: TestClient, holder_auth: dict) -> list[dict]:
    return client.get("/wallet/log?limit=500", headers=holder_auth).json()["entries"]


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Bearer intyg_session_x"])
def test_registering_a_service_needs_the_admin_token(
    client: TestClient, header: str | None
) -> None:
    answer = client.post(
        "/wallet/services",
        json={"name": "X", "client_id": "https://x.example"},
        headers={"Authorization": header} if header else {},
    )
    assert answer.status_code in (401, 403), answer.text
    assert answer.json()["code"] in ("unauthenticated", "admin_api_disabled")


def test_a_service_is_registered_once_and_authenticates_with_its_key(
    client: TestClient, service: dict
) -> None:
    assert service["client_id"] == SERVICE_ID and service["api_key"]
    again = client.post(
        "/wallet/services", json={"name": "Y", "client_id": SERVICE_ID}, headers=ADMIN
    )
    assert again.status_code == 409
    for headers in ({}, {"Authorization": "Bearer not-a-key"}, ADMIN):
        answer = client.post(
            "/wallet/grant-requests",
            headers=headers,
            json={
                "holder": "alva@example.se",
                "dcql_query": {},
                "purpose": "x",
                "duration_days": 1,
            },
        )
        assert answer.status_code == 401 and answer.json()["code"] == "service_unauthenticated"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"duration_days": 366}, 422, "invalid_input"),
        ({"duration_days": 0}, 422, "invalid_input"),
        ({"purpose": ""}, 422, "invalid_input"),
        ({"purpose": "   "}, 422, "invalid_input"),
        # Decision: a malformed DCQL query answers as everywhere in Intyg (the verifier API
        # too): 400 with the DCQL code, which says more than a generic invalid_input.
        ({"dcql_query": {"credentials": "nope"}}, 400, "dcql_malformed"),
        ({"dcql_query": {}}, 400, "dcql_malformed"),
        (
            {"dcql_query": {"credentials": [{"id": "a b", "format": "dc+sd-jwt"}]}},
            400,
            "dcql_malformed",
        ),
    ],
)
def test_bad_grant_requests_are_refused(
    client: TestClient, service: dict, holder_auth: dict, change: dict, status: int, code: str
) -> None:
    body = {
        "holder": "alva@example.se",
        "dcql_query": ask_query(),
        "purpose": "Matchning",
        "duration_days": 90,
    }
    answer = client.post(
        "/wallet/grant-requests", json={**body, **change}, headers=service_auth(service)
    )
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code
    assert client.get("/wallet/grant-requests", headers=holder_auth).json() == []


def ask_query() -> dict:
    from tests.wallet.flows import QUERY

    return QUERY


def test_an_unknown_holder_gets_the_same_answer(
    client: TestClient, service: dict, holder_auth: dict
) -> None:
    real = ask_grant(client, service, "alva@example.se", duration_days=365)
    unknown = ask_grant(client, service, "nobody@example.se", duration_days=365)
    assert real.status_code == unknown.status_code == 202
    assert (
        set(real.json()) == set(unknown.json())
        and real.json()["state"] == unknown.json()["state"] == "pending"
    )
    assert real.headers.keys() == unknown.headers.keys()
    for asked in (real, unknown):
        state = client.get(
            f"/wallet/grant-requests/{asked.json()['id']}/state", headers=service_auth(service)
        )
        assert state.json() == {"id": asked.json()["id"], "state": "pending"}
        assert pull(client, service, asked.json()["id"], "n").json()["code"] == "grant_not_approved"
    assert [r["id"] for r in client.get("/wallet/grant-requests", headers=holder_auth).json()] == [
        real.json()["id"]
    ]


def test_the_service_pulls_exactly_the_approved_claims(
    client: TestClient, issuer: dict, service: dict, holder_auth: dict, held: str, clock: FixedClock
) -> None:
    asked = ask_grant(client, service)
    (pending,) = client.get("/wallet/grant-requests", headers=holder_auth).json()
    assert pending["id"] == asked.json()["id"] and pending["state"] == "pending"
    assert pending["service"] == {"name": "Matchningstjänsten", "client_id": SERVICE_ID}
    assert (
        pending["purpose"] == "Matchning mot lediga jobb"
        and pending["duration_seconds"] == 90 * 86_400
    )
    candidate = pending["queries"][0]["candidates"][0]
    assert candidate["credential_id"] == held
    assert [c["path"] for c in candidate["required_claims"]] == [["given_name"], ["family_name"]]

    consent = client.post(
        f"/wallet/grant-requests/{pending['id']}/approve",
        json={
            "credentials": {
                "skill": {
                    "credential_id": held,
                    "optional_claims": [["assessment_grade"], ["skills", 2]],
                }
            }
        },
        headers=holder_auth,
    ).json()
    assert consent["kind"] == "standing" and consent["state"] == "active"
    assert consent["expires_at"] == clock.now() + 90 * 86_400
    assert consent["recipient"]["client_id"] == SERVICE_ID
    assert client.get("/wallet/grant-requests", headers=holder_auth).json() == []
    state = client.get(
        f"/wallet/grant-requests/{pending['id']}/state", headers=service_auth(service)
    ).json()
    assert state["state"] == "approved"

    keys = issuer_keys(client, issuer)
    kb_jwts = []
    for nonce in ("nonce-one", "nonce-two"):
        clock.advance(60)
        answer = pull(client, service, pending["id"], nonce)
        assert answer.status_code == 200, answer.text
        assert answer.json()["audience"] == SERVICE_ID
        (presentation,) = answer.json()["vp_token"]["skill"]
        assert sorted(map(str, disclosed_names(presentation))) == [
            "SQL",
            "assessment_grade",
            "family_name",
            "given_name",
        ]
        verified = SDJWTVerifier(
            presentation,
            lambda _iss, header: keys[header["kid"]],
            expected_aud=SERVICE_ID,
            expected_nonce=nonce,
        ).get_verified_payload()
        assert verified["given_name"] == "Alva" and verified["assessment_grade"] == "VG"
        assert [s["label"]["en"] for s in verified["skills"]] == ["SQL"]
        assert "learner_identification" not in verified and "birthdate" not in verified
        kb = presentation.rsplit("~", 1)[1]
        claims = b64url_json(kb.split(".")[1])
        assert (
            claims["aud"] == SERVICE_ID
            and claims["nonce"] == nonce
            and claims["iat"] == clock.now()
        )
        kb_jwts.append(kb)
        with pytest.raises(Exception):  # noqa: B017, PT011 - the reference library refuses another audience
            SDJWTVerifier(
                presentation,
                lambda _iss, header: keys[header["kid"]],
                expected_aud="https://someone-else.example",
                expected_nonce=nonce,
            ).get_verified_payload()
    assert kb_jwts[0] != kb_jwts[1]
    pulled = [e for e in events(client, holder_auth) if e["event"] == "pulled"]
    assert len(pulled) == 2
    assert pulled[0]["entry"]["claims"][0]["paths"] == [
        ["given_name"],
        ["family_name"],
        ["assessment_grade"],
        ["skills", 2],
    ]
    record = client.get(f"/wallet/consents/{consent['id']}", headers=holder_auth).json()
    assert [e["event"] for e in record["events"]] == ["given", "presented", "presented"]


def test_another_services_key_is_refused(
    client: TestClient, service: dict, holder_auth: dict, held: str
) -> None:
    grant_id, _ = approved_grant(client, service, holder_auth, held)
    other = register_service(client, "Annan tjänst", "https://annan.example")
    answer = pull(client, other, grant_id, "n-1")
    assert answer.status_code == 403 and answer.json()["code"] == "grant_not_approved"
    assert [e for e in events(client, holder_auth) if e["event"] == "pulled"] == []
    assert pull(client, service, grant_id, "n-1").status_code == 200


def test_withdrawal_takes_effect_on_the_next_pull(
    client: TestClient, service: dict, holder_auth: dict, held: str
) -> None:
    grant_id, consent = approved_grant(client, service, holder_auth, held)
    assert pull(client, service, grant_id, "n-1").status_code == 200
    withdrawn = client.post(f"/wallet/consents/{consent['id']}/withdraw", headers=holder_auth)
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    for nonce in ("n-2", "n-3"):
        refused = pull(client, service, grant_id, nonce)
        assert refused.status_code == 403 and refused.json()["code"] == "grant_withdrawn"
    log = events(client, holder_auth)
    refusals = [e for e in log if e["event"] == "pull_refused"]
    assert len(refusals) == 2 and refusals[0]["entry"]["reason"] == "grant_withdrawn"
    assert refusals[0]["entry"]["consent_id"] == consent["id"]
    assert len([e for e in log if e["event"] == "pulled"]) == 1
    again = client.post(f"/wallet/consents/{consent['id']}/withdraw", headers=holder_auth)
    assert again.status_code == 409
    assert client.get("/wallet/log/verify", headers=holder_auth).json()["valid"] is True


def test_an_expired_grant_is_refused(
    client: TestClient, service: dict, holder_auth: dict, held: str, clock: FixedClock
) -> None:
    grant_id, consent = approved_grant(client, service, holder_auth, held, duration_days=1)
    clock.advance(86_400 - 1)
    assert pull(client, service, grant_id, "n-1").status_code == 200
    clock.advance(1)
    refused = pull(client, service, grant_id, "n-2")
    assert refused.status_code == 403 and refused.json()["code"] == "grant_expired"
    holder_auth = sign_in_again(client)
    assert events(client, holder_auth)[0]["event"] == "pull_refused"
    record = client.get(f"/wallet/consents/{consent['id']}", headers=holder_auth).json()
    assert record["state"] == "expired"


def test_a_denied_or_pending_request_gives_nothing(
    client: TestClient, service: dict, holder_auth: dict, held: str
) -> None:
    denied = ask_grant(client, service).json()["id"]
    pending = ask_grant(client, service).json()["id"]
    assert (
        client.post(f"/wallet/grant-requests/{denied}/deny", headers=holder_auth).status_code == 204
    )
    for grant_id in (denied, pending, random_id()):
        answer = pull(client, service, grant_id, "n-1")
        assert answer.status_code == 403 and answer.json()["code"] == "grant_not_approved"
    state = client.get(
        f"/wallet/grant-requests/{denied}/state", headers=service_auth(service)
    ).json()
    assert state["state"] == "denied"
    for action, body in (
        ("approve", {"credentials": {"skill": {"credential_id": held}}}),
        ("deny", None),
    ):
        again = client.post(
            f"/wallet/grant-requests/{denied}/{action}", json=body, headers=holder_auth
        )
        assert again.status_code == 409 and again.json()["code"] == "grant_request_not_pending"
    assert [e["event"] for e in events(client, holder_auth)][:1] == ["grant_denied"]
    assert [r["id"] for r in client.get("/wallet/grant-requests", headers=holder_auth).json()] == [
        pending
    ]


def test_an_approval_must_fit_the_request(
    client: TestClient, service: dict, holder_auth: dict, held: str
) -> None:
    asked = ask_grant(client, service).json()["id"]
    for choice in (
        {"skill": {"credential_id": held, "optional_claims": [["learner_identification"]]}},
        {"skill": {"credential_id": random_id()}},
        {},
    ):
        answer = client.post(
            f"/wallet/grant-requests/{asked}/approve",
            json={"credentials": choice},
            headers=holder_auth,
        )
        assert answer.status_code == 422 and answer.json()["code"] == "choice_invalid"
    assert (
        client.get(f"/wallet/grant-requests/{asked}/state", headers=service_auth(service)).json()[
            "state"
        ]
        == "pending"
    )


def test_an_unanswered_request_lapses(
    client: TestClient, service: dict, holder_auth: dict, held: str, clock: FixedClock
) -> None:
    asked = ask_grant(client, service).json()["id"]
    clock.advance(30 * 86_400)
    holder_auth = sign_in_again(client)
    assert client.get("/wallet/grant-requests", headers=holder_auth).json() == []
    answer = client.post(
        f"/wallet/grant-requests/{asked}/approve",
        json={"credentials": {"skill": {"credential_id": held}}},
        headers=holder_auth,
    )
    assert answer.status_code == 409 and answer.json()["code"] == "grant_request_not_pending"


@pytest.mark.parametrize("nonce", ["", "x" * 257])
def test_a_pull_needs_a_sane_nonce(
    client: TestClient, service: dict, holder_auth: dict, held: str, nonce: str
) -> None:
    grant_id, _ = approved_grant(client, service, holder_auth, held)
    answer = pull(client, service, grant_id, nonce)
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_input"


def test_a_deleted_credential_ends_the_pulls_clearly(
    client: TestClient, service: dict, holder_auth: dict, held: str
) -> None:
    grant_id, consent = approved_grant(client, service, holder_auth, held)
    assert client.delete(f"/wallet/credentials/{held}", headers=holder_auth).status_code == 204
    refused = pull(client, service, grant_id, "n-1")
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "grant_credential_deleted"
    latest = events(client, holder_auth)[0]
    assert (
        latest["event"] == "pull_refused"
        and latest["entry"]["reason"] == "grant_credential_deleted"
    )
    assert consent["id"] == latest["entry"]["consent_id"]

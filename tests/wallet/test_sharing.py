"""Sharing under consent against an independent OpenID4VP verifier (the test double)."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk

from tests.wallet.test_receive import offer
from tests.wallet.verifier_double import VerifierDouble, disclosed_names

VCT = "http://localhost:8000/types/skill-credential"

# Names required; grade and two skills optional (claim sets, most preferred first).
QUERY = {
    "credentials": [
        {
            "id": "skill",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [
                {"id": "given", "path": ["given_name"]},
                {"id": "family", "path": ["family_name"]},
                {"id": "grade", "path": ["assessment_grade"]},
                {"id": "skills", "path": ["skills", None]},
            ],
            "claim_sets": [["given", "family", "grade", "skills"], ["given", "family"]],
        }
    ]
}


def receive_credential(
    client: TestClient, issuer: dict, issuer_auth: dict, holder_auth: dict
) -> str:
    made = offer(client, issuer, issuer_auth, tx=False)
    received = client.post(
        "/wallet/offers", json={"offer": made["credential_offer"]}, headers=holder_auth
    )
    assert received.status_code == 201, received.text
    return received.json()["id"]


def issuer_keys(client: TestClient, issuer: dict) -> dict[str, jwk.JWK]:
    document = client.get(f"/.well-known/jwt-vc-issuer/issuers/{issuer['slug']}").json()
    return {k["kid"]: jwk.JWK(**k) for k in document["jwks"]["keys"]}


OPTIONAL = [["assessment_grade"], ["skills", 0], ["skills", 1], ["skills", 2]]


@pytest.mark.parametrize(
    "chosen",
    [list(c) for n in range(len(OPTIONAL) + 1) for c in itertools.combinations(OPTIONAL, n)],
    ids=lambda c: "+".join(".".join(map(str, p)) for p in c) or "required-only",
)
def test_data_minimisation_exactly_the_approved_disclosures(
    client: TestClient,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
    double: VerifierDouble,
    chosen: list[list[object]],
) -> None:
    credential_id = receive_credential(client, issuer, issuer_auth, holder_auth)
    link = double.new_request(QUERY)
    view = client.post("/wallet/presentation-requests", json={"request": link}, headers=holder_auth)
    assert view.status_code == 201, view.text
    body = view.json()
    assert body["verifier"]["verified"] is True
    assert body["verifier"]["name"] == "Testarbetsgivaren AB"
    assert body["purpose"] == "Rekrytering"
    candidate = body["queries"][0]["candidates"][0]
    assert candidate["credential_id"] == credential_id
    assert [c["path"] for c in candidate["required_claims"]] == [["given_name"], ["family_name"]]
    assert [c["path"] for c in candidate["optional_claims"]] == OPTIONAL
    request_id = link.split("request%2F")[1]

    approved = client.post(
        f"/wallet/presentation-requests/{body['id']}/approve",
        json={
            "credentials": {"skill": {"credential_id": credential_id, "optional_claims": chosen}}
        },
        headers=holder_auth,
    )
    assert approved.status_code == 200, approved.text
    presentation = double.received[request_id].vp_token["skill"][0]
    names = {"assessment_grade": "assessment_grade", 0: "C#", 1: "Agile methods", 2: "SQL"}
    expected = ["given_name", "family_name"] + [names[p[-1]] for p in chosen]
    assert sorted(disclosed_names(presentation)) == sorted(expected)
    claims = double.verify(request_id, presentation, issuer_keys(client, issuer))
    assert claims["given_name"] == "Alva"
    assert "learner_identification" not in claims and "birthdate" not in claims
    assert ("assessment_grade" in claims) == (["assessment_grade"] in chosen)
    assert len(claims.get("skills", [])) == sum(1 for p in chosen if p[0] == "skills")

    consent = client.get(
        f"/wallet/consents/{approved.json()['consent_id']}", headers=holder_auth
    ).json()
    assert [e["event"] for e in consent["events"]] == ["given", "presented"]
    assert consent["recipient"]["client_id"] == "x509_san_dns:localhost"
    assert "Alva" not in str(consent)


def test_deny_sends_access_denied_and_records_refusal(
    client: TestClient, issuer: dict, issuer_auth: dict, holder_auth: dict, double: VerifierDouble
) -> None:
    receive_credential(client, issuer, issuer_auth, holder_auth)
    link = double.new_request(QUERY)
    request_id = link.split("request%2F")[1]
    view = client.post(
        "/wallet/presentation-requests", json={"request": link}, headers=holder_auth
    ).json()
    denied = client.post(f"/wallet/presentation-requests/{view['id']}/deny", headers=holder_auth)
    assert denied.status_code == 200, denied.text
    assert double.received[request_id].error == "access_denied"
    again = client.post(f"/wallet/presentation-requests/{view['id']}/deny", headers=holder_auth)
    assert again.status_code == 409
    log = client.get("/wallet/log", headers=holder_auth).json()["entries"]
    assert log[0]["event"] == "denied"
    assert client.get("/wallet/log/verify", headers=holder_auth).json()["valid"] is True

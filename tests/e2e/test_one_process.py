"""Issue → hold → share → verify, all three roles in one process, over HTTP.

The holder approves some optional claims and not others; the verifier gets exactly the
approved claims with every check passed. Then the issuer revokes, and the same flow is
rejected with the status check named.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from core import jose
from tests.e2e.conftest import ADMIN, signed_trust_list
from tests.helpers import create_issuer, learner_claims
from tests.wallet.conftest import sign_up_and_in

VCT = "http://localhost:8000/types/skill-credential"
QUERY = {
    "credentials": [
        {
            "id": "skill",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [
                {"id": "given", "path": ["given_name"]},
                {"id": "family", "path": ["family_name"]},
                {"id": "title", "path": ["achievement_title"]},
                {"id": "grade", "path": ["assessment_grade"]},
                {"id": "birth", "path": ["birthdate"]},
            ],
            "claim_sets": [
                ["given", "family", "title", "grade", "birth"],
                ["given", "family", "title"],
            ],
        }
    ]
}


def setup_roles(client: TestClient, operator_key: jose.PrivateKey, now: int) -> dict[str, object]:
    issuer = create_issuer(client)
    issuer_auth = {"Authorization": f"Bearer {issuer['api_key']}"}
    made = client.post(
        "/admin/verifiers",
        json={
            "slug": "arbetsgivaren",
            "name": "Arbetsgivaren AB",
            "organisation_number": "556677-8899",
            "dns_name": "localhost",
        },
        headers=ADMIN,
    )
    assert made.status_code == 201, made.text
    verifier = made.json()
    assert verifier["client_id"].startswith("x509_hash:")  # HAIP 1.0's prefix, the default
    verifier_auth = {"Authorization": f"Bearer {verifier['api_key']}"}
    listed = client.put(
        "/verifiers/arbetsgivaren/trust-list",
        json={
            "trust_list": signed_trust_list(
                operator_key, now, [(issuer["issuer"], "YH-akademin", [VCT])]
            )
        },
        headers=verifier_auth,
    )
    assert listed.status_code == 200, listed.text
    holder_auth = sign_up_and_in(client)
    offer = client.post(
        f"/issuers/{issuer['slug']}/admin/offers",
        json={"claims": learner_claims()},
        headers=issuer_auth,
    ).json()
    card = client.post(
        "/wallet/offers", json={"offer": offer["credential_offer"]}, headers=holder_auth
    )
    assert card.status_code == 201, card.text
    return {
        "issuer": issuer,
        "issuer_auth": issuer_auth,
        "verifier_auth": verifier_auth,
        "holder_auth": holder_auth,
        "credential_id": card.json()["id"],
    }


def share(client: TestClient, roles: dict, optional: list[list[object]]) -> dict:
    asked = client.post(
        "/verifiers/arbetsgivaren/requests",
        json={"dcql_query": QUERY, "purpose": "Rekrytering till tjänsten som utvecklare"},
        headers=roles["verifier_auth"],
    )
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["authorization_request"].startswith("openid4vp://?client_id=x509_hash%3A")
    assert request["qr_svg"].startswith("<svg")
    view = client.post(
        "/wallet/presentation-requests",
        json={"request": request["authorization_request"]},
        headers=roles["holder_auth"],
    )
    assert view.status_code == 201, view.text
    assert view.json()["verifier"]["verified"] is True
    assert view.json()["purpose"] == "Rekrytering till tjänsten som utvecklare"
    approved = client.post(
        f"/wallet/presentation-requests/{view.json()['id']}/approve",
        json={
            "credentials": {
                "skill": {"credential_id": roles["credential_id"], "optional_claims": optional}
            }
        },
        headers=roles["holder_auth"],
    )
    assert approved.status_code == 200, approved.text
    status = client.get(
        request["status_url"].removeprefix("http://localhost:8000"), headers=roles["verifier_auth"]
    )
    assert status.status_code == 200
    return status.json()


def test_issue_hold_share_verify_then_revoke(
    client: TestClient, operator_key: jose.PrivateKey, clock
) -> None:
    roles = setup_roles(client, operator_key, clock.now())
    outcome = share(client, roles, [["assessment_grade"]])
    assert outcome["status"] == "fulfilled", outcome["result"]
    [result] = outcome["result"]["credentials"]["skill"]
    assert result["verdict"] == "valid"
    assert {c["name"]: c["outcome"] for c in result["checks"]} == {
        "format": "passed",
        "algorithm": "passed",
        "issuer_key": "passed",
        "signature": "passed",
        "trust": "passed",
        "validity": "passed",
        "status": "passed",
        "disclosures": "passed",
        "key_binding": "passed",
        "dcql": "passed",
    }
    assert result["issuer"] == {
        "id": roles["issuer"]["issuer"],
        "name": "YH-akademin",
        "trusted": True,
    }
    claims = result["claims"]
    assert claims["given_name"] == "Alva" and claims["assessment_grade"] == "VG"
    assert "birthdate" not in claims and "learner_identification" not in claims
    assert claims.get("skills", []) == []  # no skill was disclosed

    listing = client.get(
        f"/issuers/{roles['issuer']['slug']}/admin/credentials", headers=roles["issuer_auth"]
    )
    credential_id = listing.json()["credentials"][0]["id"]
    revoked = client.post(
        f"/issuers/{roles['issuer']['slug']}/admin/credentials/{credential_id}/revoke",
        headers=roles["issuer_auth"],
    )
    assert revoked.status_code == 200
    # honour the revocation now rather than after the list's ttl
    client.app.state.runtime.caches.status_lists.forget()
    # the wallet still holds it as VALID until it looks again; the verifier looks itself
    outcome = share(client, roles, [])
    assert outcome["status"] == "rejected"
    [result] = outcome["result"]["credentials"]["skill"]
    assert result["verdict"] == "invalid" and result["failed_check"] == "status"
    status_check = next(c for c in result["checks"] if c["name"] == "status")
    assert status_check["code"] == "credential_revoked"
    assert result["claims"] is None


def test_same_device_the_result_is_released_only_for_the_response_code_once(
    client: TestClient, operator_key: jose.PrivateKey, clock
) -> None:
    """HAIP 1.0 §5.1, OpenID4VP 1.0 §8.2 and §14.2: the verifier answers the wallet with its
    front end's redirect_uri and a fresh response_code in the fragment; the hosted wallet hands
    that back to the holder's browser; only the code releases the result, and only once."""
    roles = setup_roles(client, operator_key, clock.now())
    front_end = "http://localhost:8000/rekrytering/svar"
    asked = client.post(
        "/verifiers/arbetsgivaren/requests",
        json={"dcql_query": QUERY, "purpose": "Rekrytering", "redirect_uri": front_end},
        headers=roles["verifier_auth"],
    )
    assert asked.status_code == 201, asked.text
    request = asked.json()
    view = client.post(
        "/wallet/presentation-requests",
        json={"request": request["authorization_request"]},
        headers=roles["holder_auth"],
    ).json()
    approved = client.post(
        f"/wallet/presentation-requests/{view['id']}/approve",
        json={"credentials": {"skill": {"credential_id": roles["credential_id"]}}},
        headers=roles["holder_auth"],
    )
    assert approved.status_code == 200, approved.text
    redirect = approved.json()["redirect_uri"]
    assert redirect.startswith(front_end + "#response_code=")
    code = redirect.split("#response_code=", 1)[1]
    assert len(code) >= 43  # 256 bits, base64url

    status_path = request["status_url"].removeprefix("http://localhost:8000")
    withheld = client.get(status_path, headers=roles["verifier_auth"]).json()
    assert withheld["status"] == "pending" and withheld["result"] is None

    redeem = status_path + "/response-code"
    wrong = client.post(
        redeem, json={"response_code": code[:-2] + "AA"}, headers=roles["verifier_auth"]
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "response_code_invalid")
    released = client.post(redeem, json={"response_code": code}, headers=roles["verifier_auth"])
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "fulfilled"
    assert released.json()["result"]["verdict"] == "valid"
    assert client.get(status_path, headers=roles["verifier_auth"]).json() == released.json()
    replayed = client.post(redeem, json={"response_code": code}, headers=roles["verifier_auth"])
    assert (replayed.status_code, replayed.json()["code"]) == (400, "response_code_invalid")
    assert "used already" in replayed.json()["detail"]

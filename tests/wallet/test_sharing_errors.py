"""Sharing, when things go wrong: choices that do not fit the request, replays, expiry,
verifiers that cannot be authenticated, a verifier that asks for more than the holder gives,
and one that rejects what it receives. Nothing leaves the wallet unless the holder's choice
fits the request and the verifier is authenticated."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk
from sqlalchemy.engine import Engine

from core.clock import FixedClock
from tests.wallet.flows import (
    QUERY,
    VCT,
    approve,
    double_request_id,
    issuer_keys,
    open_request,
    random_id,
    receive,
    rows,
)
from tests.wallet.verifier_double import VerifierDouble, disclosed_names, make_ca_and_leaf


@pytest.fixture
def held(client: TestClient, issuer: dict, issuer_auth: dict, holder_auth: dict) -> str:
    return receive(client, issuer, issuer_auth, holder_auth)


def assert_still_pending_and_nothing_sent(
    client: TestClient, auth: dict, double: VerifierDouble, request_id: str
) -> None:
    assert double.posts == []
    assert (
        client.get(f"/wallet/presentation-requests/{request_id}", headers=auth).json()["state"]
        == "pending"
    )
    assert client.get("/wallet/consents", headers=auth).json() == []


BAD_CHOICES = {
    "claim not requested": lambda cid: {
        "skill": {"credential_id": cid, "optional_claims": [["learner_identification"]]}
    },
    "claim not in the credential": lambda cid: {
        "skill": {"credential_id": cid, "optional_claims": [["skills", 7]]}
    },
    "required claim listed as optional": lambda cid: {
        "skill": {"credential_id": cid, "optional_claims": [["given_name"]]}
    },
    "wildcard path": lambda cid: {
        "skill": {"credential_id": cid, "optional_claims": [["skills", "*"]]}
    },
    "empty path": lambda cid: {"skill": {"credential_id": cid, "optional_claims": [[]]}},
    "credential not held": lambda cid: {"skill": {"credential_id": random_id()}},
    "credential id malformed": lambda cid: {"skill": {"credential_id": "nope"}},
    "query not asked": lambda cid: {"other": {"credential_id": cid}},
    "extra query": lambda cid: {"skill": {"credential_id": cid}, "other": {"credential_id": cid}},
    "nothing chosen": lambda cid: {},
}


@pytest.mark.parametrize("make", BAD_CHOICES.values(), ids=BAD_CHOICES.keys())
def test_a_choice_that_does_not_fit_sends_nothing(
    client: TestClient, holder_auth: dict, double: VerifierDouble, held: str, make
) -> None:  # noqa: ANN001
    """Decision: ``optional_claims`` holds optional claims only; repeating a required one is
    refused like any other claim that is not an optional claim of the request (strict)."""
    view, _ = open_request(client, double, holder_auth)
    answer = client.post(
        f"/wallet/presentation-requests/{view['id']}/approve",
        json={"credentials": make(held)},
        headers=holder_auth,
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "choice_invalid"
    assert_still_pending_and_nothing_sent(client, holder_auth, double, view["id"])
    assert (
        approve(client, holder_auth, view["id"], held).status_code == 200
    )  # a fitting choice still works


def test_a_request_nothing_matches_shows_no_candidates_and_cannot_be_approved(
    client: TestClient, holder_auth: dict, double: VerifierDouble, held: str
) -> None:
    query = {
        "credentials": [
            {
                "id": "skill",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": ["https://other.example/types/driving-licence"]},
                "claims": [{"path": ["given_name"]}],
            }
        ]
    }
    view, _ = open_request(client, double, holder_auth, query)
    assert view["queries"][0]["candidates"] == []
    assert view["queries"][0]["requested"] == [["given_name"]]
    answer = approve(client, holder_auth, view["id"], held)
    assert answer.status_code == 422 and answer.json()["code"] == "choice_invalid"
    assert_still_pending_and_nothing_sent(client, holder_auth, double, view["id"])
    denied = client.post(f"/wallet/presentation-requests/{view['id']}/deny", headers=holder_auth)
    assert denied.status_code == 200  # the holder can still say no


def test_a_revoked_credential_is_not_a_candidate(
    client: TestClient, engine: Engine, holder_auth: dict, double: VerifierDouble, held: str
) -> None:
    with engine.begin() as connection:
        from sqlalchemy import text

        connection.execute(text("UPDATE wallet_credential SET status = 'INVALID'"))
    view, _ = open_request(client, double, holder_auth)
    assert view["queries"][0]["candidates"] == []
    answer = approve(client, holder_auth, view["id"], held)
    assert answer.status_code == 422 and answer.json()["code"] == "choice_invalid"
    assert double.posts == []


def test_a_replayed_approval_is_refused_and_sends_nothing_more(
    client: TestClient, holder_auth: dict, double: VerifierDouble, held: str
) -> None:
    view, double_id = open_request(client, double, holder_auth)
    assert approve(client, holder_auth, view["id"], held).status_code == 200
    for again in (
        approve(client, holder_auth, view["id"], held),
        client.post(f"/wallet/presentation-requests/{view['id']}/deny", headers=holder_auth),
    ):
        assert (
            again.status_code == 409 and again.json()["code"] == "presentation_request_not_pending"
        )
    assert double.posts == [double_id]
    assert len(client.get("/wallet/consents", headers=holder_auth).json()) == 1


def test_an_expired_request_cannot_be_answered(
    client: TestClient, holder_auth: dict, double: VerifierDouble, held: str, clock: FixedClock
) -> None:
    view, _ = open_request(client, double, holder_auth)
    assert view["expires_at"] <= clock.now() + 600
    clock.advance(view["expires_at"] - clock.now())
    for answer in (
        approve(client, holder_auth, view["id"], held),
        client.post(f"/wallet/presentation-requests/{view['id']}/deny", headers=holder_auth),
    ):
        assert answer.status_code == 410 and answer.json()["code"] == "presentation_request_expired"
    assert double.posts == []
    assert (
        client.get(f"/wallet/presentation-requests/{view['id']}", headers=holder_auth).json()[
            "state"
        ]
        == "expired"
    )
    assert client.get("/wallet/consents", headers=holder_auth).json() == []


def test_a_request_object_already_expired_is_refused(
    client: TestClient, engine: Engine, holder_auth: dict, double: VerifierDouble, clock: FixedClock
) -> None:
    double.iat = clock.now() - 3600
    link = double.new_request(QUERY)
    answer = client.post(
        "/wallet/presentation-requests", json={"request": link}, headers=holder_auth
    )
    assert answer.status_code == 400 and answer.json()["code"] == "oid4vp_request_expired"
    assert rows(engine, "SELECT count(*) FROM wallet_presentation_request")[0][0] == 0


def _other_signer(double: VerifierDouble, clock: FixedClock) -> None:
    double.signer = jwk.JWK.generate(kty="EC", crv="P-256")


def _unknown_ca(double: VerifierDouble, clock: FixedClock) -> None:
    _ca, double.leaf, double.leaf_key = make_ca_and_leaf(clock.now())


def _other_dns_name(double: VerifierDouble, clock: FixedClock) -> None:
    _ca, double.leaf, double.leaf_key = make_ca_and_leaf(clock.now(), dns="verifier.example")


def _response_uri_elsewhere(double: VerifierDouble, clock: FixedClock) -> None:
    double.response_uri_host = "127.0.0.1"


@pytest.mark.parametrize(
    ("spoil", "code"),
    [
        (_other_signer, "oid4vp_request_signature_invalid"),
        (_unknown_ca, "oid4vp_request_certificate_invalid"),
        (_other_dns_name, "oid4vp_request_certificate_invalid"),
        (_response_uri_elsewhere, "oid4vp_response_uri_mismatch"),
    ],
    ids=["bad-signature", "unknown-ca", "certificate-for-another-name", "response-uri-elsewhere"],
)
def test_a_verifier_that_cannot_be_authenticated_is_refused(
    client: TestClient,
    engine: Engine,
    holder_auth: dict,
    double: VerifierDouble,
    held: str,
    clock: FixedClock,
    spoil,
    code: str,
) -> None:  # noqa: ANN001
    spoil(double, clock)
    link = double.new_request(QUERY)
    answer = client.post(
        "/wallet/presentation-requests", json={"request": link}, headers=holder_auth
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == code
    assert rows(engine, "SELECT count(*) FROM wallet_presentation_request")[0][0] == 0
    assert double.posts == []
    events = [e["event"] for e in client.get("/wallet/log", headers=holder_auth).json()["entries"]]
    assert "presentation_requested" not in events


LINKS = {
    "wrong scheme": "https://localhost:8000/?client_id=x509_san_dns%3Alocalhost",
    "no request_uri": "openid4vp://?client_id=x509_san_dns%3Alocalhost",
    "no client_id": "openid4vp://?request_uri="
    + quote("http://localhost:8000/double/request/x", safe=""),
    "by value": "openid4vp://?client_id=x509_san_dns%3Alocalhost&request=eyJhbGciOiJub25lIn0..",
    "garbage": "not a link",
    "client_id mismatch": "openid4vp://?client_id=x509_san_dns%3Aother.example&request_uri=REQUEST",
    "unsupported prefix": "openid4vp://?client_id=did%3Aexample%3A123&request_uri=REQUEST",
}


@pytest.mark.parametrize("link", LINKS.values(), ids=LINKS.keys())
def test_malformed_presentation_links_are_refused(
    client: TestClient, engine: Engine, holder_auth: dict, double: VerifierDouble, link: str
) -> None:
    if "REQUEST" in link:
        real = double.new_request(QUERY)
        request_uri = quote(
            f"http://localhost:8000/double/request/{double_request_id(real)}", safe=""
        )
        link = link.replace("REQUEST", request_uri)
    answer = client.post(
        "/wallet/presentation-requests", json={"request": link}, headers=holder_auth
    )
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["code"].startswith("oid4vp_")
    assert rows(engine, "SELECT count(*) FROM wallet_presentation_request")[0][0] == 0


GREEDY = {
    "credentials": [
        {
            "id": "skill",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [
                {"id": "given", "path": ["given_name"]},
                {"id": "family", "path": ["family_name"]},
                {"id": "pnr", "path": ["learner_identification"]},
                {"id": "born", "path": ["birthdate"]},
                {"id": "grade", "path": ["assessment_grade"]},
                {"id": "skills", "path": ["skills", None]},
            ],
            "claim_sets": [
                ["given", "family", "pnr", "born", "grade", "skills"],
                ["given", "family"],
            ],
        }
    ]
}


def test_a_verifier_asking_for_more_gets_only_what_the_holder_approves(
    client: TestClient, issuer: dict, holder_auth: dict, double: VerifierDouble, held: str
) -> None:
    view, double_id = open_request(client, double, holder_auth, GREEDY)
    candidate = view["queries"][0]["candidates"][0]
    assert [c["path"] for c in candidate["required_claims"]] == [["given_name"], ["family_name"]]
    assert ["learner_identification"] in [c["path"] for c in candidate["optional_claims"]]
    assert approve(client, holder_auth, view["id"], held).status_code == 200
    presentation = double.received[double_id].vp_token["skill"][0]
    assert sorted(disclosed_names(presentation)) == ["family_name", "given_name"]
    claims = double.verify(double_id, presentation, issuer_keys(client, issuer))
    assert claims["given_name"] == "Alva" and claims["family_name"] == "Lindqvist"
    for withheld in ("learner_identification", "birthdate", "assessment_grade"):
        assert withheld not in claims
    assert claims.get("skills", []) == []  # the array is not SD itself; none of its elements came
    assert "19900101-0017" not in double.received[double_id].raw_vp_token
    consent = client.get("/wallet/consents", headers=holder_auth).json()[0]
    assert consent["claims_disclosed"][0]["paths"] == [["given_name"], ["family_name"]]
    requested = consent["claims_requested"][0]["paths"]
    assert ["learner_identification"] in requested and ["skills", "*"] in requested


def test_a_verifier_that_rejects_the_presentation(
    client: TestClient, holder_auth: dict, double: VerifierDouble, held: str
) -> None:
    double.response_status = 400
    view, double_id = open_request(client, double, holder_auth)
    answer = approve(client, holder_auth, view["id"], held)
    assert answer.status_code == 502, answer.text
    assert answer.json()["code"] == "verifier_rejected_presentation"
    assert "invalid_request" in answer.json()["detail"]
    assert double.posts == [double_id]  # it was sent once, and not again
    (consent,) = client.get("/wallet/consents", headers=holder_auth).json()
    assert consent["state"] == "failed"
    assert [e["event"] for e in consent["events"]] == ["given", "failed"]
    assert consent["events"][1]["reason"] == "verifier_rejected_presentation"
    latest = client.get("/wallet/log", headers=holder_auth).json()["entries"][0]
    assert latest["event"] == "share_failed"
    assert latest["entry"]["reason"] == "verifier_rejected_presentation"
    assert latest["entry"]["consent_id"] == consent["id"]
    again = approve(client, holder_auth, view["id"], held)
    assert again.status_code == 409 and again.json()["code"] == "presentation_request_not_pending"
    withdrawn = client.post(f"/wallet/consents/{consent['id']}/withdraw", headers=holder_auth)
    assert withdrawn.status_code == 409 and withdrawn.json()["code"] == "consent_not_active"
    assert client.get("/wallet/log/verify", headers=holder_auth).json()["valid"] is True

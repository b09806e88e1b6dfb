"""OpenID4VP requests at the verifier: asking (validation, tenants), the signed request object
checked independently (jwcrypto + cryptography), the response endpoint (single use, state,
expiry, errors) and the status document the requester polls."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID
from fastapi import FastAPI
from jwcrypto import jwk, jws

from core import jose
from tests.helpers import create_issuer
from tests.verifier.support import (
    BASE,
    CLIENT_ID,
    PURPOSE,
    QUERY,
    SLUG,
    VCT,
    Roles,
    b64_json,
    bearer,
    create_verifier,
    local,
    request_object,
    respond,
    trust_list_token,
    vp_form,
)

FIELDS = (("given_name",), ("family_name",), ("achievement_title",))


def answer_with(
    roles: Roles, claims: dict[str, object], *paths: tuple[str, ...], aud: str = CLIENT_ID
) -> dict[str, str]:
    held = roles.issue_one()
    presentation = held.present(
        *(paths or FIELDS), nonce=str(claims["nonce"]), aud=aud, iat=roles.clock.now()
    )
    return vp_form({"skill": [presentation]}, str(claims["state"]))


# --- asking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"credentials": []}, "dcql_malformed"),
        ({"credentials": [{"id": "skill", "format": "carrier-pigeon"}]}, "dcql_unsupported_format"),
        (
            {
                "credentials": [
                    {"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": [VCT]}},
                    {"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": [VCT]}},
                ]
            },
            "dcql_duplicate_id",
        ),
        (
            {
                "credentials": [
                    {
                        "id": "a",
                        "format": "dc+sd-jwt",
                        "meta": {"vct_values": [VCT]},
                        "claims": [{"path": []}],
                    }
                ]
            },
            "dcql_claim_path_invalid",
        ),
    ],
    ids=["no-credentials", "unknown-format", "duplicate-id", "empty-path"],
)
def test_a_bad_dcql_query_is_refused_with_its_code(
    roles: Roles, query: dict[str, object], code: str
) -> None:
    asked = roles.client.post(
        f"/verifiers/{SLUG}/requests",
        json={"dcql_query": query, "purpose": PURPOSE},
        headers=roles.verifier_auth,
    )
    assert asked.status_code == 422, asked.text
    assert asked.json()["code"] == code


def test_trusted_issuers_must_be_on_the_trust_list(roles: Roles) -> None:
    asked = roles.client.post(
        f"/verifiers/{SLUG}/requests",
        json={
            "dcql_query": QUERY,
            "purpose": PURPOSE,
            "trusted_issuers": [roles.issuer["issuer"], "https://okand.example.se/issuer"],
        },
        headers=roles.verifier_auth,
    )
    assert asked.status_code == 422, asked.text
    assert asked.json()["code"] == "invalid_input"
    assert "okand.example.se" in asked.json()["detail"]


def test_a_request_limited_to_other_issuers_rejects_a_listed_one(roles: Roles) -> None:
    other = create_issuer(roles.client, "annan-skola")
    roles.install_trust_list(
        trust_list_token(
            roles.operator_key,
            roles.clock.now(),
            [(roles.issuer["issuer"], "YH-akademin", [VCT]), (other["issuer"], "Annan", [VCT])],
            sequence=2,
        )
    )
    request = roles.ask(trusted_issuers=[other["issuer"]])
    claims = request_object(roles.client, request)
    assert respond(roles.client, claims, answer_with(roles, claims)).status_code == 200
    outcome = roles.status(request)
    assert outcome["status"] == "rejected"
    [result] = outcome["result"]["credentials"]["skill"]
    assert result["failed_check"] == "issuer_key" and result["claims"] is None


def test_asking_needs_the_verifiers_own_api_key(roles: Roles) -> None:
    body = {"dcql_query": QUERY, "purpose": PURPOSE}
    missing = roles.client.post(f"/verifiers/{SLUG}/requests", json=body)
    assert missing.status_code == 401 and missing.json()["code"] == "unauthenticated"
    wrong = roles.client.post(
        f"/verifiers/{SLUG}/requests", json=body, headers=bearer("intyg_verifier_x")
    )
    assert wrong.status_code == 401
    other = create_verifier(roles.client, "rekrytering", "Rekrytering AB", "rekrytering.example.se")
    borrowed = roles.client.post(
        f"/verifiers/{SLUG}/requests", json=body, headers=bearer(other["api_key"])
    )
    assert borrowed.status_code == 401 and borrowed.json()["code"] == "unauthenticated"
    issuer_key = roles.client.post(
        f"/verifiers/{SLUG}/requests", json=body, headers=roles.issuer_auth
    )
    assert issuer_key.status_code == 401


# --- the request object ----------------------------------------------------------------------


def test_request_object_is_signed_by_a_leaf_that_chains_to_the_verifier_ca(
    roles: Roles, app: FastAPI
) -> None:
    request = roles.ask()
    link = urlsplit(request["authorization_request"])
    assert link.scheme == "openid4vp"
    params = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert params == {"client_id": CLIENT_ID, "request_uri": request["request_uri"]}
    assert request["request_uri"].startswith(f"{BASE}/verifiers/{SLUG}/request-objects/")

    served = roles.client.get(local(request["request_uri"]))
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/oauth-authz-req+jwt")
    assert served.headers["cache-control"] == "no-store"
    token = served.text
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "oauth-authz-req+jwt" and header["alg"] == "ES256"

    # the chain: x5c[0] is the leaf, issued by the CA that wallets are given (ca.pem)
    ca_file: Path = app.state.runtime.settings.verifier_ca_dir / "ca.pem"
    ca = x509.load_pem_x509_certificate(ca_file.read_bytes())
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    leaf.verify_directly_issued_by(ca)
    assert leaf.issuer == ca.subject and leaf.subject != ca.subject
    sans = leaf.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
    assert not leaf.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca

    # the signature, by the leaf's key, checked by jwcrypto
    verified = jws.JWS()
    verified.deserialize(token)
    verified.verify(jwk.JWK.from_pyca(leaf.public_key()), alg="ES256")
    claims = json.loads(verified.payload)
    assert claims["client_id"] == CLIENT_ID
    assert claims["response_type"] == "vp_token"
    assert claims["response_mode"] == "direct_post"
    response_uri = urlsplit(claims["response_uri"])
    assert response_uri.hostname == "localhost"  # the DNS name in the certificate
    assert response_uri.path.startswith(f"/verifiers/{SLUG}/responses/")
    assert claims["response_uri"].endswith(request["id"])
    assert isinstance(claims["nonce"], str) and len(claims["nonce"]) >= 22
    assert isinstance(claims["state"], str) and claims["state"] != claims["nonce"]
    assert claims["dcql_query"]["credentials"][0]["id"] == "skill"
    assert claims["dcql_query"]["credentials"][0]["meta"] == {"vct_values": [VCT]}
    assert claims["client_metadata"]["client_name"] == "Arbetsgivaren AB"
    assert claims["exp"] > claims["iat"] == roles.clock.now()
    assert claims["purpose"] == PURPOSE

    second = request_object(roles.client, roles.ask())
    assert second["nonce"] != claims["nonce"] and second["state"] != claims["state"]


def test_a_request_names_its_registered_purpose_by_purpose_id(roles: Roles) -> None:
    """The wallet compares what a request asks for with the purpose it names (over-asking);
    without one, the Request Object names none."""
    assert "purpose_id" not in request_object(roles.client, roles.ask())
    named = request_object(roles.client, roles.ask(purpose_id="recruitment"))
    assert named["purpose_id"] == "recruitment" and named["purpose"] == PURPOSE
    refused = roles.client.post(
        f"/verifiers/{roles.verifier['slug']}/requests",
        json={"dcql_query": QUERY, "purpose": PURPOSE, "purpose_id": "has space"},
        headers=roles.verifier_auth,
    )
    assert refused.status_code == 422


def test_an_x509_hash_verifier_asks_as_its_certificate_and_binds_answers_to_it(
    roles: Roles,
) -> None:
    """HAIP 1.0: client_id ``x509_hash:<hash of the leaf>``; the KB-JWT's aud is that client_id
    (OID4VP 1.0 Appendix B.3.6), so one made for the DNS name does not count."""
    made = create_verifier(roles.client, "haip", "HAIP AB", "haip.example.se", prefix="x509_hash")
    haip = dataclasses.replace(roles, verifier=made, verifier_auth=bearer(made["api_key"]))
    haip.install_trust_list(
        trust_list_token(
            roles.operator_key, roles.clock.now(), [(roles.issuer["issuer"], "YH", [VCT])]
        )
    )
    request = haip.ask()
    params = parse_qs(urlsplit(request["authorization_request"]).query)
    assert params["client_id"] == [made["client_id"]]
    served = roles.client.get(local(request["request_uri"])).text
    leaf = x509.load_der_x509_certificate(
        base64.b64decode(b64_json(served.split(".")[0])["x5c"][0])
    )
    digest = hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).digest()
    assert made["client_id"] == "x509_hash:" + jose.b64url_encode(digest)
    claims = request_object(roles.client, request)
    assert claims["client_id"] == made["client_id"]

    wrong_aud = answer_with(roles, claims, aud="x509_san_dns:haip.example.se")
    assert respond(roles.client, claims, wrong_aud).status_code == 200
    refused = haip.status(request)["result"]
    assert refused["verdict"] == "invalid"
    [checked] = refused["credentials"]["skill"]
    assert checked["failed_check"] == "key_binding", checked

    request = haip.ask()
    claims = request_object(roles.client, request)
    right_aud = answer_with(roles, claims, aud=made["client_id"])
    assert respond(roles.client, claims, right_aud).status_code == 200
    assert haip.status(request)["result"]["verdict"] == "valid"


# --- answering and polling -------------------------------------------------------------------


def test_pending_then_fulfilled_with_only_the_disclosed_claims(roles: Roles) -> None:
    request = roles.ask()
    pending = roles.status(request)
    assert pending["status"] == "pending" and pending["result"] is None
    assert pending["purpose"] == PURPOSE and pending["id"] == request["id"]
    claims = request_object(roles.client, request)
    answer = respond(roles.client, claims, answer_with(roles, claims))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {} and answer.headers["cache-control"] == "no-store"
    outcome = roles.status(request)
    assert outcome["status"] == "fulfilled"
    assert outcome["result"]["verdict"] == "valid" and outcome["result"]["error"] is None
    [result] = outcome["result"]["credentials"]["skill"]
    assert result["verdict"] == "valid"
    assert set(result["claims"]) >= {"given_name", "family_name", "achievement_title"}
    assert not {"birthdate", "learner_identification", "assessment_grade"} & set(result["claims"])


def test_access_denied_is_rejected_without_claims(roles: Roles) -> None:
    request = roles.ask()
    claims = request_object(roles.client, request)
    form = {
        "error": "access_denied",
        "error_description": "the holder said no",
        "state": str(claims["state"]),
    }
    assert respond(roles.client, claims, form).status_code == 200
    outcome = roles.status(request)
    assert outcome["status"] == "rejected"
    assert outcome["result"]["error"] == "access_denied"
    assert "credentials" not in outcome["result"] or not outcome["result"]["credentials"]


def test_a_second_response_is_refused_and_the_result_kept(roles: Roles) -> None:
    request = roles.ask()
    claims = request_object(roles.client, request)
    first = answer_with(roles, claims)
    assert respond(roles.client, claims, first).status_code == 200
    kept = roles.status(request)
    assert kept["status"] == "fulfilled"
    for form in (first, {"error": "access_denied", "state": str(claims["state"])}):
        again = respond(roles.client, claims, form)
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_request"
    assert roles.status(request) == kept


def test_a_response_with_the_wrong_state_leaves_the_request_pending(roles: Roles) -> None:
    request = roles.ask()
    claims = request_object(roles.client, request)
    form = answer_with(roles, claims)
    for state in ("wrong-state", None):
        bad = dict(form)
        if state is None:
            del bad["state"]
        else:
            bad["state"] = state
        refused = respond(roles.client, claims, bad)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"
        assert roles.status(request)["status"] == "pending"
    assert respond(roles.client, claims, form).status_code == 200
    assert roles.status(request)["status"] == "fulfilled"


def test_a_response_to_an_unknown_request_is_refused(roles: Roles) -> None:
    request = roles.ask()
    claims = request_object(roles.client, request)
    form = answer_with(roles, claims)
    other = str(claims["response_uri"]).rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    refused = respond(roles.client, {"response_uri": other}, form)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"
    assert roles.status(request)["status"] == "pending"


def test_an_expired_request_is_expired_and_refuses_responses(roles: Roles) -> None:
    request = roles.ask()
    claims = request_object(roles.client, request)
    form = answer_with(roles, claims)
    pending = roles.status(request)
    roles.clock.advance(pending["expires_at"] - roles.clock.now())
    outcome = roles.status(request)
    assert outcome["status"] == "expired" and outcome["result"] is None
    refused = respond(roles.client, claims, form)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"
    assert roles.client.get(local(request["request_uri"])).status_code == 404
    assert roles.status(request)["status"] == "expired"


def test_the_request_object_of_an_answered_request_is_gone(roles: Roles) -> None:
    request = roles.ask()
    claims = request_object(roles.client, request)
    assert (
        respond(
            roles.client, claims, {"error": "access_denied", "state": str(claims["state"])}
        ).status_code
        == 200
    )
    gone = roles.client.get(local(request["request_uri"]))
    assert gone.status_code == 404 and gone.json()["code"] == "request_not_found"


def test_another_tenants_request_looks_like_an_unknown_one(roles: Roles) -> None:
    request = roles.ask()
    other = create_verifier(roles.client, "rekrytering", "Rekrytering AB", "rekrytering.example.se")
    theirs = roles.client.get(
        f"/verifiers/rekrytering/requests/{request['id']}", headers=bearer(other["api_key"])
    )
    unknown = roles.client.get(
        "/verifiers/rekrytering/requests/00000000-0000-4000-8000-000000000000",
        headers=bearer(other["api_key"]),
    )
    garbage = roles.client.get(
        "/verifiers/rekrytering/requests/nope", headers=bearer(other["api_key"])
    )
    assert theirs.status_code == unknown.status_code == garbage.status_code == 404
    assert theirs.json() == unknown.json() == garbage.json()
    # nor can the other tenant fetch the request object or answer it under its own slug
    assert (
        roles.client.get(f"/verifiers/rekrytering/request-objects/{request['id']}").status_code
        == 404
    )
    assert roles.status(request)["status"] == "pending"


def test_claims_appear_in_the_status_only_when_fulfilled(roles: Roles) -> None:
    request = roles.ask()
    claims = request_object(roles.client, request)
    assert roles.status(request)["result"] is None
    held = roles.issue_one()
    presentation = held.present(
        *FIELDS,
        nonce=str(claims["nonce"]),
        aud="x509_san_dns:annan.example.se",
        iat=roles.clock.now(),
    )
    respond(roles.client, claims, vp_form({"skill": [presentation]}, str(claims["state"])))
    rejected = roles.status(request)
    assert rejected["status"] == "rejected"
    [result] = rejected["result"]["credentials"]["skill"]
    assert result["failed_check"] == "key_binding" and result["claims"] is None
    assert "Alva" not in json.dumps(rejected) and "Lindqvist" not in json.dumps(rejected)


def test_a_vp_token_answering_an_unasked_query_is_rejected(roles: Roles) -> None:
    request = roles.ask()
    claims = request_object(roles.client, request)
    form = answer_with(roles, claims)
    form["vp_token"] = form["vp_token"].replace('"skill"', '"other"')
    assert respond(roles.client, claims, form).status_code == 200
    outcome = roles.status(request)
    assert outcome["status"] == "rejected"
    assert outcome["result"]["verdict"] == "invalid" and outcome["result"]["credentials"] == {}


def test_a_trust_list_lapsing_before_the_answer_rejects_rather_than_hangs(roles: Roles) -> None:
    now = roles.clock.now()
    roles.install_trust_list(
        trust_list_token(
            roles.operator_key,
            now,
            [(roles.issuer["issuer"], "YH-akademin", [VCT])],
            sequence=2,
            next_update=now + 120,
        )
    )
    request = roles.ask()
    claims = request_object(roles.client, request)
    form = answer_with(roles, claims)
    roles.clock.advance(121)  # the list lapses; the request (10 minutes) does not
    answer = respond(roles.client, claims, form)
    assert answer.status_code == 200, answer.text
    outcome = roles.status(request)
    assert outcome["status"] == "rejected", outcome
    assert outcome["result"]["verdict"] == "invalid"
    assert outcome["result"]["error"] == "trust_list_unavailable"


def test_a_partly_answered_request_shows_no_claims(roles: Roles) -> None:
    """Two credentials asked for, one answered (validly): rejected, and not one claim shown."""
    second = json.loads(json.dumps(QUERY["credentials"][0]))
    second["id"] = "second"
    request = roles.ask({"credentials": [QUERY["credentials"][0], second]})
    claims = request_object(roles.client, request)
    assert respond(roles.client, claims, answer_with(roles, claims)).status_code == 200
    outcome = roles.status(request)
    assert outcome["status"] == "rejected", outcome
    assert outcome["result"]["verdict"] == "invalid"
    assert outcome["result"]["error"] == "dcql_not_satisfied"
    [result] = outcome["result"]["credentials"]["skill"]
    assert result["claims"] is None
    assert "Alva" not in json.dumps(outcome) and "Lindqvist" not in json.dumps(outcome)

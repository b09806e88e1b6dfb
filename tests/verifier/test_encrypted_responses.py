"""``direct_post.jwt`` at the verifier (OpenID4VP 1.0 §8.3, §8.3.1; HAIP 1.0 §5): a fresh
ECDH-ES P-256 key per request in ``client_metadata``, answers decrypted with that request's key
only, and every response that is not a JWE for it refused — leaving the request pending — while
a plain error stays possible for a wallet that cannot encrypt."""

from __future__ import annotations

import dataclasses
import json

import pytest
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core.jose import jwe
from core.standards import oid4vp
from tests.verifier.support import (
    VCT,
    Roles,
    bearer,
    create_verifier,
    local,
    request_object,
    respond,
    trust_list_token,
)

FIELDS = (("given_name",), ("family_name",), ("achievement_title",))


@pytest.fixture
def haip(roles: Roles) -> Roles:
    """The roles with a verifier made with HAIP's defaults (x509_hash, direct_post.jwt)."""
    made = roles.client.post(
        "/admin/verifiers",
        json={
            "slug": "haip",
            "name": "HAIP AB",
            "organisation_number": "556677-8899",
            "dns_name": "localhost",
        },
        headers={"Authorization": "Bearer test-admin-token"},
    )
    assert made.status_code == 201, made.text
    haip = dataclasses.replace(
        roles, verifier=made.json(), verifier_auth=bearer(made.json()["api_key"])
    )
    haip.install_trust_list(
        trust_list_token(
            roles.operator_key, roles.clock.now(), [(roles.issuer["issuer"], "YH", [VCT])]
        )
    )
    return haip


def vp_token(roles: Roles, claims: dict[str, object]) -> dict[str, list[str]]:
    presentation = roles.issue_one().present(
        *FIELDS, nonce=str(claims["nonce"]), aud=str(claims["client_id"]), iat=roles.clock.now()
    )
    return {"skill": [presentation]}


def encrypted(roles: Roles, claims: dict[str, object]) -> dict[str, str]:
    """Answer as a wallet does: to the key and the strongest enc the request offers."""
    metadata = claims["client_metadata"]
    assert isinstance(metadata, dict)
    chosen = oid4vp.choose_response_encryption(metadata)
    return oid4vp.direct_post_form(vp_token(roles, claims), str(claims["state"]), chosen)


def refused_and_pending(
    haip: Roles, request: dict[str, str], claims: dict[str, object], form: dict[str, str]
) -> str:
    answer = respond(haip.client, claims, form)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_request"
    assert haip.status(request)["status"] == "pending"
    return str(answer.json()["error_description"])


def test_each_request_offers_a_fresh_p256_key_and_both_gcm_encryptions(haip: Roles) -> None:
    first = request_object(haip.client, haip.ask())
    second = request_object(haip.client, haip.ask())
    assert first["response_mode"] == second["response_mode"] == "direct_post.jwt"
    assert str(first["client_id"]).startswith("x509_hash:")
    for claims in (first, second):
        metadata = claims["client_metadata"]
        assert isinstance(metadata, dict)
        assert metadata["encrypted_response_enc_values_supported"] == ["A128GCM", "A256GCM"]
        [key] = metadata["jwks"]["keys"]
        assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ECDH-ES", "enc")
        assert isinstance(key["kid"], str) and "d" not in key
    keys = [c["client_metadata"]["jwks"]["keys"][0] for c in (first, second)]  # type: ignore[index]
    assert keys[0]["kid"] != keys[1]["kid"] and keys[0]["x"] != keys[1]["x"]


def test_an_encrypted_answer_is_verified_and_the_key_dropped(haip: Roles, engine: Engine) -> None:
    request = haip.ask()
    claims = request_object(haip.client, request)
    with engine.connect() as connection:
        sealed = connection.execute(
            text("SELECT sealed_response_key FROM verifier_request WHERE id = :id"),
            {"id": request["id"]},
        ).scalar_one()
    assert sealed is not None and b'"d"' not in sealed  # sealed under the master key
    form = encrypted(haip, claims)
    assert jwe.header_of(form["response"])["enc"] == "A256GCM"
    answer = respond(haip.client, claims, form)
    assert answer.status_code == 200, answer.text
    outcome = haip.status(request)
    assert outcome["status"] == "fulfilled" and outcome["result"]["verdict"] == "valid"  # type: ignore[index]
    with engine.connect() as connection:
        dropped = connection.execute(
            text("SELECT sealed_response_key FROM verifier_request WHERE id = :id"),
            {"id": request["id"]},
        ).scalar_one()
    assert dropped is None
    replay = respond(haip.client, claims, form)
    assert replay.status_code == 400 and "already answered" in replay.json()["error_description"]
    assert haip.status(request) == outcome


def test_a_response_encrypted_to_an_old_requests_key_is_refused(haip: Roles) -> None:
    old = request_object(haip.client, haip.ask())
    request = haip.ask()
    claims = request_object(haip.client, request)
    old_key = oid4vp.choose_response_encryption(old["client_metadata"])  # type: ignore[arg-type]
    form = oid4vp.direct_post_form(vp_token(haip, claims), str(claims["state"]), old_key)
    assert "jwe_key_mismatch" in refused_and_pending(haip, request, claims, form)
    assert respond(haip.client, claims, encrypted(haip, claims)).status_code == 200


def jwcrypto_encrypt(payload: object, public: dict[str, object], **header: object) -> str:
    protected = {"alg": "ECDH-ES", "enc": "A128GCM", "kid": public["kid"], **header}
    token = jwcrypto_jwe.JWE(json.dumps(payload).encode(), protected=json.dumps(protected))
    token.add_recipient(jwcrypto_jwk.JWK(**{k: v for k, v in public.items() if k != "use"}))
    return str(token.serialize(compact=True))


def test_a_jwe_with_another_key_under_this_requests_kid_is_refused(haip: Roles) -> None:
    request = haip.ask()
    claims = request_object(haip.client, request)
    offered = claims["client_metadata"]["jwks"]["keys"][0]  # type: ignore[index]
    attacker = jwe.public_encryption_key({**jwe.new_encryption_key(), "kid": offered["kid"]})
    body = {"vp_token": vp_token(haip, claims), "state": claims["state"]}
    form = {"response": jwcrypto_encrypt(body, attacker)}
    assert "jwe_decryption_failed" in refused_and_pending(haip, request, claims, form)


@pytest.mark.parametrize("enc", ["A192GCM", "A128CBC-HS256"])
def test_an_enc_that_was_not_offered_is_refused(haip: Roles, enc: str) -> None:
    request = haip.ask()
    claims = request_object(haip.client, request)
    offered = claims["client_metadata"]["jwks"]["keys"][0]  # type: ignore[index]
    body = {"vp_token": vp_token(haip, claims), "state": claims["state"]}
    form = {"response": jwcrypto_encrypt(body, offered, enc=enc)}
    assert "jwe_alg_not_allowed" in refused_and_pending(haip, request, claims, form)


def test_a_vp_token_in_the_clear_is_refused(haip: Roles) -> None:
    request = haip.ask()
    claims = request_object(haip.client, request)
    form = oid4vp.direct_post_form(vp_token(haip, claims), str(claims["state"]))
    assert "encrypted" in refused_and_pending(haip, request, claims, form)


def test_a_wrong_state_inside_the_jwe_is_refused(haip: Roles) -> None:
    request = haip.ask()
    claims = request_object(haip.client, request)
    chosen = oid4vp.choose_response_encryption(claims["client_metadata"])  # type: ignore[arg-type]
    form = oid4vp.direct_post_form(vp_token(haip, claims), "another-state", chosen)
    assert "state" in refused_and_pending(haip, request, claims, form)


def test_an_error_in_the_clear_is_accepted_from_a_wallet_that_cannot_encrypt(haip: Roles) -> None:
    request = haip.ask()
    claims = request_object(haip.client, request)
    form = oid4vp.direct_post_error_form("invalid_request", "cannot encrypt", str(claims["state"]))
    assert respond(haip.client, claims, form).status_code == 200
    outcome = haip.status(request)
    assert outcome["status"] == "rejected"
    assert outcome["result"]["error"] == "invalid_request"  # type: ignore[index]


def test_a_verifier_can_still_choose_direct_post(roles: Roles) -> None:
    made = create_verifier(roles.client, "klartext", "Klartext AB", prefix="x509_hash")
    clear = dataclasses.replace(roles, verifier=made, verifier_auth=bearer(made["api_key"]))
    clear.install_trust_list(trust_list_token(roles.operator_key, roles.clock.now(), []))
    claims = request_object(clear.client, clear.ask())
    assert claims["response_mode"] == "direct_post"
    assert "jwks" not in claims["client_metadata"]  # type: ignore[operator]
    assert local(str(claims["response_uri"])).startswith("/verifiers/klartext/responses/")


def test_a_request_that_expires_unanswered_drops_its_key(haip: Roles, engine: Engine) -> None:
    request = haip.ask()
    claims = request_object(haip.client, request)
    form = encrypted(haip, claims)
    haip.clock.advance(601)
    assert haip.status(request)["status"] == "expired"
    with engine.connect() as connection:
        sealed = connection.execute(
            text("SELECT sealed_response_key FROM verifier_request WHERE id = :id"),
            {"id": request["id"]},
        ).scalar_one()
    assert sealed is None
    late = respond(haip.client, claims, form)
    assert late.status_code == 400 and "expired" in late.json()["error_description"]

"""The issue's negative list: each attack is rejected by the check it names, with its stable
code, an ``invalid`` verdict and no claims — through ``POST {verifier}/verify`` (with the
expected nonce and audience, so key binding is required) or, for a missing required claim,
through the OpenID4VP response endpoint.

Credentials come from the issuer's OpenID4VCI endpoints with holder keys the test holds;
presentations are built with ``core.standards.sd_jwt`` and then tampered with by hand.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from core import jose
from core import x509 as certs
from core.standards import sd_jwt
from tests.helpers import create_issuer
from tests.verifier.support import (
    CLIENT_ID,
    VCT,
    Held,
    Roles,
    assert_rejected,
    b64_encode_json,
    b64_json,
    bind,
    check,
    count,
    issuer_public_keys,
    request_object,
    respond,
    trust_list_token,
    vp_form,
)
from verifier.models import VerifierRequest, VerifierUsedNonce

GIVEN = ("given_name",)
FAMILY = ("family_name",)
NONCE = "n-0S6_WzA2Mj"


def nothing_kept(engine: Engine) -> None:
    """A rejected direct verification spends no nonce and stores no request or result."""
    assert count(engine, VerifierUsedNonce) == 0
    assert count(engine, VerifierRequest) == 0


def present(roles: Roles, held: Held, *paths: tuple[str | int, ...]) -> str:
    return held.present(*paths, nonce=NONCE, iat=roles.clock.now())


def with_issuer_jwt(roles: Roles, held: Held, issuer_jwt: str, *paths: tuple[str, ...]) -> str:
    """A key-bound presentation of ``issuer_jwt`` (whatever it is) with ``held``'s disclosures."""
    disclosed = sd_jwt.serialize(issuer_jwt, held.disclosures(*paths))
    return bind(disclosed, held.holder, nonce=NONCE, aud=CLIENT_ID, iat=roles.clock.now())


# --- control ---------------------------------------------------------------------------------


def test_a_sound_presentation_passes_every_check(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    result = roles.verify(present(roles, held, GIVEN, FAMILY))
    assert result["verdict"] == "valid" and result["failed_check"] is None, result
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
        "dcql": "skipped",
    }
    assert result["issuer"] == {
        "id": roles.issuer["issuer"],
        "name": "YH-akademin",
        "trusted": True,
    }
    assert result["vct"] == VCT
    claims = result["claims"]
    assert claims["given_name"] == "Alva" and claims["family_name"] == "Lindqvist"
    assert "birthdate" not in claims and "assessment_grade" not in claims
    assert "cnf" not in claims and "status" not in claims
    assert count(engine, VerifierUsedNonce) == 1


# --- the issuer's signature ------------------------------------------------------------------


def test_rejects_tampered_issuer_payload(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    header, payload, signature = held.issuer_jwt.split(".")
    claims = b64_json(payload)
    assert claims["achievement_title"] == "Mjukvaruutvecklare .NET"
    claims["achievement_title"] = "Civilingenjör i datateknik"
    forged = ".".join([header, b64_encode_json(claims), signature])
    result = roles.verify(with_issuer_jwt(roles, held, forged, GIVEN))
    assert_rejected(result, "signature", "jose_bad_signature")
    nothing_kept(engine)


@pytest.mark.parametrize("where", ["jwk", "jku", "x5u", "x5c"])
def test_rejects_a_key_named_in_the_header(
    roles: Roles, engine: Engine, outbound: list[str], where: str
) -> None:
    """The attacker re-signs a changed payload with their own key, names that key in the
    header and keeps the issuer's kid: the verifier uses only the issuer's published key (an
    ``x5c`` whose leaf is not that key is refused before any signature is checked)."""
    held = roles.issue_one()
    attacker = jose.PrivateKey.generate()
    named: object = {
        "jwk": dict(attacker.public.jwk),
        "jku": "http://localhost:8000/attacker/jwks.json",
        "x5u": "http://localhost:8000/attacker/cert.pem",
        "x5c": certs.x5c_chain([certs.create_dev_ca("Attacker", roles.clock.now())[0]]),
    }[where]
    claims = dict(held.payload, achievement_title="Civilingenjör i datateknik")
    kid = b64_json(held.issuer_jwt.split(".")[0])["kid"]
    forged = jose.sign(claims, attacker, typ="dc+sd-jwt", header={"kid": kid, where: named})
    assert b64_json(forged.split(".")[0])[where] == named
    result = roles.verify(with_issuer_jwt(roles, held, forged, GIVEN))
    if where == "x5c":
        assert_rejected(result, "issuer_key", "issuer_keys_disagree")
    else:
        assert_rejected(result, "signature", "jose_bad_signature")
    assert not [p for p in outbound if "attacker" in p]
    nothing_kept(engine)


def test_rejects_alg_none(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    header = b64_json(held.issuer_jwt.split(".")[0])
    unsigned = f"{b64_encode_json({**header, 'alg': 'none'})}.{held.issuer_jwt.split('.')[1]}."
    result = roles.verify(with_issuer_jwt(roles, held, unsigned, GIVEN))
    assert_rejected(result, "algorithm", "jose_alg_not_allowed")
    nothing_kept(engine)


@pytest.mark.parametrize("form", ["published", "compact"])
def test_rejects_alg_confusion_hs256_with_public_key(
    roles: Roles, engine: Engine, form: str
) -> None:
    held = roles.issue_one()
    header = b64_json(held.issuer_jwt.split(".")[0])
    public = issuer_public_keys(roles.client, roles.issuer["issuer"])[str(header["kid"])].jwk
    secret = json.dumps(dict(public)) if form == "published" else jose.compact_json(public).decode()
    signing_input = f"{b64_encode_json({**header, 'alg': 'HS256'})}.{held.issuer_jwt.split('.')[1]}"
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{jose.b64url_encode(mac)}"
    result = roles.verify(with_issuer_jwt(roles, held, forged, GIVEN))
    assert_rejected(result, "algorithm", "jose_alg_not_allowed")
    nothing_kept(engine)


# --- disclosures -----------------------------------------------------------------------------


def test_rejects_tampered_disclosure(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    [disclosure] = held.disclosures(GIVEN)
    salt, name, value = b64_json(disclosure)  # type: ignore[misc]
    assert (name, value) == ("given_name", "Alva")
    tampered = b64_encode_json([salt, name, "Eva"])
    presentation = bind(
        sd_jwt.serialize(held.issuer_jwt, [tampered]),
        held.holder,
        nonce=NONCE,
        aud=CLIENT_ID,
        iat=roles.clock.now(),
    )
    result = roles.verify(presentation)
    assert_rejected(result, "disclosures", "sd_jwt_unreferenced_disclosure")
    nothing_kept(engine)


def test_rejects_a_disclosure_from_another_credential(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one(assessment_grade="G")
    other = roles.issue_one(assessment_grade="VG")
    borrowed = other.disclosures(("assessment_grade",))
    presentation = bind(
        sd_jwt.serialize(held.issuer_jwt, held.disclosures(GIVEN) + borrowed),
        held.holder,
        nonce=NONCE,
        aud=CLIENT_ID,
        iat=roles.clock.now(),
    )
    result = roles.verify(presentation)
    assert_rejected(result, "disclosures", "sd_jwt_unreferenced_disclosure")
    nothing_kept(engine)


# --- key binding -----------------------------------------------------------------------------


def test_rejects_missing_key_binding_when_required(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    result = roles.verify(held.sd_jwt(GIVEN))
    assert_rejected(result, "key_binding", "sd_jwt_kb_missing")
    nothing_kept(engine)


def test_rejects_kb_jwt_signed_by_another_key(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    presentation = held.present(
        GIVEN, nonce=NONCE, iat=roles.clock.now(), key=jose.PrivateKey.generate()
    )
    assert_rejected(roles.verify(presentation), "key_binding", "jose_bad_signature")
    nothing_kept(engine)


def test_rejects_kb_jwt_for_another_audience(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    presentation = held.present(
        GIVEN, nonce=NONCE, aud="x509_san_dns:annan.example.se", iat=roles.clock.now()
    )
    assert_rejected(roles.verify(presentation), "key_binding", "sd_jwt_kb_aud_mismatch")
    nothing_kept(engine)


def test_rejects_kb_jwt_with_another_nonce(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    presentation = held.present(GIVEN, nonce="another-nonce", iat=roles.clock.now())
    assert_rejected(roles.verify(presentation), "key_binding", "sd_jwt_kb_nonce_mismatch")
    nothing_kept(engine)


def test_rejects_presentation_with_disclosures_added_after_key_binding(
    roles: Roles, engine: Engine
) -> None:
    held = roles.issue_one()
    bound = held.present(GIVEN, nonce=NONCE, iat=roles.clock.now())
    kb_jwt = bound.rsplit("~", 1)[1]
    widened = sd_jwt.serialize(held.issuer_jwt, held.disclosures(GIVEN, ("birthdate",)), kb_jwt)
    assert_rejected(roles.verify(widened), "key_binding", "sd_jwt_kb_sd_hash_mismatch")
    nothing_kept(engine)


def test_rejects_replayed_nonce(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    presentation = present(roles, held, GIVEN)
    first = roles.verify(presentation)
    assert first["verdict"] == "valid", first
    again = roles.verify(presentation)
    assert_rejected(again, "key_binding", "nonce_replayed")
    # a fresh presentation under the same nonce is a replay too
    assert_rejected(roles.verify(present(roles, held, FAMILY)), "key_binding", "nonce_replayed")
    assert count(engine, VerifierUsedNonce) == 1


def test_rejects_stale_kb_jwt(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    presentation = present(roles, held, GIVEN)
    roles.clock.advance(300 + 60 + 1)  # kb max age plus the allowed clock skew, and a second
    assert_rejected(roles.verify(presentation), "key_binding", "sd_jwt_kb_too_old")
    nothing_kept(engine)


def test_rejects_kb_jwt_from_the_future(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    presentation = held.present(GIVEN, nonce=NONCE, iat=roles.clock.now() + 3600)
    assert_rejected(roles.verify(presentation), "key_binding", "sd_jwt_kb_iat_in_future")
    nothing_kept(engine)


# --- validity --------------------------------------------------------------------------------


def test_rejects_expired_credential(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    exp = held.payload["exp"]
    assert isinstance(exp, int)
    roles.clock.advance(exp - roles.clock.now() + 60 + 1)  # past exp and the allowed skew
    assert_rejected(roles.verify(present(roles, held, GIVEN)), "validity", "credential_expired")
    nothing_kept(engine)


def test_accepts_credential_within_the_allowed_skew_of_exp(roles: Roles) -> None:
    held = roles.issue_one()
    exp = held.payload["exp"]
    assert isinstance(exp, int)
    roles.clock.advance(exp - roles.clock.now() + 30)
    assert roles.verify(present(roles, held, GIVEN))["verdict"] == "valid"


def test_rejects_not_yet_valid_credential(roles: Roles, engine: Engine) -> None:
    roles.clock.advance(3600)
    held = roles.issue_one()  # issued an hour from now
    roles.clock.advance(-3600)
    result = roles.verify(present(roles, held, GIVEN))
    assert_rejected(result, "validity", "credential_not_yet_valid")
    nothing_kept(engine)


# --- status ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "code"), [("revoke", "credential_revoked"), ("suspend", "credential_suspended")]
)
def test_rejects_revoked_and_suspended(
    roles: Roles, engine: Engine, action: str, code: str
) -> None:
    held = roles.issue_one()
    [credential_id] = roles.credential_ids()
    changed = roles.client.post(
        f"/issuers/{roles.issuer['slug']}/admin/credentials/{credential_id}/{action}",
        headers=roles.issuer_auth,
    )
    assert changed.status_code == 200, changed.text
    assert_rejected(roles.verify(present(roles, held, GIVEN)), "status", code)
    nothing_kept(engine)


def test_suspension_lifted_is_honoured_once_the_cached_list_expires(roles: Roles) -> None:
    held = roles.issue_one()
    [credential_id] = roles.credential_ids()
    base = f"/issuers/{roles.issuer['slug']}/admin/credentials/{credential_id}"
    roles.client.post(f"{base}/suspend", headers=roles.issuer_auth)
    assert roles.verify(present(roles, held, GIVEN))["failed_check"] == "status"
    roles.client.post(f"{base}/reinstate", headers=roles.issuer_auth)
    # still the cached list (ttl 300 s) ...
    again = held.present(GIVEN, nonce="second", iat=roles.clock.now())
    assert roles.verify(again, nonce="second")["failed_check"] == "status"
    roles.clock.advance(301)  # ... until its ttl has passed
    third = held.present(GIVEN, nonce="third", iat=roles.clock.now())
    assert roles.verify(third, nonce="third")["verdict"] == "valid"


def test_unfetchable_status_list_is_status_unknown(
    roles: Roles, engine: Engine, outage: set[str]
) -> None:
    held = roles.issue_one()
    outage.add(f"/issuers/{roles.issuer['slug']}/status-lists/")
    assert_rejected(roles.verify(present(roles, held, GIVEN)), "status", "status_unknown")
    nothing_kept(engine)


def test_unfetchable_status_list_is_a_warning_when_policy_accepts(
    roles: Roles, app: FastAPI, outage: set[str]
) -> None:
    rt = app.state.runtime
    app.state.runtime = dataclasses.replace(
        rt, settings=rt.settings.model_copy(update={"verifier_status_unknown": "accept"})
    )
    held = roles.issue_one()
    outage.add(f"/issuers/{roles.issuer['slug']}/status-lists/")
    result = roles.verify(present(roles, held, GIVEN))
    assert result["verdict"] == "valid" and result["failed_check"] is None, result
    status = check(result, "status")
    assert status["outcome"] == "warning" and status["code"] == "status_unknown", status
    assert result["claims"]["given_name"] == "Alva"


# --- issuer and trust ------------------------------------------------------------------------


def test_rejects_untrusted_issuer(roles: Roles, engine: Engine, outbound: list[str]) -> None:
    other = create_issuer(roles.client, "annan-skola")
    held = roles.issue(1, issuer=other)[0]
    outbound.clear()
    result = roles.verify(present(roles, held, GIVEN))
    assert_rejected(result, "issuer_key", "issuer_untrusted")
    assert result["issuer"] == {"id": other["issuer"], "name": None, "trusted": False}
    assert outbound == []  # nothing fetched for an issuer not on the list
    nothing_kept(engine)


def test_rejects_trusted_issuer_for_a_vct_it_may_not_issue(roles: Roles, engine: Engine) -> None:
    roles.install_trust_list(
        trust_list_token(
            roles.operator_key,
            roles.clock.now(),
            [(roles.issuer["issuer"], "YH-akademin", ["https://example.se/types/other"])],
            sequence=2,
        )
    )
    held = roles.issue_one()
    result = roles.verify(present(roles, held, GIVEN))
    assert_rejected(result, "trust", "issuer_not_trusted_for_vct")
    assert result["issuer"]["trusted"] is True
    nothing_kept(engine)


def test_issuer_key_rotation_is_picked_up_despite_the_key_cache(roles: Roles) -> None:
    before = roles.issue_one()
    assert roles.verify(present(roles, before, GIVEN))["verdict"] == "valid"  # keys now cached
    rotated = roles.client.post(
        f"/issuers/{roles.issuer['slug']}/admin/keys/rotate", headers=roles.issuer_auth
    )
    assert rotated.status_code == 200, rotated.text
    after = roles.issue_one()
    presentation = after.present(GIVEN, nonce="after-rotation", iat=roles.clock.now())
    result = roles.verify(presentation, nonce="after-rotation")
    assert result["verdict"] == "valid", result


# --- DCQL, over OpenID4VP --------------------------------------------------------------------

NEEDS_BIRTHDATE = {
    "credentials": [
        {
            "id": "skill",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["given_name"]}, {"path": ["birthdate"]}],
        }
    ]
}


def test_rejects_a_presentation_that_omits_a_required_claim(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    request = roles.ask(NEEDS_BIRTHDATE)
    claims = request_object(roles.client, request)
    presentation = held.present(
        GIVEN, nonce=str(claims["nonce"]), aud=str(claims["client_id"]), iat=roles.clock.now()
    )
    answer = respond(roles.client, claims, vp_form({"skill": [presentation]}, str(claims["state"])))
    assert answer.status_code == 200, answer.text
    outcome = roles.status(request)
    assert outcome["status"] == "rejected", outcome
    assert outcome["result"]["verdict"] == "invalid"
    [result] = outcome["result"]["credentials"]["skill"]
    assert_rejected(result, "dcql", "dcql_not_satisfied")
    assert "Alva" not in json.dumps(outcome)
    assert count(engine, VerifierUsedNonce) == 0


def test_the_same_claims_all_disclosed_are_fulfilled(roles: Roles) -> None:
    held = roles.issue_one()
    request = roles.ask(NEEDS_BIRTHDATE)
    claims = request_object(roles.client, request)
    presentation = held.present(
        GIVEN,
        ("birthdate",),
        nonce=str(claims["nonce"]),
        aud=str(claims["client_id"]),
        iat=roles.clock.now(),
    )
    answer = respond(roles.client, claims, vp_form({"skill": [presentation]}, str(claims["state"])))
    assert answer.status_code == 200, answer.text
    outcome = roles.status(request)
    assert outcome["status"] == "fulfilled", outcome
    [result] = outcome["result"]["credentials"]["skill"]
    assert check(result, "dcql")["outcome"] == "passed"
    assert result["claims"]["birthdate"] == "1990-01-01"
    assert "family_name" not in result["claims"]

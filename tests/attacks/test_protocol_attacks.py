"""OpenID4VCI and OpenID4VP attacks, end to end over HTTP, each with its exact rejection and
nothing written (or, where a failed attempt must count, nothing else written).

OpenID4VCI at the issuer: code reuse, a code of another issuer, ``tx_code`` brute force past
five attempts, ``c_nonce`` replay, a key proof for another audience or out of its time.
OpenID4VP at the wallet (a hostile verifier serves the request object): ``response_uri`` on
another host, a request object from an unknown signer, a ``client_id`` that is not the
signer's. OpenID4VP at the verifier: ``state`` mismatch at the response endpoint, a nonce
replayed (the same presentation twice, or one request's presentation sent to another), a
presentation meant for another verifier.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from core import jose
from core.clock import FixedClock
from tests.helpers import create_issuer
from tests.issuer.support import Protocol, oauth_error
from tests.issuer.support import new_key as new_jwk
from tests.verifier.support import (
    Roles,
    assert_rejected,
    request_object,
    respond,
    vp_form,
)
from tests.wallet.verifier_double import VerifierDouble

from .support import HostileVerifier, assert_nothing_written, row_counts
from .test_jose_attacks import assert_wallet_refuses, attacker_x5c, leaf_forgery, raw_jws

GIVEN = ("given_name",)


@pytest.fixture
def protocol(roles: Roles) -> Protocol:
    return Protocol(
        roles.client, roles.issuer["slug"], roles.issuer["issuer"], roles.issuer_auth, roles.clock
    )


# === OpenID4VCI ==============================================================================


def test_pre_authorized_code_reuse(protocol: Protocol, engine: Engine) -> None:
    offer = protocol.offer()
    assert protocol.redeem(offer).status_code == 200
    before = row_counts(engine)
    oauth_error(protocol.redeem(offer), 400, "invalid_grant")
    assert_nothing_written(engine, before)


def test_pre_authorized_code_of_another_issuer(
    protocol: Protocol, roles: Roles, engine: Engine
) -> None:
    other = create_issuer(roles.client, "annan-skola")
    theirs = Protocol(
        roles.client,
        other["slug"],
        other["issuer"],
        {"Authorization": f"Bearer {other['api_key']}"},
        roles.clock,
    ).offer()
    before = row_counts(engine)
    oauth_error(protocol.redeem(theirs), 400, "invalid_grant")
    assert_nothing_written(engine, before)


def test_tx_code_brute_force_past_five_attempts(protocol: Protocol, engine: Engine) -> None:
    offer = protocol.offer(tx_code=True)
    right = str(offer["tx_code"])
    wrong = [f"{(int(right) + n) % 10 ** len(right):0{len(right)}d}" for n in range(1, 6)]
    before = row_counts(engine)
    for guess in wrong:
        oauth_error(protocol.redeem(offer, guess), 400, "invalid_grant")
    # the sixth attempt, with the right code, finds the offer void
    body = oauth_error(protocol.redeem(offer, right), 400, "invalid_grant")
    assert "unknown, used or expired" in str(body["error_description"])
    assert not protocol.offer_is_open(offer)
    assert_nothing_written(engine, before)  # no access token; the count is on the offer row


def test_c_nonce_replay(protocol: Protocol, engine: Engine) -> None:
    nonce = protocol.nonce()
    first = protocol.credential_request(
        protocol.access_token(), protocol.body(protocol.proof(new_jwk(), nonce))
    )
    assert first.status_code == 200, first.text
    second_token = protocol.access_token()
    before = row_counts(engine)
    replay = protocol.credential_request(
        second_token, protocol.body(protocol.proof(new_jwk(), nonce))
    )
    oauth_error(replay, 400, "invalid_nonce")
    assert_nothing_written(engine, before)
    assert protocol.issue(second_token, [new_jwk()]).status_code == 200  # the token is unspent


@pytest.mark.parametrize(
    "aud",
    ["http://localhost:8000/issuers/annan-skola", "https://yh-akademin.example", ""],
    ids=["another-issuer-on-this-host", "another-host", "empty"],
)
def test_proof_for_another_audience(protocol: Protocol, engine: Engine, aud: str) -> None:
    access_token, nonce = protocol.access_token(), protocol.nonce()
    before = row_counts(engine)
    answer = protocol.credential_request(
        access_token, protocol.body(protocol.proof(new_jwk(), nonce, aud=aud))
    )
    oauth_error(answer, 400, "invalid_proof")
    assert_nothing_written(engine, before)


@pytest.mark.parametrize("offset", [-3600, 3600], ids=["proof-iat-stale", "proof-iat-future"])
def test_proof_out_of_its_time(protocol: Protocol, engine: Engine, offset: int) -> None:
    access_token, nonce = protocol.access_token(), protocol.nonce()
    before = row_counts(engine)
    proof = protocol.proof(new_jwk(), nonce, iat=protocol.clock.now() + offset)
    oauth_error(
        protocol.credential_request(access_token, protocol.body(proof)), 400, "invalid_proof"
    )
    assert_nothing_written(engine, before)


def test_access_token_replay(protocol: Protocol, engine: Engine) -> None:
    access_token = protocol.access_token()
    assert protocol.issue(access_token, [new_jwk()]).status_code == 200
    body = protocol.body(protocol.proof(new_jwk(), protocol.nonce()))
    before = row_counts(engine)
    oauth_error(protocol.credential_request(access_token, body), 401, "invalid_token")
    assert_nothing_written(engine, before)


# === OpenID4VP at the wallet =================================================================


@pytest.mark.parametrize(
    "response_uri",
    [
        "https://attacker.example/cb",
        "http://127.0.0.1:8000/hostile-verifier/response/x",
        "https://localhost.attacker.example/cb",
    ],
    ids=[
        "response-uri-another-host",
        "response-uri-loopback-by-address",
        "response-uri-suffix-host",
    ],
)
def test_wallet_refuses_response_uri_on_another_host(
    client: TestClient,
    engine: Engine,
    holder_auth: dict[str, str],
    double: VerifierDouble,
    hostile_verifier: HostileVerifier,
    clock: FixedClock,
    response_uri: str,
) -> None:
    forgery = leaf_forgery(double, "elsewhere", clock.now(), response_uri=response_uri)
    link = hostile_verifier.link("elsewhere", forgery.by_leaf())
    assert_wallet_refuses(
        client, engine, holder_auth, hostile_verifier, link, "oid4vp_response_uri_mismatch"
    )


def test_wallet_refuses_request_object_from_unknown_signer(
    client: TestClient,
    engine: Engine,
    holder_auth: dict[str, str],
    double: VerifierDouble,
    hostile_verifier: HostileVerifier,
    clock: FixedClock,
) -> None:
    forgery = leaf_forgery(double, "unknown", clock.now())
    chain, key = attacker_x5c(clock.now())  # a certificate for localhost from an unknown CA
    token = raw_jws(forgery.header(x5c=chain), forgery.claims, key)
    link = hostile_verifier.link("unknown", token)
    assert_wallet_refuses(
        client, engine, holder_auth, hostile_verifier, link, "oid4vp_request_certificate_invalid"
    )


def test_wallet_refuses_request_object_for_another_client_id(
    client: TestClient,
    engine: Engine,
    holder_auth: dict[str, str],
    double: VerifierDouble,
    hostile_verifier: HostileVerifier,
    clock: FixedClock,
) -> None:
    """The link names a bank; the request object, signed for localhost, says localhost."""
    forgery = leaf_forgery(double, "bank", clock.now())
    link = hostile_verifier.link("bank", forgery.by_leaf(), client_id="x509_san_dns:bank.example")
    assert_wallet_refuses(
        client, engine, holder_auth, hostile_verifier, link, "oid4vp_request_certificate_invalid"
    )


# === OpenID4VP at the verifier ===============================================================


def _response_refused(answer, description: str) -> None:  # noqa: ANN001
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["error"] == "invalid_request" and description in body["error_description"], body


def test_verifier_refuses_state_mismatch(roles: Roles, engine: Engine) -> None:
    held = roles.issue_one()
    request = roles.ask()
    claims = request_object(roles.client, request)
    presentation = held.present(
        GIVEN,
        ("family_name",),
        ("achievement_title",),
        nonce=str(claims["nonce"]),
        aud=str(claims["client_id"]),
        iat=roles.clock.now(),
    )
    before = row_counts(engine)
    for state in ("not-the-state", "", str(claims["state"])[:-1]):
        answer = respond(roles.client, claims, vp_form({"skill": [presentation]}, state))
        _response_refused(answer, "state")
    assert_nothing_written(engine, before)
    assert roles.status(request)["status"] == "pending"
    # the right state is still taken: the mismatches spent nothing
    good = respond(roles.client, claims, vp_form({"skill": [presentation]}, str(claims["state"])))
    assert good.status_code == 200, good.text
    assert roles.status(request)["status"] == "fulfilled"


def test_verifier_refuses_a_second_response_to_the_same_request(
    roles: Roles, engine: Engine
) -> None:
    held = roles.issue_one()
    request = roles.ask()
    claims = request_object(roles.client, request)
    presentation = held.present(
        GIVEN,
        ("family_name",),
        ("achievement_title",),
        nonce=str(claims["nonce"]),
        aud=str(claims["client_id"]),
        iat=roles.clock.now(),
    )
    form = vp_form({"skill": [presentation]}, str(claims["state"]))
    assert respond(roles.client, claims, form).status_code == 200
    before = row_counts(engine)
    _response_refused(respond(roles.client, claims, form), "already answered")
    assert_nothing_written(engine, before)
    assert roles.status(request)["status"] == "fulfilled"


def test_verifier_refuses_a_presentation_bound_to_another_requests_nonce(
    roles: Roles, engine: Engine
) -> None:
    held = roles.issue_one()
    first = request_object(roles.client, roles.ask())
    second_request = roles.ask()
    second = request_object(roles.client, second_request)
    replayed = held.present(
        GIVEN,
        ("family_name",),
        ("achievement_title",),
        nonce=str(first["nonce"]),
        aud=str(first["client_id"]),
        iat=roles.clock.now(),
    )
    before = row_counts(engine)
    answer = respond(roles.client, second, vp_form({"skill": [replayed]}, str(second["state"])))
    assert answer.status_code == 200, answer.text
    outcome = roles.status(second_request)
    assert outcome["status"] == "rejected", outcome
    [result] = outcome["result"]["credentials"]["skill"]
    assert_rejected(result, "key_binding", "sd_jwt_kb_nonce_mismatch")
    assert_nothing_written(engine, before)  # the request row keeps the rejection, no new rows


def test_verifier_refuses_a_presentation_meant_for_another_verifier(
    roles: Roles, engine: Engine
) -> None:
    held = roles.issue_one()
    request = roles.ask()
    claims = request_object(roles.client, request)
    presentation = held.present(
        GIVEN,
        ("family_name",),
        ("achievement_title",),
        nonce=str(claims["nonce"]),
        aud="x509_san_dns:annan.example.se",
        iat=roles.clock.now(),
    )
    answer = respond(roles.client, claims, vp_form({"skill": [presentation]}, str(claims["state"])))
    assert answer.status_code == 200, answer.text
    [result] = roles.status(request)["result"]["credentials"]["skill"]
    assert_rejected(result, "key_binding", "sd_jwt_kb_aud_mismatch")


def test_verifier_refuses_a_nonce_replayed_at_direct_verification(
    roles: Roles, engine: Engine
) -> None:
    held = roles.issue_one()
    presentation = held.present(GIVEN, nonce="n-once", iat=roles.clock.now())
    assert roles.verify(presentation, nonce="n-once")["verdict"] == "valid"
    before = row_counts(engine)
    assert_rejected(roles.verify(presentation, nonce="n-once"), "key_binding", "nonce_replayed")
    fresh = held.present(("family_name",), nonce="n-once", iat=roles.clock.now())
    assert_rejected(roles.verify(fresh, nonce="n-once"), "key_binding", "nonce_replayed")
    assert_nothing_written(engine, before)


def test_verifier_control_a_key_bound_presentation_signed_by_the_holder_only(
    roles: Roles,
) -> None:
    """A KB-JWT signed by a key that is not the credential's ``cnf`` key is refused."""
    held = roles.issue_one()
    stolen = held.present(
        GIVEN, nonce="n-stolen", iat=roles.clock.now(), key=jose.PrivateKey.generate()
    )
    assert_rejected(roles.verify(stolen, nonce="n-stolen"), "key_binding", "jose_bad_signature")

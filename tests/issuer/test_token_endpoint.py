"""The token endpoint: OpenID4VCI 1.0 §6 (pre-authorized code grant, ``tx_code``), RFC 6749
§5.2 error responses, RFC 9449 DPoP proofs at the token endpoint.

Every rejection is checked for its exact error code *and* for what it must not have written:
unless the spec says a failure counts (a wrong ``tx_code``), the offer is still redeemable
afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk

from core.config import Settings
from tests.helpers import PRE_AUTH, create_issuer, public_jwk, sign_jwt
from tests.issuer.support import (
    TYP_DPOP,
    Protocol,
    hs256_jwt,
    new_key,
    oauth_error,
    problem,
    unsigned_jwt,
)


def form(offer: dict[str, object], **extra: str) -> dict[str, str]:
    return {"grant_type": PRE_AUTH, "pre-authorized_code": str(offer["code"]), **extra}


def still_redeemable(
    protocol: Protocol, offer: dict[str, object], tx_code: str | None = None
) -> None:
    assert protocol.offer_is_open(offer)
    response = protocol.redeem(offer, tx_code)
    assert response.status_code == 200, response.text


# --- the happy path's shape -------------------------------------------------------------------


def test_token_response_shape(protocol: Protocol, settings: Settings) -> None:
    response = protocol.redeem(protocol.offer())
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.access_token_ttl_seconds
    assert isinstance(body["access_token"], str) and len(body["access_token"]) >= 32
    # the pre-authorized flow needs no c_nonce in the token response (1.0: nonce endpoint)
    assert set(body) == {"access_token", "token_type", "expires_in"}


def test_form_content_type_with_charset_is_accepted(protocol: Protocol) -> None:
    offer = protocol.offer()
    response = protocol.client.post(
        f"/issuers/{protocol.slug}/token",
        content=f"grant_type={PRE_AUTH}&pre-authorized_code={offer['code']}",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )
    assert response.status_code == 200, response.text


# --- grant_type and code (RFC 6749 §5.2) ------------------------------------------------------


@pytest.mark.parametrize(
    "grant_type",
    ["client_credentials", "password", PRE_AUTH.upper(), PRE_AUTH + " "],
)
def test_rfc6749_unsupported_grant_type(protocol: Protocol, grant_type: str) -> None:
    offer = protocol.offer()
    response = protocol.token_request(form(offer, grant_type=grant_type))
    oauth_error(response, 400, "unsupported_grant_type")
    still_redeemable(protocol, offer)


def test_missing_grant_type_is_unsupported_grant_type(protocol: Protocol) -> None:
    offer = protocol.offer()
    response = protocol.token_request({"pre-authorized_code": str(offer["code"])})
    oauth_error(response, 400, "unsupported_grant_type")
    still_redeemable(protocol, offer)


@pytest.mark.parametrize("code", [None, ""], ids=["absent", "empty"])
def test_missing_pre_authorized_code_is_invalid_request(
    protocol: Protocol, code: str | None
) -> None:
    offer = protocol.offer()
    data = {"grant_type": PRE_AUTH}
    if code is not None:
        data["pre-authorized_code"] = code
    oauth_error(protocol.token_request(data), 400, "invalid_request")
    still_redeemable(protocol, offer)


def test_unknown_code_is_invalid_grant(protocol: Protocol) -> None:
    offer = protocol.offer()
    oauth_error(protocol.token_request(form({"code": "not-a-code"})), 400, "invalid_grant")
    oauth_error(
        protocol.token_request(form({"code": str(offer["code"]) + "x"})), 400, "invalid_grant"
    )
    still_redeemable(protocol, offer)


def test_code_of_another_issuer_is_invalid_grant(protocol: Protocol, client: TestClient) -> None:
    other = create_issuer(client, "annan-skola")
    other_protocol = Protocol(
        client,
        other["slug"],
        other["issuer"],
        {"Authorization": f"Bearer {other['api_key']}"},
        protocol.clock,
    )
    offer = other_protocol.offer()
    oauth_error(protocol.token_request(form(offer)), 400, "invalid_grant")
    still_redeemable(other_protocol, offer)


def test_reused_code_is_invalid_grant_and_the_first_token_stays_good(protocol: Protocol) -> None:
    offer = protocol.offer()
    first = protocol.redeem(offer)
    assert first.status_code == 200
    oauth_error(protocol.redeem(offer), 400, "invalid_grant")
    assert not protocol.offer_is_open(offer)
    issued = protocol.issue(first.json()["access_token"], [new_key()])
    assert issued.status_code == 200, issued.text


def test_expired_offer_is_invalid_grant(protocol: Protocol, settings: Settings) -> None:
    just_in_time, expired = protocol.offer(), protocol.offer()
    protocol.clock.advance(settings.offer_ttl_seconds - 1)
    assert protocol.redeem(just_in_time).status_code == 200
    protocol.clock.advance(1)
    assert not protocol.offer_is_open(expired)
    oauth_error(protocol.redeem(expired), 400, "invalid_grant")


def test_unknown_issuer_is_a_404_problem(client: TestClient) -> None:
    response = client.post("/issuers/ingen-sadan/token", data={"grant_type": PRE_AUTH})
    problem(response, 404, "issuer_not_found")


# --- tx_code (§6.1, §6.3) ---------------------------------------------------------------------


@pytest.mark.parametrize("given", [None, ""], ids=["absent", "empty"])
def test_tx_code_missing_when_required_is_invalid_request(
    protocol: Protocol, given: str | None
) -> None:
    offer = protocol.offer(tx_code=True)
    for _ in range(6):  # a missing code is not a guess: it does not count as an attempt
        oauth_error(protocol.redeem(offer, given), 400, "invalid_request")
    still_redeemable(protocol, offer, str(offer["tx_code"]))


@pytest.mark.parametrize("given", ["123456", ""], ids=["code", "empty"])
def test_tx_code_given_when_none_expected_is_invalid_request(
    protocol: Protocol, given: str
) -> None:
    offer = protocol.offer()
    response = protocol.client.post(
        f"/issuers/{protocol.slug}/token",
        content=f"grant_type={PRE_AUTH}&pre-authorized_code={offer['code']}&tx_code={given}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if given:
        oauth_error(response, 400, "invalid_request")
        still_redeemable(protocol, offer)
    else:  # an empty parameter is treated as omitted (RFC 6749 §3.1)
        assert response.status_code == 200, response.text


def wrong_code(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


def test_wrong_tx_code_counts_down_and_the_right_one_still_works(protocol: Protocol) -> None:
    offer = protocol.offer(tx_code=True)
    right = str(offer["tx_code"])
    for left in (4, 3, 2, 1):
        body = oauth_error(protocol.redeem(offer, wrong_code(right)), 400, "invalid_grant")
        assert f"{left} attempt" in str(body["error_description"])
        assert right not in str(body["error_description"])
    still_redeemable(protocol, offer, right)


def test_five_wrong_tx_codes_kill_the_offer(protocol: Protocol) -> None:
    offer = protocol.offer(tx_code=True)
    right = str(offer["tx_code"])
    for _ in range(5):
        oauth_error(protocol.redeem(offer, wrong_code(right)), 400, "invalid_grant")
    assert not protocol.offer_is_open(offer)
    oauth_error(protocol.redeem(offer, right), 400, "invalid_grant")


def test_tx_code_attempts_are_per_offer(protocol: Protocol) -> None:
    first, second = protocol.offer(tx_code=True), protocol.offer(tx_code=True)
    for _ in range(5):
        protocol.redeem(first, wrong_code(str(first["tx_code"])))
    still_redeemable(protocol, second, str(second["tx_code"]))


# --- the request's encoding (RFC 6749 §3.1, §3.2) ---------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "grant_type={g}&grant_type={g}&pre-authorized_code={c}",
        "grant_type={g}&pre-authorized_code={c}&pre-authorized_code={c}",
        "grant_type={g}&pre-authorized_code={c}&pre-authorized_code=other",
        "grant_type={g}&pre-authorized_code={c}&tx_code=1&tx_code=2",
    ],
    ids=["grant_type", "code-same", "code-different", "tx_code"],
)
def test_duplicate_parameters_are_invalid_request(protocol: Protocol, body: str) -> None:
    offer = protocol.offer()
    response = protocol.client.post(
        f"/issuers/{protocol.slug}/token",
        content=body.format(g=PRE_AUTH, c=offer["code"]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    oauth_error(response, 400, "invalid_request")
    still_redeemable(protocol, offer)


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "multipart/form-data; boundary=x", None]
)
def test_non_form_content_type_is_invalid_request(
    protocol: Protocol, content_type: str | None
) -> None:
    offer = protocol.offer()
    headers = {"Content-Type": content_type} if content_type else {}
    content = (
        json.dumps({"grant_type": PRE_AUTH, "pre-authorized_code": offer["code"]})
        if content_type == "application/json"
        else f"grant_type={PRE_AUTH}&pre-authorized_code={offer['code']}"
    )
    response = protocol.client.post(
        f"/issuers/{protocol.slug}/token", content=content, headers=headers
    )
    oauth_error(response, 400, "invalid_request")
    still_redeemable(protocol, offer)


def test_form_that_is_not_utf8_is_invalid_request(protocol: Protocol) -> None:
    response = protocol.client.post(
        f"/issuers/{protocol.slug}/token",
        content=b"grant_type=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    oauth_error(response, 400, "invalid_request")


def test_token_endpoint_takes_post_only(protocol: Protocol) -> None:
    problem(protocol.client.get(f"/issuers/{protocol.slug}/token"), 405, "method_not_allowed")


# --- DPoP at the token endpoint (RFC 9449 §4, §5) ---------------------------------------------


def test_dpop_proof_binds_the_token(protocol: Protocol) -> None:
    response = protocol.redeem(protocol.offer(), dpop=True)
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "DPoP"


def _other_signer(protocol: Protocol) -> str:
    """Signed by one key, claiming another in ``jwk``: the signature does not verify."""
    signer, claimed = new_key(), new_key()
    payload = {
        "jti": "a-unique-jti-1",
        "htm": "POST",
        "htu": protocol.token_url,
        "iat": protocol.clock.now(),
    }
    header = {"typ": TYP_DPOP, "alg": "ES256", "jwk": public_jwk(claimed)}
    return sign_jwt(signer, header, payload)


def _hs256_with_public_key(protocol: Protocol) -> str:
    key = protocol.dpop_key
    payload = {
        "jti": "a-unique-jti-2",
        "htm": "POST",
        "htu": protocol.token_url,
        "iat": protocol.clock.now(),
    }
    header = {"typ": TYP_DPOP, "alg": "HS256", "jwk": public_jwk(key)}
    return hs256_jwt(header, payload, key.export_to_pem())


def _alg_none(protocol: Protocol) -> str:
    payload = {
        "jti": "a-unique-jti-3",
        "htm": "POST",
        "htu": protocol.token_url,
        "iat": protocol.clock.now(),
    }
    return unsigned_jwt(
        {"typ": TYP_DPOP, "alg": "none", "jwk": public_jwk(protocol.dpop_key)}, payload
    )


def _private_jwk(protocol: Protocol) -> str:
    key = protocol.dpop_key
    payload = {
        "jti": "a-unique-jti-4",
        "htm": "POST",
        "htu": protocol.token_url,
        "iat": protocol.clock.now(),
    }
    private = {k: v for k, v in key.export(as_dict=True).items()}
    return sign_jwt(key, {"typ": TYP_DPOP, "alg": "ES256", "jwk": private}, payload)


def _without_jwk(protocol: Protocol) -> str:
    key = protocol.dpop_key
    payload = {
        "jti": "a-unique-jti-5",
        "htm": "POST",
        "htu": protocol.token_url,
        "iat": protocol.clock.now(),
    }
    return sign_jwt(key, {"typ": TYP_DPOP, "alg": "ES256", "kid": key.thumbprint()}, payload)


BAD_DPOP: dict[str, Callable[[Protocol], str]] = {
    "htm-GET": lambda p: p.dpop(htm="GET"),
    "htm-lowercase": lambda p: p.dpop(htm="post"),
    "htu-credential-endpoint": lambda p: p.dpop(htu=p.credential_url),
    "htu-other-host": lambda p: p.dpop(htu="https://evil.example/issuers/yh-akademin/token"),
    "htu-other-issuer": lambda p: p.dpop(htu="http://localhost:8000/issuers/annan/token"),
    "iat-stale": lambda p: p.dpop(iat=p.clock.now() - 301),
    "iat-future": lambda p: p.dpop(iat=p.clock.now() + 61),
    "iat-string": lambda p: p.dpop(claims={"iat": str(p.clock.now())}),
    "no-jti": lambda p: p.dpop(claims={"jti": None}),
    "short-jti": lambda p: p.dpop(claims={"jti": "x"}),
    "no-htm": lambda p: p.dpop(claims={"htm": None}),
    "no-htu": lambda p: p.dpop(claims={"htu": None}),
    "typ-jwt": lambda p: p.dpop(header={"typ": "JWT"}),
    "bad-signature": _other_signer,
    "no-jwk": _without_jwk,
    "jwk-with-private-d": _private_jwk,
    "alg-none": _alg_none,
    "alg-hs256-public-key-as-secret": _hs256_with_public_key,
    "not-a-jwt": lambda p: "not-a-jwt",
    "two-parts": lambda p: ".".join(p.dpop().split(".")[:2]),
}


@pytest.mark.parametrize("make", BAD_DPOP.values(), ids=BAD_DPOP.keys())
def test_rfc9449_bad_dpop_proof_is_invalid_dpop_proof(
    protocol: Protocol, make: Callable[[Protocol], str]
) -> None:
    offer = protocol.offer()
    response = protocol.token_request(form(offer), dpop=make(protocol))
    oauth_error(response, 400, "invalid_dpop_proof")
    still_redeemable(protocol, offer)


def test_dpop_iat_at_the_edges_of_the_window_is_accepted(protocol: Protocol) -> None:
    for iat in (protocol.clock.now() - 300, protocol.clock.now() + 60):
        response = protocol.token_request(form(protocol.offer()), dpop=protocol.dpop(iat=iat))
        assert response.status_code == 200, response.text


def test_rfc9449_replayed_jti_is_invalid_dpop_proof(protocol: Protocol) -> None:
    proof = protocol.dpop()
    assert protocol.token_request(form(protocol.offer()), dpop=proof).status_code == 200
    offer = protocol.offer()
    oauth_error(protocol.token_request(form(offer), dpop=proof), 400, "invalid_dpop_proof")
    still_redeemable(protocol, offer)


def test_dpop_proof_is_spent_even_when_the_token_request_fails(protocol: Protocol) -> None:
    """RFC 9449 §11.1: one proof, one request — a failed request does not give it back."""
    proof = protocol.dpop()
    oauth_error(protocol.token_request(form({"code": "unknown"}), dpop=proof), 400, "invalid_grant")
    offer = protocol.offer()
    oauth_error(protocol.token_request(form(offer), dpop=proof), 400, "invalid_dpop_proof")
    still_redeemable(protocol, offer)


def test_rfc9449_two_dpop_headers_are_invalid_dpop_proof(protocol: Protocol) -> None:
    offer = protocol.offer()
    response = protocol.client.post(
        f"/issuers/{protocol.slug}/token",
        content=f"grant_type={PRE_AUTH}&pre-authorized_code={offer['code']}",
        headers=[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("DPoP", protocol.dpop()),
            ("DPoP", protocol.dpop(key=new_key())),
        ],
    )
    oauth_error(response, 400, "invalid_dpop_proof")
    still_redeemable(protocol, offer)


def test_issuer_created_with_require_dpop_rejects_a_token_request_without_dpop(
    client_with: Callable[..., TestClient], clock: object
) -> None:
    strict = client_with(require_dpop=True)
    made = create_issuer(strict, "kraver-dpop")
    protocol = Protocol(
        strict,
        made["slug"],
        made["issuer"],
        {"Authorization": f"Bearer {made['api_key']}"},
        clock,  # type: ignore[arg-type]
    )
    offer = protocol.offer()
    oauth_error(protocol.redeem(offer), 400, "invalid_dpop_proof")
    response = protocol.redeem(offer, dpop=True)
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "DPoP"


def test_require_dpop_is_fixed_when_the_issuer_is_created(
    protocol: Protocol, client_with: Callable[..., TestClient]
) -> None:
    """The setting applies to issuers created under it; an existing one keeps its policy."""
    strict = client_with(require_dpop=True)
    offer = protocol.offer()
    response = strict.post(f"/issuers/{protocol.slug}/token", data=form(offer))
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"


def test_dpop_with_an_ed25519_key_is_accepted(protocol: Protocol) -> None:
    key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    payload = {
        "jti": "ed25519-proof-1",
        "htm": "POST",
        "htu": protocol.token_url,
        "iat": protocol.clock.now(),
    }
    proof = sign_jwt(key, {"typ": TYP_DPOP, "alg": "EdDSA", "jwk": public_jwk(key)}, payload)
    response = protocol.token_request(form(protocol.offer()), dpop=proof)
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "DPoP"

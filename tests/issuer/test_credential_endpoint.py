"""The nonce and credential endpoints: OpenID4VCI 1.0 §7, §8 (``proofs.jwt``, Appendix F.1 and
F.4 key proofs, §8.3.1 errors), RFC 6750 §3 and RFC 9449 §7 for the access token.

The semantics asserted after every rejection: a rejected credential request writes nothing —
the access token and the ``c_nonce`` it carried are still good, so the wallet can fix its
request and retry. (A verified DPoP proof is the exception: it is spent, RFC 9449 §11.1.)
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from jwcrypto import jwk
from sqlalchemy import func, select, update
from sqlmodel import Session

from core.config import Settings
from core.runtime import Runtime
from issuer import repository
from issuer.models import IssuerCredential, IssuerNonce, IssuerOffer, OfferState
from tests.helpers import create_issuer, public_jwk, sign_jwt
from tests.issuer.support import (
    CONFIGURATION,
    TYP_PROOF,
    Protocol,
    decode_part,
    hs256_jwt,
    new_key,
    oauth_error,
    problem,
    unsigned_jwt,
)


def still_issues(
    protocol: Protocol, token: str, nonce: str | None = None, *, dpop: bool = False
) -> None:
    """The same access token still works; with ``nonce``, that very c_nonce does too."""
    if nonce is None:
        response = protocol.issue(token, [new_key()], dpop=dpop)
    else:
        body = protocol.body(protocol.proof(new_key(), nonce))
        response = protocol.credential_request(token, body)
    assert response.status_code == 200, response.text


def invalid_token(response: object) -> None:
    body = oauth_error(response, 401, "invalid_token")  # type: ignore[arg-type]
    challenge = response.headers["www-authenticate"]  # type: ignore[attr-defined]
    assert challenge.split()[0] in ("Bearer", "DPoP")
    assert 'error="invalid_token"' in challenge
    assert body["error"] == "invalid_token"


# --- nonce endpoint (§7) ----------------------------------------------------------------------


def test_nonce_endpoint_gives_fresh_uncacheable_nonces(protocol: Protocol) -> None:
    nonces = {protocol.nonce() for _ in range(5)}
    assert len(nonces) == 5 and all(len(n) >= 32 for n in nonces)


def test_nonce_endpoint_takes_post_only(protocol: Protocol) -> None:
    problem(protocol.client.get(f"/issuers/{protocol.slug}/nonce"), 405, "method_not_allowed")


# --- the happy path's shape -------------------------------------------------------------------


def test_credential_response_shape(protocol: Protocol) -> None:
    holders = [new_key(), new_key()]
    response = protocol.issue(protocol.access_token(), holders)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"credentials", "notification_id"} and len(body["credentials"]) == 2
    for holder, item in zip(holders, body["credentials"], strict=True):
        assert set(item) == {"credential"}
        payload = decode_part(item["credential"], 1)
        assert payload["cnf"]["jwk"]["x"] == public_jwk(holder)["x"]  # type: ignore[index]


# --- the access token (RFC 6750 §3.1, RFC 9449 §7) --------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-token",
        "DPoP not-a-token",
        "Token abc",
        "bearer\tabc",
        "Bearer a b",
    ],
    ids=[
        "missing",
        "scheme-only",
        "empty",
        "basic",
        "unknown-bearer",
        "unknown-dpop",
        "other-scheme",
        "tab",
        "spaces",
    ],
)
def test_rfc6750_missing_or_garbage_authorization_is_401_invalid_token(
    protocol: Protocol, authorization: str | None
) -> None:
    token = protocol.access_token()
    nonce = protocol.nonce()
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = protocol.client.post(
        f"/issuers/{protocol.slug}/credential",
        json=protocol.body(protocol.proof(new_key(), nonce)),
        headers=headers,
    )
    invalid_token(response)
    still_issues(protocol, token, nonce)


def test_reused_access_token_is_401_invalid_token(protocol: Protocol) -> None:
    token = protocol.access_token()
    assert protocol.issue(token, [new_key()]).status_code == 200
    nonce = protocol.nonce()
    invalid_token(
        protocol.credential_request(token, protocol.body(protocol.proof(new_key(), nonce)))
    )
    # the failed request did not use up the c_nonce either
    still_issues(protocol, protocol.access_token(), nonce)


def test_expired_access_token_is_401_invalid_token(protocol: Protocol, settings: Settings) -> None:
    token, in_time = protocol.access_token(), protocol.access_token()
    protocol.clock.advance(settings.access_token_ttl_seconds - 1)
    assert protocol.issue(in_time, [new_key()]).status_code == 200
    protocol.clock.advance(1)
    invalid_token(protocol.issue(token, [new_key()]))


def test_access_token_of_another_issuer_is_401_invalid_token(protocol: Protocol) -> None:
    other = create_issuer(protocol.client, "annan-skola")
    other_protocol = Protocol(
        protocol.client,
        other["slug"],
        other["issuer"],
        {"Authorization": f"Bearer {other['api_key']}"},
        protocol.clock,
    )
    token = other_protocol.access_token()
    invalid_token(protocol.issue(token, [new_key()]))
    still_issues(other_protocol, token)


def test_dpop_bound_token_sent_as_bearer_is_401_invalid_token(protocol: Protocol) -> None:
    token = protocol.access_token(dpop=True)
    invalid_token(protocol.issue(token, [new_key()]))
    still_issues(protocol, token, dpop=True)


def test_dpop_bound_token_without_dpop_proof_is_401_invalid_token(protocol: Protocol) -> None:
    token = protocol.access_token(dpop=True)
    nonce = protocol.nonce()
    body = protocol.body(protocol.proof(new_key(), nonce))
    invalid_token(protocol.credential_request(token, body, scheme="DPoP"))
    still_issues(protocol, token, dpop=True)


def test_bearer_token_sent_with_dpop_scheme_is_401_invalid_token(protocol: Protocol) -> None:
    token = protocol.access_token()
    nonce = protocol.nonce()
    body = protocol.body(protocol.proof(new_key(), nonce))
    proof = protocol.dpop(htu=protocol.credential_url, access_token=token)
    invalid_token(protocol.credential_request(token, body, scheme="DPoP", dpop=proof))
    still_issues(protocol, token, nonce)


BAD_RESOURCE_DPOP: dict[str, Callable[[Protocol, str], str]] = {
    "other-key": lambda p, t: p.dpop(htu=p.credential_url, access_token=t, key=new_key()),
    "missing-ath": lambda p, t: p.dpop(htu=p.credential_url),
    "ath-of-another-token": lambda p, t: p.dpop(htu=p.credential_url, access_token=t + "x"),
    "htu-token-endpoint": lambda p, t: p.dpop(access_token=t),
    "htm-GET": lambda p, t: p.dpop(htm="GET", htu=p.credential_url, access_token=t),
    "iat-stale": lambda p, t: p.dpop(htu=p.credential_url, access_token=t, iat=p.clock.now() - 301),
}


@pytest.mark.parametrize("make", BAD_RESOURCE_DPOP.values(), ids=BAD_RESOURCE_DPOP.keys())
def test_rfc9449_bad_dpop_proof_at_the_credential_endpoint(
    protocol: Protocol, make: Callable[[Protocol, str], str]
) -> None:
    token = protocol.access_token(dpop=True)
    nonce = protocol.nonce()
    body = protocol.body(protocol.proof(new_key(), nonce))
    response = protocol.credential_request(token, body, scheme="DPoP", dpop=make(protocol, token))
    assert response.json()["error"] == "invalid_dpop_proof", response.text
    assert response.status_code in (400, 401)
    still_issues(protocol, token, dpop=True)


def test_rfc9449_7_1_bad_dpop_proof_at_resource_is_401_with_dpop_challenge(
    protocol: Protocol,
) -> None:
    token = protocol.access_token(dpop=True)
    body = protocol.body(protocol.proof(new_key(), protocol.nonce()))
    proof = protocol.dpop(htu=protocol.credential_url)  # no ath
    response = protocol.credential_request(token, body, scheme="DPoP", dpop=proof)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("DPoP ")


def test_dpop_proof_replayed_at_the_credential_endpoint(protocol: Protocol) -> None:
    """A proof that came with a failed request is spent: replaying it with a good body fails."""
    token = protocol.access_token(dpop=True)
    proof = protocol.dpop(htu=protocol.credential_url, access_token=token)
    bad = protocol.credential_request(token, {"proofs": {}}, scheme="DPoP", dpop=proof)
    assert bad.status_code == 400
    body = protocol.body(protocol.proof(new_key(), protocol.nonce()))
    replay = protocol.credential_request(token, body, scheme="DPoP", dpop=proof)
    oauth_error(replay, 401, "invalid_dpop_proof")  # RFC 9449 §7.1
    still_issues(protocol, token, dpop=True)


# --- the body (§8.2) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"{", b"\xff\xfe", b"[" * 65 + b"]" * 65, b"[" * 100_000, b'{"a": NaN}'],
    ids=["empty", "text", "truncated", "not-utf8", "65-deep", "deeply-nested", "nan"],
)
def test_body_that_is_not_json_is_invalid_credential_request(
    protocol: Protocol, raw: bytes
) -> None:
    token = protocol.access_token()
    oauth_error(protocol.credential_request(token, raw=raw), 400, "invalid_credential_request")
    still_issues(protocol, token)


@pytest.mark.parametrize("body", [[], ["x"], "x", 5, None, True], ids=repr)
def test_body_that_is_not_an_object_is_invalid_credential_request(
    protocol: Protocol, body: object
) -> None:
    token = protocol.access_token()
    response = protocol.credential_request(token, raw=json.dumps(body).encode())
    oauth_error(response, 400, "invalid_credential_request")
    still_issues(protocol, token)


def test_missing_credential_configuration_id_is_invalid_credential_request(
    protocol: Protocol,
) -> None:
    token = protocol.access_token()
    nonce = protocol.nonce()
    body = {"proofs": {"jwt": [protocol.proof(new_key(), nonce)]}}
    oauth_error(protocol.credential_request(token, body), 400, "invalid_credential_request")
    still_issues(protocol, token, nonce)


@pytest.mark.parametrize(
    "configuration", ["skill_credential_jwt_vc", "SKILL_CREDENTIAL_SD_JWT", "", 5, None, ["x"]]
)
def test_unknown_credential_configuration(protocol: Protocol, configuration: object) -> None:
    token = protocol.access_token()
    nonce = protocol.nonce()
    body = {
        **protocol.body(protocol.proof(new_key(), nonce)),
        "credential_configuration_id": configuration,
    }
    oauth_error(protocol.credential_request(token, body), 400, "unknown_credential_configuration")
    still_issues(protocol, token, nonce)


def test_credential_identifier_is_invalid_credential_request(protocol: Protocol) -> None:
    token = protocol.access_token()
    nonce = protocol.nonce()
    body = {**protocol.body(protocol.proof(new_key(), nonce)), "credential_identifier": "x"}
    oauth_error(protocol.credential_request(token, body), 400, "invalid_credential_request")
    still_issues(protocol, token, nonce)


def test_singular_proof_is_invalid_credential_request(protocol: Protocol) -> None:
    """OpenID4VCI 1.0 has only ``proofs``; the draft-era ``proof`` is refused, not ignored."""
    token = protocol.access_token()
    nonce = protocol.nonce()
    jwt = protocol.proof(new_key(), nonce)
    for body in (
        {"credential_configuration_id": CONFIGURATION, "proof": {"proof_type": "jwt", "jwt": jwt}},
        {**protocol.body(jwt), "proof": {"proof_type": "jwt", "jwt": jwt}},
    ):
        oauth_error(protocol.credential_request(token, body), 400, "invalid_credential_request")
    still_issues(protocol, token, nonce)


@pytest.mark.parametrize(
    "proofs",
    [
        "missing",
        None,
        [],
        "jwt",
        {},
        {"jwt": "PROOF"},
        {"jwt": {"0": "PROOF"}},
        {"ldp_vp": ["PROOF"]},
        {"jwt": ["PROOF"], "attestation": ["x"]},
        {"JWT": ["PROOF"]},
    ],
    ids=[
        "missing",
        "null",
        "list",
        "string",
        "empty-object",
        "jwt-string",
        "jwt-object",
        "ldp_vp",
        "jwt-and-attestation",
        "JWT",
    ],
)
def test_proofs_must_be_an_object_with_a_jwt_list(protocol: Protocol, proofs: object) -> None:
    token = protocol.access_token()
    nonce = protocol.nonce()
    jwt = protocol.proof(new_key(), nonce)
    body: dict[str, object] = {"credential_configuration_id": CONFIGURATION}
    if proofs != "missing":
        text = json.dumps(proofs).replace('"PROOF"', f'"{jwt}"')
        body["proofs"] = json.loads(text)
    oauth_error(protocol.credential_request(token, body), 400, "invalid_proof")
    still_issues(protocol, token, nonce)


@pytest.mark.parametrize("count", [0, 11])
def test_number_of_proofs_is_1_to_batch_size(protocol: Protocol, count: int) -> None:
    token = protocol.access_token()
    nonce = protocol.nonce()
    body = protocol.body(*(protocol.proof(new_key(), nonce) for _ in range(count)))
    oauth_error(protocol.credential_request(token, body), 400, "invalid_proof")
    still_issues(protocol, token, nonce)


def test_batch_of_ten_is_accepted(protocol: Protocol) -> None:
    response = protocol.issue(protocol.access_token(), [new_key() for _ in range(10)])
    assert response.status_code == 200, response.text
    assert len(response.json()["credentials"]) == 10


@pytest.mark.parametrize("item", [5, None, {"jwt": "x"}, ["x"], ""], ids=repr)
def test_proof_that_is_not_a_string_is_invalid_proof(protocol: Protocol, item: object) -> None:
    token = protocol.access_token()
    nonce = protocol.nonce()
    body = {
        "credential_configuration_id": CONFIGURATION,
        "proofs": {"jwt": [protocol.proof(new_key(), nonce), item]},
    }
    oauth_error(protocol.credential_request(token, body), 400, "invalid_proof")
    still_issues(protocol, token, nonce)


# --- the key proof (Appendix F.1, F.4) --------------------------------------------------------


def _proof_payload(p: Protocol, nonce: str) -> dict[str, object]:
    return {"aud": p.issuer, "iat": p.clock.now(), "nonce": nonce}


def _alg_none(p: Protocol, holder: jwk.JWK, nonce: str) -> str:
    header = {"typ": TYP_PROOF, "alg": "none", "jwk": public_jwk(holder)}
    return unsigned_jwt(header, _proof_payload(p, nonce))


def _hs256_public_key_secret(p: Protocol, holder: jwk.JWK, nonce: str) -> str:
    header = {"typ": TYP_PROOF, "alg": "HS256", "jwk": public_jwk(holder)}
    return hs256_jwt(header, _proof_payload(p, nonce), holder.export_to_pem())


def _kid_instead_of_jwk(p: Protocol, holder: jwk.JWK, nonce: str) -> str:
    header = {"typ": TYP_PROOF, "alg": "ES256", "kid": "did:example:holder#" + holder.thumbprint()}
    return sign_jwt(holder, header, _proof_payload(p, nonce))


def _private_jwk(p: Protocol, holder: jwk.JWK, nonce: str) -> str:
    header = {"typ": TYP_PROOF, "alg": "ES256", "jwk": holder.export(as_dict=True)}
    return sign_jwt(holder, header, _proof_payload(p, nonce))


def _bad_signature(p: Protocol, holder: jwk.JWK, nonce: str) -> str:
    header = {"typ": TYP_PROOF, "alg": "ES256", "jwk": public_jwk(holder)}
    return sign_jwt(new_key(), header, _proof_payload(p, nonce))


def _x5c(p: Protocol, holder: jwk.JWK, nonce: str) -> str:
    return p.proof(holder, nonce, header={"x5c": ["MIIB"]})


def _no_iat(p: Protocol, holder: jwk.JWK, nonce: str) -> str:
    header = {"typ": TYP_PROOF, "alg": "ES256", "jwk": public_jwk(holder)}
    return sign_jwt(holder, header, {"aud": p.issuer, "nonce": nonce})


def _no_aud(p: Protocol, holder: jwk.JWK, nonce: str) -> str:
    header = {"typ": TYP_PROOF, "alg": "ES256", "jwk": public_jwk(holder)}
    return sign_jwt(holder, header, {"iat": p.clock.now(), "nonce": nonce})


BAD_PROOFS: dict[str, Callable[[Protocol, jwk.JWK, str], str]] = {
    "aud-credential-endpoint": lambda p, h, n: p.proof(h, n, aud=p.credential_url),
    "aud-other-issuer": lambda p, h, n: p.proof(h, n, aud="http://localhost:8000/issuers/annan"),
    "aud-list": lambda p, h, n: p.proof(h, n, aud=[p.issuer]),  # type: ignore[arg-type]
    "aud-missing": _no_aud,
    "iat-stale": lambda p, h, n: p.proof(h, n, iat=p.clock.now() - 301),
    "iat-future": lambda p, h, n: p.proof(h, n, iat=p.clock.now() + 61),
    "iat-missing": _no_iat,
    "iat-string": lambda p, h, n: p.proof(h, n, iat=str(p.clock.now())),  # type: ignore[arg-type]
    "typ-jwt": lambda p, h, n: p.proof(h, n, header={"typ": "JWT"}),
    "typ-dpop": lambda p, h, n: p.proof(h, n, header={"typ": "dpop+jwt"}),
    "typ-missing": lambda p, h, n: p.proof(h, n, header={"typ": None}),
    "alg-none": _alg_none,
    "alg-hs256-public-key-as-secret": _hs256_public_key_secret,
    "kid-instead-of-jwk": _kid_instead_of_jwk,
    "kid-and-jwk": lambda p, h, n: p.proof(h, n, header={"kid": "k1"}),
    "x5c": _x5c,
    "jwk-with-private-d": _private_jwk,
    "bad-signature": _bad_signature,
    "nonce-missing": lambda p, h, n: p.proof(h, None),
    "not-a-jwt": lambda p, h, n: "a.b.c",
}


@pytest.mark.parametrize("make", BAD_PROOFS.values(), ids=BAD_PROOFS.keys())
def test_bad_key_proof_is_invalid_proof(
    protocol: Protocol, make: Callable[[Protocol, jwk.JWK, str], str]
) -> None:
    token = protocol.access_token()
    nonce = protocol.nonce()
    body = protocol.body(make(protocol, new_key(), nonce))
    oauth_error(protocol.credential_request(token, body), 400, "invalid_proof")
    still_issues(protocol, token, nonce)


def test_one_bad_proof_in_a_batch_fails_the_whole_request(protocol: Protocol) -> None:
    token = protocol.access_token()
    nonce = protocol.nonce()
    good = protocol.proof(new_key(), nonce)
    stale = protocol.proof(new_key(), nonce, iat=protocol.clock.now() - 3600)
    oauth_error(
        protocol.credential_request(token, protocol.body(good, stale)), 400, "invalid_proof"
    )
    still_issues(protocol, token, nonce)


def test_proof_iat_at_the_edges_of_the_window_is_accepted(protocol: Protocol) -> None:
    for iat in (protocol.clock.now() - 300, protocol.clock.now() + 60):
        token, nonce = protocol.access_token(), protocol.nonce()
        body = protocol.body(protocol.proof(new_key(), nonce, iat=iat))
        assert protocol.credential_request(token, body).status_code == 200


def test_proof_with_an_ed25519_holder_key(protocol: Protocol) -> None:
    holder = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    nonce = protocol.nonce()
    header = {"typ": TYP_PROOF, "alg": "EdDSA", "jwk": public_jwk(holder)}
    body = protocol.body(sign_jwt(holder, header, _proof_payload(protocol, nonce)))
    response = protocol.credential_request(protocol.access_token(), body)
    assert response.status_code == 200, response.text


# --- the c_nonce (§7, §8.3.1.2 invalid_nonce) -------------------------------------------------


def test_unknown_c_nonce_is_invalid_nonce(protocol: Protocol) -> None:
    token = protocol.access_token()
    body = protocol.body(protocol.proof(new_key(), "a-nonce-this-issuer-never-gave"))
    oauth_error(protocol.credential_request(token, body), 400, "invalid_nonce")
    still_issues(protocol, token)


def test_reused_c_nonce_is_invalid_nonce(protocol: Protocol) -> None:
    nonce = protocol.nonce()
    first = protocol.credential_request(
        protocol.access_token(), protocol.body(protocol.proof(new_key(), nonce))
    )
    assert first.status_code == 200
    token = protocol.access_token()
    body = protocol.body(protocol.proof(new_key(), nonce))
    oauth_error(protocol.credential_request(token, body), 400, "invalid_nonce")
    still_issues(protocol, token)


def test_expired_c_nonce_is_invalid_nonce(protocol: Protocol, settings: Settings) -> None:
    nonce = protocol.nonce()
    protocol.clock.advance(settings.c_nonce_ttl_seconds)
    token = protocol.access_token()
    body = protocol.body(protocol.proof(new_key(), nonce))
    oauth_error(protocol.credential_request(token, body), 400, "invalid_nonce")
    still_issues(protocol, token)


def test_c_nonce_of_another_issuer_is_invalid_nonce(protocol: Protocol) -> None:
    other = create_issuer(protocol.client, "annan-skola")
    foreign = protocol.client.post(f"/issuers/{other['slug']}/nonce").json()["c_nonce"]
    token = protocol.access_token()
    body = protocol.body(protocol.proof(new_key(), foreign))
    oauth_error(protocol.credential_request(token, body), 400, "invalid_nonce")
    still_issues(protocol, token)


def test_two_proofs_with_different_nonces_is_invalid_nonce(protocol: Protocol) -> None:
    token = protocol.access_token()
    first, second = protocol.nonce(), protocol.nonce()
    body = protocol.body(protocol.proof(new_key(), first), protocol.proof(new_key(), second))
    oauth_error(protocol.credential_request(token, body), 400, "invalid_nonce")
    # neither nonce was consumed by the rejected request
    still_issues(protocol, token, first)
    still_issues(protocol, protocol.access_token(), second)


def test_two_proofs_with_the_same_holder_key_is_invalid_proof(protocol: Protocol) -> None:
    token = protocol.access_token()
    nonce = protocol.nonce()
    holder = new_key()
    body = protocol.body(protocol.proof(holder, nonce), protocol.proof(holder, nonce))
    oauth_error(protocol.credential_request(token, body), 400, "invalid_proof")
    still_issues(protocol, token, nonce)


def test_a_rejected_request_does_not_issue_or_close_the_offer(protocol: Protocol) -> None:
    token = protocol.access_token()
    nonce = protocol.nonce()
    holder = new_key()
    body = protocol.body(protocol.proof(holder, nonce), protocol.proof(holder, nonce))
    protocol.credential_request(token, body)
    listing = protocol.client.get(
        f"/issuers/{protocol.slug}/admin/credentials", headers=protocol.auth
    )
    assert listing.json()["total"] == 0
    still_issues(protocol, token, nonce)
    listing = protocol.client.get(
        f"/issuers/{protocol.slug}/admin/credentials", headers=protocol.auth
    )
    assert listing.json()["total"] == 1


def test_unknown_issuer_is_a_404_problem(protocol: Protocol) -> None:
    response = protocol.client.post("/issuers/ingen-sadan/credential", json={})
    problem(response, 404, "issuer_not_found")


def test_an_offer_voided_after_it_was_read_is_denied_and_nothing_is_written(
    protocol: Protocol, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The credential endpoint reads the offer before its write transaction; the conditional
    ``redeemed → issued`` update refuses an offer that changed in between (here: voided)."""
    token = protocol.access_token()
    read = repository.offer_by_id

    def read_then_void(session: Session, issuer_id: str, offer_id: str) -> IssuerOffer | None:
        offer = read(session, issuer_id, offer_id)
        with runtime.engine.begin() as connection:  # another request, committed meanwhile
            connection.execute(
                update(IssuerOffer).where(IssuerOffer.id == offer_id).values(state=OfferState.DEAD)
            )
        return offer

    monkeypatch.setattr(repository, "offer_by_id", read_then_void)
    response = protocol.issue(token, [new_key()])
    oauth_error(response, 400, "credential_request_denied")
    with Session(runtime.engine) as session:
        assert session.execute(select(func.count()).select_from(IssuerCredential)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(IssuerNonce)).scalar_one() == 0

"""Receiving, when things go wrong: malformed links, offers by value, issuers that cannot be
reached or do not answer per spec, replays, unknown credential ids, deletion, and what the
database keeps of a credential (sealed, never plaintext)."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.wallet.flows import (
    PERSONAL_VALUES,
    holder_id,
    intercept,
    make_offer,
    random_id,
    receive,
    refuse_connections,
    rows,
)

SCHEME = "openid-credential-offer://"
OFFER_URI = quote("http://localhost:8000/issuers/yh-akademin/offers/x", safe="")


def by_value(offer: dict) -> str:
    return f"{SCHEME}?credential_offer={quote(json.dumps(offer), safe='')}"


def offer_document(client: TestClient, made: dict) -> dict:
    parts = urlsplit(made["credential_offer_uri"])
    document = client.get(parts.path)
    assert document.status_code == 200, document.text
    return document.json()


def assert_nothing_stored(client: TestClient, engine: Engine, auth: dict) -> None:
    assert client.get("/wallet/credentials", headers=auth).json() == []
    alva = holder_id(engine, "alva@example.se")
    assert (
        rows(engine, "SELECT count(*) FROM wallet_credential WHERE holder_id = :h", h=alva)[0][0]
        == 0
    )
    assert (
        rows(engine, "SELECT count(*) FROM wallet_offer_redemption WHERE holder_id = :h", h=alva)[
            0
        ][0]
        == 0
    )


MALFORMED = {
    "wrong scheme": f"openid4vp://?credential_offer_uri={OFFER_URI}",
    "ftp scheme": f"ftp://localhost/?credential_offer_uri={OFFER_URI}",
    "both params": f"{SCHEME}?credential_offer=%7B%7D&credential_offer_uri={OFFER_URI}",
    "neither param": f"{SCHEME}?offer={OFFER_URI}",
    "uri twice": f"{SCHEME}?credential_offer_uri={OFFER_URI}&credential_offer_uri={OFFER_URI}",
    "garbage": "this is not a link",
    "empty": "",
    "unbalanced host": "openid-credential-offer://[::1/?credential_offer_uri=x",
    "value not json": f"{SCHEME}?credential_offer=%7Bnot-json",
    "value not an offer": f"{SCHEME}?credential_offer="
    + quote(json.dumps({"credential_issuer": 5})),
    "value without grant": by_value(
        {
            "credential_issuer": "http://localhost:8000/issuers/yh-akademin",
            "credential_configuration_ids": ["skill"],
        }
    ),
    "uri not a url": f"{SCHEME}?credential_offer_uri=not-a-url",
    "uri with credentials": f"{SCHEME}?credential_offer_uri="
    + quote("http://u:p@localhost:8000/x", safe=""),
    "too long": f"{SCHEME}?credential_offer_uri={OFFER_URI}{'a' * 9000}",
}


@pytest.mark.parametrize("link", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_links_are_refused_with_a_code_and_store_nothing(
    client: TestClient, engine: Engine, holder_auth: dict, link: str
) -> None:
    answer = client.post("/wallet/offers", json={"offer": link}, headers=holder_auth)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] in {"offer_invalid", "invalid_input", "url_not_allowed"}
    assert_nothing_stored(client, engine, holder_auth)


def test_an_offer_by_value_works_and_is_not_redeemed_twice(
    client: TestClient, issuer: dict, issuer_auth: dict, holder_auth: dict
) -> None:
    made = make_offer(client, issuer, issuer_auth, tx=True)
    link = by_value(offer_document(client, made))
    received = client.post(
        "/wallet/offers", json={"offer": link, "tx_code": made["tx_code"]}, headers=holder_auth
    )
    assert received.status_code == 201, received.text
    assert received.json()["claims"]["given_name"] == "Alva"
    again = client.post(
        "/wallet/offers", json={"offer": link, "tx_code": made["tx_code"]}, headers=holder_auth
    )
    assert again.status_code == 409 and again.json()["code"] == "offer_already_redeemed"
    by_reference = client.post(
        "/wallet/offers", json={"offer": made["credential_offer"]}, headers=holder_auth
    )
    assert by_reference.status_code == 410 and by_reference.json()["code"] == "offer_unavailable"
    assert len(client.get("/wallet/credentials", headers=holder_auth).json()) == 1


def test_an_offer_needing_a_tx_code_without_one_stores_nothing_and_can_be_redeemed_later(
    client: TestClient, engine: Engine, issuer: dict, issuer_auth: dict, holder_auth: dict
) -> None:
    made = make_offer(client, issuer, issuer_auth, tx=True)
    refused = client.post(
        "/wallet/offers", json={"offer": made["credential_offer"]}, headers=holder_auth
    )
    assert refused.status_code == 400 and refused.json()["code"] == "issuer_refused"
    assert_nothing_stored(client, engine, holder_auth)
    ok = client.post(
        "/wallet/offers",
        json={"offer": made["credential_offer"], "tx_code": made["tx_code"]},
        headers=holder_auth,
    )
    assert ok.status_code == 201, ok.text


def test_an_offer_on_a_refused_host_is_refused_before_anything_happens(
    client: TestClient, engine: Engine, holder_auth: dict
) -> None:
    link = f"{SCHEME}?credential_offer_uri={quote('http://10.0.0.1/issuers/x/offers/1', safe='')}"
    answer = client.post("/wallet/offers", json={"offer": link}, headers=holder_auth)
    assert answer.status_code == 403 and answer.json()["code"] == "url_not_allowed"
    for private in (
        "http://10.0.0.1/issuers/x",
        "https://192.168.1.10/issuers/x",
        "http://[::1]:1/x",
    ):
        offer = {
            "credential_issuer": private,
            "credential_configuration_ids": ["skill"],
            "grants": {
                "urn:ietf:params:oauth:grant-type:pre-authorized_code": {"pre-authorized_code": "c"}
            },
        }
        answer = client.post("/wallet/offers", json={"offer": by_value(offer)}, headers=holder_auth)
        assert 400 <= answer.status_code < 600 and answer.status_code != 500, answer.text
        assert answer.json()["code"] in {"url_not_allowed", "fetch_failed"}
    assert_nothing_stored(client, engine, holder_auth)
    log = client.get("/wallet/log", headers=holder_auth).json()["entries"]
    assert {e["event"] for e in log} == {"credential_receipt_failed"}
    assert all(e["entry"]["reason"] in {"url_not_allowed", "fetch_failed"} for e in log)


@pytest.mark.parametrize("down", ["/offers/", "/.well-known/", "/token", "/nonce", "/credential"])
def test_an_unreachable_issuer_stores_nothing_and_the_offer_stays_redeemable(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
    down: str,
) -> None:
    made = make_offer(client, issuer, issuer_auth)
    with intercept(app, refuse_connections(down)):
        failed = client.post(
            "/wallet/offers", json={"offer": made["credential_offer"]}, headers=holder_auth
        )
    assert failed.status_code == 502, failed.text
    assert failed.json()["code"] == "fetch_failed"
    assert "localhost:8000" in failed.json()["detail"]
    assert_nothing_stored(client, engine, holder_auth)
    if down in ("/offers/", "/.well-known/", "/token"):  # the code was not spent: try again
        later = client.post(
            "/wallet/offers", json={"offer": made["credential_offer"]}, headers=holder_auth
        )
        assert later.status_code == 201, later.text
    else:  # the code was spent at the issuer: it says so, clearly
        later = client.post(
            "/wallet/offers", json={"offer": made["credential_offer"]}, headers=holder_auth
        )
        assert later.status_code in (400, 410), later.text
        assert later.json()["code"] in ("issuer_refused", "offer_unavailable")


def _replace(path: str, body: bytes, status: int = 200) -> Callable:
    def handler(
        request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]
    ) -> httpx.Response:
        if path in request.url.path:
            return httpx.Response(
                status, content=body, headers={"content-type": "application/json"}
            )
        return forward(request)

    return handler


def _tamper_credential(
    request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]
) -> httpx.Response:
    answer = forward(request)
    if request.url.path.endswith("/credential") and answer.status_code == 200:
        body = answer.json()
        issued = body["credentials"][0]["credential"]
        jwt, rest = issued.split("~", 1)
        head, payload, signature = jwt.split(".")
        flipped = "A" if signature[5] != "A" else "B"
        body["credentials"][0]["credential"] = (
            f"{head}.{payload}.{signature[:5]}{flipped}{signature[6:]}~{rest}"
        )
        return httpx.Response(200, json=body)
    return answer


@pytest.mark.parametrize(
    ("handler", "code"),
    [
        (_replace("/.well-known/openid-credential-issuer", b"<html>hello</html>"), "fetch_failed"),
        (
            _replace(
                "/.well-known/openid-credential-issuer",
                b'{"credential_issuer": "https://other.example"}',
            ),
            "issuer_protocol_error",
        ),
        (_replace("/token", b'{"token_type": "Bearer"}'), "issuer_protocol_error"),
        (_replace("/token", b"not json", 500), "issuer_protocol_error"),
        (_replace("/nonce", b"{}"), "issuer_protocol_error"),
        (_replace("/credential", b'{"credentials": []}'), "issuer_protocol_error"),
        (_tamper_credential, "credential_rejected"),
    ],
    ids=[
        "metadata-html",
        "metadata-other-issuer",
        "token-no-access-token",
        "token-500",
        "nonce-missing",
        "no-credential",
        "bad-signature",
    ],
)
def test_an_issuer_not_answering_per_spec_gets_a_clear_error_and_nothing_is_stored(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
    handler: Callable,
    code: str,
) -> None:
    made = make_offer(client, issuer, issuer_auth)
    with intercept(app, handler):
        failed = client.post(
            "/wallet/offers", json={"offer": made["credential_offer"]}, headers=holder_auth
        )
    assert failed.status_code == 502, failed.text
    assert failed.json()["code"] == code
    assert_nothing_stored(client, engine, holder_auth)
    (last,) = client.get("/wallet/log", headers=holder_auth).json()["entries"]
    assert last["event"] == "credential_receipt_failed" and last["entry"]["reason"] == code


@pytest.mark.parametrize(
    "credential_id", ["not-a-uuid", "123", "00000000-0000-0000-0000-000000000000", "random"]
)
def test_unknown_or_malformed_credential_ids_are_not_found(
    client: TestClient, holder_auth: dict, credential_id: str
) -> None:
    if credential_id == "random":
        credential_id = random_id()
    for method in ("GET", "DELETE"):
        answer = client.request(method, f"/wallet/credentials/{credential_id}", headers=holder_auth)
        assert answer.status_code == 404 and answer.json()["code"] == "credential_not_found"


def test_delete_then_get_is_not_found_and_logged(
    client: TestClient, engine: Engine, issuer: dict, issuer_auth: dict, holder_auth: dict
) -> None:
    credential_id = receive(client, issuer, issuer_auth, holder_auth)
    keep = receive(client, issuer, issuer_auth, holder_auth)
    assert (
        client.delete(f"/wallet/credentials/{credential_id}", headers=holder_auth).status_code
        == 204
    )
    for method in ("GET", "DELETE"):
        answer = client.request(method, f"/wallet/credentials/{credential_id}", headers=holder_auth)
        assert answer.status_code == 404 and answer.json()["code"] == "credential_not_found"
    assert [c["id"] for c in client.get("/wallet/credentials", headers=holder_auth).json()] == [
        keep
    ]
    assert (
        rows(engine, "SELECT count(*) FROM wallet_credential WHERE id = :c", c=credential_id)[0][0]
        == 0
    )
    latest = client.get("/wallet/log", headers=holder_auth).json()["entries"][0]
    assert (
        latest["event"] == "credential_deleted"
        and latest["entry"]["credential_id"] == credential_id
    )
    assert client.get("/wallet/log/verify", headers=holder_auth).json()["valid"] is True


def test_the_stored_credential_is_sealed(
    client: TestClient, engine: Engine, issuer: dict, issuer_auth: dict, holder_auth: dict
) -> None:
    receive(client, issuer, issuer_auth, holder_auth)
    exported = client.get("/wallet/export", headers=holder_auth).json()
    serialized = exported["credentials"][0]["credential"]
    issuer_jwt, *disclosures = serialized.split("~")
    (row,) = rows(engine, "SELECT * FROM wallet_credential")
    blob = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row)
    for value in PERSONAL_VALUES:
        assert value.encode() not in blob
    assert issuer_jwt.split(".")[1][:40].encode() not in blob  # the payload, base64url
    for disclosure in filter(None, disclosures):
        assert disclosure[:24].encode() not in blob
    sealed = [v for v in row if isinstance(v, bytes)]
    # credential, holder key, notification grant (§11: token, DPoP key, notification_id)
    assert len(sealed) == 3 and all(
        b'"d":' not in v and b'"kty"' not in v and b"notification" not in v for v in sealed
    )  # nor the holder key


def test_an_invalid_offer_document_is_the_issuers_fault(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
) -> None:
    made = make_offer(client, issuer, issuer_auth)
    with intercept(app, _replace("/offers/", b'{"credential_issuer": 5}')):
        failed = client.post(
            "/wallet/offers", json={"offer": made["credential_offer"]}, headers=holder_auth
        )
    assert failed.status_code == 502 and failed.json()["code"] == "issuer_protocol_error"
    assert_nothing_stored(client, engine, holder_auth)
    later = client.post(
        "/wallet/offers", json={"offer": made["credential_offer"]}, headers=holder_auth
    )
    assert later.status_code == 201, later.text

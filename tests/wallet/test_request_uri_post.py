"""``request_uri_method=post`` (OpenID4VP 1.0 §5.10): the wallet POSTs its metadata and a
fresh ``wallet_nonce`` as a form, asks for a request object, and refuses one that does not
return that nonce (§5.10.1). Against the verifier double."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tests.wallet.test_sharing import QUERY
from tests.wallet.verifier_double import VerifierDouble
from wallet.models import WalletPresentationRequest


def receive(client: TestClient, holder_auth: dict[str, str], link: str):  # noqa: ANN201
    return client.post("/wallet/presentation-requests", json={"request": link}, headers=holder_auth)


def stored_requests(engine: Engine) -> int:
    with engine.connect() as connection:
        count = select(func.count()).select_from(WalletPresentationRequest)
        return int(connection.execute(count).scalar_one())


def test_the_wallet_posts_its_metadata_and_a_wallet_nonce_as_a_form(
    client: TestClient, holder_auth: dict[str, str], double: VerifierDouble
) -> None:
    view = receive(client, holder_auth, double.new_request(QUERY, method="post"))
    assert view.status_code == 201, view.text
    (posted,) = double.request_uri_posts
    assert posted["content-type"] == "application/x-www-form-urlencoded"
    assert posted["accept"] == "application/oauth-authz-req+jwt"
    assert len(posted["wallet_nonce"]) >= 22
    metadata = json.loads(posted["wallet_metadata"])
    formats = metadata["vp_formats_supported"]["dc+sd-jwt"]
    assert "ES256" in formats["sd-jwt_alg_values"] and "ES256" in formats["kb-jwt_alg_values"]
    assert "ES256" in metadata["request_object_signing_alg_values_supported"]


def test_each_post_carries_a_fresh_wallet_nonce(
    client: TestClient, holder_auth: dict[str, str], double: VerifierDouble
) -> None:
    for _ in range(2):
        assert receive(client, holder_auth, double.new_request(QUERY, method="post")).is_success
    first, second = double.request_uri_posts
    assert first["wallet_nonce"] != second["wallet_nonce"]


@pytest.mark.parametrize("answer", [None, "another-nonce"], ids=["missing", "wrong"])
def test_a_request_object_without_the_wallet_nonce_sent_is_refused(
    client: TestClient,
    holder_auth: dict[str, str],
    double: VerifierDouble,
    engine: Engine,
    answer: str | None,
) -> None:
    double.wallet_nonce_answer = answer
    view = receive(client, holder_auth, double.new_request(QUERY, method="post"))
    assert view.status_code == 400, view.text
    assert view.json()["code"] == "oid4vp_wallet_nonce_mismatch"
    assert stored_requests(engine) == 0


def test_a_get_sends_no_wallet_nonce(
    client: TestClient, holder_auth: dict[str, str], double: VerifierDouble
) -> None:
    assert receive(client, holder_auth, double.new_request(QUERY)).status_code == 201
    assert double.request_uri_posts == []

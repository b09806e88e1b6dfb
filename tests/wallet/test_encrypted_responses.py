"""The wallet answers ``direct_post.jwt`` (OpenID4VP 1.0 §8.3, §8.3.1; HAIP 1.0 §5) of an
independent verifier (the double, which decrypts with jwcrypto and checks with the OWF
``sd_jwt`` library): to the request's key, with the ``enc`` the request offers (A256GCM when
both), the JWE's ``kid`` the key's; a refusal is encrypted too; and a request for an encryption
the wallet lacks is refused — to the holder, and in the clear to the verifier (§8.3.1)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.wallet.flows import (
    QUERY,
    approve,
    double_request_id,
    issuer_keys,
    open_request,
    receive,
    rows,
)
from tests.wallet.verifier_double import VerifierDouble, disclosed_names


@pytest.mark.parametrize(
    ("offered", "used"),
    [(["A128GCM", "A256GCM"], "A256GCM"), (["A128GCM"], "A128GCM"), (["A256GCM"], "A256GCM")],
)
def test_the_answer_is_encrypted_to_the_requests_key_with_an_offered_enc(
    client: TestClient,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
    double: VerifierDouble,
    offered: list[str],
    used: str,
) -> None:
    double.encryption = offered
    credential_id = receive(client, issuer, issuer_auth, holder_auth)
    view, double_id = open_request(client, double, holder_auth)
    approved = approve(client, holder_auth, view["id"], credential_id)
    assert approved.status_code == 200, approved.text
    got = double.received[double_id]
    assert got.jwe_header is not None
    assert got.jwe_header["alg"] == "ECDH-ES" and got.jwe_header["enc"] == used
    assert got.jwe_header["kid"] == double.encryption_keys[double_id]["kid"]
    assert got.state == double_id  # inside the JWE, with the vp_token
    presentation = got.vp_token["skill"][0]  # type: ignore[index]
    assert sorted(disclosed_names(presentation)) == ["family_name", "given_name"]
    claims = double.verify(double_id, presentation, issuer_keys(client, issuer))
    assert claims["given_name"] == "Alva"


def test_a_refusal_is_encrypted_too(
    client: TestClient, holder_auth: dict, double: VerifierDouble
) -> None:
    double.encryption = ["A128GCM", "A256GCM"]
    view, double_id = open_request(client, double, holder_auth)
    denied = client.post(f"/wallet/presentation-requests/{view['id']}/deny", headers=holder_auth)
    assert denied.status_code == 200, denied.text
    got = double.received[double_id]
    assert got.jwe_header is not None and got.error == "access_denied"


def test_a_request_for_an_encryption_the_wallet_lacks_is_refused_and_the_verifier_told(
    client: TestClient, holder_auth: dict, double: VerifierDouble, engine: Engine
) -> None:
    double.encryption = ["A128CBC-HS256", "A192GCM"]
    link = double.new_request(QUERY)
    refused = client.post(
        "/wallet/presentation-requests", json={"request": link}, headers=holder_auth
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == "oid4vp_response_encryption_unsupported"
    assert rows(engine, "SELECT count(*) FROM wallet_presentation_request") == [(0,)]
    told = double.received[double_request_id(link)]
    assert told.jwe_header is None and told.error == "invalid_request"
    assert told.vp_token is None

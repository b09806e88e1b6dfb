"""End to end, as an independent wallet would do it: metadata → offer → token (DPoP) →
nonce → credential → verify (signature, disclosures, cnf, status) → revoke → INVALID.

Verification uses the OpenWallet Foundation's reference library (``sd_jwt``) and jwcrypto,
not Intyg's own verifier.
"""

from __future__ import annotations

import json
import zlib

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk, jws
from sd_jwt.verifier import SDJWTVerifier

from tests.conftest import FIXED_NOW
from tests.helpers import SpecWallet, b64url_json, learner_claims


def issuer_keys(client: TestClient, issuer: str) -> dict[str, jwk.JWK]:
    path = "/.well-known/jwt-vc-issuer" + issuer.removeprefix("http://localhost:8000")
    document = client.get(path).json()
    assert document["issuer"] == issuer
    return {k["kid"]: jwk.JWK(**k) for k in document["jwks"]["keys"]}


def verify_with_reference_library(client: TestClient, issuer: str, credential: str) -> dict:
    keys = issuer_keys(client, issuer)

    def issuer_key(iss: str, header: dict) -> jwk.JWK:
        assert iss == issuer and header["typ"] == "dc+sd-jwt" and header["alg"] == "ES256"
        return keys[header["kid"]]

    return SDJWTVerifier(credential, issuer_key).get_verified_payload()


def status_of(client: TestClient, reference: dict, keys: dict[str, jwk.JWK]) -> int:
    response = client.get(reference["uri"].removeprefix("http://localhost:8000"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/statuslist+jwt")
    token = jws.JWS()
    token.deserialize(response.text)
    header = b64url_json(response.text.split(".")[0])
    assert header["typ"] == "statuslist+jwt"
    token.verify(keys[header["kid"]], alg="ES256")
    payload = json.loads(token.payload)
    assert payload["sub"] == reference["uri"]
    assert payload["ttl"] > 0 and payload["exp"] > payload["iat"]
    bits = payload["status_list"]["bits"]
    raw = zlib.decompress(
        __import__("base64").urlsafe_b64decode(payload["status_list"]["lst"] + "==")
    )
    idx = reference["idx"]
    per_byte = 8 // bits
    return (raw[idx // per_byte] >> ((idx % per_byte) * bits)) & ((1 << bits) - 1)


@pytest.mark.parametrize("use_dpop", [True, False], ids=["dpop", "bearer"])
def test_independent_wallet_receives_verifies_and_sees_revocation(
    client: TestClient, issuer: dict[str, str], issuer_auth: dict[str, str], use_dpop: bool
) -> None:
    made = client.post(
        f"/issuers/{issuer['slug']}/admin/offers",
        json={"claims": learner_claims(), "tx_code": True},
        headers=issuer_auth,
    )
    assert made.status_code == 201, made.text
    offer_out = made.json()
    assert offer_out["credential_offer"].startswith(
        "openid-credential-offer://?credential_offer_uri="
    )
    assert offer_out["qr_svg"].startswith("<svg")
    assert len(offer_out["tx_code"]) == 6

    wallet = SpecWallet(client, use_dpop=use_dpop, now=FIXED_NOW)
    offer = wallet.resolve_offer(offer_out["credential_offer"])
    assert offer["credential_issuer"] == issuer["issuer"]
    metadata = wallet.metadata(offer["credential_issuer"])
    token = wallet.redeem(offer, offer_out["tx_code"])
    assert token["token_type"] == ("DPoP" if use_dpop else "Bearer")

    holders = [jwk.JWK.generate(kty="EC", crv="P-256") for _ in range(2)]
    response = wallet.request_credentials(metadata, token, holders)
    assert response.status_code == 200, response.text
    credentials = [c["credential"] for c in response.json()["credentials"]]
    assert len(credentials) == 2

    keys = issuer_keys(client, issuer["issuer"])
    for holder, credential in zip(holders, credentials):
        claims = verify_with_reference_library(client, issuer["issuer"], credential)
        assert claims["given_name"] == "Alva"
        assert claims["learner_identification"] == "199001010017"
        assert [s["label"]["en"] for s in claims["skills"]] == ["C#", "Agile methods", "SQL"]
        assert claims["cnf"]["jwk"]["x"] == json.loads(holder.export_public())["x"]
        assert claims["vct"] == "http://localhost:8000/types/skill-credential"
        assert claims["issuing_authority"]["organisationsnummer"] == "5566778899"
        assert claims["iat"] == FIXED_NOW and claims["exp"] > FIXED_NOW
        # learner claims and each skill are selectively disclosable, never in the clear
        payload = b64url_json(credential.split("~")[0].split(".")[1])
        assert "given_name" not in payload and "learner_identification" not in payload
        assert all(set(s) == {"..."} for s in payload["skills"])
        assert status_of(client, claims["status"]["status_list"], keys) == 0

    listing = client.get(f"/issuers/{issuer['slug']}/admin/credentials", headers=issuer_auth)
    rows = listing.json()["credentials"]
    assert listing.json()["total"] == 2 and {r["status"] for r in rows} == {"VALID"}
    assert "Alva" not in listing.text and "199001010017" not in listing.text

    revoked = client.post(
        f"/issuers/{issuer['slug']}/admin/credentials/{rows[0]['id']}/revoke", headers=issuer_auth
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "INVALID"
    statuses = []
    for credential in credentials:
        claims = verify_with_reference_library(client, issuer["issuer"], credential)
        statuses.append(status_of(client, claims["status"]["status_list"], keys))
    assert sorted(statuses) == [0, 1]

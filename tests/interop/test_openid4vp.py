"""OpenID4VP 1.0 against ``@openid4vc/openid4vp``, as wallet and as verifier.

(a) The npm wallet resolves signed requests of Intyg's verifiers (``request_uri``; client ids
``x509_san_dns`` and ``x509_hash``, §5.9.3; ``direct_post.jwt``, §8.3) — the x5c chain checked
to Intyg's verifier CA, the client id by the library — and builds the encrypted response
(ECDH-ES P-256) around a ``vp_token`` made with Intyg's presentation code; Intyg's verifier
accepts it as valid, and refuses one encrypted to another key. The npm wallet refuses a request
whose chain does not lead to its trust anchor.

(b) The npm verifier makes signed requests (both client id prefixes, ``direct_post.jwt``, DCQL);
Intyg's wallet, trusting the test CA, resolves them and answers encrypted; the npm verifier
decrypts and validates the answer (state, vp_token by query id), verifies each presentation
with @sd-jwt/sd-jwt-vc (issuer key from Intyg's metadata, key binding to its nonce and client
id) and finds its DCQL query satisfied with ``dcql``; a presentation tampered with and
re-encrypted is refused.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from fastapi.testclient import TestClient
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk

from core import jose
from tests.e2e.conftest import BASE
from tests.interop import node
from tests.interop.conftest import OUTSIDE, Outside, VerifierCa
from tests.interop.test_sd_jwt_vc import published_jwks
from tests.verifier.support import (
    VCT,
    Roles,
    b64_json,
    bearer,
    create_verifier,
    local,
    trust_list_token,
)
from tests.verifier.test_encrypted_responses import jwcrypto_encrypt
from tests.wallet.conftest import sign_up_and_in
from tests.wallet.flows import QUERY, approve, receive

FIELDS = (("given_name",), ("family_name",), ("achievement_title",))


def verifier_with(roles: Roles, slug: str, prefix: str) -> Roles:
    made = create_verifier(roles.client, slug=slug, prefix=prefix, response_mode="direct_post.jwt")
    tenant = dataclasses.replace(roles, verifier=made, verifier_auth=bearer(made["api_key"]))
    tenant.install_trust_list(
        trust_list_token(
            roles.operator_key, roles.clock.now(), [(roles.issuer["issuer"], "YH", [VCT])]
        )
    )
    return tenant


def served_request(client: TestClient, request: dict[str, str]) -> tuple[str, dict[str, object]]:
    served = client.get(local(request["request_uri"]))
    assert served.status_code == 200, served.text
    return served.text, b64_json(served.text.split(".")[1])


def test_npm_wallet_answers_intyg_verifiers_encrypted_and_intyg_accepts(
    roles: Roles, tmp_path: Path, ca: VerifierCa
) -> None:
    tenants = {
        prefix: verifier_with(roles, f"v-{prefix.replace('_', '-')}", prefix)
        for prefix in ("x509_san_dns", "x509_hash")
    }
    intyg_ca = (tmp_path / "verifier-ca" / "ca.pem").read_text()
    now = roles.clock.now()
    asked, jobs = {}, []
    for prefix, tenant in tenants.items():
        request = tenant.ask()
        text, claims = served_request(roles.client, request)
        presentation = roles.issue_one().present(
            *FIELDS, nonce=str(claims["nonce"]), aud=str(claims["client_id"]), iat=now
        )
        asked[prefix] = (request, claims)
        job = {
            "op": "wallet",
            "link": request["authorization_request"],
            "request_object": text,
            "anchors": [intyg_ca],
            "vp_token": {"skill": [presentation]},
            "now": now,
        }
        jobs.append(job)
    elsewhere = jose.PrivateKey.generate().public.jwk  # not the request's key
    jobs.append(
        {**jobs[1], "encrypt_to": {**elsewhere, "kid": "elsewhere", "use": "enc", "alg": "ECDH-ES"}}
    )
    jobs.append({**jobs[0], "anchors": [ca.ca_pem()]})  # a CA that did not issue the verifier's
    dns, hashed, misdirected, untrusted = node.run("openid4vp", jobs)

    assert node.ok(dns)["client"] == {"prefix": "x509_san_dns", "identifier": "localhost"}
    hash_client = node.ok(hashed)["client"]
    assert hash_client["prefix"] == "x509_hash"  # type: ignore[index]
    assert f"x509_hash:{hash_client['identifier']}" == asked["x509_hash"][1]["client_id"]  # type: ignore[index]
    assert "does not chain to a trust anchor" in node.refused(untrusted)

    # Intyg refuses the answer encrypted to another key, and the request stays open (§8.3).
    tenant = tenants["x509_hash"]
    request, claims = asked["x509_hash"]
    wrong = roles.client.post(
        local(str(claims["response_uri"])), data={"response": node.ok(misdirected)["response"]}
    )
    assert wrong.status_code == 400 and "jwe_key_mismatch" in wrong.json()["error_description"]
    assert tenant.status(request)["status"] == "pending"

    for prefix, answer in (("x509_san_dns", dns), ("x509_hash", hashed)):
        request, claims = asked[prefix]
        made = node.ok(answer)
        assert made["response_mode"] == "direct_post.jwt"
        assert made["response_uri"] == claims["response_uri"]
        [key] = claims["client_metadata"]["jwks"]["keys"]  # type: ignore[index]
        header = made["jwe_header"]
        assert header["alg"] == "ECDH-ES" and header["kid"] == key["kid"]  # type: ignore[index]
        assert header["enc"] in ("A128GCM", "A256GCM")  # type: ignore[index]
        posted = roles.client.post(
            local(str(claims["response_uri"])), data={"response": made["response"]}
        )
        assert posted.status_code == 200, posted.text
        outcome = tenants[prefix].status(request)
        assert outcome["status"] == "fulfilled", outcome
        [result] = outcome["result"]["credentials"]["skill"]  # type: ignore[index]
        assert result["verdict"] == "valid", result
        assert result["claims"]["given_name"] == "Alva"


def test_intyg_wallet_answers_npm_verifiers_and_npm_verifies_the_answers(
    roles: Roles, outside: Outside, ca: VerifierCa
) -> None:
    client = roles.client
    holder_auth = sign_up_and_in(client)
    credential_id = receive(client, roles.issuer, roles.issuer_auth, holder_auth)
    now = roles.clock.now()
    prefixes = ("x509_san_dns", "x509_hash")
    made = node.run(
        "openid4vp",
        [
            {
                "op": "request",
                "prefix": prefix,
                "x5c": ca.x5c(),
                "leaf_jwk": ca.leaf_private_jwk(),
                "request_uri": f"{BASE}{OUTSIDE}/requests/{prefix}",
                "response_uri": f"{BASE}{OUTSIDE}/responses/{prefix}",
                "dcql_query": QUERY,
                "now": now,
            }
            for prefix in prefixes
        ],
    )
    jobs = []
    for prefix, answer in zip(prefixes, made, strict=True):
        npm = node.ok(answer)
        outside.serve(
            f"{OUTSIDE}/requests/{prefix}",
            str(npm["request_object"]),
            "application/oauth-authz-req+jwt",
        )
        view = client.post(
            "/wallet/presentation-requests", json={"request": npm["link"]}, headers=holder_auth
        )
        assert view.status_code == 201, view.text
        assert view.json()["verifier"]["verified"] is True
        assert view.json()["verifier"]["client_id"] == npm["request"]["client_id"]  # type: ignore[index]
        approved = approve(
            client, holder_auth, view.json()["id"], credential_id, [["assessment_grade"]]
        )
        assert approved.status_code == 200, approved.text
        form = outside.posted[f"{OUTSIDE}/responses/{prefix}"]
        assert set(form) == {"response"}  # direct_post.jwt: only the JWE (§8.3.1)
        jobs.append(
            {
                "op": "response",
                "request": npm["request"],
                "form": form,
                "decryption_jwk": npm["decryption_jwk"],
                "jwks": published_jwks(roles),
                "now": now,
            }
        )
    jobs.append({**jobs[1], "form": {"response": tampered(jobs[1])}})
    dns, hashed, forged = node.run("openid4vp", jobs)
    for answer, job in ((dns, jobs[0]), (hashed, jobs[1])):
        checked = node.ok(answer)
        assert checked["state"] == job["request"]["state"]  # type: ignore[index]
        assert checked["dcql_satisfied"] is True
        [claims] = checked["claims"]["skill"]  # type: ignore[index]
        assert claims["given_name"] == "Alva" and claims["assessment_grade"] == "VG"
        assert "birthdate" not in claims and "learner_identification" not in claims
    assert node.refused(forged) == "SDJWTException: Verify Error: Invalid JWT Signature"


def tampered(job: dict[str, object]) -> str:
    """The wallet's answer decrypted, its presentation's issuer-signed payload changed by one
    claim, and encrypted again to the request's key: what a party in the middle could send."""
    key = jwcrypto_jwk.JWK(**job["decryption_jwk"])  # type: ignore[arg-type]
    opened = jwcrypto_jwe.JWE()
    opened.deserialize(job["form"]["response"], key=key)  # type: ignore[index]
    payload = json.loads(opened.payload)
    presentation = payload["vp_token"]["skill"][0]
    header, body, signature = presentation.split("~", 1)[0].split(".")
    claims = b64_json(body)
    claims["vct"] = VCT + "-forged"
    forged_body = jose.b64url_encode(json.dumps(claims).encode())
    rest = presentation.split("~", 1)[1]
    payload["vp_token"]["skill"] = [f"{header}.{forged_body}.{signature}~{rest}"]
    public = {k: v for k, v in job["decryption_jwk"].items() if k != "d"}  # type: ignore[union-attr]
    return jwcrypto_encrypt(payload, public)

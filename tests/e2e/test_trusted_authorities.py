"""DCQL ``trusted_authorities`` (OpenID4VP 1.0 §6.1.1.1), verifier and wallet in one process:
the verifier fills ``aki`` from the certificates its trust list gives its issuers when a
request asks for it, and the wallet offers only credentials whose ``x5c`` chain such an
authority certifies.
"""

from __future__ import annotations

import copy

from fastapi.testclient import TestClient

from core import jose
from core import x509 as certs
from core.runtime import Runtime
from issuer import ca
from tests.e2e.conftest import BASE
from tests.e2e.test_one_process import QUERY, VCT, setup_roles
from tests.verifier.support import trust_list_token

PURPOSE = "Rekrytering till tjänsten som utvecklare"


def _list_issuer_ca(
    client: TestClient, roles: dict, operator_key: jose.PrivateKey, runtime: Runtime
) -> None:
    listed = [(roles["issuer"]["issuer"], "YH-akademin", [VCT])]
    token = trust_list_token(
        operator_key,
        runtime.clock.now(),
        listed,
        sequence=2,
        anchors=[ca.load_or_create(runtime)[0]],
    )
    put = client.put(
        "/verifiers/arbetsgivaren/trust-list",
        json={"trust_list": token},
        headers=roles["verifier_auth"],
    )
    assert put.status_code == 200, put.text


def _ask(client: TestClient, roles: dict, query: dict, **extra: object) -> tuple[int, dict]:
    asked = client.post(
        "/verifiers/arbetsgivaren/requests",
        json={"dcql_query": query, "purpose": PURPOSE, **extra},
        headers=roles["verifier_auth"],
    )
    return asked.status_code, asked.json()


def _request_object(client: TestClient, request: dict) -> dict:
    token = client.get(request["request_uri"].removeprefix(BASE)).text
    return jose.parse(token).payload


def _view(client: TestClient, roles: dict, request: dict) -> dict:
    view = client.post(
        "/wallet/presentation-requests",
        json={"request": request["authorization_request"]},
        headers=roles["holder_auth"],
    )
    assert view.status_code == 201, view.text
    return view.json()


def _offered(client: TestClient, roles: dict, request: dict) -> list[object]:
    [query] = _view(client, roles, request)["queries"]
    return list(query["candidates"])


def test_the_verifier_fills_aki_and_the_wallet_offers_the_credential_it_certifies(
    client: TestClient, operator_key: jose.PrivateKey, runtime: Runtime
) -> None:
    roles = setup_roles(client, operator_key, runtime.clock.now())
    _list_issuer_ca(client, roles, operator_key, runtime)
    code, request = _ask(client, roles, QUERY, trusted_authorities=["aki"])
    assert code == 201, request
    [asked] = _request_object(client, request)["dcql_query"]["credentials"]  # type: ignore[index]
    ca_cert = ca.load_or_create(runtime)[0]
    assert asked["trusted_authorities"] == [
        {"type": "aki", "values": [certs.subject_key_id(ca_cert)]}
    ]
    view = _view(client, roles, request)
    [query] = view["queries"]
    assert [c["credential_id"] for c in query["candidates"]] == [roles["credential_id"]]
    approved = client.post(
        f"/wallet/presentation-requests/{view['id']}/approve",
        json={"credentials": {"skill": {"credential_id": roles["credential_id"]}}},
        headers=roles["holder_auth"],
    )
    assert approved.status_code == 200, approved.text
    status = client.get(request["status_url"].removeprefix(BASE), headers=roles["verifier_auth"])
    assert status.json()["status"] == "fulfilled", status.json()


def test_the_wallet_withholds_a_credential_no_named_authority_certifies(
    client: TestClient, operator_key: jose.PrivateKey, runtime: Runtime
) -> None:
    roles = setup_roles(client, operator_key, runtime.clock.now())
    other_ca, _ = certs.create_dev_ca("Another CA", runtime.clock.now())
    query = copy.deepcopy(QUERY)
    query["credentials"][0]["trusted_authorities"] = [  # type: ignore[index]
        {"type": "aki", "values": [certs.subject_key_id(other_ca)]}
    ]
    code, request = _ask(client, roles, query)
    assert code == 201, request
    assert _offered(client, roles, request) == []
    query["credentials"][0]["trusted_authorities"] = [  # type: ignore[index]
        {"type": "etsi_tl", "values": ["https://trust.example.se/lote.jwt"]}  # not its list
    ]
    code, request = _ask(client, roles, query)
    assert code == 201, request
    assert _offered(client, roles, request) == []


def test_aki_needs_certificates_on_the_trust_list_and_etsi_tl_a_published_lote(
    client: TestClient, operator_key: jose.PrivateKey, runtime: Runtime
) -> None:
    roles = setup_roles(client, operator_key, runtime.clock.now())
    code, problem = _ask(client, roles, QUERY, trusted_authorities=["aki"])
    assert (code, problem["code"]) == (422, "invalid_input") and "x5c" in problem["detail"]
    _list_issuer_ca(client, roles, operator_key, runtime)
    code, problem = _ask(client, roles, QUERY, trusted_authorities=["etsi_tl"])
    assert (code, problem["code"]) == (422, "invalid_input")
    assert "ETSI TS 119 602" in problem["detail"]
    code, problem = _ask(client, roles, QUERY, trusted_authorities=["openid_federation"])
    assert code == 422 and "openid_federation" not in str(problem), problem  # not offered

"""The verifier's trust list: installed only when signed by an operator key, current and not
older than the one in force; shown as installed; absent, nothing can be asked or verified;
the configured default (a file) stands in for a verifier that has none of its own."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core import jose
from core import x509 as X
from core.clock import FixedClock
from core.standards import trust_list
from issuer import ca
from tests.standards import lote_samples
from tests.verifier.support import (
    BASE,
    CLIENT_ID,
    QUERY,
    VCT,
    YEAR,
    Held,
    Roles,
    bearer,
    create_verifier,
    trust_list_token,
)

OTHER_VCT = "https://example.se/types/other"


def installed(roles: Roles) -> dict[str, object]:
    shown = roles.client.get("/verifiers/arbetsgivaren/trust-list", headers=roles.verifier_auth)
    assert shown.status_code == 200, shown.text
    return shown.json()


def put(roles: Roles, token: str):  # noqa: ANN201
    return roles.client.put(
        "/verifiers/arbetsgivaren/trust-list",
        json={"trust_list": token},
        headers=roles.verifier_auth,
    )


def test_get_shows_the_installed_list(roles: Roles) -> None:
    token = trust_list_token(
        roles.operator_key,
        roles.clock.now(),
        [(roles.issuer["issuer"], "YH-akademin", [VCT, OTHER_VCT])],
        sequence=7,
    )
    answer = put(roles, token)
    assert answer.status_code == 200, answer.text
    shown = installed(roles)
    assert shown == answer.json()
    assert shown["sequence_number"] == 7 and shown["list_id"] == f"{BASE}/trust-lists/test"
    assert shown["operator"] == "Test operator"
    assert shown["issuers"] == [
        {"id": roles.issuer["issuer"], "name": "YH-akademin", "vcts": sorted([VCT, OTHER_VCT])}
    ]
    assert shown["token_hash"] == jose.b64url_encode(hashlib.sha256(token.encode()).digest())


def test_a_list_signed_by_an_unknown_key_is_refused_and_not_stored(roles: Roles) -> None:
    before = installed(roles)
    stranger = jose.PrivateKey.generate()
    token = trust_list_token(
        stranger, roles.clock.now(), [(roles.issuer["issuer"], "YH", [OTHER_VCT])], sequence=9
    )
    refused = put(roles, token)
    assert 400 <= refused.status_code < 500
    assert refused.json()["code"] == "trust_list_unknown_key"
    assert installed(roles) == before


def test_a_list_with_the_operators_kid_but_another_signature_is_refused(roles: Roles) -> None:
    before = installed(roles)
    document = trust_list.build_trust_list(
        list_id=f"{BASE}/trust-lists/test",
        sequence_number=9,
        issued_at=roles.clock.now() - 60,
        next_update=roles.clock.now() + YEAR,
        operator_name="Mallory",
        entities=[trust_list.issuer_entry(roles.issuer["issuer"], "YH", [OTHER_VCT])],
    )
    token = jose.sign(
        document,
        jose.PrivateKey.generate(),
        typ=trust_list.TYP_TRUST_LIST,
        header={"kid": roles.operator_key.kid},
    )
    refused = put(roles, token)
    assert 400 <= refused.status_code < 500
    assert refused.json()["code"] == "trust_list_signature_invalid"
    assert installed(roles) == before


def test_a_token_that_is_not_a_trust_list_is_refused(roles: Roles) -> None:
    before = installed(roles)
    token = jose.sign({"list_id": "x"}, roles.operator_key, typ="JWT")
    refused = put(roles, token)
    assert 400 <= refused.status_code < 500
    assert refused.json()["code"] == "trust_list_wrong_typ"
    assert installed(roles) == before


@pytest.mark.parametrize(
    ("issued_at", "next_update", "code"),
    [(-2 * YEAR, -60, "trust_list_expired"), (3600, 2 * YEAR, "trust_list_not_yet_valid")],
    ids=["expired", "not-yet-valid"],
)
def test_a_list_outside_its_validity_is_refused(
    roles: Roles, issued_at: int, next_update: int, code: str
) -> None:
    before = installed(roles)
    now = roles.clock.now()
    token = trust_list_token(
        roles.operator_key,
        now,
        [(roles.issuer["issuer"], "YH", [OTHER_VCT])],
        sequence=9,
        issued_at=now + issued_at,
        next_update=now + next_update,
    )
    refused = put(roles, token)
    assert 400 <= refused.status_code < 500
    assert refused.json()["code"] == code
    assert installed(roles) == before


def test_a_rolled_back_sequence_number_is_refused(roles: Roles) -> None:
    now = roles.clock.now()
    issuers = [(roles.issuer["issuer"], "YH-akademin", [VCT])]
    assert (
        put(roles, trust_list_token(roles.operator_key, now, issuers, sequence=5)).status_code
        == 200
    )
    before = installed(roles)
    older = trust_list_token(
        roles.operator_key, now, [(roles.issuer["issuer"], "YH", [OTHER_VCT])], sequence=4
    )
    refused = put(roles, older)
    assert 400 <= refused.status_code < 500
    assert refused.json()["code"] == "trust_list_rolled_back"
    assert installed(roles) == before
    newer = trust_list_token(roles.operator_key, now, issuers, sequence=6)
    assert put(roles, newer).status_code == 200
    assert installed(roles)["sequence_number"] == 6


def test_the_trust_list_is_the_verifiers_own(roles: Roles) -> None:
    token = trust_list_token(roles.operator_key, roles.clock.now(), [])
    missing = roles.client.put("/verifiers/arbetsgivaren/trust-list", json={"trust_list": token})
    assert missing.status_code == 401
    other = create_verifier(roles.client, "rekrytering", "Rekrytering AB", "rekrytering.example.se")
    borrowed = roles.client.put(
        "/verifiers/arbetsgivaren/trust-list",
        json={"trust_list": token},
        headers=bearer(other["api_key"]),
    )
    assert borrowed.status_code == 401
    assert roles.client.get("/verifiers/arbetsgivaren/trust-list").status_code == 401


def bare_verifier(client: TestClient) -> dict[str, str]:
    """A verifier with no trust list of its own."""
    return bearer(
        create_verifier(client, "rekrytering", "Rekrytering AB", "rekrytering.example.se")[
            "api_key"
        ]
    )


def test_without_any_trust_list_nothing_is_asked_or_verified(client: TestClient) -> None:
    auth = bare_verifier(client)
    asked = client.post(
        "/verifiers/rekrytering/requests",
        json={"dcql_query": QUERY, "purpose": "Rekrytering"},
        headers=auth,
    )
    assert asked.status_code == 503, asked.text
    assert asked.json()["code"] == "trust_list_unavailable"
    verified = client.post(
        "/verifiers/rekrytering/verify", json={"presentation": "a.b.c~"}, headers=auth
    )
    assert verified.status_code == 503 and verified.json()["code"] == "trust_list_unavailable"
    shown = client.get("/verifiers/rekrytering/trust-list", headers=auth)
    assert shown.status_code == 503 and shown.json()["code"] == "trust_list_unavailable"


def test_the_configured_default_list_serves_a_verifier_without_its_own(
    roles: Roles, app: FastAPI, tmp_path: Path, operator_key: jose.PrivateKey, clock: FixedClock
) -> None:
    default = tmp_path / "default-trust-list.jwt"
    default.write_text(
        trust_list_token(
            operator_key,
            clock.now(),
            [(roles.issuer["issuer"], "YH (standard)", [VCT])],
            sequence=3,
        )
        + "\n"
    )
    rt = app.state.runtime
    app.state.runtime = dataclasses.replace(
        rt, settings=rt.settings.model_copy(update={"verifier_trust_list": str(default)})
    )
    auth = bare_verifier(roles.client)
    shown = roles.client.get("/verifiers/rekrytering/trust-list", headers=auth)
    assert shown.status_code == 200, shown.text
    assert shown.json()["sequence_number"] == 3
    assert shown.json()["issuers"][0]["name"] == "YH (standard)"
    asked = roles.client.post(
        "/verifiers/rekrytering/requests",
        json={
            "dcql_query": QUERY,
            "purpose": "Rekrytering",
            "trusted_issuers": [roles.issuer["issuer"]],
        },
        headers=auth,
    )
    assert asked.status_code == 201, asked.text
    held = roles.issue_one()
    presentation = held.present(
        ("given_name",), nonce="n1", aud="x509_san_dns:rekrytering.example.se", iat=clock.now()
    )
    result = roles.client.post(
        "/verifiers/rekrytering/verify",
        json={"presentation": presentation, "nonce": "n1"},
        headers=auth,
    ).json()
    assert result["verdict"] == "valid", result
    assert result["issuer"]["name"] == "YH (standard)"
    # a verifier with a list of its own keeps it
    assert installed(roles)["sequence_number"] == 1


# --- an ETSI TS 119 602 List of Trusted Entities, as the Swedish wallet platform signs one -----


def _put_lote(roles: Roles, sequence: int, *entities: dict[str, object]) -> dict[str, object]:
    """A LoTE of ``entities`` signed by the operator, installed; the API's view of it."""
    now, key = roles.clock.now(), roles.operator_key
    payload = lote_samples.document(
        list(entities), issued_at=now - 60, next_update=now + YEAR, sequence=sequence
    )
    answer = put(
        roles, lote_samples.sign(payload, key, {"x5c": lote_samples.signer_x5c(key, now - 60)})
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _presented(roles: Roles, held: Held, nonce: str) -> dict[str, object]:
    presentation = held.present(("given_name",), nonce=nonce, aud=CLIENT_ID, iat=roles.clock.now())
    return roles.verify(presentation, nonce=nonce)


def test_a_lote_is_installed_and_its_issuer_verifies_end_to_end(roles: Roles) -> None:
    now = roles.clock.now()
    issuer_url = roles.issuer["issuer"]
    # The entity's certificate is the CA behind the issuer's x5c (HAIP 1.0 §6.1.1).
    certificate = ca.load_or_create(roles.client.app.state.runtime)[0]  # type: ignore[attr-defined]
    listed = lote_samples.entity(
        "YH-akademin",
        lote_samples.service(certificates=X.x5c_chain([certificate]), supply_points=[issuer_url]),
    )
    wallets = lote_samples.entity(
        "Wallet provider",
        lote_samples.service(
            certificates=X.x5c_chain([certificate]),
            service_type="http://uri.etsi.org/19602/SvcType/WalletSolution/Issuance",
        ),
    )
    payload = lote_samples.document(
        [listed, wallets], issued_at=now - 60, next_update=now + YEAR, sequence=2
    )
    key = roles.operator_key
    token = lote_samples.sign(payload, key, {"x5c": lote_samples.signer_x5c(key, now - 60)})
    answer = put(roles, token)
    assert answer.status_code == 200, answer.text
    shown = installed(roles)
    assert shown == answer.json()
    assert shown["format"] == trust_list.FORMAT_LOTE and shown["sequence_number"] == 2
    assert shown["issuers"] == [{"id": issuer_url, "name": "YH-akademin", "vcts": None}]
    assert [entry["name"] for entry in shown["skipped"]] == ["Wallet provider"]
    # Trusted for any type: the skill credential passes the trust check with no vct named.
    held = roles.issue_one()
    presentation = held.present(("given_name",), nonce="n1", aud=CLIENT_ID, iat=now)
    result = roles.verify(presentation, nonce="n1")
    assert result["verdict"] == "valid", result
    assert result["issuer"]["name"] == "YH-akademin"
    # ... and by the chain: another CA in the entity's place refuses the same credential
    other, _ = X.create_dev_ca("Another CA", now)
    stranger = lote_samples.service(certificates=X.x5c_chain([other]), supply_points=[issuer_url])
    _put_lote(roles, 3, lote_samples.entity("YH-akademin", stranger))
    result = _presented(roles, held, "n2")
    assert result["failed_check"] == "issuer_key", result


def test_a_lote_signed_by_a_stranger_is_refused_through_the_api(roles: Roles) -> None:
    before = installed(roles)
    now = roles.clock.now()
    stranger = jose.PrivateKey.generate()
    payload = lote_samples.document([], issued_at=now - 60, next_update=now + YEAR, sequence=5)
    token = lote_samples.sign(payload, stranger, {"x5c": lote_samples.signer_x5c(stranger, now)})
    refused = put(roles, token)
    assert refused.status_code == 400 and refused.json()["code"] == "trust_list_unknown_key"
    assert installed(roles) == before


def test_a_lote_issuer_named_by_its_certificate_is_found_by_the_chain(roles: Roles) -> None:
    """A PID-provider style entry: no issuer URL, only the CA behind the issuer's x5c. The
    credential's chain finds it, its leaf naming the iss; a CA nobody lists finds nothing."""
    name = "Utbildningsanordnarnas CA"
    anchor = ca.load_or_create(roles.client.app.state.runtime)[0]  # type: ignore[attr-defined]
    service = lote_samples.service(certificates=X.x5c_chain([anchor]), supply_points=[])
    shown = _put_lote(roles, 2, lote_samples.entity(name, service))
    assert shown["issuers"] == [] and shown["certified_issuers"] == [{"name": name}]
    held = roles.issue_one()
    result = _presented(roles, held, "n1")
    assert result["verdict"] == "valid", result
    assert result["issuer"] == {"id": roles.issuer["issuer"], "name": name, "trusted": True}

    other, _ = X.create_dev_ca("Another CA", roles.clock.now())
    service = lote_samples.service(certificates=X.x5c_chain([other]), supply_points=[])
    _put_lote(roles, 3, lote_samples.entity(name, service))
    result = _presented(roles, held, "n2")
    assert (result["failed_check"], result["checks"][2]["code"]) == (  # type: ignore[index]
        "issuer_key",
        "issuer_untrusted",
    )

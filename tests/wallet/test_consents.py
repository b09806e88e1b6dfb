"""Consent records (ISO/IEC TS 27560 fields per DESIGN.md), signed receipts, withdrawal, the
hash-chained transparency log (and tampering with it), and the export."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from jwcrypto import jwk, jws
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine

from tests.helpers import b64url_json
from tests.wallet.conftest import sign_up_and_in
from tests.wallet.flows import (
    PERSONAL_VALUES,
    ask_grant,
    b64url_sha256,
    holder_id,
    open_request,
    receive,
    register_service,
    rows,
    service_auth,
    share,
)
from tests.wallet.verifier_double import CLIENT_ID, VerifierDouble
from wallet.models import WalletLogEntry

RECORD_FIELDS = {
    "id",
    "schema",
    "kind",
    "state",
    "holder",
    "recipient",
    "purpose",
    "legal_basis",
    "claims_requested",
    "claims_disclosed",
    "credential_ids",
    "evidence",
    "created_at",
    "expires_at",
    "withdrawn_at",
    "events",
}


def test_the_record_names_recipient_purpose_paths_and_evidence(
    client: TestClient, issuer: dict, issuer_auth: dict, holder_auth: dict, double: VerifierDouble
) -> None:
    credential_id = receive(client, issuer, issuer_auth, holder_auth)
    consent_id, double_id = share(
        client, double, holder_auth, credential_id, [["assessment_grade"], ["skills", 1]]
    )
    record = client.get(f"/wallet/consents/{consent_id}", headers=holder_auth).json()
    assert set(record) == RECORD_FIELDS
    assert record["id"] == consent_id and record["kind"] == "single" and record["state"] == "given"
    assert "27560" in record["schema"]
    leaf_der = double.leaf.public_bytes(serialization.Encoding.DER)
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(leaf_der).digest()).rstrip(b"=").decode()
    assert record["recipient"]["client_id"] == CLIENT_ID
    assert record["recipient"]["verified"] is True
    assert record["recipient"]["organisation"] == "Testarbetsgivaren AB"
    assert record["recipient"]["certificate_thumbprint"] == thumbprint
    assert record["purpose"] == "Rekrytering"
    assert record["legal_basis"]
    assert record["claims_requested"] == [
        {
            "query": "skill",
            "required": True,
            "paths": [["given_name"], ["family_name"], ["assessment_grade"], ["skills", "*"]],
        }
    ]
    assert record["claims_disclosed"] == [
        {
            "query": "skill",
            "credential_id": credential_id,
            "paths": [["given_name"], ["family_name"], ["assessment_grade"], ["skills", 1]],
        }
    ]
    assert record["credential_ids"] == [credential_id]
    evidence = record["evidence"]
    assert evidence["request_object_hash"] == b64url_sha256(double.served[double_id])
    assert evidence["nonce"] == double.requests[double_id]["nonce"]
    assert evidence["vp_token_hash"] == b64url_sha256(double.received[double_id].raw_vp_token)
    assert [e["event"] for e in record["events"]] == ["given", "presented"]
    text = json.dumps(record, ensure_ascii=False)
    for value in (*PERSONAL_VALUES, "alva@example.se", '"VG"', "Agile methods"):
        assert value not in text


def test_the_pseudonym_is_pairwise(
    client: TestClient,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
    double: VerifierDouble,
    engine: Engine,
) -> None:
    credential_id = receive(client, issuer, issuer_auth, holder_auth)
    first, _ = share(client, double, holder_auth, credential_id)
    second, _ = share(client, double, holder_auth, credential_id)
    service = register_service(client)
    asked = ask_grant(client, service).json()["id"]
    grant = client.post(
        f"/wallet/grant-requests/{asked}/approve",
        json={"credentials": {"skill": {"credential_id": credential_id}}},
        headers=holder_auth,
    )
    bo = sign_up_and_in(client, "bo@example.se")
    bo_consent, _ = share(client, double, bo, receive(client, issuer, issuer_auth, bo))

    def holder_of(consent_id: str, auth: dict) -> str:
        return client.get(f"/wallet/consents/{consent_id}", headers=auth).json()["holder"]

    same = holder_of(first, holder_auth)
    assert same == holder_of(second, holder_auth)  # stable for the same recipient
    assert (
        holder_of(grant.json()["id"], holder_auth) != same
    )  # another recipient, another pseudonym
    assert holder_of(bo_consent, bo) != same  # another holder, same recipient
    alva = holder_id(engine, "alva@example.se")
    for forbidden in ("alva", "199001010017", "19900101-0017", alva, CLIENT_ID):
        assert forbidden not in same


def test_the_receipt_verifies_against_the_published_keys(
    client: TestClient, issuer: dict, issuer_auth: dict, holder_auth: dict, double: VerifierDouble
) -> None:
    consent_id, _ = share(
        client, double, holder_auth, receive(client, issuer, issuer_auth, holder_auth)
    )
    answer = client.get(f"/wallet/consents/{consent_id}/receipt", headers=holder_auth)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/consent-receipt+jwt")
    token = answer.text
    header = b64url_json(token.split(".")[0])
    assert header["typ"] == "consent-receipt+jwt" and header["alg"] in ("ES256", "EdDSA")
    keys = jwk.JWKSet.from_json(client.get("/wallet/jwks.json").text)
    key = keys.get_key(header["kid"])
    assert key is not None and not key.has_private
    checked = jws.JWS()
    checked.deserialize(token)
    checked.verify(key, alg=header["alg"])
    payload = json.loads(checked.payload)
    record = client.get(f"/wallet/consents/{consent_id}", headers=holder_auth).json()
    assert payload["consent"] == record
    assert payload["sub"] == record["holder"] and payload["jti"] == consent_id
    assert payload["iss"] == "http://localhost:8000/wallet"
    assert (
        payload["log_head"] == client.get("/wallet/log/verify", headers=holder_auth).json()["head"]
    )
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    spoiled = jws.JWS()
    spoiled.deserialize(tampered)
    try:
        spoiled.verify(key, alg=header["alg"])
    except jws.InvalidJWSSignature:
        pass
    else:
        raise AssertionError("a tampered receipt verified")


def test_withdrawal_is_recorded_once(
    client: TestClient, issuer: dict, issuer_auth: dict, holder_auth: dict, double: VerifierDouble
) -> None:
    consent_id, _ = share(
        client, double, holder_auth, receive(client, issuer, issuer_auth, holder_auth)
    )
    withdrawn = client.post(f"/wallet/consents/{consent_id}/withdraw", headers=holder_auth)
    assert withdrawn.status_code == 200, withdrawn.text
    record = withdrawn.json()
    assert record["state"] == "withdrawn" and record["withdrawn_at"] is not None
    assert [e["event"] for e in record["events"]] == ["given", "presented", "withdrawn"]
    latest = client.get("/wallet/log", headers=holder_auth).json()["entries"][0]
    assert latest["event"] == "consent_withdrawn" and latest["entry"]["consent_id"] == consent_id
    again = client.post(f"/wallet/consents/{consent_id}/withdraw", headers=holder_auth)
    assert again.status_code == 409 and again.json()["code"] == "consent_not_active"
    receipt = client.get(f"/wallet/consents/{consent_id}/receipt", headers=holder_auth).text
    assert b64url_json(receipt.split(".")[1])["consent"]["state"] == "withdrawn"


def test_a_refusal_is_recorded_with_what_was_asked(
    client: TestClient, issuer: dict, issuer_auth: dict, holder_auth: dict, double: VerifierDouble
) -> None:
    receive(client, issuer, issuer_auth, holder_auth)
    view, double_id = open_request(client, double, holder_auth)
    consent_id = client.post(
        f"/wallet/presentation-requests/{view['id']}/deny", headers=holder_auth
    ).json()["consent_id"]
    record = client.get(f"/wallet/consents/{consent_id}", headers=holder_auth).json()
    assert record["state"] == "refused" and [e["event"] for e in record["events"]] == ["refused"]
    assert record["claims_disclosed"] == [] and record["credential_ids"] == []
    assert record["claims_requested"][0]["paths"] == [
        ["given_name"],
        ["family_name"],
        ["assessment_grade"],
        ["skills", "*"],
    ]
    assert record["evidence"]["request_object_hash"] == b64url_sha256(double.served[double_id])
    assert (
        double.received[double_id].error == "access_denied"
        and double.received[double_id].vp_token is None
    )


def _a_full_history(
    client: TestClient, issuer: dict, issuer_auth: dict, auth: dict, double: VerifierDouble
) -> None:
    """Received, requested, shared, denied, withdrawn, share failed, deleted, grant asked,
    approved, pulled, pull refused, grant denied, receipt failed."""
    credential_id = receive(client, issuer, issuer_auth, auth)
    spare = receive(client, issuer, issuer_auth, auth)
    consent_id, _ = share(
        client, double, auth, credential_id, [["assessment_grade"], ["skills", 0]]
    )
    view, _ = open_request(client, double, auth)
    assert (
        client.post(f"/wallet/presentation-requests/{view['id']}/deny", headers=auth).status_code
        == 200
    )
    assert client.post(f"/wallet/consents/{consent_id}/withdraw", headers=auth).status_code == 200
    double.response_status = 400
    view, _ = open_request(client, double, auth)
    assert (
        client.post(
            f"/wallet/presentation-requests/{view['id']}/approve",
            json={"credentials": {"skill": {"credential_id": credential_id}}},
            headers=auth,
        ).status_code
        == 502
    )
    double.response_status = 200
    assert client.delete(f"/wallet/credentials/{spare}", headers=auth).status_code == 204
    service = register_service(client)
    asked = ask_grant(client, service).json()["id"]
    grant = client.post(
        f"/wallet/grant-requests/{asked}/approve",
        json={"credentials": {"skill": {"credential_id": credential_id}}},
        headers=auth,
    ).json()
    assert (
        client.post(
            f"/wallet/grants/{asked}/presentations",
            json={"nonce": "n-1"},
            headers=service_auth(service),
        ).status_code
        == 200
    )
    assert client.post(f"/wallet/consents/{grant['id']}/withdraw", headers=auth).status_code == 200
    assert (
        client.post(
            f"/wallet/grants/{asked}/presentations",
            json={"nonce": "n-2"},
            headers=service_auth(service),
        ).status_code
        == 403
    )
    other = ask_grant(client, service).json()["id"]
    assert client.post(f"/wallet/grant-requests/{other}/deny", headers=auth).status_code == 204
    failed = client.post(
        "/wallet/offers",
        json={
            "offer": "openid-credential-offer://?credential_offer="
            "%7B%22credential_issuer%22%3A%22http%3A%2F%2F10.0.0.1%2Fx%22%2C%22credential_configuration_ids"
            "%22%3A%5B%22s%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-"
            "authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22c%22%7D%7D%7D"
        },
        headers=auth,
    )
    assert failed.status_code == 403, failed.text


EVERY_EVENT = {
    "credential_received",
    "credential_receipt_failed",
    "credential_deleted",
    "presentation_requested",
    "shared",
    "share_failed",
    "denied",
    "consent_withdrawn",
    "grant_requested",
    "grant_approved",
    "grant_denied",
    "pulled",
    "pull_refused",
}


def test_the_log_has_every_event_with_claim_names_and_no_values(
    client: TestClient, issuer: dict, issuer_auth: dict, holder_auth: dict, double: VerifierDouble
) -> None:
    _a_full_history(client, issuer, issuer_auth, holder_auth, double)
    page = client.get("/wallet/log", headers=holder_auth)
    assert page.status_code == 200
    entries = page.json()["entries"]
    assert {e["event"] for e in entries} == EVERY_EVENT
    assert [e["seq"] for e in entries] == list(range(len(entries), 0, -1))
    shared = next(e for e in entries if e["event"] == "shared")["entry"]
    assert shared["claims"][0]["paths"] == [
        ["given_name"],
        ["family_name"],
        ["assessment_grade"],
        ["skills", 0],
    ]
    assert shared["recipient"] == "Testarbetsgivaren AB" and shared["purpose"] == "Rekrytering"
    failed = next(e for e in entries if e["event"] == "share_failed")["entry"]
    assert failed["reason"] == "verifier_rejected_presentation"
    refused = next(e for e in entries if e["event"] == "pull_refused")["entry"]
    assert refused["reason"] == "grant_withdrawn"
    text = page.text
    for value in (*PERSONAL_VALUES, "Agila metoder", "C#", '"VG"', "alva@example.se"):
        assert value not in text
    check = client.get("/wallet/log/verify", headers=holder_auth).json()
    assert (
        check["valid"] is True
        and check["entries"] == len(entries)
        and check["first_bad_seq"] is None
    )
    paged = client.get("/wallet/log?limit=5", headers=holder_auth).json()
    assert [e["seq"] for e in paged["entries"]] == [e["seq"] for e in entries[:5]]
    rest = client.get(
        f"/wallet/log?before={paged['next_before']}&limit=500", headers=holder_auth
    ).json()
    assert [e["seq"] for e in rest["entries"]] == [e["seq"] for e in entries[5:]]


def _log_seqs(engine: Engine, holder: str) -> list[int]:
    return [
        r[0]
        for r in rows(
            engine, "SELECT seq FROM wallet_log WHERE holder_id = :h ORDER BY seq", h=holder
        )
    ]


def _shared_history(
    client: TestClient, issuer: dict, issuer_auth: dict, auth: dict, double: VerifierDouble
) -> None:
    credential_id = receive(client, issuer, issuer_auth, auth)
    consent_id, _ = share(client, double, auth, credential_id)
    client.post(f"/wallet/consents/{consent_id}/withdraw", headers=auth)


def test_a_changed_log_row_is_found(
    client: TestClient,
    engine: Engine,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
    double: VerifierDouble,
) -> None:
    _shared_history(client, issuer, issuer_auth, holder_auth, double)
    alva = holder_id(engine, "alva@example.se")
    assert _log_seqs(engine, alva) == [1, 2, 3, 4]
    (entry,) = [
        r[0]
        for r in rows(
            engine, "SELECT entry FROM wallet_log WHERE holder_id = :h AND seq = 3", h=alva
        )
    ]
    changed = json.loads(entry) if isinstance(entry, str) else dict(entry)
    changed["recipient"] = "Någon annan AB"
    table = WalletLogEntry.__table__
    with engine.begin() as connection:
        connection.execute(
            update(table).where(table.c.holder_id == alva, table.c.seq == 3).values(entry=changed)
        )
    check = client.get("/wallet/log/verify", headers=holder_auth).json()
    assert check["valid"] is False and check["first_bad_seq"] == 3 and check["reason"]


def test_a_row_changed_with_its_hash_recomputed_is_found_at_the_next_link(
    client: TestClient,
    engine: Engine,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
    double: VerifierDouble,
) -> None:
    _shared_history(client, issuer, issuer_auth, holder_auth, double)
    alva = holder_id(engine, "alva@example.se")
    (prev_hash, at, event, entry) = rows(
        engine,
        "SELECT prev_hash, at, event, entry FROM wallet_log WHERE holder_id = :h AND seq = 2",
        h=alva,
    )[0]
    changed = json.loads(entry) if isinstance(entry, str) else dict(entry)
    changed["purpose"] = "Något helt annat"
    canonical = json.dumps(
        {"seq": 2, "at": at, "event": event, "entry": changed},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    forged = hashlib.sha256(prev_hash.encode() + canonical.encode()).hexdigest()
    table = WalletLogEntry.__table__
    with engine.begin() as connection:
        connection.execute(
            update(table)
            .where(table.c.holder_id == alva, table.c.seq == 2)
            .values(entry=changed, hash=forged)
        )
    check = client.get("/wallet/log/verify", headers=holder_auth).json()
    assert check["valid"] is False and check["first_bad_seq"] == 3


def test_a_deleted_middle_row_is_found(
    client: TestClient,
    engine: Engine,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
    double: VerifierDouble,
) -> None:
    _shared_history(client, issuer, issuer_auth, holder_auth, double)
    bo = sign_up_and_in(client, "bo@example.se")
    _shared_history(client, issuer, issuer_auth, bo, double)
    alva = holder_id(engine, "alva@example.se")
    table = WalletLogEntry.__table__
    with engine.begin() as connection:
        connection.execute(delete(table).where(table.c.holder_id == alva, table.c.seq == 2))
    check = client.get("/wallet/log/verify", headers=holder_auth).json()
    assert check["valid"] is False and check["first_bad_seq"] == 2
    assert client.get("/wallet/log/verify", headers=bo).json()["valid"] is True  # per holder


def test_the_export_is_exactly_the_holders_data(
    client: TestClient, issuer: dict, issuer_auth: dict, holder_auth: dict, double: VerifierDouble
) -> None:
    _a_full_history(client, issuer, issuer_auth, holder_auth, double)
    bo = sign_up_and_in(client, "bo@example.se")
    bo_credential = receive(client, issuer, issuer_auth, bo, given_name="Bo")
    bo_consent, _ = share(client, double, bo, bo_credential)
    answer = client.get("/wallet/export", headers=holder_auth)
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.headers["cache-control"] == "no-store"
    exported = answer.json()
    assert exported["account"]["username"] == "alva@example.se"
    credentials = client.get("/wallet/credentials", headers=holder_auth).json()
    assert [c["id"] for c in exported["credentials"]] == [c["id"] for c in credentials]
    assert exported["credentials"][0]["claims"]["given_name"] == "Alva"
    assert exported["credentials"][0]["credential"].count("~") >= 2  # the SD-JWT as issued
    consents = client.get("/wallet/consents", headers=holder_auth).json()
    assert exported["consents"] == consents
    log = client.get("/wallet/log?limit=500", headers=holder_auth).json()["entries"]
    assert [e["seq"] for e in exported["log"]] == [e["seq"] for e in reversed(log)]
    assert [e["hash"] for e in exported["log"]] == [e["hash"] for e in reversed(log)]
    assert exported["log_check"]["valid"] is True
    text = answer.text
    assert bo_credential not in text and bo_consent not in text and "bo@example.se" not in text
    assert '"Bo"' not in text

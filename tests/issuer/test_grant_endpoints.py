"""The deferred credential endpoint (OpenID4VCI 1.0 §9) and the notification endpoint (§11)
over HTTP, with the access token of a pre-authorized code (DPoP-bound)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from jwcrypto import jwk
from sqlmodel import Session, select

from core import jose
from core.runtime import Runtime
from issuer import deferred, notifications, records, service
from issuer.models import IssuerIssuance, RecordState
from tests.helpers import learner_claims, public_jwk
from tests.issuer.support import Protocol, decode_part, new_key, oauth_error


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    """The test's own session; each helper ends its transaction (``session.close()``), so no
    read lock of the test's is held while the app writes (SQLite)."""
    with Session(runtime.engine) as session:
        yield session


def dpop_token(protocol: Protocol) -> tuple[str, str]:
    """A DPoP-bound access token (of ``protocol.dpop_key``) and its grant."""
    offer = protocol.offer()
    redeemed = protocol.redeem(offer, dpop=True)
    assert redeemed.status_code == 200, redeemed.text
    return str(redeemed.json()["access_token"]), f"offer:{offer['offer_id']}"


def call(
    protocol: Protocol, endpoint: str, token: str, body: object, key: jwk.JWK | None = None
) -> httpx.Response:
    url = f"{protocol.issuer}/{endpoint}"
    proof = protocol.dpop(htu=url, access_token=token, key=key)
    headers = {"Authorization": f"DPoP {token}", "DPoP": proof}
    return protocol.client.post(url, json=body, headers=headers)


def deferral(
    session: Session, runtime: Runtime, protocol: Protocol, bound_to: str
) -> tuple[str, str, jwk.JWK]:
    """A pending record and a ``transaction_id`` for it, given to ``bound_to``."""
    tenant = service.tenant_by_slug(session, protocol.slug)
    made = records.create_record(
        session, runtime, tenant, learner_claims(assessment_grade=None), idempotency_key=None
    )
    assert made.state == RecordState.PENDING
    holder = new_key()
    transaction_id = deferred.new_deferral(
        session,
        runtime,
        tenant,
        made.record_id,
        [jose.PublicKey.from_jwk(public_jwk(holder))],
        bound_to=bound_to,
    )
    session.commit()
    session.close()
    return made.record_id, transaction_id, holder


def complete(session: Session, runtime: Runtime, protocol: Protocol, record_id: str) -> None:
    tenant = service.tenant_by_slug(session, protocol.slug)
    records.complete_record(session, runtime, tenant, record_id, {"assessment_grade": "VG"})
    session.close()


def test_oid4vci_9_pending_then_completed_then_issued_once(
    protocol: Protocol, session: Session, runtime: Runtime
) -> None:
    token, grant = dpop_token(protocol)
    record_id, transaction_id, holder = deferral(session, runtime, protocol, grant)

    pending = call(protocol, "deferred_credential", token, {"transaction_id": transaction_id})
    assert pending.status_code == 202, pending.text
    assert pending.json() == {
        "transaction_id": transaction_id,
        "interval": deferred.DEFERRAL_INTERVAL,
    }
    assert pending.headers["cache-control"] == "no-store"

    complete(session, runtime, protocol, record_id)
    issued = call(protocol, "deferred_credential", token, {"transaction_id": transaction_id})
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert set(body) == {"credentials", "notification_id"}
    [credential] = [c["credential"] for c in body["credentials"]]
    cnf = decode_part(credential, 1)["cnf"]["jwk"]  # type: ignore[index]
    assert jose.jwk_thumbprint(cnf) == jose.PublicKey.from_jwk(public_jwk(holder)).kid

    again = call(protocol, "deferred_credential", token, {"transaction_id": transaction_id})
    oauth_error(again, 400, "invalid_transaction_id")  # §9.1: issued once


def test_oid4vci_9_3_transaction_id_of_another_grant_is_invalid(
    protocol: Protocol, session: Session, runtime: Runtime
) -> None:
    _, grant = dpop_token(protocol)
    mallory, _ = dpop_token(protocol)
    _, transaction_id, _ = deferral(session, runtime, protocol, grant)
    refused = call(protocol, "deferred_credential", mallory, {"transaction_id": transaction_id})
    oauth_error(refused, 400, "invalid_transaction_id")
    unknown = call(protocol, "deferred_credential", mallory, {"transaction_id": "x" * 43})
    assert unknown.json() == refused.json()
    missing = call(protocol, "deferred_credential", mallory, {})
    oauth_error(missing, 400, "invalid_credential_request")


def test_rejects_deferred_and_notification_with_dpop_proof_of_another_key(
    protocol: Protocol, session: Session, runtime: Runtime
) -> None:
    token, grant = dpop_token(protocol)
    _, transaction_id, _ = deferral(session, runtime, protocol, grant)
    body = {"transaction_id": transaction_id}
    stolen = call(protocol, "deferred_credential", token, body, key=new_key())
    assert stolen.status_code == 401, stolen.text
    assert stolen.json()["error"] == "invalid_dpop_proof"
    as_bearer = protocol.client.post(
        f"{protocol.issuer}/deferred_credential",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    oauth_error(as_bearer, 401, "invalid_token")
    note = {"notification_id": "x" * 43, "event": "credential_accepted"}
    stolen_note = call(protocol, "notification", token, note, key=new_key())
    assert stolen_note.status_code == 401, stolen_note.text
    # the rightful key still works: the refused requests spent nothing
    assert call(protocol, "deferred_credential", token, body).status_code == 202


def test_oid4vci_8_3_credential_response_has_a_notification_id_the_wallet_reports(
    protocol: Protocol, session: Session, runtime: Runtime
) -> None:
    offer = protocol.offer()
    token = str(protocol.redeem(offer, dpop=True).json()["access_token"])
    issued = protocol.issue(token, [new_key()], dpop=True)
    assert issued.status_code == 200, issued.text
    notification_id = issued.json()["notification_id"]
    # the access token is spent at the credential endpoint, and still good for §11
    reported = call(
        protocol,
        "notification",
        token,
        {
            "notification_id": notification_id,
            "event": "credential_failure",
            "event_description": "Could not store the credential",
        },
    )
    assert reported.status_code == 204, reported.text
    assert reported.content == b""
    tenant = service.tenant_by_slug(session, protocol.slug)
    [issuance] = session.exec(
        select(IssuerIssuance).where(IssuerIssuance.offer_id == offer["offer_id"])
    ).all()
    [event] = notifications.events(session, tenant, [issuance.id])
    assert (event.event, event.description) == (
        "credential_failure",
        "Could not store the credential",
    )


def test_oid4vci_11_notification_of_a_record_is_shown_to_staff(
    protocol: Protocol, session: Session, runtime: Runtime
) -> None:
    token, grant = dpop_token(protocol)
    record_id, transaction_id, _ = deferral(session, runtime, protocol, grant)
    complete(session, runtime, protocol, record_id)
    issued = call(protocol, "deferred_credential", token, {"transaction_id": transaction_id})
    notification_id = issued.json()["notification_id"]
    note = {"notification_id": notification_id, "event": "credential_accepted"}
    assert call(protocol, "notification", token, note).status_code == 204
    assert call(protocol, "notification", token, note).status_code == 204  # §11: idempotent
    listed = protocol.client.get(f"/issuers/{protocol.slug}/admin/records", headers=protocol.auth)
    assert listed.status_code == 200, listed.text
    [shown] = [r for r in listed.json()["records"] if r["id"] == record_id]
    assert shown["collected"] == 1
    assert [(n["event"], n["description"]) for n in shown["notifications"]] == [
        ("credential_accepted", None)
    ]


def test_oid4vci_11_3_bad_event_and_unknown_id_are_refused(protocol: Protocol) -> None:
    offer = protocol.offer()
    token = str(protocol.redeem(offer, dpop=True).json()["access_token"])
    notification_id = protocol.issue(token, [new_key()], dpop=True).json()["notification_id"]
    for body in (
        {"notification_id": notification_id, "event": "credential_lost"},
        {"notification_id": notification_id},
        {"event": "credential_accepted"},
        {
            "notification_id": notification_id,
            "event": "credential_failure",
            "event_description": '"',
        },
        ["not", "an", "object"],
    ):
        oauth_error(
            call(protocol, "notification", token, body), 400, "invalid_notification_request"
        )
    other_token = str(protocol.redeem(protocol.offer(), dpop=True).json()["access_token"])
    for token_, id_ in ((token, "x" * 43), (other_token, notification_id)):
        unknown = {"notification_id": id_, "event": "credential_accepted"}
        oauth_error(call(protocol, "notification", token_, unknown), 400, "invalid_notification_id")


def test_an_expired_access_token_is_refused_at_both_endpoints(
    protocol: Protocol, session: Session, runtime: Runtime
) -> None:
    token, grant = dpop_token(protocol)
    _, transaction_id, _ = deferral(session, runtime, protocol, grant)
    protocol.clock.advance(runtime.settings.access_token_ttl_seconds)
    expired = call(protocol, "deferred_credential", token, {"transaction_id": transaction_id})
    oauth_error(expired, 401, "invalid_token")
    note = {"notification_id": "x" * 43, "event": "credential_accepted"}
    oauth_error(call(protocol, "notification", token, note), 401, "invalid_token")

"""The wallet reports to the issuer what became of a credential (OpenID4VCI 1.0 §11):
``credential_accepted`` once stored, ``credential_failure`` when its checks refuse it,
``credential_deleted`` when the holder deletes it while the access token is valid. Asserted
on what the issuer stored, over HTTP in one process."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from core.clock import FixedClock
from core.runtime import Runtime
from issuer import notifications, service
from issuer.models import IssuerIssuance
from tests.wallet.flows import intercept, make_offer
from tests.wallet.test_receive_errors import _replace, _tamper_credential


def issuer_events(runtime: Runtime, slug: str, offer_id: str) -> list[tuple[str, str | None]]:
    """The notifications the issuer stored for the credential response of an offer."""
    with Session(runtime.engine) as session:
        tenant = service.tenant_by_slug(session, slug)
        issuances = session.exec(
            select(IssuerIssuance).where(IssuerIssuance.offer_id == offer_id)
        ).all()
        found = notifications.events(session, tenant, [i.id for i in issuances])
        return [(e.event, e.description) for e in found]


def receive(client: TestClient, made: dict, holder_auth: dict) -> httpx.Response:
    return client.post(
        "/wallet/offers", json={"offer": made["credential_offer"]}, headers=holder_auth
    )


def test_oid4vci_11_wallet_sends_credential_accepted_then_credential_deleted(
    client: TestClient,
    runtime: Runtime,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
) -> None:
    made = make_offer(client, issuer, issuer_auth)
    received = receive(client, made, holder_auth)
    assert received.status_code == 201, received.text
    assert issuer_events(runtime, issuer["slug"], made["offer_id"]) == [
        ("credential_accepted", None)
    ]
    deleted = client.delete(f"/wallet/credentials/{received.json()['id']}", headers=holder_auth)
    assert deleted.status_code == 204, deleted.text
    assert issuer_events(runtime, issuer["slug"], made["offer_id"]) == [
        ("credential_accepted", None),
        ("credential_deleted", None),
    ]


def test_oid4vci_11_no_credential_deleted_once_the_access_token_expired(
    client: TestClient,
    runtime: Runtime,
    clock: FixedClock,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
) -> None:
    made = make_offer(client, issuer, issuer_auth)
    received = receive(client, made, holder_auth)
    assert received.status_code == 201, received.text
    clock.advance(runtime.settings.access_token_ttl_seconds + 1)
    deleted = client.delete(f"/wallet/credentials/{received.json()['id']}", headers=holder_auth)
    assert deleted.status_code == 204, deleted.text
    assert issuer_events(runtime, issuer["slug"], made["offer_id"]) == [
        ("credential_accepted", None)
    ]


def test_oid4vci_11_wallet_sends_credential_failure_for_a_credential_it_refuses(
    app: FastAPI,
    client: TestClient,
    runtime: Runtime,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
) -> None:
    made = make_offer(client, issuer, issuer_auth)
    with intercept(app, _tamper_credential):
        refused = receive(client, made, holder_auth)
    assert refused.status_code == 502 and refused.json()["code"] == "credential_rejected"
    [(event, description)] = issuer_events(runtime, issuer["slug"], made["offer_id"])
    assert event == "credential_failure" and description


def test_a_failing_notification_endpoint_never_fails_the_receipt(
    app: FastAPI,
    client: TestClient,
    runtime: Runtime,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
    caplog: pytest.LogCaptureFixture,
) -> None:
    made = make_offer(client, issuer, issuer_auth)
    with (
        caplog.at_level(logging.INFO, "intyg.wallet"),
        intercept(app, _replace("/notification", b'{"error": "server_error"}', 500)),
    ):
        received = receive(client, made, holder_auth)
    assert received.status_code == 201, received.text
    assert issuer_events(runtime, issuer["slug"], made["offer_id"]) == []
    [record] = [r for r in caplog.records if r.name == "intyg.wallet.notifications"]
    assert record.getMessage() == "localhost:8000 answered 500 to credential_accepted"

"""The status a holder sees: ``GET /wallet/credentials`` (the list) and
``GET /wallet/credentials/{id}`` (the card) both look the credential up in the issuer's status
list, through the same status-list cache (per list, honouring its ``ttl``), and so say the same
— without the card having to be opened first. A list that cannot be fetched leaves both at
the last known status, and the list still answers ``200``."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.clock import FixedClock
from tests.wallet.flows import intercept, receive

STATUS_LIST_TTL = 300  # INTYG_STATUS_LIST_TTL_SECONDS: how long the wallet may keep a list


@dataclass
class Holding:
    """A holder, the issuer of their credentials, and the clock."""

    app: FastAPI
    client: TestClient
    clock: FixedClock
    issuer: dict[str, str]
    issuer_auth: dict[str, str]
    holder_auth: dict[str, str]

    def receive(self) -> str:
        return receive(self.client, self.issuer, self.issuer_auth, self.holder_auth)

    def change_status(self, action: str) -> None:
        """``action`` (revoke, suspend, reinstate) at the issuer, for every credential."""
        slug, auth = self.issuer["slug"], self.issuer_auth
        issued = self.client.get(f"/issuers/{slug}/admin/credentials", headers=auth).json()
        for credential in issued["credentials"]:
            changed = self.client.post(
                f"/issuers/{slug}/admin/credentials/{credential['id']}/{action}", headers=auth
            )
            assert changed.status_code == 200, changed.text

    def listed(self) -> dict[str, dict[str, object]]:
        answer = self.client.get("/wallet/credentials", headers=self.holder_auth)
        assert answer.status_code == 200, answer.text
        return {c["id"]: c for c in answer.json()}

    def card(self, credential_id: str) -> dict[str, object]:
        answer = self.client.get(f"/wallet/credentials/{credential_id}", headers=self.holder_auth)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def holding(
    app: FastAPI,
    client: TestClient,
    clock: FixedClock,
    issuer: dict[str, str],
    issuer_auth: dict[str, str],
    holder_auth: dict[str, str],
) -> Holding:
    return Holding(app, client, clock, issuer, issuer_auth, holder_auth)


def status_lists(seen: list[str], *, reachable: bool = True):  # noqa: ANN201
    """An ``intercept`` handler that notes each status-list request (and refuses it)."""

    def handler(request: httpx.Request, forward) -> httpx.Response:  # noqa: ANN001
        if "/status-lists/" in request.url.path:
            seen.append(request.url.path)
            if not reachable:
                raise httpx.ConnectError("connection refused", request=request)
        return forward(request)

    return handler


@pytest.mark.parametrize(
    ("action", "shown"), [("revoke", "INVALID"), ("suspend", "SUSPENDED")], ids=str
)
def test_the_list_shows_a_status_change_without_the_card_being_opened(
    holding: Holding, action: str, shown: str
) -> None:
    credential_id = holding.receive()
    assert holding.listed()[credential_id]["status"] == "VALID"

    holding.change_status(action)
    holding.clock.advance(STATUS_LIST_TTL + 1)  # the wallet's copy of the list has run out

    summary = holding.listed()[credential_id]
    now = holding.clock.now()
    assert (summary["status"], summary["status_checked_at"]) == (shown, now)
    opened = holding.card(credential_id)
    assert (opened["status"], opened["status_checked_at"]) == (shown, now)


def test_the_list_honours_the_status_lists_ttl_like_the_card(holding: Holding) -> None:
    credential_id = holding.receive()
    holding.change_status("suspend")
    holding.clock.advance(STATUS_LIST_TTL - 1)  # the list read on arrival is still fresh

    assert holding.listed()[credential_id]["status"] == "VALID"
    assert holding.card(credential_id)["status"] == "VALID"
    holding.clock.advance(2)
    assert holding.listed()[credential_id]["status"] == "SUSPENDED"

    holding.change_status("reinstate")
    holding.clock.advance(STATUS_LIST_TTL + 1)
    assert holding.card(credential_id)["status"] == "VALID"
    assert holding.listed()[credential_id]["status"] == "VALID"


def test_each_status_list_is_fetched_once_per_listing(holding: Holding) -> None:
    ids = [holding.receive() for _ in range(3)]
    holding.change_status("revoke")
    holding.clock.advance(STATUS_LIST_TTL + 1)
    fetched: list[str] = []

    with intercept(holding.app, status_lists(fetched)):
        statuses = {i: c["status"] for i, c in holding.listed().items()}

    assert statuses == dict.fromkeys(ids, "INVALID")
    assert len(fetched) == 1


def test_an_unreachable_status_list_leaves_the_last_known_status_in_list_and_card(
    holding: Holding,
) -> None:
    ids = [holding.receive() for _ in range(2)]
    checked_on_arrival = holding.listed()[ids[0]]["status_checked_at"]
    holding.change_status("revoke")
    holding.clock.advance(STATUS_LIST_TTL + 1)
    attempts: list[str] = []

    with intercept(holding.app, status_lists(attempts, reachable=False)):
        summaries = holding.listed()
        assert len(attempts) == 1  # one try for the list, not one per credential
        opened = holding.card(ids[0])

    for credential_id in ids:
        summary = summaries[credential_id]
        assert (summary["status"], summary["status_checked_at"]) == ("VALID", checked_on_arrival)
    assert (opened["status"], opened["status_checked_at"]) == ("VALID", checked_on_arrival)

"""Issuer to wallet, in one process over HTTP: an offer lands in the wallet, is shown as a
card, and a revocation at the issuer shows as revoked in the wallet's view."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import learner_claims


def offer(
    client: TestClient, issuer: dict[str, str], auth: dict[str, str], tx: bool = True
) -> dict:
    made = client.post(
        f"/issuers/{issuer['slug']}/admin/offers",
        json={"claims": learner_claims(), "tx_code": tx},
        headers=auth,
    )
    assert made.status_code == 201, made.text
    return made.json()


def test_offer_lands_in_wallet_and_revocation_shows(
    client: TestClient,
    issuer: dict[str, str],
    issuer_auth: dict[str, str],
    holder_auth: dict[str, str],
) -> None:
    made = offer(client, issuer, issuer_auth)
    received = client.post(
        "/wallet/offers",
        json={"offer": made["credential_offer"], "tx_code": made["tx_code"]},
        headers=holder_auth,
    )
    assert received.status_code == 201, received.text
    card = received.json()
    assert card["issuer"] == issuer["issuer"] and card["issuer_name"] == "YH-akademin"
    assert card["status"] == "VALID"
    assert card["claims"]["given_name"] == "Alva"
    assert [s["label"]["sv"] for s in card["claims"]["skills"]] == ["C#", "Agila metoder", "SQL"]
    assert {"sv-SE", "en-US"} <= {d["locale"] for d in card["display"]}

    listed = client.get("/wallet/credentials", headers=holder_auth).json()
    assert [c["id"] for c in listed] == [card["id"]]

    again = client.post(
        "/wallet/offers",
        json={"offer": made["credential_offer"], "tx_code": made["tx_code"]},
        headers=holder_auth,
    )
    assert again.status_code == 410 and again.json()["code"] == "offer_unavailable"

    issued = client.get(f"/issuers/{issuer['slug']}/admin/credentials", headers=issuer_auth).json()
    credential_id = issued["credentials"][0]["id"]
    assert (
        client.post(
            f"/issuers/{issuer['slug']}/admin/credentials/{credential_id}/revoke",
            headers=issuer_auth,
        ).status_code
        == 200
    )
    from wallet.service.receiving import STATUS_LISTS

    STATUS_LISTS.forget()  # the wallet honours the list's ttl; skip the wait in the test
    view = client.get(f"/wallet/credentials/{card['id']}", headers=holder_auth)
    assert view.status_code == 200 and view.json()["status"] == "INVALID"


def test_wrong_tx_code_stores_nothing(
    client: TestClient,
    issuer: dict[str, str],
    issuer_auth: dict[str, str],
    holder_auth: dict[str, str],
) -> None:
    made = offer(client, issuer, issuer_auth)
    wrong = "000000" if made["tx_code"] != "000000" else "111111"
    refused = client.post(
        "/wallet/offers",
        json={"offer": made["credential_offer"], "tx_code": wrong},
        headers=holder_auth,
    )
    assert refused.status_code == 400 and refused.json()["code"] == "issuer_refused"
    assert client.get("/wallet/credentials", headers=holder_auth).json() == []
    ok = client.post(
        "/wallet/offers",
        json={"offer": made["credential_offer"], "tx_code": made["tx_code"]},
        headers=holder_auth,
    )
    assert ok.status_code == 201, ok.text

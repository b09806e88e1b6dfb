"""Find issued credentials and change their status with a reason kept in the issuer's log."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from core.clock import FixedClock
from tests.helpers import PRE_AUTH, learner_claims
from tests.issuer.support import Protocol, local, new_key
from tests.issuer.test_status_lists import credential_id, status_of
from tests.issuer_pages.conftest import Browser


def issued(protocol: Protocol, row_id: str | None = None) -> str:
    """A credential issued through the protocol; its offer made with ``row_id`` as key."""
    made = protocol.client.post(
        f"/issuers/{protocol.slug}/admin/offers",
        json={"claims": learner_claims(), "idempotency_key": row_id},
        headers=protocol.auth,
    )
    assert made.status_code == 201, made.text
    document = protocol.client.get(local(made.json()["credential_offer_uri"])).json()
    offer = {"code": document["grants"][PRE_AUTH]["pre-authorized_code"]}
    token = protocol.redeem(offer).json()["access_token"]
    response = protocol.issue(token, [new_key()])
    assert response.status_code == 200, response.text
    return str(response.json()["credentials"][0]["credential"])


def ids_on(page: str) -> list[str]:
    return re.findall(r'href="/issuers/yh-akademin/credentials/([0-9a-f-]{36})"', page)


def test_find_by_row_id_status_and_date(
    browser: Browser, protocol: Protocol, clock: FixedClock
) -> None:
    first = credential_id(protocol, issued(protocol, "student-0042"))
    clock.advance(3 * 86400)
    second = credential_id(protocol, issued(protocol))
    browser.sign_in("anna")  # three days later
    everything = browser.client.get(f"{browser.base}/credentials")
    assert everything.status_code == 200
    assert ids_on(everything.text) == [second, first]  # newest first

    by_row = browser.client.get(f"{browser.base}/credentials", params={"row_id": "student-0042"})
    assert ids_on(by_row.text) == [first] and "student-0042" in by_row.text

    day = datetime.fromtimestamp(clock.now(), UTC).date().isoformat()
    by_date = browser.client.get(
        f"{browser.base}/credentials", params={"issued_from": day, "issued_to": day}
    )
    assert ids_on(by_date.text) == [second]

    protocol.client.post(
        f"/issuers/{protocol.slug}/admin/credentials/{first}/suspend", headers=protocol.auth
    )
    suspended = browser.client.get(f"{browser.base}/credentials", params={"status": "suspended"})
    assert ids_on(suspended.text) == [first]
    valid = browser.client.get(f"{browser.base}/credentials", params={"status": "valid"})
    assert ids_on(valid.text) == [second]

    bad = browser.client.get(f"{browser.base}/credentials", params={"issued_from": "31/12/2026"})
    assert bad.status_code == 422 and 'id="f-issued_from-error"' in bad.text


def test_pages_of_results(browser: Browser, protocol: Protocol, clock: FixedClock) -> None:
    from issuer.pages.credentials import PAGE_SIZE

    made = []
    for _ in range(PAGE_SIZE + 2):
        made.append(credential_id(protocol, issued(protocol)))
        clock.advance(1)
    first = browser.client.get(f"{browser.base}/credentials")
    second = browser.client.get(f"{browser.base}/credentials", params={"page": 2})
    assert len(ids_on(first.text)) == PAGE_SIZE and 'rel="next"' in first.text
    assert ids_on(second.text) == list(reversed(made))[PAGE_SIZE:]


def test_revoke_asks_for_a_reason_then_changes_the_status_list_and_logs_who_and_why(
    browser: Browser, protocol: Protocol
) -> None:
    credential = issued(protocol, "student-7")
    cid = credential_id(protocol, credential)
    detail = browser.client.get(f"{browser.base}/credentials/{cid}")
    assert detail.status_code == 200 and 'id="action-revoke"' in detail.text
    confirm = browser.client.get(f"{browser.base}/credentials/{cid}/revoke")
    assert confirm.status_code == 200 and 'name="reason"' in confirm.text

    no_reason = browser.post(f"{browser.base}/credentials/{cid}/revoke", {"reason": "  "})
    assert no_reason.status_code == 422 and 'id="f-reason-error"' in no_reason.text
    assert status_of(protocol, credential) == 0  # nothing changed

    done = browser.post(
        f"{browser.base}/credentials/{cid}/revoke", {"reason": "Fusk vid examinationen"}
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{browser.base}/credentials/{cid}?notice=revoke"
    assert status_of(protocol, credential) == 1  # INVALID in the served status list

    history = browser.client.get(done.headers["location"])
    rows = re.search(r'<table id="history".*?</table>', history.text, re.S)
    assert rows and "Återkallat" in rows.group(0)
    assert "anna" in rows.group(0) and "Fusk vid examinationen" in rows.group(0)
    assert 'id="action-' not in history.text  # revocation is final: no more actions
    assert "Intyget är återkallat." in history.text


def test_suspend_then_reinstate_through_the_pages(browser: Browser, protocol: Protocol) -> None:
    credential = issued(protocol)
    cid = credential_id(protocol, credential)
    browser.post(f"{browser.base}/credentials/{cid}/suspend", {"reason": "Utreds"})
    assert status_of(protocol, credential) == 2
    browser.post(f"{browser.base}/credentials/{cid}/reinstate", {"reason": "Utrett"})
    assert status_of(protocol, credential) == 0
    page = browser.client.get(f"{browser.base}/credentials/{cid}").text
    assert page.index("Utreds") < page.index("Utrett")


def test_the_api_path_logs_its_changes_as_api(
    browser: Browser, protocol: Protocol, app_client: TestClient
) -> None:
    cid = credential_id(protocol, issued(protocol))
    changed = app_client.post(
        f"/issuers/{protocol.slug}/admin/credentials/{cid}/suspend", headers=protocol.auth
    )
    assert changed.status_code == 200 and changed.json()["status"] == "SUSPENDED"
    history = browser.client.get(f"{browser.base}/credentials/{cid}").text
    rows = re.search(r'<table id="history".*?</table>', history, re.S)
    assert rows and ">api<" in rows.group(0)


def test_another_issuers_credential_is_not_found_here(
    browser: Browser, protocol: Protocol, runtime: object
) -> None:
    cid = credential_id(protocol, issued(protocol))
    from core.runtime import Runtime
    from intyg.app import create_app
    from tests.issuer_pages.conftest import BASE_URL

    assert isinstance(runtime, Runtime)
    with TestClient(create_app(runtime=runtime), base_url=BASE_URL) as client:
        bosse = Browser(client, "annan-skola")
        bosse.sign_in("bosse")
        assert client.get(f"/issuers/annan-skola/credentials/{cid}").status_code == 404
        refused = bosse.post(f"/issuers/annan-skola/credentials/{cid}/revoke", {"reason": "x"})
        assert refused.status_code == 404
    assert status_of(protocol, issued(protocol)) == 0

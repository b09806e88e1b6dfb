"""The hosted wallet collects with eID through the authorization code flow (OpenID4VCI 1.0 §5,
§8, §9, §11; RFC 9126 PAR, RFC 7636 PKCE, RFC 9207 ``iss``, RFC 9449 DPoP), in one process
whose outbound HTTP reaches itself, against a real OpenID Connect provider (npm
``oidc-provider``, ``tests/oidc_provider``) as the issuer's eID broker. The test plays the
browser: wallet → issuer's authorize → sign-in at the provider → issuer's callback → wallet's
callback.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from core.clock import FixedClock
from core.runtime import Runtime
from intyg.app import create_app
from tests.issuer.test_authcode import ANNA, EID_CALLBACK, SECRET, SLUG, USERS, put_records
from tests.issuer.test_authcode import snapshot as _snapshot
from tests.oidc_provider import harness
from tests.wallet.conftest import BASE

ISSUER = f"{BASE}/issuers/{SLUG}"
CALLBACK = "/wallet/collect/callback"


@pytest.fixture
def clock() -> FixedClock:
    """The provider runs on the real clock: so does Intyg here (ID tokens are checked by it)."""
    return FixedClock(int(time.time()))


class _SplitTransport(httpx.BaseTransport):
    """Requests to ``BASE`` reach the app in process; others (the provider) the network."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.network = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if f"{request.url.scheme}://{request.url.netloc.decode()}" != BASE:
            return self.network.handle_request(request)
        with TestClient(self.app, base_url=BASE) as inner:
            answer = inner.send(request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    def close(self) -> None:
        self.network.close()


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    holder: dict[str, FastAPI] = {}

    def split_client() -> httpx.Client:
        return httpx.Client(transport=_SplitTransport(holder["app"]), timeout=60)

    holder["app"] = create_app(runtime=dataclasses.replace(runtime, http=split_client))
    return holder["app"]


@pytest.fixture(scope="module")
def provider() -> Iterator[harness.Provider]:
    client = {
        "client_id": "intyg",
        "client_secret": SECRET,
        "redirect_uris": [EID_CALLBACK],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    with harness.start([client], USERS) as started:
        yield started


@pytest.fixture
def records(
    client: TestClient,
    issuer: dict[str, str],
    issuer_auth: dict[str, str],
    provider: harness.Provider,
) -> dict[str, str]:
    connection = {
        "discovery_url": provider.discovery_url,
        "client_id": "intyg",
        "auth_method": "client_secret_basic",
        "client_secret": SECRET,
    }
    response = client.put(f"/issuers/{SLUG}/admin/eid", json=connection, headers=issuer_auth)
    assert response.status_code == 200, response.text
    return put_records(client, issuer_auth)


@pytest.fixture
def browser(client: TestClient, holder_auth: dict[str, str]) -> TestClient:
    """The holder's browser: the page session cookie holds the same session as the API's."""
    token = holder_auth["Authorization"].removeprefix("Bearer ")
    client.cookies.set("intyg_wallet_session", token)
    return client


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    return {k: v for k, v in _snapshot(engine).items() if k != "wallet_session"}


def start(browser: TestClient, holder_auth: dict[str, str]) -> str:
    started = browser.post("/wallet/collect", json={"issuer": ISSUER}, headers=holder_auth)
    assert started.status_code == 201, started.text
    url = started.json()["authorization_url"]
    assert url.startswith(f"{ISSUER}/authorize?")
    return str(url)


def sign_in(browser: TestClient, provider: harness.Provider, url: str) -> dict[str, str]:
    """Authorize at the issuer, sign in at the provider: the authorization response."""
    authorize = browser.get(url.removeprefix(BASE), follow_redirects=False)
    assert authorize.status_code == 303, authorize.text
    back = provider.login(authorize.headers["location"], "anna")
    answer = browser.get(f"/issuers/{SLUG}/eid/callback", params=back, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(BASE + CALLBACK + "?")
    return dict(parse_qsl(urlsplit(location).query))


def come_back(browser: TestClient, params: dict[str, str]) -> httpx.Response:
    return browser.get(f"{CALLBACK}?{urlencode(params)}", follow_redirects=False)


def credentials(client: TestClient, holder_auth: dict[str, str]) -> list[dict[str, object]]:
    listed = client.get("/wallet/credentials", headers=holder_auth)
    assert listed.status_code == 200, listed.text
    return list(listed.json())


def test_collects_a_ready_record_then_the_pending_one_by_polling(
    browser: TestClient,
    holder_auth: dict[str, str],
    issuer_auth: dict[str, str],
    provider: harness.Provider,
    records: dict[str, str],
    clock: FixedClock,
) -> None:
    params = sign_in(browser, provider, start(browser, holder_auth))
    assert params["iss"] == ISSUER and "code" in params
    back = come_back(browser, params)
    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/wallet?notice=collected_pending"
    [ready] = credentials(browser, holder_auth)
    assert ready["issuer"] == ISSUER
    # the pending record: still not ready, then completed by the provider, then collected
    polled = browser.post("/wallet/collect/poll", headers=holder_auth)
    assert polled.status_code == 200, polled.text
    assert polled.json() == {"credential_ids": [], "pending": 1}
    completed = browser.patch(
        f"/issuers/{SLUG}/admin/records/{records['pending']}",
        json={"claims": {"assessment_grade": "G"}},
        headers=issuer_auth,
    )
    assert completed.status_code == 200, completed.text
    clock.advance(301)  # the access token (300 s) has expired: the refresh token is used
    polled = browser.post("/wallet/collect/poll", headers=holder_auth)
    assert polled.status_code == 200, polled.text
    assert polled.json()["pending"] == 0 and len(polled.json()["credential_ids"]) == 1
    assert len(credentials(browser, holder_auth)) == 2
    assert browser.post("/wallet/collect/poll", headers=holder_auth).json() == {
        "credential_ids": [],
        "pending": 0,
    }
    # §11: the issuer recorded both acceptances
    listed = browser.get(f"/issuers/{SLUG}/admin/records", headers=issuer_auth).json()
    mine = [r for r in listed["records"] if r["id"] in (records["ready"], records["pending"])]
    assert all("credential_accepted" in str(r) for r in mine), mine


def test_rejects_a_callback_with_another_state(
    browser: TestClient,
    holder_auth: dict[str, str],
    provider: harness.Provider,
    records: dict[str, str],
    engine: Engine,
) -> None:
    params = sign_in(browser, provider, start(browser, holder_auth))
    before = snapshot(engine)
    answer = come_back(browser, params | {"state": "an-attackers-state"})
    assert answer.status_code == 422
    assert "Inloggningen hör inte till en hämtning" in answer.text  # collect_state_mismatch
    assert params["code"] not in answer.text  # the one-time code is never echoed
    assert snapshot(engine) == before
    assert credentials(browser, holder_auth) == []


def test_rejects_a_callback_with_another_iss(
    browser: TestClient,
    holder_auth: dict[str, str],
    provider: harness.Provider,
    records: dict[str, str],
    engine: Engine,
) -> None:
    params = sign_in(browser, provider, start(browser, holder_auth))
    before = snapshot(engine)
    answer = come_back(browser, params | {"iss": f"{BASE}/issuers/another"})
    assert answer.status_code == 422
    assert "kom inte från utfärdaren du valde" in answer.text  # collect_iss_mismatch
    assert snapshot(engine) == before
    # the genuine answer still works: nothing was spent by the refusal
    assert come_back(browser, params).status_code == 303


def test_an_access_denied_answer_collects_nothing(
    browser: TestClient,
    holder_auth: dict[str, str],
    records: dict[str, str],
    engine: Engine,
) -> None:
    url = start(browser, holder_auth)
    authorize = browser.get(url.removeprefix(BASE), follow_redirects=False)
    assert authorize.status_code == 303
    denied = browser.get(
        f"/issuers/{SLUG}/eid/callback",
        params={"error": "access_denied", "state": "from-the-broker"},
        follow_redirects=False,
    )
    params = dict(parse_qsl(urlsplit(denied.headers["location"]).query))
    assert params["error"] == "access_denied"
    before = snapshot(engine)
    answer = come_back(browser, params)
    assert answer.status_code == 403
    assert "avbröts eller nekades" in answer.text  # collect_access_denied
    assert snapshot(engine) == before
    assert credentials(browser, holder_auth) == []


def test_rejects_a_replayed_callback_code(
    browser: TestClient,
    holder_auth: dict[str, str],
    provider: harness.Provider,
    records: dict[str, str],
    engine: Engine,
) -> None:
    params = sign_in(browser, provider, start(browser, holder_auth))
    assert come_back(browser, params).status_code == 303
    before = snapshot(engine)
    replayed = come_back(browser, params)
    assert replayed.status_code == 422
    assert snapshot(engine) == before
    assert len(credentials(browser, holder_auth)) == 1


def test_the_code_of_another_holders_sign_in_is_refused(
    browser: TestClient,
    client: TestClient,
    holder_auth: dict[str, str],
    provider: harness.Provider,
    records: dict[str, str],
) -> None:
    """Login CSRF / code injection: Anna's answer carried to another holder's session."""
    params = sign_in(browser, provider, start(browser, holder_auth))
    from tests.wallet.conftest import sign_up_and_in

    other = sign_up_and_in(client, "mallory@example.se")
    client.cookies.set(
        "intyg_wallet_session",
        other["Authorization"].removeprefix("Bearer "),
    )
    assert come_back(client, params).status_code == 422
    assert credentials(client, other) == []
    assert ANNA not in str(params)

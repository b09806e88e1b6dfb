"""The education provider's portal: who may open it, the home page, and the routes it must
not shadow."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core.pages.security import CSRF_FIELD
from core.runtime import Runtime
from intyg.app import create_app
from tests.issuer_pages.conftest import BASE_URL, Browser

PAGES = (
    "",
    "/issue",
    "/batches",
    "/credentials",
    "/credentials/00000000-0000-4000-8000-000000000000",
    "/batches/00000000-0000-4000-8000-000000000000",
)


def test_every_page_but_sign_in_redirects_to_sign_in_when_not_signed_in(
    app_client: TestClient, issuers: dict[str, dict[str, str]]
) -> None:
    for page in PAGES:
        response = app_client.get(f"/issuers/yh-akademin{page}", follow_redirects=False)
        assert response.status_code == 303, page
        assert response.headers["location"].startswith("/issuers/yh-akademin/sign-in?next=")
    sign_in = app_client.get("/issuers/yh-akademin/sign-in")
    assert sign_in.status_code == 200 and "YH-akademin" in sign_in.text


def test_home_shows_the_issuer_and_its_sections(browser: Browser) -> None:
    home = browser.client.get(browser.base)
    assert home.status_code == 200
    assert "<h1>YH-akademin</h1>" in home.text
    for link in ("/issue", "/batches", "/credentials"):
        assert f'href="/issuers/yh-akademin{link}"' in home.text
    assert "anna" in home.text  # who is signed in, with the sign-out form
    assert 'action="/issuers/yh-akademin/sign-out"' in home.text


def test_another_issuers_staff_is_refused(
    runtime: Runtime, issuers: dict[str, dict[str, str]]
) -> None:
    with TestClient(create_app(runtime=runtime), base_url=BASE_URL) as client:
        bo = Browser(client, "annan-skola")
        bo.sign_in("bosse")
        assert client.get("/issuers/annan-skola").status_code == 200
        # bo's session, sent to yh-akademin's pages (the cookie's path would not even go
        # there in a browser: send it by hand), is no session of yh-akademin's staff
        token = client.cookies.get("intyg_issuer_staff", path="/issuers/annan-skola")
        assert token
        for page in PAGES:
            response = client.get(
                f"/issuers/yh-akademin{page}",
                headers={"cookie": f"intyg_issuer_staff={token}"},
                follow_redirects=False,
            )
            assert response.status_code == 303, page
            assert "/issuers/yh-akademin/sign-in" in response.headers["location"]
        # and a staff member cannot sign in to another issuer with their password
        other = client.post(
            "/issuers/yh-akademin/sign-in",
            data={
                CSRF_FIELD: bo.token("/issuers/yh-akademin/sign-in"),
                "username": "bosse",
                "password": "correct horse battery staple",
            },
            follow_redirects=False,
        )
        assert other.status_code == 401


def test_the_protocol_and_metadata_routes_are_not_shadowed(
    app_client: TestClient, issuers: dict[str, dict[str, str]]
) -> None:
    metadata = app_client.get("/.well-known/openid-credential-issuer/issuers/yh-akademin")
    assert metadata.status_code == 200 and metadata.json()["credential_issuer"]
    nonce = app_client.post("/issuers/yh-akademin/nonce")
    assert nonce.status_code == 200 and "c_nonce" in nonce.json()
    offer = app_client.get("/issuers/yh-akademin/offers/00000000-0000-4000-8000-000000000000")
    assert offer.headers["content-type"].startswith("application/problem+json")
    listing = app_client.get("/issuers/yh-akademin/admin/credentials")
    assert listing.status_code == 401  # the API, not a page


def test_an_unknown_issuer_is_a_not_found_page(app_client: TestClient) -> None:
    response = app_client.get("/issuers/no-such-school", follow_redirects=False)
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]


def test_a_form_without_the_csrf_token_is_refused(browser: Browser) -> None:
    response = browser.client.post(
        f"{browser.base}/issue", data={"given_name": "Alva"}, follow_redirects=False
    )
    assert response.status_code == 403 and "csrf_failed" in response.text

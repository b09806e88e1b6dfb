"""The staff sign-in pages every tenant's pages share (``core.pages.staff``): signing in and
out, the same page for a wrong password and an unknown user, CSRF, and the session cookie's
flags and scope."""

from __future__ import annotations

import dataclasses
import re
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from core.clock import FixedClock
from core.db import session_scope
from core.errors import NotFound
from core.pages import Pages, page_route
from core.pages.security import CSRF_FIELD, SecurityHeadersMiddleware
from core.pages.staff import SignedInStaff, StaffPortal
from core.runtime import Runtime
from core.staff import service

PASSWORD = "correct horse battery staple"
TENANTS = {"acme": ("tenant-acme", "Acme Utbildning AB"), "other": ("tenant-other", "Other AB")}
BASE = "http://localhost:8000"


def tenant_of(session: Session, slug: str) -> tuple[str, str]:
    del session
    if slug not in TENANTS:
        raise NotFound(f"no issuer {slug!r}")
    return TENANTS[slug]


# What a role's page package does, once, at import.
pages = Pages()
portal = StaffPortal(pages, "issuer", "/issuers/{slug}", tenant_of)
StaffDep = Annotated[SignedInStaff, Depends(portal.current_staff)]


def portal_app(runtime: Runtime) -> FastAPI:
    router = APIRouter(route_class=page_route(pages))
    portal.add_sign_in_routes(router)

    @router.get("/issuers/{slug}", include_in_schema=False)
    def home(staff: StaffDep) -> HTMLResponse:
        return HTMLResponse(f"home of {staff.name} at {staff.tenant_name}")

    @router.get("/issuers/{slug}/offers", include_in_schema=False)
    def offers(staff: StaffDep) -> HTMLResponse:
        return HTMLResponse(f"offers for {staff.account.username}")

    app = FastAPI()
    app.state.runtime = runtime
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(router)
    return app


@pytest.fixture
def staff(runtime: Runtime) -> None:
    with session_scope(runtime.engine) as session:
        service.create_account(session, runtime, "issuer", "tenant-acme", "ada", PASSWORD, "Ada L")
        service.create_account(session, runtime, "issuer", "tenant-other", "ada", PASSWORD)


@pytest.fixture
def client(runtime: Runtime, staff: None) -> TestClient:
    return TestClient(portal_app(runtime), base_url=BASE)


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in(
    client: TestClient, username: str = "ada", password: str = PASSWORD, next_path: str = ""
) -> Response:
    page = client.get("/issuers/acme/sign-in")
    assert page.status_code == 200
    form = {CSRF_FIELD: csrf(page.text), "username": username, "password": password}
    return client.post(
        "/issuers/acme/sign-in", data={**form, "next": next_path}, follow_redirects=False
    )


def test_a_page_needing_staff_sends_the_browser_to_sign_in_and_back(client: TestClient) -> None:
    away = client.get("/issuers/acme/offers?page=2", follow_redirects=False)
    assert away.status_code == 303
    asked = "/issuers/acme/sign-in?next=%2Fissuers%2Facme%2Foffers%3Fpage%3D2"
    assert away.headers["location"] == asked
    form = client.get(away.headers["location"])
    assert form.status_code == 200 and "Acme Utbildning AB" in form.text
    assert 'name="next" value="/issuers/acme/offers?page=2"' in form.text
    assert 'autocomplete="current-password"' in form.text and 'for="f-password"' in form.text
    signed_in = sign_in(client, next_path="/issuers/acme/offers?page=2")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/issuers/acme/offers?page=2"
    assert client.get("/issuers/acme/offers").text == "offers for ada"
    assert client.get("/issuers/acme").text == "home of Ada L at Acme Utbildning AB"


@pytest.mark.parametrize(
    "next_path",
    [
        "",
        "https://evil.example/",
        "//evil.example/x",
        "/wallet",
        "/issuers/other",
        "/issuers/acmex",
        "/issuers/acme/sign-in",
    ],
)
def test_after_sign_in_only_this_tenants_pages_are_a_destination(
    client: TestClient, next_path: str
) -> None:
    signed_in = sign_in(client, next_path=next_path)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/issuers/acme"


def test_the_session_cookie_is_httponly_lax_and_scoped_to_the_tenant(client: TestClient) -> None:
    cookie = sign_in(client).headers["set-cookie"]
    assert cookie.startswith("intyg_issuer_staff=intyg_staff_")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path=/issuers/acme", "samesite=lax"} <= flags
    assert "secure" not in flags  # plain http on loopback in development
    assert not any(flag.startswith(("expires", "max-age")) for flag in flags)
    # another tenant's pages do not get the cookie, so they ask for sign-in again
    other = client.get("/issuers/other", follow_redirects=False)
    assert other.status_code == 303 and other.headers["location"].startswith(
        "/issuers/other/sign-in"
    )


def test_the_cookie_is_secure_behind_a_public_https_url(runtime: Runtime, staff: None) -> None:
    settings = runtime.settings.model_copy(update={"public_url": "https://intyg.example"})
    app = portal_app(dataclasses.replace(runtime, settings=settings))
    client = TestClient(app, base_url="https://intyg.example")
    cookie = sign_in(client).headers["set-cookie"]
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}
    assert client.get("/issuers/acme").status_code == 200


def test_a_wrong_password_and_an_unknown_user_get_the_same_page(client: TestClient) -> None:
    wrong = sign_in(client, password="not the right password")
    unknown = sign_in(client, username="nobody")
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert "text/html" in answer.headers["content-type"]
        assert "Fel användarnamn eller lösenord" in answer.text
        assert (
            "set-cookie" not in answer.headers
            or "intyg_issuer_staff" not in answer.headers["set-cookie"]
        )
        assert PASSWORD not in answer.text and "not the right password" not in answer.text
    assert 'value="nobody"' in unknown.text  # the username is kept, the password is not
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", wrong.text) == strip.sub("", unknown.text)


def test_too_many_failures_give_a_429_page(client: TestClient, clock: FixedClock) -> None:
    for _ in range(5):
        assert sign_in(client, password="not the right password").status_code == 401
    locked = sign_in(client)
    assert locked.status_code == 429 and "För många misslyckade inloggningar" in locked.text
    clock.advance(15 * 60 + 1)
    assert sign_in(client).status_code == 303


def test_a_sign_in_form_without_the_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/issuers/acme/sign-in")
    refused = client.post("/issuers/acme/sign-in", data={"username": "ada", "password": PASSWORD})
    assert refused.status_code == 403 and "csrf_failed" in refused.text
    assert client.get("/issuers/acme", follow_redirects=False).status_code == 303


def test_an_unknown_tenant_is_a_404_page(client: TestClient) -> None:
    missing = client.get("/issuers/nobody/sign-in")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]


def test_sign_out_ends_the_session_and_forgets_the_cookie(client: TestClient) -> None:
    sign_in(client)
    token = client.cookies.get("intyg_issuer_staff")
    assert token and client.get("/issuers/acme").status_code == 200
    page = client.get("/issuers/acme/sign-in")
    no_token = client.post("/issuers/acme/sign-out", data={}, follow_redirects=False)
    assert no_token.status_code == 403  # sign-out is a form too
    out = client.post(
        "/issuers/acme/sign-out", data={CSRF_FIELD: csrf(page.text)}, follow_redirects=False
    )
    assert out.status_code == 303
    assert out.headers["location"] == "/issuers/acme/sign-in?notice=signed_out"
    assert 'intyg_issuer_staff=""' in out.headers["set-cookie"]
    assert "path=/issuers/acme" in out.headers["set-cookie"].lower()
    assert "Du är utloggad." in client.get(out.headers["location"]).text
    assert client.get("/issuers/acme", follow_redirects=False).status_code == 303
    # the old token is dead on the server, not just forgotten by this browser
    replay = TestClient(client.app, base_url=BASE, cookies={"intyg_issuer_staff": token})
    assert replay.get("/issuers/acme", follow_redirects=False).status_code == 303


def test_an_idle_session_sends_the_browser_back_to_sign_in(
    client: TestClient, clock: FixedClock
) -> None:
    sign_in(client)
    assert client.get("/issuers/acme").status_code == 200
    clock.advance(30 * 60)
    idle = client.get("/issuers/acme", follow_redirects=False)
    assert idle.status_code == 303 and "/issuers/acme/sign-in" in idle.headers["location"]

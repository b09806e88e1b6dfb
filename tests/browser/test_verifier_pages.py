"""The employer's pages in Chromium, each checked by axe-core at desktop and phone width:
sign-in (with a failure), templates (a mistake shown beside its field, then saved, edited,
deleted), a request, the history, and a pasted credential that does not verify."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from intyg.commands.demo import (
    DEMO_VERIFIER_SLUG,
    DEMO_VERIFIER_STAFF,
    DEMO_WALLET_USER,
    DemoSetup,
)
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, NewPage
from tests.browser.harness import assert_accessible
from tests.browser.roles import api, offer, sign_in_staff

BASE = f"/verifiers/{DEMO_VERIFIER_SLUG}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_verifier_page(
    new_page: NewPage, demo_setup: DemoSetup, viewport: tuple[int, int]
) -> None:
    page = new_page(viewport=viewport)
    sign_in_staff(page, BASE, DEMO_VERIFIER_STAFF, "not the password")
    expect(page.get_by_role("alert")).to_have_text("Fel användarnamn eller lösenord")
    assert_accessible(page)
    sign_in_staff(page, BASE, DEMO_VERIFIER_STAFF, demo_setup.verifier_staff_password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Be om ett intyg")
    assert_accessible(page)

    page.get_by_role("link", name="Ny förfrågningsmall").click()
    assert_accessible(page)
    page.get_by_label("Syfte").fill("Rekrytering")
    page.get_by_role("button", name="Spara").click()  # no name: the error beside the field
    expect(page.locator("#f-name-error")).to_be_visible()
    expect(page.get_by_label("Syfte")).to_have_value("Rekrytering")
    assert_accessible(page)
    page.get_by_label("Namn", exact=True).fill("Utvecklare")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_contain_text("sparad")

    page.get_by_role("link", name="Ändra").first.click()
    assert_accessible(page)
    page.goto(BASE)
    page.get_by_role("button", name="Starta en förfrågan").first.click()
    expect(page.locator("#result")).to_have_attribute("data-outcome", "pending")
    assert_accessible(page)

    page.goto(f"{BASE}/history")
    expect(page.locator("main")).to_contain_text("Utvecklare")
    assert_accessible(page)

    page.goto(f"{BASE}/check")
    assert_accessible(page)
    page.get_by_label("Intyg eller presentation").fill("eyJhbGciOiJub25lIn0.e30.~")
    page.get_by_role("button", name="Kontrollera").click()
    expect(page.locator("#result")).to_have_attribute("data-outcome", "invalid")
    assert_accessible(page)

    page.goto(BASE)
    page.get_by_role("link", name="Ta bort").first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Ta bort").click()
    expect(page.get_by_role("status")).to_contain_text("borttagen")


def test_a_wallet_in_the_same_browser_brings_the_answer_back(
    new_page: NewPage, demo_setup: DemoSetup, live_server: LiveServer
) -> None:
    """HAIP 1.0 §5.1, OpenID4VP 1.0 §14.2: the employer's page and the holder's wallet in one
    browser; the wallet's redirect brings the one-time code back in the fragment, the page's
    script hands it over, and only then is the answer shown."""
    with api(live_server) as client:
        signed_in = client.post(
            "/wallet/sessions",
            json={"username": DEMO_WALLET_USER, "password": demo_setup.wallet_password},
        )
        holder = {"Authorization": f"Bearer {signed_in.json()['token']}"}
        received = client.post(
            "/wallet/offers", json={"offer": offer(live_server, demo_setup)}, headers=holder
        )
        assert received.status_code == 201, received.text

    page = new_page(viewport=DESKTOP)
    sign_in_staff(page, BASE, DEMO_VERIFIER_STAFF, demo_setup.verifier_staff_password)
    page.get_by_role("link", name="Ny förfrågningsmall").click()
    page.get_by_label("Namn", exact=True).fill("Samma enhet")
    page.get_by_label("Syfte").fill("Rekrytering")
    page.get_by_role("button", name="Spara").click()
    page.get_by_role("button", name="Starta en förfrågan").first.click()
    page.locator("#hosted-wallet-link").click()
    page.get_by_label("Användarnamn").fill(DEMO_WALLET_USER)  # the wallet's sign-in
    page.get_by_label("Lösenord").fill(demo_setup.wallet_password)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("button", name="Öppna begäran").click()
    page.locator("#approve").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delat")
    page.locator("#back-to-verifier").click()
    expect(page.locator("#result")).to_have_attribute("data-outcome", "valid")
    assert "/history/" in page.url and "response_code" not in page.url
    assert_accessible(page)

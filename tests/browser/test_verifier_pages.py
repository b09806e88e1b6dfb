"""The employer's pages in Chromium, each checked by axe-core at desktop and phone width:
sign-in (with a failure), templates (a mistake shown beside its field, then saved, edited,
deleted), a request, the history, and a pasted credential that does not verify."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from intyg.commands.demo import DEMO_VERIFIER_SLUG, DEMO_VERIFIER_STAFF, DemoSetup
from tests.browser.conftest import DESKTOP, PHONE, NewPage
from tests.browser.harness import assert_accessible
from tests.browser.roles import sign_in_staff

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

"""The start page in a real browser: its language (the browser's, then the reader's choice,
remembered), its security headers, and its accessibility at desktop and phone widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.db import session_scope
from core.pages.i18n import LANGUAGE_COOKIE
from issuer import service as issuer_service
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, NewPage
from tests.browser.harness import assert_accessible, axe_violations, csp_violations


def test_swedish_by_default(page: Page) -> None:
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen till Intyg")
    expect(page).to_have_title("Välkommen till Intyg · Intyg")


def test_english_when_the_browser_asks_for_english(new_page: NewPage) -> None:
    page = new_page(locale="en-GB", viewport=DESKTOP)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Intyg")


def test_the_language_switch_is_remembered(page: Page) -> None:
    page.goto("/")
    switch = page.get_by_role("link", name="English")
    expect(switch).to_have_attribute("lang", "en")  # the link's own text is English
    switch.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Intyg")
    assert page.url.endswith("/")  # back on the page the reader was on

    page.reload()  # a new request: the choice is a cookie, not the URL
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Intyg")
    cookie = next(c for c in page.context.cookies() if c["name"] == LANGUAGE_COOKIE)
    assert cookie["value"] == "en"
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.get_by_role("link", name="Svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")


def test_the_start_page_is_served_with_its_security_headers(page: Page) -> None:
    response = page.goto("/")
    assert response is not None and response.status == 200
    headers = response.all_headers()
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("locale", ["sv-SE", "en-GB"])
def test_the_start_page_is_accessible(
    new_page: NewPage, live_server: LiveServer, viewport: tuple[int, int], locale: str
) -> None:
    with session_scope(live_server.runtime.engine) as session:
        issuer_service.create_issuer(
            session,
            live_server.runtime,
            slug="yh",
            name="YH-akademin",
            organisation_number="5560000001",
        )
    page = new_page(locale=locale, viewport=viewport)
    page.goto("/")
    expect(page.get_by_role("link", name="YH-akademin")).to_be_visible()
    assert_accessible(page)


def test_the_page_does_not_scroll_sideways_on_a_phone(new_page: NewPage) -> None:
    page = new_page(viewport=PHONE)
    page.goto("/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_the_accessibility_check_finds_what_it_should(page: Page) -> None:
    """The check itself: axe really runs in the page, and the browser really reports what
    the CSP refuses (an image without text, an inline script added by a test)."""
    page.goto("/")
    page.evaluate(
        """() => {
            const img = document.createElement('img');
            img.src = '/static/intyg.css';
            document.querySelector('main').append(img);
            const script = document.createElement('script');
            script.textContent = 'window.inlineRan = true';
            document.body.append(script);
        }"""
    )
    assert "image-alt" in {v["id"] for v in axe_violations(page)}
    assert page.evaluate("window.inlineRan === undefined")  # refused by the CSP
    page.wait_for_function("window.inlineRan === undefined")  # a round trip: console events in
    assert csp_violations(page), "the refused inline script was not reported"
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_error_page_is_accessible(new_page: NewPage, viewport: tuple[int, int]) -> None:
    page = new_page(locale="en-GB", viewport=viewport)
    response = page.goto("/lang/xx")  # a page route's refusal: the shared error layout
    assert response is not None and response.status == 400
    expect(page.locator("body")).to_have_class("error-page")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The form is missing a field or has one that does not fit"
    )
    assert_accessible(page)


def test_the_keyboard_skips_to_the_content(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown while focused, off-screen otherwise
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

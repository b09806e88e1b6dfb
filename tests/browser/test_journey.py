"""The whole journey in Chromium, with the demo's own accounts (so the sign-ins the demo
prints are proven to work): the provider's staff issues with the form → the learner receives
by link (and the one-time code) → the employer starts a request → the learner approves with
one optional claim → the employer's page shows valid with exactly that claim → the provider
revokes → a new request shows the credential revoked."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from core.config import Settings
from intyg.commands.demo import (
    DEMO_ISSUER_STAFF,
    DEMO_VERIFIER_SLUG,
    DEMO_VERIFIER_STAFF,
    DEMO_WALLET_USER,
    DemoSetup,
)
from tests.browser.conftest import DESKTOP, PHONE, NewPage
from tests.browser.harness import assert_accessible
from tests.browser.roles import sign_in_staff

JOBTECH_CSHARP = "https://data.jobtechdev.se/taxonomy/concept/Nwqv_Fbd_c3X"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Status lists that verifiers may cache for a second only (the demo's setting too): a
    revocation is seen by the next request."""
    return settings.model_copy(update={"status_list_ttl_seconds": 1})


def issue(provider: Page, setup: DemoSetup) -> tuple[str, str]:
    base = f"/issuers/{setup.issuer_slug}"
    sign_in_staff(provider, base, DEMO_ISSUER_STAFF, setup.issuer_staff_password)
    provider.get_by_role("link", name="Utfärda ett intyg").first.click()
    provider.get_by_label("Förnamn").fill("Alva")
    provider.get_by_label("Efternamn").fill("Lindqvist")
    provider.locator("#f-row_id").fill("elev-2026-17")
    provider.get_by_label("Benämning", exact=True).fill("Mjukvaruutvecklare .NET")
    provider.locator("#f-achievement_kind").select_option("programme")
    provider.locator("#f-assessment_grade").fill("VG")
    provider.locator("#f-skills-0-label_sv").fill("C#")
    provider.locator("#f-skills-0-id").fill(JOBTECH_CSHARP)
    provider.locator("#f-jobtech_taxonomy").fill("22")
    provider.locator("#issue-submit").click()
    link = provider.locator("#offer-link").inner_text().strip()
    code = provider.locator("#tx-code").inner_text().strip()
    assert link.startswith("openid-credential-offer://")
    return link, code


def receive(learner: Page, setup: DemoSetup, link: str, code: str) -> None:
    learner.goto("/wallet")  # → sign-in, then back
    learner.get_by_label("Användarnamn").fill(DEMO_WALLET_USER)
    learner.get_by_label("Lösenord").fill(setup.wallet_password)
    learner.get_by_role("button", name="Logga in").click()
    expect(learner.get_by_role("heading", level=1)).to_have_text("Mina intyg")
    learner.get_by_role("link", name="Ta emot").first.click()
    learner.get_by_label("Länk till erbjudandet").fill(link)
    learner.get_by_role("button", name="Ta emot").click()
    learner.get_by_label("Engångskod").fill(code)
    learner.get_by_role("button", name="Ta emot").click()
    expect(learner.get_by_role("status")).to_contain_text("Intyget finns nu i din plånbok")
    expect(learner.get_by_role("heading", level=1)).to_have_text("Mjukvaruutvecklare .NET")


def start_request(employer: Page) -> str:
    """Start a request from the template on the employer's home page; its page's URL."""
    employer.goto(f"/verifiers/{DEMO_VERIFIER_SLUG}")
    employer.get_by_role("button", name="Starta en förfrågan").first.click()
    expect(employer.locator("#result")).to_have_attribute("data-outcome", "pending")
    return employer.url


def share(learner: Page, employer: Page, *, grade: bool) -> None:
    """The learner's phone opens the request in the QR code (its link, as a phone's hosted
    wallet would) and approves, ticking the grade or not."""
    link = employer.locator("#qr-link").text_content()
    assert link and link.startswith("openid4vp://")
    learner.goto("/wallet/share?request=" + quote(link, safe=""))
    learner.get_by_role("button", name="Öppna begäran").click()
    expect(learner.locator("#purpose")).to_have_text("Rekrytering till utvecklartjänst")
    if grade:
        learner.get_by_role("checkbox", name=re.compile("^Betyg")).check()
    learner.locator("#approve").click()
    expect(learner.get_by_role("heading", level=1)).to_have_text("Delat")


def test_the_whole_journey(new_page: NewPage, demo_setup: DemoSetup) -> None:
    provider = new_page(viewport=DESKTOP)
    employer = new_page(viewport=DESKTOP)
    learner = new_page(viewport=PHONE)

    link, code = issue(provider, demo_setup)
    receive(learner, demo_setup, link, code)

    # The employer makes a template: names required, the grade optional, nothing else.
    sign_in_staff(
        employer,
        f"/verifiers/{DEMO_VERIFIER_SLUG}",
        DEMO_VERIFIER_STAFF,
        demo_setup.verifier_staff_password,
    )
    employer.get_by_role("link", name="Ny förfrågningsmall").click()
    employer.get_by_label("Namn", exact=True).fill("Utvecklare")
    employer.get_by_label("Syfte").fill("Rekrytering till utvecklartjänst")
    employer.locator("#f-claim_assessment_grade").select_option("optional")
    employer.get_by_role("button", name="Spara").click()
    request_page = start_request(employer)
    assert_accessible(employer)

    share(learner, employer, grade=True)
    # The employer's page updates by itself (it polls): valid, with exactly what was shared.
    result = employer.locator("#result")
    expect(result).to_have_attribute("data-outcome", "valid", timeout=20_000)
    expect(employer.locator("#result li[data-passed=false]")).to_have_count(0)
    labels = employer.locator("dl#claims dt").all_inner_texts()
    assert sorted(labels) == ["Betyg", "Efternamn", "Förnamn"]
    assert employer.url == request_page
    assert_accessible(employer)

    # The provider finds the credential by its reference and revokes it, with a reason.
    provider.goto(f"/issuers/{demo_setup.issuer_slug}/credentials?row_id=elev-2026-17")
    provider.locator("#credential-table tbody a").first.click()
    provider.locator("#action-revoke").click()
    assert_accessible(provider)
    provider.locator("#f-reason").fill("Utfärdat till fel person")
    provider.locator("#confirm-submit").click()
    expect(provider.locator("#history")).to_contain_text("Utfärdat till fel person")
    expect(provider.locator("#history")).to_contain_text(DEMO_ISSUER_STAFF)
    assert_accessible(provider)

    # A new request: the credential is answered, and the employer sees it is revoked.
    provider.wait_for_timeout(1_100)  # past the status list's one-second cache
    start_request(employer)
    share(learner, employer, grade=False)
    expect(result).to_have_attribute("data-outcome", "invalid", timeout=20_000)
    status = employer.locator("#result li[data-check=status]")
    expect(status).to_have_attribute("data-passed", "false")
    expect(status).to_contain_text("återkallat", ignore_case=True)
    expect(employer.locator("dl#claims")).to_have_count(0)  # nothing shown from a bad credential
    assert_accessible(employer)

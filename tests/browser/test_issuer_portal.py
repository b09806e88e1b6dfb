"""The education provider's portal in Chromium: staff sign-in, the issue form with an error
beside its field, a batch with a bad row (progress, the row's error by line, the results and
the QR sheet), finding and revoking with a reason; axe-core on every page."""

from __future__ import annotations

import csv
import io
import json

import pytest
from playwright.sync_api import Page, expect

from intyg.commands.demo import DemoSetup
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, NewPage
from tests.browser.harness import assert_accessible
from tests.browser.roles import sign_in_staff, staff_account


def portal(page: Page, live_server: LiveServer, setup: DemoSetup) -> str:
    base = f"/issuers/{setup.issuer_slug}"
    staff_account(live_server, "issuer", setup.issuer_slug, "eva@yh.example")
    sign_in_staff(page, base, "eva@yh.example")
    expect(page.get_by_role("link", name="Utfärda ett intyg")).to_be_visible()
    return base


def test_staff_sign_in_failure_is_a_clear_message(
    page: Page, live_server: LiveServer, demo_setup: DemoSetup
) -> None:
    base = f"/issuers/{demo_setup.issuer_slug}"
    staff_account(live_server, "issuer", demo_setup.issuer_slug, "eva@yh.example")
    page.goto(base)  # not signed in: to the sign-in page, which comes back here afterwards
    expect(page).to_have_url(f"{live_server.url}{base}/sign-in?next=%2Fissuers%2Fdemo")
    assert_accessible(page)
    sign_in_staff(page, base, "eva@yh.example", "wrong password, surely")
    expect(page.get_by_role("alert")).to_have_text("Fel användarnamn eller lösenord")
    assert_accessible(page)
    sign_in_staff(page, base, "eva@yh.example")
    expect(page).to_have_url(f"{live_server.url}{base}")
    assert_accessible(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_issue_with_the_form_errors_beside_the_field(
    new_page: NewPage, live_server: LiveServer, demo_setup: DemoSetup, viewport: tuple[int, int]
) -> None:
    page = new_page(viewport=viewport)
    base = portal(page, live_server, demo_setup)
    page.goto(f"{base}/issue")
    assert_accessible(page)
    page.get_by_label("Förnamn").fill("Alva")
    page.get_by_label("Efternamn").fill("Lindqvist")
    page.get_by_label("Benämning", exact=True).fill("Mjukvaruutvecklare .NET")
    page.locator("#f-achievement_kind").select_option("programme")
    page.locator("#f-skills-0-label_sv").fill("C#")
    page.locator("#f-skills-0-id").fill("not a concept")
    page.locator("#issue-submit").click()
    expect(page.locator("#f-skills-0-id-error")).to_be_visible()
    expect(page.locator("#f-given_name")).to_have_value("Alva")  # what was typed stays
    assert_accessible(page)
    page.locator("#f-skills-0-id").fill("https://data.jobtechdev.se/taxonomy/concept/Nwqv_Fbd_c3X")
    page.locator("#f-jobtech_taxonomy").fill("22")
    page.locator("#issue-submit").click()
    expect(page.locator("#offer-link")).to_contain_text("openid-credential-offer://")
    expect(page.locator("#tx-code")).to_be_visible()
    assert_accessible(page)


def batch_csv() -> bytes:
    skills = json.dumps(
        [{"id": "https://data.jobtechdev.se/taxonomy/concept/Nwqv_Fbd_c3X", "label": {"sv": "C#"}}]
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "given_name",
            "family_name",
            "achievement_title",
            "achievement_kind",
            "skills",
            "taxonomy_versions",
            "tx_code",
            "row_id",
        ]
    )
    writer.writerow(
        [
            "Alva",
            "Lindqvist",
            "Systemutvecklare",
            "programme",
            skills,
            '{"jobtech_taxonomy": 22}',
            "true",
            "s-1",
        ]
    )
    writer.writerow(["Bo", "Ek", "Systemutvecklare", "party", "", "", "false", "s-2"])  # line 3
    return out.getvalue().encode()


def test_batch_with_a_bad_row_then_the_results_and_the_sheet(
    page: Page, live_server: LiveServer, demo_setup: DemoSetup
) -> None:
    base = portal(page, live_server, demo_setup)
    page.goto(f"{base}/batches")
    assert_accessible(page)
    page.locator("#f-file").set_input_files(
        {"name": "kull-2026.csv", "mimeType": "text/csv", "buffer": batch_csv()}
    )
    page.locator("#batch-submit").click()
    # The page follows the batch by itself (it polls) until the results are there.
    expect(page.locator("#results-link")).to_be_visible(timeout=30_000)
    expect(page.locator("#row-error-3")).to_be_visible()
    assert_accessible(page)

    page.locator("#sheet-link").click()
    expect(page.locator(".sheet")).to_have_count(1)  # one learner per page, the good row
    tx_code_shown = page.locator("#tx-code")
    expect(tx_code_shown).to_have_count(0)  # the code never goes on the sheet
    assert_accessible(page)

    page.goto(f"{base}/credentials")
    assert_accessible(page)
    page.goto(f"{base}/credentials?row_id=s-1")
    expect(page.locator("#credential-table tbody tr")).to_have_count(0)  # offered, not yet issued

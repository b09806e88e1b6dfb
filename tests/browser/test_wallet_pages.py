"""The learner's wallet in Chromium: sign up, receive by link, share with the keyboard alone
(one optional claim), withdraw, and every page checked by axe-core."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import Page, expect

from intyg.commands.demo import DemoSetup
from tests.browser.conftest import PHONE, LiveServer, NewPage
from tests.browser.harness import assert_accessible
from tests.browser.roles import PASSWORD, api, offer, skill_query, verifier_request
from tests.helpers import ADMIN


def sign_up(page: Page, username: str = "alva@example.se") -> None:
    page.goto("/wallet/sign-up")
    assert_accessible(page)
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord", exact=True).fill(PASSWORD)
    page.get_by_label("Upprepa lösenordet").fill(PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page.get_by_role("status")).to_contain_text("Välkommen")


def receive(page: Page, link: str) -> None:
    page.goto(f"/wallet/receive?offer={quote(link, safe='')}")
    assert_accessible(page)
    expect(page.get_by_label("Länk till erbjudandet")).to_have_value(link)
    page.get_by_role("button", name="Ta emot").click()
    expect(page.get_by_role("status")).to_contain_text("Intyget finns nu i din plånbok")


def test_sign_in_failure_then_success(page: Page) -> None:
    sign_up(page)
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    assert_accessible(page)
    page.get_by_label("Användarnamn").fill("alva@example.se")
    page.get_by_label("Lösenord").fill("not the password at all")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_have_text("Fel användarnamn eller lösenord")
    assert_accessible(page)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina intyg")


def test_receive_look_share_with_the_keyboard_and_withdraw(
    page: Page, live_server: LiveServer, demo_setup: DemoSetup
) -> None:
    sign_up(page)
    receive(page, offer(live_server, demo_setup))
    assert_accessible(page)  # the card, with every claim
    skills = page.locator("#claims li")
    expect(skills.filter(has_text="Agila metoder")).to_have_count(1)
    expect(page.get_by_role("link", name="JobTech C#")).to_have_attribute(
        "href", "https://data.jobtechdev.se/taxonomy/concept/Nwqv_Fbd_c3X"
    )
    page.goto("/wallet")
    assert_accessible(page)
    expect(page.locator(".card h2")).to_have_text("Mjukvaruutvecklare .NET")

    link = verifier_request(live_server, demo_setup, purpose="Rekrytering till utvecklartjänst")
    page.goto(f"/wallet/share?request={quote(link, safe='')}")
    assert_accessible(page)
    page.get_by_role("button", name="Öppna begäran").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Demo Arbetsgivare AB")
    expect(page.locator("#purpose")).to_have_text("Rekrytering till utvecklartjänst")
    assert_accessible(page)

    # The keyboard alone: Tab to the optional claim, tick it, Tab on to the approve button.
    page.locator("#main").focus()
    grade = page.get_by_role("checkbox", name="Betyg: VG")
    for _ in range(30):
        page.keyboard.press("Tab")
        if grade.evaluate("element => element === document.activeElement"):
            break
    else:
        raise AssertionError("the optional claim cannot be reached with Tab")
    page.keyboard.press("Space")
    expect(grade).to_be_checked()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "approve"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Delat")
    assert_accessible(page)

    page.get_by_role("link", name="Se samtycket").click()
    expect(page.locator("#disclosed")).to_contain_text("Betyg")
    expect(page.locator("#disclosed")).not_to_contain_text("Kompetenser")
    assert_accessible(page)

    page.goto("/wallet/privacy")
    assert_accessible(page)
    page.get_by_role("button", name="Återkalla").first.click()
    expect(page.locator("#consent-state")).to_have_text("Återkallat")
    page.goto("/wallet/activity")
    expect(page.locator("#chain")).to_have_attribute("data-valid", "true")
    assert_accessible(page)


def test_account_pages_and_english_on_a_phone(new_page: NewPage) -> None:
    page = new_page(locale="en-GB", viewport=PHONE)
    page.goto("/wallet/sign-up")
    page.get_by_label("Username").fill("bo@example.se")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My credentials")
    for path in (
        "/wallet",
        "/wallet/share",
        "/wallet/privacy",
        "/wallet/activity",
        "/wallet/account",
    ):
        page.goto(path)
        assert_accessible(page)
    page.goto("/wallet/account/delete")
    assert_accessible(page)
    page.get_by_label("Type your username").fill("bo@example.se")
    page.get_by_role("button", name="Delete everything").click()
    expect(page.get_by_role("status")).to_contain_text("deleted")


def test_a_form_from_another_site_is_refused(page: Page, live_server: LiveServer) -> None:
    """Cross-site request forgery: a page elsewhere posts the account-deletion form to the
    wallet while the learner is signed in. The wallet refuses it, and the account stays."""
    sign_up(page)
    forged = (
        f'<form method="post" action="{live_server.url}/wallet/account/delete">'
        '<input name="confirm_username" value="alva@example.se">'
        '<input name="csrf_token" value="guessed">'
        '<button type="submit">Win a prize</button></form>'
    )
    page.route(
        "https://prize.example/",
        lambda route: route.fulfill(status=200, content_type="text/html", body=forged),
    )
    page.goto("https://prize.example/")
    with page.expect_response(f"{live_server.url}/wallet/account/delete") as answer:
        page.get_by_role("button", name="Win a prize").click()
    assert answer.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("Formuläret kunde inte tas emot")
    page.goto("/wallet")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina intyg")  # still signed in


def test_a_standing_grant_is_given_and_withdrawn_in_one_click(
    page: Page, live_server: LiveServer, demo_setup: DemoSetup
) -> None:
    """A service asks for standing access; the learner gives it on the wallet's pages, the
    service pulls, the learner withdraws it with one click, and the next pull is refused."""
    sign_up(page)
    receive(page, offer(live_server, demo_setup))
    with api(live_server) as client:
        made = client.post(
            "/wallet/services",
            json={"name": "Matchningstjänsten", "client_id": "https://matchning.example"},
            headers=ADMIN,
        )
        assert made.status_code == 201, made.text
        service = {"Authorization": f"Bearer {made.json()['api_key']}"}
        asked = client.post(
            "/wallet/grant-requests",
            json={
                "holder": "alva@example.se",
                "dcql_query": skill_query(live_server, optional_grade=False),
                "purpose": "Matchning mot lediga jobb",
                "duration_days": 90,
            },
            headers=service,
        )
        assert asked.status_code == 202, asked.text
        grant_id = asked.json()["id"]  # the service pulls under its request's id

        page.goto("/wallet/privacy")
        page.get_by_role("link", name="Matchningstjänsten").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Matchningstjänsten")
        assert_accessible(page)
        page.get_by_role("button", name="Ge åtkomst till det jag valt").click()
        expect(page.get_by_role("status")).to_contain_text("Du gav fortlöpande åtkomst")
        consent_id = page.url.split("/wallet/privacy/")[1].split("?")[0]
        pulled = client.post(
            f"/wallet/grants/{grant_id}/presentations", json={"nonce": "n-1"}, headers=service
        )
        assert pulled.status_code == 200, pulled.text

        page.goto("/wallet/privacy")
        standing = page.locator(f'tr[data-consent="{consent_id}"]')
        expect(standing).to_have_attribute("data-state", "active")
        standing.get_by_role("button", name="Återkalla").click()  # one click, as giving it
        expect(page.locator("#consent-state")).to_have_text("Återkallat")
        refused = client.post(
            f"/wallet/grants/{grant_id}/presentations", json={"nonce": "n-2"}, headers=service
        )
        assert refused.status_code == 403
        assert refused.json()["code"] == "grant_withdrawn"

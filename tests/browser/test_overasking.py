"""Over-asking in Chromium: the demo employer is on the wallet's list of recognised verifiers
with the purpose "recruitment", which registers the names only; its request for that purpose
also asks for the grade (optional). The request page warns and names the grade, passes
axe-core, and the holder answers "Dela bara det som behövs" with the keyboard alone: the
employer receives the names only, and the wallet's log records the over-asking."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from core import jose
from core.standards import trust_list
from intyg.commands.demo import DEMO_VERIFIER_NAME, DEMO_VERIFIER_SLUG, DemoSetup
from intyg.commands.trust_list import add_operator_key
from tests.browser.conftest import LiveServer
from tests.browser.harness import assert_accessible
from tests.browser.roles import PASSWORD, api, offer, verifier_request
from tests.browser.test_wallet_pages import receive, sign_up

PURPOSE_ID = "recruitment"


@pytest.fixture
def live_settings(tmp_path: Path) -> dict[str, object]:
    """The wallet reads its recognised verifiers from a file this module writes."""
    return {"wallet_recognised_verifiers": str(tmp_path / "recognised-verifiers.jwt")}


def recognise(live_server: LiveServer, setup: DemoSetup, needs: list[str]) -> None:
    """Sign (with an operator key the server accepts) and install the wallet's list: the demo
    employer, registering ``PURPOSE_ID`` for the claims ``needs`` of the skill credential."""
    runtime = live_server.runtime
    operator = jose.PrivateKey.generate(jose.ES256)
    add_operator_key(runtime.settings.trust_list_operator_keys, operator.public)
    vct = f"{live_server.url}/types/skill-credential"
    purpose = {
        "id": PURPOSE_ID,
        "name": {"sv": "Rekrytering", "en": "Recruitment"},
        "claims": [{"vct": vct, "path": [name]} for name in needs],
    }
    now = runtime.clock.now()
    document = trust_list.build_trust_list(
        list_id=f"{live_server.url}/trust-lists/recognised-verifiers",
        operator_name="Wallet operator",
        entities=[
            trust_list.verifier_entry(
                setup.verifier_client_id, DEMO_VERIFIER_NAME, purposes=[purpose]
            )
        ],
        issued_at=now - 60,
        next_update=now + 3600,
    )
    source = runtime.settings.wallet_recognised_verifiers
    assert source is not None
    Path(source).write_text(trust_list.sign_trust_list(document, operator))


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until ``target`` has the focus."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} cannot be reached with Tab")


def test_the_holder_shares_only_what_the_registered_purpose_needs_with_the_keyboard(
    page: Page, live_server: LiveServer, demo_setup: DemoSetup
) -> None:
    recognise(live_server, demo_setup, ["given_name", "family_name"])
    sign_up(page)
    receive(page, offer(live_server, demo_setup))

    link = verifier_request(
        live_server, demo_setup, purpose="Rekrytering till utvecklartjänst", purpose_id=PURPOSE_ID
    )
    request_uri = parse_qs(urlsplit(link).query)["request_uri"][0]
    request_id = request_uri.rsplit("/", 1)[1]
    page.goto(f"/wallet/share?request={quote(link, safe='')}")
    page.get_by_role("button", name="Öppna begäran").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Demo Arbetsgivare AB")
    warning = page.locator("#over-asking")
    expect(warning).to_have_attribute("data-finding", "over_asking")
    expect(warning).to_contain_text("ändamålet ”Rekrytering”")
    expect(page.locator("#extra-claims li")).to_have_text(["Betyg"])
    expect(page.locator("#recognised")).to_contain_text(DEMO_VERIFIER_NAME)
    assert_accessible(page)

    # The keyboard alone: tick the grade (asked for, optional), then answer with only what the
    # purpose needs: the grade stays home although it was ticked.
    page.locator("#main").focus()
    grade = page.get_by_role("checkbox", name="Betyg: VG")
    tab_to(page, grade)
    page.keyboard.press("Space")
    expect(grade).to_be_checked()
    needed_only = page.get_by_role("button", name="Dela bara det som behövs")
    tab_to(page, needed_only)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Delat")
    assert_accessible(page)

    with api(live_server) as client:
        status = client.get(
            f"/verifiers/{DEMO_VERIFIER_SLUG}/requests/{request_id}",
            headers={"Authorization": f"Bearer {demo_setup.verifier_api_key}"},
        ).json()
        session = client.post(
            "/wallet/sessions", json={"username": "alva@example.se", "password": PASSWORD}
        )
        assert session.status_code == 201, session.text
        bearer = {"Authorization": f"Bearer {session.json()['token']}"}
        log = client.get("/wallet/log", headers=bearer).json()["entries"]
    assert status["status"] == "fulfilled", status
    [presented] = status["result"]["credentials"]["skill"]
    assert presented["verdict"] == "valid", presented
    claims = presented["claims"]
    assert claims["given_name"] and claims["family_name"]
    assert "assessment_grade" not in claims and "skills" not in claims, sorted(claims)

    logged = [e["entry"] for e in log if e["event"] == "over_asking"]
    assert len(logged) == 1, log
    assert logged[0]["answer"] == "needed_only"
    assert logged[0]["purpose_id"] == PURPOSE_ID
    assert [e["path"] for e in logged[0]["extra_claims"]] == [["assessment_grade"]]
    assert "VG" not in json.dumps(logged)  # paths, never values

    page.goto("/wallet/activity")
    expect(page.locator("#chain")).to_have_attribute("data-valid", "true")
    row = page.locator("tbody tr", has_text="Begäran bad om mer än ändamålet behöver")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(DEMO_VERIFIER_NAME)
    assert_accessible(page)

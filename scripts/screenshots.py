"""Screenshots of the pages, at desktop and phone width, for ``docs/screenshots/``.

    .venv/bin/python scripts/screenshots.py                 # every page in SHOTS
    .venv/bin/python scripts/screenshots.py start start-en  # only these
    .venv/bin/python scripts/screenshots.py --out /tmp/shots

The app runs with the demo's data (``intyg demo``'s own set-up: issuer, verifier, wallet user,
trust list) on a temporary SQLite database in a temporary folder, served on a free loopback
port, and Debian's Chromium (``scripts/ensure-browser.sh`` installs it) visits each page of
``SHOTS`` twice: 1280x900 (``NAME-desktop.png``) and 390x844 (``NAME-phone.png``), each time in
a fresh browser context (no cookies). The images are the whole page, not only the first screen.

To add a page, add a ``Shot`` to ``SHOTS``: its name (the file name) and a function that takes
the page (already on the server: relative URLs work) and the ``Demo`` (its runtime, and the demo
set-up with the API keys and the wallet user's password) and brings the page to the state to
capture: navigating, signing in, filling in forms.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from core.config import Settings  # noqa: E402
from core.runtime import Runtime  # noqa: E402
from intyg import migrate  # noqa: E402
from intyg.app import create_app  # noqa: E402
from intyg.commands import demo  # noqa: E402
from intyg.runtime import build_runtime  # noqa: E402
from tests.browser.harness import DEFAULT_CHROMIUM, launch_chromium, serving  # noqa: E402


@dataclass(frozen=True)
class Demo:
    """What a shot may use: the served app's runtime (to seed more through the services) and
    the demo set-up (API keys, the wallet user's password)."""

    url: str
    runtime: Runtime
    setup: demo.DemoSetup


@dataclass(frozen=True)
class Shot:
    name: str  # docs/screenshots/NAME-desktop.png and NAME-phone.png
    visit: Callable[[Page, Demo], object]
    locale: str = "sv-SE"  # the browser's language (its Accept-Language header)
    error_page: bool = False  # the page to capture is an error page (else: one is a failure)


def start_page(page: Page, _: Demo) -> None:
    page.goto("/")


# --- the wallet ---------------------------------------------------------------------------


def wallet_signed_in(page: Page, demo_: Demo) -> None:
    page.goto("/wallet/sign-in")
    page.get_by_label("Användarnamn").fill(demo.DEMO_WALLET_USER)
    page.get_by_label("Lösenord").fill(demo_.setup.wallet_password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/wallet")


def offer_link(demo_: Demo) -> str:
    """A new offer from the demo issuer, made over its API as an integration would."""
    with httpx.Client(base_url=demo_.url, timeout=30) as client:
        made = client.post(
            f"/issuers/{demo_.setup.issuer_slug}/admin/offers",
            json={"claims": SAMPLE_CLAIMS, "tx_code": False},
            headers={"Authorization": f"Bearer {demo_.setup.issuer_api_key}"},
        )
        made.raise_for_status()
        return str(made.json()["credential_offer"])


def wallet_with_a_card(page: Page, demo_: Demo) -> None:
    """The demo user's credential (received by the first shot that needs one)."""
    wallet_signed_in(page, demo_)
    card = page.locator(".card h2 a")
    if card.count():
        card.first.click()
        return
    page.goto("/wallet/receive")
    page.get_by_label("Länk till erbjudandet").fill(offer_link(demo_))
    page.get_by_role("button", name="Ta emot").click()
    page.wait_for_url("**/wallet/cards/**")


def wallet_cards(page: Page, demo_: Demo) -> None:
    wallet_with_a_card(page, demo_)
    page.goto("/wallet")


def staff_signed_in(page: Page, base: str, username: str, password: str) -> str:
    """Signed in on a portal's sign-in page as the demo's staff member; the portal's path."""
    page.goto(f"{base}/sign-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"**{base}")
    return base


def verifier_signed_in(page: Page, demo_: Demo) -> str:
    base = f"/verifiers/{demo.DEMO_VERIFIER_SLUG}"
    return staff_signed_in(
        page, base, demo.DEMO_VERIFIER_STAFF, demo_.setup.verifier_staff_password
    )


def verifier_template(page: Page, demo_: Demo) -> None:
    base = verifier_signed_in(page, demo_)
    page.goto(f"{base}/templates/new")
    page.get_by_label("Namn", exact=True).fill("Utvecklare")
    page.get_by_label("Syfte").fill("Rekrytering till utvecklartjänst")
    page.locator("#f-claim_assessment_grade").select_option("optional")
    page.locator("#f-claim_skills").select_option("optional")


def verifier_request(page: Page, demo_: Demo) -> None:
    """A request from the demo's template (made by the first shot that needs it)."""
    base = verifier_signed_in(page, demo_)
    start = page.get_by_role("button", name="Starta en förfrågan")
    if not start.count():
        verifier_template(page, demo_)
        page.get_by_role("button", name="Spara").click()
        page.wait_for_url(f"**{base}?notice=template_saved")
    start.first.click()
    page.locator("#result[data-outcome=pending]").wait_for()


def hosted_wallet_link(page: Page) -> str:
    """The hosted wallet's page for the request in the QR code, as a phone would open it."""
    link = page.locator("#qr-link").text_content() or ""
    return "/wallet/share?request=" + quote(link, safe="")


def wallet_request(page: Page, demo_: Demo) -> None:
    """The learner's view of the employer's request (the employer in another context)."""
    employer = page.context.browser.new_context(base_url=demo_.url, locale="sv-SE")  # type: ignore[union-attr]
    try:
        asking = employer.new_page()
        verifier_request(asking, demo_)
        hosted = hosted_wallet_link(asking)
    finally:
        employer.close()
    wallet_with_a_card(page, demo_)
    page.goto(str(hosted))
    page.get_by_role("button", name="Öppna begäran").click()
    page.wait_for_url("**/wallet/requests/**")


def wallet_consent(page: Page, demo_: Demo) -> None:
    wallet_request(page, demo_)
    page.get_by_role("checkbox", name=re.compile("^Betyg")).first.check()
    page.locator("#approve").click()
    page.get_by_role("link", name="Se samtycket").click()


def wallet_privacy(page: Page, demo_: Demo) -> None:
    wallet_consent(page, demo_)
    page.goto("/wallet/privacy")


def wallet_activity(page: Page, demo_: Demo) -> None:
    wallet_consent(page, demo_)
    page.goto("/wallet/activity")


def verifier_result(page: Page, demo_: Demo) -> None:
    """The employer's page once the learner (another context) has answered."""
    verifier_request(page, demo_)
    hosted = hosted_wallet_link(page)
    learner = page.context.browser.new_context(base_url=demo_.url, locale="sv-SE")  # type: ignore[union-attr]
    try:
        wallet = learner.new_page()
        wallet_with_a_card(wallet, demo_)
        wallet.goto(str(hosted))
        wallet.get_by_role("button", name="Öppna begäran").click()
        wallet.get_by_role("checkbox", name=re.compile("^Betyg")).first.check()
        wallet.locator("#approve").click()
        wallet.wait_for_url("**/approve")
    finally:
        learner.close()
    page.locator("#result[data-final]").wait_for(timeout=20_000)


def verifier_check(page: Page, demo_: Demo) -> None:
    base = verifier_signed_in(page, demo_)
    page.goto(f"{base}/check")


# --- the education provider's portal --------------------------------------------------------


def issuer_signed_in(page: Page, demo_: Demo) -> str:
    base = f"/issuers/{demo_.setup.issuer_slug}"
    return staff_signed_in(page, base, demo.DEMO_ISSUER_STAFF, demo_.setup.issuer_staff_password)


def issuer_sign_in(page: Page, demo_: Demo) -> None:
    page.goto(f"/issuers/{demo_.setup.issuer_slug}/sign-in")


def issuer_issue(page: Page, demo_: Demo) -> None:
    base = issuer_signed_in(page, demo_)
    page.goto(f"{base}/issue")
    page.get_by_label("Förnamn").fill("Alva")
    page.get_by_label("Efternamn").fill("Lindqvist")
    page.get_by_label("Benämning", exact=True).fill("Mjukvaruutvecklare .NET")
    page.locator("#f-achievement_kind").select_option("programme")
    page.locator("#f-skills-0-label_sv").fill("C#")
    page.locator("#f-skills-0-id").fill(JOBTECH_CSHARP)


def issuer_offer(page: Page, demo_: Demo) -> None:
    issuer_issue(page, demo_)
    page.locator("#f-jobtech_taxonomy").fill("22")
    page.locator("#issue-submit").click()
    page.locator("#offer-link").wait_for()


def issuer_credentials(page: Page, demo_: Demo) -> None:
    wallet_with_a_card(page, demo_)  # one issued credential to list
    page.context.clear_cookies()
    base = issuer_signed_in(page, demo_)
    page.goto(f"{base}/credentials")


JOBTECH_CSHARP = "https://data.jobtechdev.se/taxonomy/concept/Nwqv_Fbd_c3X"
SAMPLE_CLAIMS: dict[str, object] = {
    "given_name": "Alva",
    "family_name": "Lindqvist",
    "achievement_title": "Mjukvaruutvecklare .NET",
    "achievement_kind": "programme",
    "achievement_description": "Tvåårig yrkeshögskoleutbildning",
    "eqf_level": 5,
    "credits": [{"value": 400, "unit": "yh-poäng"}],
    "skills": [
        {"id": JOBTECH_CSHARP, "label": {"sv": "C#", "en": "C#"}},
        {
            "id": "https://data.jobtechdev.se/taxonomy/concept/ShQw_Hx6_Ukn",
            "label": {"sv": "Agila metoder", "en": "Agile methods"},
        },
    ],
    "taxonomy_versions": {"jobtech_taxonomy": 22},
    "assessment_grade": "VG",
}

SHOTS: list[Shot] = [
    Shot("start", start_page),
    Shot("start-en", start_page, locale="en-GB"),
    Shot("wallet-cards", wallet_cards),
    Shot("wallet-card", wallet_with_a_card),
    Shot("wallet-request", wallet_request),
    Shot("wallet-consent", wallet_consent),
    Shot("wallet-privacy", wallet_privacy),
    Shot("wallet-activity", wallet_activity),
    Shot("issuer-sign-in", issuer_sign_in),
    Shot("issuer-issue", issuer_issue),
    Shot("issuer-offer", issuer_offer),
    Shot("issuer-credentials", issuer_credentials),
    Shot("verifier-template", verifier_template),
    Shot("verifier-request", verifier_request),
    Shot("verifier-result", verifier_result),
    Shot("verifier-check", verifier_check),
]


def demo_settings(folder: Path, base_url: str) -> Settings:
    """The demo's settings, with everything it writes inside ``folder``."""
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return Settings(
        database_url=f"sqlite:///{folder / 'intyg.db'}",
        public_url=base_url,
        master_key=key,
        admin_token=secrets.token_urlsafe(16),
        development=True,
        verifier_ca_dir=folder / "verifier-ca",
        wallet_trust_anchors=folder / "verifier-ca" / "ca.pem",
        trust_list_operator_keys=folder / "trust-list-operator.jwks",
        status_list_ttl_seconds=int(demo.DEMO_STATUS_LIST_TTL_SECONDS),
    )


def ensure_chromium() -> None:
    if not os.access(os.environ.get("INTYG_CHROMIUM") or DEFAULT_CHROMIUM, os.X_OK):
        subprocess.run(["bash", str(ROOT / "scripts" / "ensure-browser.sh")], check=True)  # noqa: S603,S607


@contextmanager
def demo_server(folder: Path) -> Iterator[Demo]:
    """The app with the demo's data on a database in ``folder``, served on a free port.

    The demo keeps its trust-list operator key in ``./.intyg``: run this in ``folder`` too.
    """
    holder: list[Demo] = []

    def build(base_url: str) -> FastAPI:
        runtime = build_runtime(demo_settings(folder, base_url))
        migrate.upgrade(runtime.engine)
        holder.append(Demo(base_url, runtime, demo.set_up(runtime)))
        return create_app(runtime=runtime)

    try:
        with serving(build):
            yield holder[0]
    finally:
        for made in holder:
            made.runtime.engine.dispose()


class ShotFailed(Exception):
    pass


def check_landed(page: Page, shot: Shot) -> None:
    """Refuse to capture what a shot did not mean: a page that is not Intyg's (a JSON
    problem), or an error page where the shot wanted another."""
    if page.locator("main#main").count() != 1:
        raise ShotFailed(f"{shot.name}: {page.url} is not one of Intyg's pages")
    if page.locator("body.error-page").count() and not shot.error_page:
        title = page.title()
        raise ShotFailed(f"{shot.name}: {page.url} is an error page ({title})")


def take(
    browser: Browser,
    server: Demo,
    shots: list[Shot],
    out: Path,
    viewports: dict[str, tuple[int, int]] = VIEWPORTS,
) -> list[Path]:
    """Each shot at each viewport, in a fresh context; the paths of the images written."""
    written: list[Path] = []
    for shot in shots:
        for viewport_name, (width, height) in viewports.items():
            context = browser.new_context(
                base_url=server.url,
                locale=shot.locale,
                viewport={"width": width, "height": height},
                is_mobile=width < 600,
                has_touch=width < 600,
            )
            try:
                page = context.new_page()
                shot.visit(page, server)
                check_landed(page, shot)
                path = out / f"{shot.name}-{viewport_name}.png"
                page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
                written.append(path)
            finally:
                context.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these shots (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder (default: {OUT})")
    args = parser.parse_args()
    known = {shot.name: shot for shot in SHOTS}
    unknown = [name for name in args.names if name not in known]
    if unknown:
        parser.error(f"unknown shots {unknown}; known: {sorted(known)}")
    shots = [known[name] for name in args.names] if args.names else SHOTS
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    ensure_chromium()
    with tempfile.TemporaryDirectory(prefix="intyg-screenshots-") as temporary:
        os.chdir(temporary)
        with demo_server(Path(temporary)) as server, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            written = take(browser, server, shots, out)
            browser.close()
        os.chdir(ROOT)
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()

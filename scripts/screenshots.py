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
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

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


SHOTS: list[Shot] = [
    Shot("start", start_page),
    Shot("start-en", start_page, locale="en-GB"),
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

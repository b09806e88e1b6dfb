"""Fixtures of the real-browser tests: the app served over HTTP, and Chromium pages on it.

``live_server``: the whole app (``intyg.app.create_app``, all three roles) served by uvicorn on
a free port, on the test database (emptied after each test, as everywhere), with the system
clock (the browser and the server must agree on the time) and ``public_url`` its own URL.
``live_server.runtime`` is there to seed data through the roles' services. A test module
changes the served app's settings by overriding the ``live_settings`` fixture (e.g. the
wallet's list of recognised verifiers, a file the test writes before the wallet reads it).

``page``: a fresh Chromium page (its own context: cookies, storage) at 1280x900 with a
Swedish browser; ``new_page(locale=..., viewport=...)`` makes more, e.g. an English phone.
Relative URLs resolve against the live server: ``page.goto("/")``. ``assert_accessible(page)``
(from ``tests.browser.harness``) runs axe-core in the page.

The browser is launched once per worker for this package (package scope): while Playwright's
synchronous API is active, the main thread counts as running an event loop, and other tests
(``asyncio.run``) must not see that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp

from core.clock import SystemClock
from core.config import Settings
from core.runtime import Runtime
from intyg.app import create_app
from intyg.commands import demo
from intyg.commands.demo import DemoSetup
from intyg.runtime import load_master_key
from tests.browser.harness import launch_chromium, serving, watch_console

DESKTOP = (1280, 900)
PHONE = (390, 844)
LOCALE = "sv-SE"

NewPage = Callable[..., Page]


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://localhost:PORT, no trailing slash
    runtime: Runtime


def live_runtime(
    settings: Settings,
    engine: Engine,
    base_url: str,
    tmp_path: Path,
    extra: Mapping[str, object] | None = None,
) -> Runtime:
    """The runtime of a served app at ``base_url``: real time, and its CA and trust-list
    operator keys in ``tmp_path`` (never in the checkout's ``.intyg``); ``extra`` settings
    over those."""
    served = settings.model_copy(
        update={
            "public_url": base_url,
            "verifier_ca_dir": tmp_path / "verifier-ca",
            "wallet_trust_anchors": tmp_path / "verifier-ca" / "ca.pem",
            "trust_list_operator_keys": tmp_path / "operator.jwks",
            **(extra or {}),
        }
    ).checked()
    return Runtime(
        settings=served, engine=engine, clock=SystemClock(), master_key=load_master_key(served)
    )


@pytest.fixture
def live_settings() -> dict[str, object]:
    """Settings of the served app beyond ``live_runtime``'s; none unless a module overrides."""
    return {}


@pytest.fixture
def live_server(
    settings: Settings, engine: Engine, tmp_path: Path, live_settings: dict[str, object]
) -> Iterator[LiveServer]:
    runtime: Runtime | None = None

    def build(base_url: str) -> ASGIApp:
        nonlocal runtime
        runtime = live_runtime(settings, engine, base_url, tmp_path, live_settings)
        return create_app(runtime=runtime)

    with serving(build) as url:
        assert runtime is not None
        yield LiveServer(url=url, runtime=runtime)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[NewPage]:
    """``new_page(locale="sv-SE", viewport=(390, 844))``: a page in a context of its own
    (a second person, or the same person on a phone); closed after the test."""
    contexts: list[BrowserContext] = []

    def make(locale: str = LOCALE, viewport: tuple[int, int] = PHONE) -> Page:
        width, height = viewport
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,  # also the Accept-Language header
            viewport={"width": width, "height": height},
            is_mobile=width < 600,
            has_touch=width < 600,
        )
        # generous: two loaded cores run the server, the browser and another worker's tests;
        # a wait that is met returns at once, so only a real failure costs the full time
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        watch_console(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: NewPage) -> Page:
    return new_page(locale=LOCALE, viewport=DESKTOP)


@pytest.fixture
def demo_setup(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> DemoSetup:
    """The demo's data on the live server (``intyg demo``'s own set-up: issuer, verifier with
    a trust list naming the issuer, wallet user); its operator key goes to ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    return demo.set_up(live_server.runtime)

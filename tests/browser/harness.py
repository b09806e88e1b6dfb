"""What the browser tests and ``scripts/screenshots.py`` share: the app served by uvicorn in a
background thread, Debian's Chromium launched through Playwright, and the accessibility check.

The browser is Debian's ``chromium`` package (``scripts/ensure-browser.sh`` installs it and sets
``INTYG_CHROMIUM``); Playwright never downloads a browser of its own here.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright
from starlette.types import ASGIApp

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in CI, and no user namespaces in containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
SERVER_START_SECONDS = 20.0


def chromium_path() -> str:
    """Debian's Chromium; a clear failure (never a skip) when it is not installed."""
    path = os.environ.get("INTYG_CHROMIUM") or DEFAULT_CHROMIUM
    if not os.access(path, os.X_OK):
        raise RuntimeError(
            f"no Chromium at {path}: the browser tests need Debian's chromium package "
            "(./run-tests installs it through scripts/ensure-browser.sh; or set INTYG_CHROMIUM)"
        )
    return path


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )


@contextmanager
def serving(build: Callable[[str], ASGIApp]) -> Iterator[str]:
    """Serve ``build(base_url)`` on a free loopback port in a background thread; yield the
    base URL, ``http://localhost:PORT``.

    The name is ``localhost`` (as in the demo), not the address: a verifier's client id is
    ``x509_san_dns:localhost`` and the wallet requires its ``response_uri`` on that host. The
    socket is bound before the app is built, so the port is known and cannot be taken.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    base_url = f"http://localhost:{listener.getsockname()[1]}"
    config = uvicorn.Config(
        build(base_url),
        ws="none",  # no websockets library (and none of its deprecation warnings)
        lifespan="off",
        log_config=None,  # logs go to the test run's handlers, not uvicorn's own
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,  # a request still open (a stuck poll) must not hang the run
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="live-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the live server did not start on {base_url}")
            time.sleep(0.01)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


# Console messages of each page, recorded from its creation (see ``watch_console``).
_console: weakref.WeakKeyDictionary[Page, list[str]] = weakref.WeakKeyDictionary()


def watch_console(page: Page) -> list[str]:
    """Record the page's console errors and uncaught exceptions from now on; returns the list
    that fills (the same one on every call). A failed load of the document itself (an error
    page's 404) is not counted: a failed stylesheet, script or image is."""
    if page in _console:
        return _console[page]
    seen: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # An error page's own status (404, 403, ...) is reported too; that one is meant.
        own_status = message.text.startswith("Failed to load resource") and message.location.get(
            "url"
        ) in (page.url, "")
        if message.type == "error" and not own_status:
            where = message.location.get("url")
            seen.append(f"{message.text} ({where})" if where else message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.append(f"uncaught: {error}"))
    _console[page] = seen
    return seen


def csp_violations(page: Page) -> list[str]:
    """What the browser refused under the Content Security Policy (inline script or style,
    another origin), as it reports it on the console."""
    return [text for text in watch_console(page) if "Content Security Policy" in text]


@cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, object]]:
    """Run the vendored axe-core in the page; its violations of every impact.

    The script is evaluated through the DevTools protocol, which the page's CSP
    (``script-src 'self'``) does not govern: the page needs no change to be checked, and an
    injected ``<script>`` (inline, so refused) is not needed.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    results = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    assert isinstance(results, list)
    return results


def describe_violations(violations: list[dict[str, object]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']}")
        nodes = violation.get("nodes")
        for node in nodes if isinstance(nodes, list) else []:
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {json.dumps(node.get('target'))} {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail on any serious or critical axe-core violation, on any CSP violation or uncaught
    script error the page has reported on the console since it was opened, and on a page
    wider than the screen (a phone reader would have to scroll sideways)."""
    serious = [v for v in axe_violations(page) if v.get("impact") in FAILING_IMPACTS]
    assert not serious, f"axe-core on {page.url}:\n{describe_violations(serious)}"
    errors = watch_console(page)
    assert not errors, f"console errors on {page.url}: {errors}"
    viewport = page.viewport_size
    width = page.evaluate("document.documentElement.scrollWidth")
    assert viewport is None or width <= viewport["width"], (
        f"{page.url} is {width}px wide on a {viewport and viewport['width']}px screen"
    )

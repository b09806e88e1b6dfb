"""The API documentation pages (``/docs``, ``/redoc``) work without internet: every script,
style sheet and icon they name is served by Intyg itself, from assets installed with it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from core.config import Settings
from intyg.app import create_app

PAGES = ["/docs", "/redoc"]
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}


class References(HTMLParser):
    """Every ``src``, ``href`` and ``spec-url`` attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href", "spec-url") and v]


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    return parser.urls


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    settings = Settings(database_url="sqlite://", master_key="A" * 43, admin_token="x")
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize("page", PAGES)
def test_docs_page_references_no_other_host(client: TestClient, page: str) -> None:
    answer = client.get(page)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    urls = references(answer.text)
    assert urls, "the page names no asset at all"
    elsewhere = [u for u in urls if urlsplit(u).scheme or urlsplit(u).netloc]
    assert not elsewhere, f"{page} loads from another host: {elsewhere}"
    # nor in its inline script (Swagger UI's configuration)
    assert not re.findall(r"(?:https?:)?//[\w.-]+", answer.text), answer.text


def test_swagger_ui_fetches_no_online_validator_badge(client: TestClient) -> None:
    """Swagger UI's default ``validatorUrl`` would load a badge from validator.swagger.io."""
    assert '"validatorUrl": null' in client.get("/docs").text


@pytest.mark.parametrize("page", PAGES)
def test_every_asset_of_a_docs_page_is_served(client: TestClient, page: str) -> None:
    urls = references(client.get(page).text)
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 200, (page, url)
        suffix = "." + urlsplit(url).path.rsplit(".", 1)[-1]
        wanted = CONTENT_TYPES[suffix]
        assert answer.headers["content-type"].split(";")[0] in wanted, (url, answer.headers)
        assert len(answer.content) > 0, url


def test_the_redoc_page_reads_the_served_document(client: TestClient) -> None:
    assert "/openapi.json" in references(client.get("/redoc").text)
    assert "url: '/openapi.json'" in client.get("/docs").text

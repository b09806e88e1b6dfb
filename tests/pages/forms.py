"""Reading and sending pages' forms in TestClient tests, as a browser would: the CSRF token
comes from the page, the cookies from the client's jar."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import httpx
from fastapi.testclient import TestClient

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = TOKEN_RE.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def submit(
    client: TestClient,
    page: str,
    action: str,
    data: Mapping[str, str] | Sequence[tuple[str, str]] = (),
    **kwargs: object,
) -> httpx.Response:
    """GET ``page``, then POST ``data`` to ``action`` with the page's CSRF token."""
    shown = client.get(page)
    assert shown.status_code == 200, shown.text
    fields = list(data.items()) if isinstance(data, Mapping) else list(data)
    fields.append(("csrf_token", csrf_of(shown.text)))
    # urlencoded by hand: a field may repeat (checkboxes), which httpx's ``data=`` cannot say
    return client.post(
        action,
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
        **kwargs,  # type: ignore[arg-type]
    )


def text_of(html: str) -> str:
    """The page's visible text, tags removed and spaces collapsed (for assertions)."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()

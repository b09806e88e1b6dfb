"""Fixtures of the portal's page tests: two issuers, a staff member of each, browsers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

from core.clock import FixedClock
from core.db import session_scope
from core.pages.security import CSRF_FIELD
from core.runtime import Runtime
from core.staff import service as staff_service
from intyg.app import create_app
from issuer import service
from tests.helpers import ADMIN
from tests.issuer.support import Protocol

BASE_URL = "http://localhost:8000"
PASSWORD = "correct horse battery staple"


def csrf_of(html: str) -> str:
    match = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


@dataclass
class Browser:
    """A browser (cookie jar) at one issuer's portal."""

    client: TestClient
    slug: str

    @property
    def base(self) -> str:
        return f"/issuers/{self.slug}"

    def token(self, path: str | None = None) -> str:
        return csrf_of(self.client.get(path or f"{self.base}/sign-in").text)

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        form = {CSRF_FIELD: self.token(), "username": username, "password": password}
        response = self.client.post(f"{self.base}/sign-in", data=form, follow_redirects=False)
        assert response.status_code == 303, response.text

    def post(
        self,
        path: str,
        data: dict[str, str],
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        """A form sent with this browser's CSRF token (any page of the browser carries it)."""
        token = self.token(self.base)
        return self.client.post(
            path, data={CSRF_FIELD: token, **data}, files=files, follow_redirects=False
        )


def _new_issuer(client: TestClient, slug: str, name: str) -> dict[str, str]:
    made = client.post(
        "/admin/issuers",
        json={"slug": slug, "name": name, "organisation_number": "556677-8899"},
        headers=ADMIN,
    )
    assert made.status_code == 201, made.text
    return made.json()


def _staff(runtime: Runtime, slug: str, username: str) -> None:
    with session_scope(runtime.engine) as session:
        tenant = service.tenant_by_slug(session, slug)
        staff_service.create_account(session, runtime, "issuer", tenant.id, username, PASSWORD)


@pytest.fixture
def app_client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def issuers(app_client: TestClient, runtime: Runtime) -> dict[str, dict[str, str]]:
    made = {
        "yh-akademin": _new_issuer(app_client, "yh-akademin", "YH-akademin"),
        "annan-skola": _new_issuer(app_client, "annan-skola", "Annan skola"),
    }
    _staff(runtime, "yh-akademin", "anna")
    _staff(runtime, "annan-skola", "bosse")
    return made


@pytest.fixture
def browser(runtime: Runtime, issuers: dict[str, dict[str, str]]) -> Iterator[Browser]:
    """A fresh browser signed in as anna, staff of yh-akademin."""
    with TestClient(create_app(runtime=runtime), base_url=BASE_URL) as client:
        signed_in = Browser(client, "yh-akademin")
        signed_in.sign_in("anna")
        yield signed_in


@pytest.fixture
def protocol(
    app_client: TestClient, issuers: dict[str, dict[str, str]], clock: FixedClock
) -> Protocol:
    issuer = issuers["yh-akademin"]
    auth = {"Authorization": f"Bearer {issuer['api_key']}"}
    return Protocol(app_client, issuer["slug"], issuer["issuer"], auth, clock)

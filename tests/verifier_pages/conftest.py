"""Fixtures for the verifier's pages: the one-process app of the verifier's suites (an issuer
on the trust list, a verifier), and a browser signed in (on the sign-in page) as a member of
the verifier's staff."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.db import session_scope
from core.pages.security import CSRF_FIELD
from core.staff import service as staff
from tests.e2e.conftest import BASE, client, operator_key  # noqa: F401  (fixtures)
from tests.verifier.conftest import app, outage, outbound, roles  # noqa: F401  (fixtures)
from tests.verifier.support import SLUG, Roles
from verifier import service

PORTAL = f"/verifiers/{SLUG}"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """A browser (its own cookie jar) signed in at a verifier's portal."""

    client: TestClient

    def get(self, path: str, **kwargs: object):  # noqa: ANN201
        return self.client.get(path, follow_redirects=False, **kwargs)  # type: ignore[arg-type]

    def token(self, path: str = PORTAL) -> str:
        page = self.get(path)
        assert page.status_code == 200, page.text
        match = CSRF_RE.search(page.text)
        assert match, "no CSRF field on the page"
        return match.group(1)

    def post(self, path: str, data: dict[str, str] | None = None, *, token: str | None = None):  # noqa: ANN201
        form = {CSRF_FIELD: token or self.token(), **(data or {})}
        return self.client.post(path, data=form, follow_redirects=False)


PASSWORD = "correct horse battery staple"


def add_staff(setup: Roles, slug: str = SLUG, username: str = "maja") -> None:
    rt = setup.client.app.state.runtime  # type: ignore[attr-defined]
    with session_scope(rt.engine) as session:
        tenant = service.tenant_by_slug(session, slug)
        staff.create_account(
            session, rt, "verifier", tenant.id, username, PASSWORD, "Maja Rekryterare"
        )


def signed_in(application: FastAPI, slug: str = SLUG, username: str = "maja") -> Browser:
    """A new browser, signed in through the verifier's sign-in page."""
    browser = Browser(TestClient(application, base_url=BASE))
    portal = f"/verifiers/{slug}"
    token = browser.token(f"{portal}/sign-in")
    done = browser.post(
        f"{portal}/sign-in", {"username": username, "password": PASSWORD}, token=token
    )
    assert done.status_code == 303, done.text
    return browser


@pytest.fixture
def browser(app: FastAPI, roles: Roles) -> Browser:  # noqa: F811
    add_staff(roles)
    return signed_in(app)

"""Fixtures for the verifier's pages: the one-process app of the verifier's suites (an issuer
on the trust list, a verifier), and a browser signed in as a member of the verifier's staff."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.pages.security import CSRF_FIELD
from tests.e2e.conftest import BASE, client, operator_key  # noqa: F401  (fixtures)
from tests.verifier.conftest import app, outage, outbound, roles  # noqa: F401  (fixtures)
from tests.verifier.support import SLUG, Roles
from verifier import pages as verifier_pages

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


def sign_in(
    application: FastAPI, setup: Roles, slug: str = SLUG, name: str = "Maja Rekryterare"
) -> None:
    """TODO(staff): sign in through the staff sign-in page once the staff branch is merged."""
    tenant_id = tenant_id_of(setup, slug)

    def staff() -> verifier_pages.StaffMember:
        return verifier_pages.StaffMember(tenant_id=tenant_id, display_name=name)

    application.dependency_overrides[verifier_pages.current_staff] = staff


def tenant_id_of(setup: Roles, slug: str) -> str:
    from sqlmodel import Session

    from verifier import service

    with Session(setup.client.app.state.runtime.engine) as session:  # type: ignore[attr-defined]
        return service.tenant_by_slug(session, slug).id


@pytest.fixture
def browser(app: FastAPI, roles: Roles) -> Browser:  # noqa: F811
    sign_in(app, roles)
    return Browser(TestClient(app, base_url=BASE))

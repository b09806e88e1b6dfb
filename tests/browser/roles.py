"""Seeding the live server for browser tests through the roles' HTTP APIs (as an operator or an
integration would), on the demo's tenants, so that the pages are what is under test."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page

from intyg.commands.demo import DEMO_VERIFIER_SLUG, DemoSetup
from tests.browser.conftest import LiveServer
from tests.helpers import learner_claims

PASSWORD = "correct horse battery staple"


def api(live_server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=live_server.url, timeout=30)


def offer(live_server: LiveServer, setup: DemoSetup, **claims: object) -> str:
    """An offer for Alva from the demo issuer: its link."""
    with api(live_server) as client:
        made = client.post(
            f"/issuers/{setup.issuer_slug}/admin/offers",
            json={"claims": learner_claims(**claims), "tx_code": False},
            headers={"Authorization": f"Bearer {setup.issuer_api_key}"},
        )
        assert made.status_code == 201, made.text
        return str(made.json()["credential_offer"])


def skill_query(live_server: LiveServer, *, optional_grade: bool = True) -> dict[str, object]:
    """Names required, and the grade optional (or not asked for)."""
    claims: list[dict[str, object]] = [
        {"id": "given", "path": ["given_name"]},
        {"id": "family", "path": ["family_name"]},
    ]
    credential: dict[str, object] = {
        "id": "skill",
        "format": "dc+sd-jwt",
        "meta": {"vct_values": [f"{live_server.url}/types/skill-credential"]},
        "claims": claims,
    }
    if optional_grade:
        claims.append({"id": "grade", "path": ["assessment_grade"]})
        credential["claim_sets"] = [["given", "family", "grade"], ["given", "family"]]
    return {"credentials": [credential]}


def verifier_request(
    live_server: LiveServer, setup: DemoSetup, purpose: str, purpose_id: str | None = None
) -> str:
    """The demo employer's request (names required, grade optional): its openid4vp:// link.
    ``purpose_id`` names the registered purpose it is for."""
    query = skill_query(live_server)
    named = {} if purpose_id is None else {"purpose_id": purpose_id}
    with api(live_server) as client:
        asked = client.post(
            f"/verifiers/{DEMO_VERIFIER_SLUG}/requests",
            json={"purpose": purpose, "dcql_query": query, **named},
            headers={"Authorization": f"Bearer {setup.verifier_api_key}"},
        )
        assert asked.status_code == 201, asked.text
        return str(asked.json()["authorization_request"])


def staff_account(
    live_server: LiveServer, kind: str, slug: str, username: str, password: str = PASSWORD
) -> None:
    """A staff account of the issuer or verifier ``slug`` (as ``intyg … staff add`` makes)."""
    from core.db import session_scope
    from core.staff import service as staff
    from issuer import service as issuer_service
    from verifier import service as verifier_service

    runtime = live_server.runtime
    with session_scope(runtime.engine) as session:
        tenants = issuer_service if kind == "issuer" else verifier_service
        tenant = tenants.tenant_by_slug(session, slug)
        staff.create_account(session, runtime, kind, tenant.id, username, password)


def sign_in_staff(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()

"""Seeding the live server for browser tests through the roles' HTTP APIs (as an operator or an
integration would), on the demo's tenants, so that the pages are what is under test."""

from __future__ import annotations

import httpx

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


def verifier_request(live_server: LiveServer, setup: DemoSetup, purpose: str) -> str:
    """The demo employer's request (names required, grade optional): its openid4vp:// link."""
    vct = f"{live_server.url}/types/skill-credential"
    query = {
        "credentials": [
            {
                "id": "skill",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [vct]},
                "claims": [
                    {"id": "given", "path": ["given_name"]},
                    {"id": "family", "path": ["family_name"]},
                    {"id": "grade", "path": ["assessment_grade"]},
                ],
                "claim_sets": [["given", "family", "grade"], ["given", "family"]],
            }
        ]
    }
    with api(live_server) as client:
        asked = client.post(
            f"/verifiers/{DEMO_VERIFIER_SLUG}/requests",
            json={"purpose": purpose, "dcql_query": query},
            headers={"Authorization": f"Bearer {setup.verifier_api_key}"},
        )
        assert asked.status_code == 201, asked.text
        return str(asked.json()["authorization_request"])

"""OpenID4VCI 1.0 with an independent wallet: ``@openid4vc/openid4vci`` and
``@openid4vc/oauth2`` (``openid4vci.mjs``) collect from Intyg's issuer over real HTTP.

The app is served by uvicorn on a loopback port (``tests.browser.harness.serving``, the real
clock) and the issuer signs learners in at a real OpenID Connect provider (npm
``oidc-provider``, ``tests/oidc_provider``). The npm wallet resolves the metadata, pushes the
authorization request (PKCE, DPoP) and returns the authorization URL; the test plays the
browser (authorize, the eID sign-in, the issuer's callback) and hands the redirect back; the
npm wallet checks ``iss``, redeems the code with PKCE and DPoP, collects by
``credential_identifier`` with its own holder keys, and refreshes. What it got is verified by
``@sd-jwt/sd-jwt-vc`` (``sdjwtvc.mjs``) with the keys of Intyg's JWT VC Issuer Metadata.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp

from core.config import Settings
from intyg.app import create_app
from tests.browser.conftest import live_runtime
from tests.browser.harness import serving
from tests.helpers import create_issuer, learner_claims
from tests.interop import node
from tests.issuer.support import decode_part
from tests.issuer.test_authcode import (
    CONFIGURATION,
    SECRET,
    SLUG,
    USERS,
    WALLET,
    connect_eid,
    put_records,
)
from tests.oidc_provider import harness

CLIENT_ID = "npm-wallet"


@dataclass(frozen=True)
class Served:
    """Intyg on a loopback port, its issuer connected to the eID provider, Anna's records."""

    url: str
    http: httpx.Client  # the test's browser and the provider's admin, with a cookie jar
    provider: harness.Provider
    issuer: str
    auth: dict[str, str]
    records: dict[str, str]

    def authorize(self, state: str) -> dict[str, object]:
        job = {
            "op": "authorize",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "redirect_uri": WALLET,
            "scope": CONFIGURATION,
            "state": state,
        }
        [answer] = node.run("openid4vci", [job])
        return node.ok(answer)

    def sign_in(self, authorization_url: str, account: str = "anna") -> str:
        """The browser's part: authorize, sign in at the eID provider, the issuer's callback;
        the redirect to the wallet, with the authorization response."""
        assert authorization_url.startswith(f"{self.issuer}/authorize?")
        started = self.http.get(authorization_url)
        assert started.status_code == 303, started.text
        back = self.provider.login(started.headers["location"], account)
        answer = self.http.get(f"/issuers/{SLUG}/eid/callback", params=back)
        assert answer.status_code == 303, answer.text
        location = answer.headers["location"]
        assert location.startswith(WALLET + "?")
        return str(location)

    def collect_job(
        self, started: dict[str, object], state: str, **job: object
    ) -> dict[str, object]:
        return {
            "op": "collect",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "redirect_uri": WALLET,
            "state": state,
            "pkce_verifier": started["pkce_verifier"],
            "dpop_jwk": started["dpop_jwk"],
            "dpop_nonce": started["dpop_nonce"],
            **job,
        }

    def verify(self, credential: str) -> dict[str, object]:
        """``@sd-jwt/sd-jwt-vc`` verifies ``credential`` with the issuer's published keys and
        its status list; the processed claims."""
        path = urlsplit(self.issuer).path
        metadata = self.http.get(f"/.well-known/jwt-vc-issuer{path}").raise_for_status().json()
        assert metadata["issuer"] == self.issuer
        payload = decode_part(credential.split("~")[0], 1)
        uri = payload["status"]["status_list"]["uri"]
        lists = {uri: self.http.get(urlsplit(uri).path).raise_for_status().text}
        job = {
            "op": "verify",
            "credential": credential,
            "jwks": metadata["jwks"],
            "status_lists": lists,
            "now": int(time.time()),
        }
        [answer] = node.run("sdjwtvc", [job])
        claims = node.ok(answer)["claims"]
        assert isinstance(claims, dict)
        return claims


@pytest.fixture
def served(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[Served]:
    def build(base_url: str) -> ASGIApp:
        return create_app(runtime=live_runtime(settings, engine, base_url, tmp_path))

    with serving(build) as url:
        eid_client = {
            "client_id": "intyg",
            "client_secret": SECRET,
            "redirect_uris": [f"{url}/issuers/{SLUG}/eid/callback"],
            "token_endpoint_auth_method": "client_secret_basic",
        }
        with (
            harness.start([eid_client], USERS) as provider,
            httpx.Client(base_url=url, timeout=60, follow_redirects=False) as http,
        ):
            issuer = create_issuer(http)
            auth = {"Authorization": f"Bearer {issuer['api_key']}"}
            connect_eid(http, provider, auth)
            records = put_records(http, auth)
            yield Served(url, http, provider, issuer["issuer"], auth, records)


def test_npm_wallet_collects_with_eid_par_pkce_dpop_and_refreshes(served: Served) -> None:
    state = secrets.token_urlsafe(16)
    started: Any = served.authorize(state)
    assert started["as_issuer"] == served.issuer  # Intyg is its own authorization server
    assert started["pkce_method"] == "S256"
    assert CONFIGURATION in started["configurations"]
    redirect = served.sign_in(str(started["authorization_url"]))
    job = served.collect_job(started, state, callback_url=redirect, holders=2)
    [answer] = node.run("openid4vci", [job])
    done: Any = node.ok(answer)
    assert done["response"]["iss"] == served.issuer
    token = done["token"]
    assert token["token_type"] == "DPoP" and isinstance(token["refresh_token"], str)
    [details] = token["authorization_details"]
    assert details["credential_configuration_id"] == CONFIGURATION
    # Anna's records, never another person's
    ready, pending = served.records["ready"], served.records["pending"]
    assert sorted(details["credential_identifiers"]) == sorted([ready, pending])
    credentials = done["credentials"]
    assert credentials[pending]["status"] == 202  # §9: deferred
    assert set(credentials[pending]["body"]) == {"transaction_id", "interval"}
    issued = credentials[ready]
    assert issued["status"] == 200, issued
    assert len(issued["body"]["credentials"]) == 2 and issued["body"]["notification_id"]
    # one credential per holder key of the npm wallet, each verified by @sd-jwt/sd-jwt-vc
    holders = done["holder_jwks"]
    for held, holder in zip(issued["body"]["credentials"], holders, strict=True):
        claims = served.verify(held["credential"])
        assert claims["iss"] == served.issuer
        assert claims["cnf"] == {"jwk": holder}
        assert claims["given_name"] == learner_claims()["given_name"]
    # refresh: a new DPoP-bound access token and a rotated refresh token, no sign-in
    refresh = {
        "op": "refresh",
        "issuer": served.issuer,
        "client_id": CLIENT_ID,
        "refresh_token": token["refresh_token"],
        "dpop_jwk": started["dpop_jwk"],
        "dpop_nonce": done["dpop_nonce"],
    }
    [again, replayed] = node.run("openid4vci", [refresh, refresh])
    fresh: Any = node.ok(again)["token"]
    assert fresh["refresh_token"] != token["refresh_token"]
    assert fresh["authorization_details"] == token["authorization_details"]
    assert "invalid_grant" in node.refused(replayed)  # the rotated-out refresh token
    # deferred (§9) and notification (§11) with the refreshed token, through the library
    wallet = {
        "issuer": served.issuer,
        "client_id": CLIENT_ID,
        "access_token": fresh["access_token"],
        "dpop_jwk": started["dpop_jwk"],
        "dpop_nonce": done["dpop_nonce"],
    }
    transaction = {
        "op": "deferred",
        "transaction_id": credentials[pending]["body"]["transaction_id"],
    }
    [still] = node.run("openid4vci", [wallet | transaction])
    assert node.ok(still)["status"] == 202
    completed = served.http.patch(
        f"/issuers/{SLUG}/admin/records/{pending}",
        json={"claims": {"assessment_grade": "G"}},
        headers=served.auth,
    )
    assert completed.status_code == 200, completed.text
    [later] = node.run("openid4vci", [wallet | transaction])
    response: Any = node.ok(later)["response"]
    # one per holder key of the pending request, now with the grade
    for held, holder in zip(response["credentials"], holders, strict=True):
        claims = served.verify(held["credential"])
        assert claims["assessment_grade"] == "G" and claims["cnf"] == {"jwk": holder}
    notes = [
        {
            "op": "notify",
            "notification_id": response["notification_id"],
            "event": "credential_accepted",
        },
        {
            "op": "notify",
            "notification_id": issued["body"]["notification_id"],
            "event": "credential_deleted",
        },
    ]
    told = node.run("openid4vci", [wallet | note for note in notes])
    assert [node.ok(answer)["status"] for answer in told] == [204, 204]
    listed = served.http.get(f"/issuers/{SLUG}/admin/records", headers=served.auth).json()
    events = {r["id"]: json.dumps(r) for r in listed["records"]}
    assert "credential_accepted" in events[pending] and "credential_deleted" in events[ready]


def test_npm_wallet_refuses_a_foreign_iss_and_intyg_a_wrong_pkce_verifier(
    served: Served,
) -> None:
    state = secrets.token_urlsafe(16)
    started: Any = served.authorize(state)
    redirect = served.sign_in(str(started["authorization_url"]))
    base, query = redirect.split("?", 1)
    params = dict(parse_qsl(query))
    forged = f"{base}?{urlencode(params | {'iss': 'http://localhost:9/issuers/other'})}"
    wrong_state = f"{base}?{urlencode(params | {'state': 'not-ours'})}"
    wrong_verifier = secrets.token_urlsafe(32)
    answers = node.run(
        "openid4vci",
        [
            served.collect_job(started, state, callback_url=forged),  # RFC 9207
            served.collect_job(started, state, callback_url=wrong_state),
            served.collect_job(
                started, state, callback_url=redirect, pkce_verifier_sent=wrong_verifier
            ),
        ],
    )
    assert "'iss' value in the authorization response does not match" in node.refused(answers[0])
    assert "state" in node.refused(answers[1])
    refused = node.refused(answers[2])  # Intyg's token endpoint, RFC 7636 §4.6
    assert answers[2]["detail"]["error"] == "invalid_grant", refused


def test_npm_wallet_collects_a_pre_authorized_offer(served: Served) -> None:
    offered = served.http.post(
        f"/issuers/{SLUG}/admin/offers",
        json={"claims": learner_claims()},
        headers=served.auth,
    )
    assert offered.status_code == 201, offered.text
    uri = offered.json()["credential_offer_uri"]
    link = "openid-credential-offer://?" + urlencode({"credential_offer_uri": uri})
    [answer] = node.run("openid4vci", [{"op": "offer", "offer": link, "client_id": CLIENT_ID}])
    done: Any = node.ok(answer)
    assert done["token"]["token_type"] == "DPoP"
    [held] = done["credential"]["credentials"]
    claims = served.verify(held["credential"])
    assert claims["cnf"] == {"jwk": done["holder_jwk"]}

"""An issuer's eID broker connection: configured through the admin API, then used by
``issuer.eid`` to sign a learner in at a real OpenID Connect provider (npm ``oidc-provider``,
``tests/oidc_provider``) with either client authentication."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from core import oidc
from core.clock import FixedClock
from core.runtime import Runtime
from issuer import eid, service
from issuer.models import IssuerEidConnection
from tests.oidc_provider import harness

SLUG = "yh-akademin"
REDIRECT = f"http://localhost:8000/issuers/{SLUG}/eid/callback"
JWKS_URL = f"http://localhost:8000/issuers/{SLUG}/eid/jwks.json"
SECRET = "the-brokers-secret-for-intyg-0123456789abcdef"
USERS = {
    "anna": {
        "given_name": "Anna",
        "family_name": "Andersson",
        oidc.CLAIM_PERSONAL_IDENTITY_NUMBER: "19121212-1212",
    }
}


@pytest.fixture
def clock() -> FixedClock:
    """The provider runs on the real clock: so does Intyg here (ID tokens are checked by it)."""
    return FixedClock(int(time.time()))


@pytest.fixture(scope="module")
def provider() -> Iterator[harness.Provider]:
    client = {
        "client_id": "intyg-basic",
        "client_secret": SECRET,
        "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    with harness.start([client], USERS) as started:
        yield started


def put_eid(client: TestClient, auth: dict[str, str], **body: object) -> dict[str, object]:
    response = client.put(f"/issuers/{SLUG}/admin/eid", json=body, headers=auth)
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def sign_in(runtime: Runtime, provider: harness.Provider) -> oidc.Identity:
    with Session(runtime.engine) as session:
        connection = eid.connection(session, runtime, service.tenant_by_slug(session, SLUG))
    url, kept = eid.begin(runtime, connection, connection.redirect_uri)
    response = provider.login(url, "anna")
    return eid.finish(runtime, connection, response, kept, connection.redirect_uri)


ANNA = oidc.Identity(
    issuer="",  # the provider's, filled in by each test
    subject="anna",
    personal_identity_number="191212121212",
    given_name="Anna",
    family_name="Andersson",
)


def test_sign_in_with_client_secret_basic_configured_by_the_admin_api(
    client: TestClient,
    issuer_auth: dict[str, str],
    runtime: Runtime,
    provider: harness.Provider,
) -> None:
    answer = put_eid(
        client,
        issuer_auth,
        discovery_url=provider.discovery_url,
        client_id="intyg-basic",
        auth_method="client_secret_basic",
        client_secret=SECRET,
    )
    assert answer == {
        "discovery_url": provider.discovery_url,
        "client_id": "intyg-basic",
        "auth_method": "client_secret_basic",
        "scope": oidc.DEFAULT_SCOPE,
        "identity_claim": oidc.CLAIM_PERSONAL_IDENTITY_NUMBER,
        "redirect_uri": REDIRECT,
    }
    assert sign_in(runtime, provider) == dataclasses.replace(ANNA, issuer=provider.issuer)
    read = client.get(f"/issuers/{SLUG}/admin/eid", headers=issuer_auth)
    assert read.status_code == 200 and read.json() == answer
    assert SECRET not in read.text
    with Session(runtime.engine) as session:
        row = session.get(IssuerEidConnection, service.tenant_by_slug(session, SLUG).id)
        assert row is not None and row.sealed_secret is not None
        assert SECRET.encode() not in row.sealed_secret  # sealed under the master key
    assert client.get(JWKS_URL).status_code == 404  # no key of its own with a secret


def test_sign_in_with_private_key_jwt_whose_jwks_intyg_publishes(
    client: TestClient, issuer_auth: dict[str, str], runtime: Runtime
) -> None:
    with harness.start([], USERS) as placeholder:  # only for a discovery URL to configure
        answer = put_eid(
            client,
            issuer_auth,
            discovery_url=placeholder.discovery_url,
            client_id="intyg-jwt",
            auth_method="private_key_jwt",
        )
    assert answer["jwks_uri"] == JWKS_URL and "client_secret" not in answer
    jwks = client.get(JWKS_URL).json()
    assert [key["kty"] for key in jwks["keys"]] == ["EC"] and "d" not in jwks["keys"][0]
    registered = {
        "client_id": "intyg-jwt",
        "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "ES256",
        "jwks": jwks,  # what the operator registers at the broker (or its URL)
    }
    with harness.start([registered], USERS) as provider:
        put_eid(
            client,
            issuer_auth,
            discovery_url=provider.discovery_url,
            client_id="intyg-jwt",
            auth_method="private_key_jwt",
        )
        assert client.get(JWKS_URL).json() == jwks  # configured again: the same key
        identity = sign_in(runtime, provider)
    assert identity.personal_identity_number == "191212121212"
    assert identity.subject == "anna" and identity.issuer == provider.issuer


def test_finish_refuses_a_callback_with_another_state(
    client: TestClient,
    issuer_auth: dict[str, str],
    runtime: Runtime,
    provider: harness.Provider,
) -> None:
    put_eid(
        client,
        issuer_auth,
        discovery_url=provider.discovery_url,
        client_id="intyg-basic",
        auth_method="client_secret_basic",
        client_secret=SECRET,
    )
    with Session(runtime.engine) as session:
        connection = eid.connection(session, runtime, service.tenant_by_slug(session, SLUG))
    url, kept = eid.begin(runtime, connection, connection.redirect_uri)
    response = provider.login(url, "anna")
    forged = {**response, "state": "another-browser's-state"}
    with pytest.raises(oidc.OidcStateMismatch):
        eid.finish(runtime, connection, forged, kept, connection.redirect_uri)


# --- admin API -------------------------------------------------------------------------------


def test_admin_eid_is_404_until_configured_and_needs_the_api_key(
    client: TestClient, issuer_auth: dict[str, str]
) -> None:
    missing = client.get(f"/issuers/{SLUG}/admin/eid", headers=issuer_auth)
    assert missing.status_code == 404
    assert missing.json()["code"] == "issuer_eid_not_configured"
    assert client.get(f"/issuers/{SLUG}/admin/eid").status_code == 401
    body = {"discovery_url": "https://broker.example.se", "client_id": "c", "auth_method": "x"}
    assert client.put(f"/issuers/{SLUG}/admin/eid", json=body).status_code == 401


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"discovery_url": "http://broker.example.se", "auth_method": "private_key_jwt"},
            "issuer_eid_connection_invalid",
        ),
        ({"auth_method": "client_secret_basic"}, "issuer_eid_connection_invalid"),
        (
            {"auth_method": "private_key_jwt", "client_secret": SECRET},
            "issuer_eid_connection_invalid",
        ),
        (
            {"auth_method": "private_key_jwt", "scope": "profile email"},
            "issuer_eid_connection_invalid",
        ),
        ({"auth_method": "client_secret_jwt"}, "invalid_input"),
        ({"auth_method": "private_key_jwt", "surprise": 1}, "invalid_input"),
        ({"auth_method": "client_secret_basic", "client_secret": ""}, "invalid_input"),
    ],
    ids=[
        "http_not_loopback",
        "basic_without_secret",
        "secret_with_private_key_jwt",
        "scope_without_openid",
        "unknown_auth_method",
        "unknown_field",
        "empty_secret",
    ],
)
def test_admin_eid_refuses_bad_input_with_problem_details(
    client: TestClient, issuer_auth: dict[str, str], body: dict[str, object], code: str
) -> None:
    full = {"discovery_url": "https://broker.example.se", "client_id": "intyg", **body}
    response = client.put(f"/issuers/{SLUG}/admin/eid", json=full, headers=issuer_auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert SECRET not in response.text


def test_admin_eid_switching_to_a_secret_drops_the_key_and_back_makes_a_new_one(
    client: TestClient, issuer_auth: dict[str, str]
) -> None:
    base = {"discovery_url": "https://broker.example.se", "client_id": "intyg"}
    put_eid(client, issuer_auth, **base, auth_method="private_key_jwt")
    first = client.get(JWKS_URL).json()
    put_eid(client, issuer_auth, **base, auth_method="client_secret_basic", client_secret=SECRET)
    assert client.get(JWKS_URL).status_code == 404
    answer = put_eid(client, issuer_auth, **base, auth_method="private_key_jwt")
    assert answer["jwks_uri"] == JWKS_URL
    assert client.get(JWKS_URL).json() != first

"""The authorization code flow at the issuer (OpenID4VCI 1.0 §5, §6, §8; RFC 9126 PAR, RFC 7636
PKCE, RFC 9207, RFC 9449 DPoP; HAIP 1.0 §4), driven by a Python wallet client against a real
OpenID Connect provider (npm ``oidc-provider``, ``tests/oidc_provider``) as the eID broker:
PAR → authorize → sign-in at the provider → callback → code → token → credential → refresh.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import oidc
from core.clock import FixedClock
from core.runtime import Runtime
from core.standards.authorization_code import s256
from issuer import authcode, authcode_repository
from issuer.models import IssuerAuthorization, IssuerGrantToken, IssuerPushedRequest, IssuerSignIn
from tests.helpers import create_issuer, learner_claims
from tests.issuer.support import Protocol, decode_part, new_key, oauth_error
from tests.oidc_provider import harness

SLUG = "yh-akademin"
EID_CALLBACK = f"http://localhost:8000/issuers/{SLUG}/eid/callback"
SECRET = "the-brokers-secret-for-intyg-0123456789abcdef"
WALLET = "https://wallet.example/callback"
ANNA = "19121212-1212"
OTHER = "19900101-0017"
USERS = {
    "anna": {"given_name": "Anna", oidc.CLAIM_PERSONAL_IDENTITY_NUMBER: ANNA},
    "nobody": {"given_name": "Ingen", oidc.CLAIM_PERSONAL_IDENTITY_NUMBER: "19800101-0002"},
}
CONFIGURATION = "skill_credential_sd_jwt"


@pytest.fixture
def clock() -> FixedClock:
    """The provider runs on the real clock: so does Intyg here (ID tokens are checked by it)."""
    return FixedClock(int(time.time()))


@pytest.fixture(scope="module")
def provider() -> Iterator[harness.Provider]:
    client = {
        "client_id": "intyg",
        "client_secret": SECRET,
        "redirect_uris": [EID_CALLBACK],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    with harness.start([client], USERS) as started:
        yield started


@dataclass
class Wallet:
    """A wallet (public client) collecting at the issuer with the authorization code flow."""

    client: TestClient
    protocol: Protocol
    provider: harness.Provider
    client_id: str = "wallet-app"
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    def par(self, **changes: str | None) -> httpx.Response:
        form: dict[str, str | None] = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": WALLET,
            "code_challenge": s256(self.verifier),
            "code_challenge_method": "S256",
            "state": self.state,
            "scope": CONFIGURATION,
        }
        form.update(changes)
        data = {k: v for k, v in form.items() if v is not None}
        return self.client.post(f"/issuers/{SLUG}/par", data=data)

    def request_uri(self, **changes: str | None) -> str:
        response = self.par(**changes)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
        assert 0 < body["expires_in"] <= 600
        return str(body["request_uri"])

    def authorize(self, request_uri: str) -> httpx.Response:
        params = {"client_id": self.client_id, "request_uri": request_uri}
        return self.client.get(f"/issuers/{SLUG}/authorize", params=params, follow_redirects=False)

    def sign_in(self, request_uri: str, account: str = "anna") -> dict[str, str]:
        """Authorize, sign in at the eID provider, come back: the authorization response."""
        started = self.authorize(request_uri)
        assert started.status_code == 303, started.text
        assert started.headers["location"].startswith(self.provider.issuer)
        cookie = started.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        back = self.provider.login(started.headers["location"], account)
        answer = self.client.get(
            f"/issuers/{SLUG}/eid/callback", params=back, follow_redirects=False
        )
        assert answer.status_code == 303, answer.text
        location = answer.headers["location"]
        assert location.startswith(WALLET + "?")
        return dict(parse_qsl(urlsplit(location).query))

    def code(self, account: str = "anna") -> str:
        response = self.sign_in(self.request_uri(), account)
        assert response["state"] == self.state
        assert response["iss"] == self.protocol.issuer  # RFC 9207
        return response["code"]

    def token(self, form: dict[str, str], *, key: jwk.JWK | None = None) -> httpx.Response:
        proof = self.protocol.dpop(key=key)
        return self.protocol.token_request(form, dpop=proof)

    def redeem(self, code: str, **changes: str | None) -> httpx.Response:
        form: dict[str, str | None] = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": WALLET,
            "code_verifier": self.verifier,
            "client_id": self.client_id,
        }
        form.update(changes)
        return self.token({k: v for k, v in form.items() if v is not None})

    def tokens(self, account: str = "anna") -> dict[str, object]:
        response = self.redeem(self.code(account))
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    def refresh(self, refresh_token: str, *, key: jwk.JWK | None = None) -> httpx.Response:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self.token(form | {"client_id": self.client_id}, key=key)

    def collect(self, access_token: str, identifier: str, holders: int = 1) -> httpx.Response:
        nonce = self.protocol.nonce()
        proofs = [self.protocol.proof(new_key(), nonce) for _ in range(holders)]
        body = {"credential_identifier": identifier, "proofs": {"jwt": proofs}}
        dpop = self.protocol.dpop(htu=self.protocol.credential_url, access_token=access_token)
        return self.protocol.credential_request(access_token, body, scheme="DPoP", dpop=dpop)


def put_records(client: httpx.Client, auth: dict[str, str]) -> dict[str, str]:
    pending = learner_claims(learner_identification=ANNA, achievement_title="Pågående kurs")
    del pending["assessment_grade"]
    items = [
        {"claims": learner_claims(learner_identification=ANNA), "idempotency_key": "anna-1"},
        {"claims": pending, "idempotency_key": "anna-2"},
        {"claims": learner_claims(learner_identification=OTHER), "idempotency_key": "other"},
    ]
    response = client.post(f"/issuers/{SLUG}/admin/records/batch", json=items, headers=auth)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    return {
        name: str(result["record"]["record_id"])
        for name, result in zip(("ready", "pending", "other"), results, strict=True)
    }


def connect_eid(client: httpx.Client, provider: harness.Provider, auth: dict[str, str]) -> None:
    """The issuer's eID connection: the provider, as client ``intyg`` with the secret."""
    connection = {
        "discovery_url": provider.discovery_url,
        "client_id": "intyg",
        "auth_method": "client_secret_basic",
        "client_secret": SECRET,
    }
    response = client.put(f"/issuers/{SLUG}/admin/eid", json=connection, headers=auth)
    assert response.status_code == 200, response.text


@pytest.fixture
def records(client: TestClient, issuer_auth: dict[str, str]) -> dict[str, str]:
    return put_records(client, issuer_auth)


@pytest.fixture
def wallet(
    client: TestClient,
    issuer_auth: dict[str, str],
    protocol: Protocol,
    provider: harness.Provider,
) -> Wallet:
    connect_eid(client, provider, issuer_auth)
    return Wallet(client, protocol, provider)


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    reflected = MetaData()
    reflected.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for name, table in reflected.tables.items()
            if name != "issuer_dpop_jti"  # spent even by a refused request, by design
        }


# --- the flow end to end ---------------------------------------------------------------------


def test_collect_with_eid_par_pkce_token_credential_deferred_and_refresh(
    wallet: Wallet, records: dict[str, str]
) -> None:
    tokens = wallet.tokens()
    assert tokens["token_type"] == "DPoP" and isinstance(tokens["refresh_token"], str)
    # §6.2: the learner's records at this issuer, never another person's
    [details] = tokens["authorization_details"]  # type: ignore[misc]
    assert details["type"] == "openid_credential"
    assert details["credential_configuration_id"] == CONFIGURATION
    assert sorted(details["credential_identifiers"]) == sorted(
        [records["ready"], records["pending"]]
    )
    access_token = str(tokens["access_token"])
    issued = wallet.collect(access_token, records["ready"], holders=2)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert len(body["credentials"]) == 2 and body["notification_id"]
    payload = decode_part(body["credentials"][0]["credential"].split("~")[0], 1)
    assert payload["iss"] == wallet.protocol.issuer and "cnf" in payload
    # a pending record: §8.3 HTTP 202 with transaction_id and interval
    later = wallet.collect(access_token, records["pending"])
    assert later.status_code == 202, later.text
    assert set(later.json()) == {"transaction_id", "interval"}
    # refresh: a new access token without signing in again, and a new refresh token
    refreshed = wallet.refresh(str(tokens["refresh_token"]))
    assert refreshed.status_code == 200, refreshed.text
    again = refreshed.json()
    assert again["refresh_token"] != tokens["refresh_token"]
    assert again["authorization_details"] == tokens["authorization_details"]
    assert wallet.collect(str(again["access_token"]), records["ready"]).status_code == 200


def test_authorization_details_instead_of_scope(wallet: Wallet, records: dict[str, str]) -> None:
    details = json.dumps(
        [{"type": "openid_credential", "credential_configuration_id": CONFIGURATION}]
    )
    response = wallet.sign_in(wallet.request_uri(scope=None, authorization_details=details))
    redeemed = wallet.redeem(response["code"])
    assert redeemed.status_code == 200, redeemed.text
    identifiers = redeemed.json()["authorization_details"][0]["credential_identifiers"]
    assert records["other"] not in identifiers


def test_an_eid_failure_redirects_with_access_denied(wallet: Wallet) -> None:
    started = wallet.authorize(wallet.request_uri())
    assert started.status_code == 303
    back = {"error": "access_denied", "state": "not-this-one"}
    answer = wallet.client.get(f"/issuers/{SLUG}/eid/callback", params=back, follow_redirects=False)
    assert answer.status_code == 303
    params = dict(parse_qsl(urlsplit(answer.headers["location"]).query))
    assert params == {
        "error": "access_denied",
        "iss": wallet.protocol.issuer,
        "state": wallet.state,
    }


# --- attacks ---------------------------------------------------------------------------------


def test_rejects_a_token_request_without_pkce_verifier(wallet: Wallet, engine: Engine) -> None:
    code = wallet.code()
    before = snapshot(engine)
    oauth_error(wallet.redeem(code, code_verifier=None), 400, "invalid_request")
    assert snapshot(engine) == before
    assert wallet.redeem(code).status_code == 200  # the code was not spent by the failure


def test_rejects_a_wrong_pkce_verifier(wallet: Wallet, engine: Engine) -> None:
    code = wallet.code()
    before = snapshot(engine)
    body = oauth_error(
        wallet.redeem(code, code_verifier=secrets.token_urlsafe(32)), 400, "invalid_grant"
    )
    assert code not in json.dumps(body)
    assert snapshot(engine) == before


def test_rejects_code_reuse(wallet: Wallet) -> None:
    code = wallet.code()
    assert wallet.redeem(code).status_code == 200
    oauth_error(wallet.redeem(code), 400, "invalid_grant")


def test_rejects_a_redirect_uri_not_the_one_pushed(wallet: Wallet) -> None:
    code = wallet.code()
    oauth_error(wallet.redeem(code, redirect_uri=WALLET + "/other"), 400, "invalid_grant")


def test_rejects_a_code_of_another_client(wallet: Wallet) -> None:
    code = wallet.code()
    oauth_error(wallet.redeem(code, client_id="another-wallet"), 400, "invalid_grant")


def test_rejects_a_request_uri_used_twice(wallet: Wallet) -> None:
    request_uri = wallet.request_uri()
    assert wallet.authorize(request_uri).status_code == 303
    oauth_error(wallet.authorize(request_uri), 400, "invalid_request")


def test_rejects_an_expired_request_uri(wallet: Wallet, clock: FixedClock) -> None:
    request_uri = wallet.request_uri()
    clock.advance(61)
    oauth_error(wallet.authorize(request_uri), 400, "invalid_request")


def test_rejects_authorize_without_par(wallet: Wallet) -> None:
    params = {
        "client_id": wallet.client_id,
        "response_type": "code",
        "redirect_uri": WALLET,
        "code_challenge": s256(wallet.verifier),
        "code_challenge_method": "S256",
        "scope": CONFIGURATION,
    }
    response = wallet.client.get(f"/issuers/{SLUG}/authorize", params=params)
    oauth_error(response, 400, "invalid_request")


def test_par_refuses_what_haip_forbids(wallet: Wallet) -> None:
    oauth_error(wallet.par(code_challenge=None), 400, "invalid_request")
    oauth_error(wallet.par(code_challenge_method="plain"), 400, "invalid_request")
    oauth_error(wallet.par(scope="openid other"), 400, "invalid_scope")
    bad = json.dumps([{"type": "openid_credential", "credential_configuration_id": "x"}])
    oauth_error(
        wallet.par(scope=None, authorization_details=bad), 400, "invalid_authorization_details"
    )
    oauth_error(wallet.par(response_type="token"), 400, "unsupported_response_type")
    oauth_error(wallet.par(redirect_uri="http://wallet.example/cb"), 400, "invalid_request")
    # malformed input is a clear refusal, never a server error (review M1)
    oauth_error(wallet.par(redirect_uri="https://[wallet/cb"), 400, "invalid_request")
    oauth_error(wallet.par(state="s\x00"), 400, "invalid_request")
    listed = json.dumps([{"type": "openid_credential", "credential_configuration_id": [1]}])
    oauth_error(
        wallet.par(scope=None, authorization_details=listed), 400, "invalid_authorization_details"
    )


def test_rejects_a_refresh_token_replayed_after_rotation(wallet: Wallet) -> None:
    tokens = wallet.tokens()
    assert wallet.refresh(str(tokens["refresh_token"])).status_code == 200
    oauth_error(wallet.refresh(str(tokens["refresh_token"])), 400, "invalid_grant")


def test_rejects_a_refresh_token_with_another_dpop_key(wallet: Wallet, engine: Engine) -> None:
    tokens = wallet.tokens()
    before = snapshot(engine)
    oauth_error(wallet.refresh(str(tokens["refresh_token"]), key=new_key()), 400, "invalid_grant")
    assert snapshot(engine) == before
    assert wallet.refresh(str(tokens["refresh_token"])).status_code == 200


def test_never_issues_a_record_of_another_person(
    wallet: Wallet, records: dict[str, str], engine: Engine
) -> None:
    tokens = wallet.tokens()
    before = snapshot(engine)
    response = wallet.collect(str(tokens["access_token"]), records["other"])
    oauth_error(response, 400, "unknown_credential_identifier")
    not_an_id = wallet.collect(str(tokens["access_token"]), "../records")
    oauth_error(not_an_id, 400, "unknown_credential_identifier")
    assert snapshot(engine) == before


def test_a_token_of_this_flow_names_credentials_by_identifier_only(
    wallet: Wallet, records: dict[str, str]
) -> None:
    access_token = str(wallet.tokens()["access_token"])
    nonce = wallet.protocol.nonce()
    body = {
        "credential_identifier": records["ready"],
        "credential_configuration_id": CONFIGURATION,  # §8.2: not both
        "proofs": {"jwt": [wallet.protocol.proof(new_key(), nonce)]},
    }
    proof = wallet.protocol.dpop(htu=wallet.protocol.credential_url, access_token=access_token)
    response = wallet.protocol.credential_request(access_token, body, scheme="DPoP", dpop=proof)
    oauth_error(response, 400, "invalid_credential_request")


def test_rejects_authorize_by_another_client_or_at_another_issuer(
    wallet: Wallet, client: TestClient
) -> None:
    request_uri = wallet.request_uri()
    thief = Wallet(wallet.client, wallet.protocol, wallet.provider, client_id="another-wallet")
    oauth_error(thief.authorize(request_uri), 400, "invalid_request")
    create_issuer(client, "annan-skola")
    params = {"client_id": wallet.client_id, "request_uri": request_uri}
    other = client.get("/issuers/annan-skola/authorize", params=params, follow_redirects=False)
    oauth_error(other, 400, "invalid_request")
    assert wallet.authorize(request_uri).status_code == 303  # still good where it was pushed


def test_a_callback_with_the_state_of_another_sign_in_is_access_denied(wallet: Wallet) -> None:
    """The eID answer of one browser's sign-in brought to another browser's (login CSRF)."""
    started = wallet.authorize(wallet.request_uri())
    victims_answer = wallet.provider.login(started.headers["location"], "nobody")
    wallet.client.cookies.clear()
    assert wallet.authorize(wallet.request_uri()).status_code == 303  # the attacker's browser
    answer = wallet.client.get(
        f"/issuers/{SLUG}/eid/callback", params=victims_answer, follow_redirects=False
    )
    assert answer.status_code == 303
    params = dict(parse_qsl(urlsplit(answer.headers["location"]).query))
    assert params["error"] == "access_denied" and "code" not in params


def test_a_callback_without_the_sign_in_cookie_is_refused(wallet: Wallet) -> None:
    started = wallet.authorize(wallet.request_uri())
    back = wallet.provider.login(started.headers["location"], "anna")
    wallet.client.cookies.clear()
    response = wallet.client.get(f"/issuers/{SLUG}/eid/callback", params=back)
    oauth_error(response, 400, "invalid_request")


def test_rejects_an_access_token_with_another_dpop_key(
    wallet: Wallet, records: dict[str, str]
) -> None:
    access_token = str(wallet.tokens()["access_token"])
    nonce = wallet.protocol.nonce()
    body = {
        "credential_identifier": records["ready"],
        "proofs": {"jwt": [wallet.protocol.proof(new_key(), nonce)]},
    }
    proof = wallet.protocol.dpop(
        htu=wallet.protocol.credential_url, access_token=access_token, key=new_key()
    )
    response = wallet.protocol.credential_request(access_token, body, scheme="DPoP", dpop=proof)
    assert response.status_code == 401, response.text
    as_bearer = wallet.protocol.credential_request(access_token, body)
    assert as_bearer.status_code == 401, as_bearer.text


def test_codes_tokens_and_the_personnummer_stay_out_of_the_logs(
    wallet: Wallet, records: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    code = wallet.code()
    redeemed = wallet.redeem(code).json()
    wallet.redeem(code)  # refused: its error is logged, if at all, without the code
    wallet.collect(str(redeemed["access_token"]), records["other"])
    secrets_seen = [code, redeemed["access_token"], redeemed["refresh_token"], "191212121212"]
    text = caplog.text + json.dumps([r.__dict__ for r in caplog.records], default=str)
    for value in secrets_seen:
        assert str(value) not in text
    assert ANNA not in text


def test_expired_requests_sign_ins_codes_and_tokens_are_purged(
    wallet: Wallet, runtime: Runtime, clock: FixedClock
) -> None:
    wallet.tokens()  # one of each kind of row
    wallet.authorize(wallet.request_uri())  # a sign-in left under way
    wallet.request_uri()  # a request never used
    tables = [IssuerPushedRequest, IssuerSignIn, IssuerAuthorization, IssuerGrantToken]

    def counts() -> list[int]:
        with Session(runtime.engine) as session:
            return [len(session.exec(select(t)).all()) for t in tables]  # type: ignore[call-overload]

    def purge(at: int) -> None:
        with Session(runtime.engine) as session:
            authcode_repository.purge_expired(session, at, authcode.SIGN_IN_TTL)
            session.commit()

    assert counts() == [3, 2, 1, 2]
    purge(clock.now())
    assert counts() == [3, 2, 1, 2]  # nothing is purged before it expires
    purge(clock.now() + authcode.REFRESH_TTL + authcode.SIGN_IN_TTL + 1)
    assert counts() == [0, 0, 0, 0]


def test_the_deferred_and_notification_endpoints_take_this_flows_tokens(
    wallet: Wallet, records: dict[str, str], client: TestClient, issuer_auth: dict[str, str]
) -> None:
    """A pending record's transaction_id, polled with the (refreshed) access token of the
    authorization, issues once the provider sets the grade; the wallet reports acceptance."""
    tokens = wallet.tokens()
    access_token = str(tokens["access_token"])
    later = wallet.collect(access_token, records["pending"])
    assert later.status_code == 202, later.text
    transaction_id = later.json()["transaction_id"]

    def call(endpoint: str, body: dict[str, object], token: str) -> httpx.Response:
        url = f"{wallet.protocol.issuer}/{endpoint}"
        dpop = wallet.protocol.dpop(htu=url, access_token=token)
        return client.post(
            url.removeprefix("http://localhost:8000"),
            json=body,
            headers={"Authorization": f"DPoP {token}", "DPoP": dpop},
        )

    still = call("deferred_credential", {"transaction_id": transaction_id}, access_token)
    assert still.status_code == 202, still.text
    completed = client.patch(
        f"/issuers/{SLUG}/admin/records/{records['pending']}",
        json={"claims": {"assessment_grade": "G"}},
        headers=issuer_auth,
    )
    assert completed.status_code == 200, completed.text
    refreshed = str(wallet.refresh(str(tokens["refresh_token"])).json()["access_token"])
    issued = call("deferred_credential", {"transaction_id": transaction_id}, refreshed)
    assert issued.status_code == 200, issued.text
    notification_id = issued.json()["notification_id"]
    told = call(
        "notification",
        {"notification_id": notification_id, "event": "credential_accepted"},
        refreshed,
    )
    assert told.status_code == 204, told.text
    listed = client.get(f"/issuers/{SLUG}/admin/records", headers=issuer_auth).json()
    [record] = [r for r in listed["records"] if r["id"] == records["pending"]]
    assert "credential_accepted" in json.dumps(record)

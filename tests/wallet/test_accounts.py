"""Holder accounts: sign-up rules, sign-in and its throttling, sessions, deletion, and what
the database keeps of passwords and session tokens."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from core.clock import FixedClock
from tests.wallet.conftest import BASE, sign_up_and_in
from tests.wallet.flows import (
    ask_grant,
    holder_id,
    receive,
    register_service,
    rows,
    service_auth,
    share,
)
from tests.wallet.verifier_double import VerifierDouble

PASSWORD = "correct horse battery staple"
ACCOUNT = {"username": "alva@example.se", "password": PASSWORD}


def sign_in(client: TestClient, username: str = "alva@example.se", password: str = PASSWORD):  # noqa: ANN201
    return client.post("/wallet/sessions", json={"username": username, "password": password})


def bearer(response) -> dict[str, str]:  # noqa: ANN001
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.mark.parametrize(
    "username",
    ["ab", "alva lindqvist", "åsa@example.se", "alva/../x", "a" * 255, "", "   "],
)
def test_sign_up_refuses_bad_usernames(client: TestClient, username: str) -> None:
    made = client.post("/wallet/accounts", json={"username": username, "password": PASSWORD})
    assert made.status_code == 422, made.text
    assert made.json()["code"] == "invalid_input"
    assert made.headers["content-type"].startswith("application/problem+json")


def test_sign_up_normalises_the_username_and_refuses_duplicates(client: TestClient) -> None:
    made = client.post(
        "/wallet/accounts", json={"username": "  Alva@Example.SE ", "password": PASSWORD}
    )
    assert made.status_code == 201, made.text
    assert made.json()["username"] == "alva@example.se"
    for same in ("alva@example.se", "ALVA@EXAMPLE.SE"):
        again = client.post(
            "/wallet/accounts", json={"username": same, "password": "another long password"}
        )
        assert again.status_code == 409 and again.json()["code"] == "account_exists"
    assert sign_in(client, "ALVA@example.se").status_code == 201


@pytest.mark.parametrize("password", ["", "short", "elevenchars"])
def test_sign_up_refuses_short_passwords(client: TestClient, password: str) -> None:
    made = client.post(
        "/wallet/accounts", json={"username": "alva@example.se", "password": password}
    )
    assert made.status_code == 422 and made.json()["code"] == "invalid_input"
    assert sign_in(client, password=password).status_code == 401


def test_wrong_password_and_unknown_user_get_the_same_answer(client: TestClient) -> None:
    assert client.post("/wallet/accounts", json=ACCOUNT).status_code == 201
    wrong = sign_in(client, password="not the right password")
    unknown = sign_in(client, username="nobody@example.se")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"
    assert wrong.json() == unknown.json()
    assert wrong.headers.get("www-authenticate") == unknown.headers.get("www-authenticate")


def test_five_failures_lock_the_account_until_the_window_passes(
    client: TestClient, clock: FixedClock
) -> None:
    assert client.post("/wallet/accounts", json=ACCOUNT).status_code == 201
    for _ in range(5):
        assert sign_in(client, password="not the right password").status_code == 401
    locked = sign_in(client)  # the right password
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_signin_attempts"
    unknown = sign_in(client, username="nobody@example.se")  # another account is not locked
    assert unknown.status_code == 401
    clock.advance(14 * 60)
    assert sign_in(client).status_code == 429
    clock.advance(60 + 1)
    assert sign_in(client).status_code == 201


def test_an_unknown_account_locks_like_a_real_one(client: TestClient) -> None:
    for _ in range(5):
        assert sign_in(client, username="nobody@example.se").status_code == 401
    locked = sign_in(client, username="nobody@example.se")
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_signin_attempts"


def test_twenty_failures_from_one_address_lock_the_address(
    app: FastAPI, client: TestClient, clock: FixedClock
) -> None:
    assert client.post("/wallet/accounts", json=ACCOUNT).status_code == 201
    for n in range(20):  # four failures each on five accounts: no single account locks
        answer = sign_in(
            client, username=f"user{n % 5}@example.se", password="not the right password"
        )
        assert answer.status_code == 401, (n, answer.text)
    locked = sign_in(client)
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_signin_attempts"
    with TestClient(app, base_url=BASE, client=("192.0.2.7", 40000)) as elsewhere:
        assert sign_in(elsewhere).status_code == 201  # another address is not locked
    clock.advance(15 * 60 + 1)
    assert sign_in(client).status_code == 201


def test_sign_out_revokes_only_that_session(client: TestClient) -> None:
    assert client.post("/wallet/accounts", json=ACCOUNT).status_code == 201
    first, second = bearer(sign_in(client)), bearer(sign_in(client))
    assert client.get("/wallet/credentials", headers=first).status_code == 200
    assert client.delete("/wallet/sessions/current", headers=first).status_code == 204
    gone = client.get("/wallet/credentials", headers=first)
    assert gone.status_code == 401 and gone.json()["code"] == "session_invalid"
    assert client.delete("/wallet/sessions/current", headers=first).status_code == 401
    assert client.get("/wallet/credentials", headers=second).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic YWx2YTpwdw=="])
def test_no_or_bad_token_is_session_invalid(client: TestClient, header: str | None) -> None:
    answer = client.get("/wallet/credentials", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401 and answer.json()["code"] == "session_invalid"


def test_sessions_expire_after_twelve_hours_however_busy(
    client: TestClient, clock: FixedClock
) -> None:
    auth = sign_up_and_in(client)
    for _ in range(24):  # used every half hour less a second: never idle
        clock.advance(30 * 60 - 1)
        assert client.get("/wallet/credentials", headers=auth).status_code == 200
    clock.advance(12 * 3600 - 24 * (30 * 60 - 1) - 1)
    assert client.get("/wallet/credentials", headers=auth).status_code == 200
    clock.advance(1)
    expired = client.get("/wallet/credentials", headers=auth)
    assert expired.status_code == 401 and expired.json()["code"] == "session_invalid"


def test_sessions_end_after_thirty_idle_minutes(client: TestClient, clock: FixedClock) -> None:
    auth = sign_up_and_in(client)
    clock.advance(29 * 60)
    assert client.get("/wallet/credentials", headers=auth).status_code == 200
    clock.advance(30 * 60 - 1)  # idle time counts from the last use, not the sign-in
    assert client.get("/wallet/credentials", headers=auth).status_code == 200
    clock.advance(30 * 60)
    idle = client.get("/wallet/credentials", headers=auth)
    assert idle.status_code == 401 and idle.json()["code"] == "session_invalid"


def test_a_session_notes_its_use_at_most_once_a_minute(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    auth = sign_up_and_in(client)
    signed_in_at = clock.now()

    def last_seen() -> int:
        ((seen,),) = rows(engine, "SELECT last_seen_at FROM wallet_session")
        return int(seen)

    assert last_seen() == signed_in_at
    clock.advance(59)
    assert client.get("/wallet/credentials", headers=auth).status_code == 200
    assert last_seen() == signed_in_at  # less than a minute: not written
    clock.advance(1)
    assert client.get("/wallet/credentials", headers=auth).status_code == 200
    assert last_seen() == signed_in_at + 60


HOLDER_TABLES = (
    "wallet_credential",
    "wallet_consent",
    "wallet_log",
    "wallet_session",
    "wallet_presentation_request",
    "wallet_grant_request",
    "wallet_offer_redemption",
)


def test_deleting_the_account_deletes_everything(
    client: TestClient, engine: Engine, issuer: dict, issuer_auth: dict, double: VerifierDouble
) -> None:
    auth = sign_up_and_in(client)
    other_session = bearer(sign_in(client))
    bo = sign_up_and_in(client, "bo@example.se")
    credential_id = receive(client, issuer, issuer_auth, auth)
    receive(client, issuer, issuer_auth, bo)
    share(client, double, auth, credential_id)
    service = register_service(client)
    asked = ask_grant(client, service)
    assert asked.status_code == 202, asked.text
    approved = client.post(
        f"/wallet/grant-requests/{asked.json()['id']}/approve",
        json={"credentials": {"skill": {"credential_id": credential_id}}},
        headers=auth,
    )
    assert approved.status_code == 200, approved.text
    alva, bo_id = holder_id(engine, "alva@example.se"), holder_id(engine, "bo@example.se")
    consent_ids = [
        r[0] for r in rows(engine, "SELECT id FROM wallet_consent WHERE holder_id = :h", h=alva)
    ]
    assert len(consent_ids) == 2
    for table in HOLDER_TABLES:
        assert (
            rows(engine, f"SELECT count(*) FROM {table} WHERE holder_id = :h", h=alva)[0][0] > 0
        ), table
    bo_before = {
        t: rows(engine, f"SELECT count(*) FROM {t} WHERE holder_id = :h", h=bo_id)[0][0]
        for t in HOLDER_TABLES
    }

    assert client.delete("/wallet/accounts/me", headers=auth).status_code == 204

    for table in HOLDER_TABLES:
        assert (
            rows(engine, f"SELECT count(*) FROM {table} WHERE holder_id = :h", h=alva)[0][0] == 0
        ), table
    assert rows(engine, "SELECT count(*) FROM wallet_holder WHERE id = :h", h=alva)[0][0] == 0
    for consent_id in consent_ids:
        assert (
            rows(
                engine,
                "SELECT count(*) FROM wallet_consent_event WHERE consent_id = :c",
                c=consent_id,
            )[0][0]
            == 0
        )
    for token in (auth, other_session):
        answer = client.get("/wallet/credentials", headers=token)
        assert answer.status_code == 401 and answer.json()["code"] == "session_invalid"
    assert sign_in(client).status_code == 401
    pulled = client.post(
        f"/wallet/grants/{asked.json()['id']}/presentations",
        json={"nonce": "n-1"},
        headers=service_auth(service),
    )
    assert pulled.status_code == 403
    bo_after = {
        t: rows(engine, f"SELECT count(*) FROM {t} WHERE holder_id = :h", h=bo_id)[0][0]
        for t in HOLDER_TABLES
    }
    assert bo_after == bo_before  # nobody else's data went with it
    assert client.get("/wallet/credentials", headers=bo).status_code == 200
    # the username is free again
    assert client.post("/wallet/accounts", json=ACCOUNT).status_code == 201


def test_passwords_are_argon2id_and_session_tokens_only_hashes(
    client: TestClient, engine: Engine
) -> None:
    assert client.post("/wallet/accounts", json=ACCOUNT).status_code == 201
    token = sign_in(client).json()["token"]
    (password_hash,) = rows(engine, "SELECT password_hash FROM wallet_holder")[0]
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash
    import hashlib

    stored = [r[0] for r in rows(engine, "SELECT token_hash FROM wallet_session")]
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(table.select()):
                for value in row:
                    raw = value if isinstance(value, bytes) else str(value).encode()
                    assert token.encode() not in raw, table.name
                    assert PASSWORD.encode() not in raw, table.name

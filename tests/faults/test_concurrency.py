"""Concurrency against a real ``intyg serve`` with two worker processes, on the test database
(SQLite by default; PostgreSQL when ``INTYG_TEST_DATABASE_URL`` names one — run serially):

- one pre-authorized code, 20 concurrent token requests: one access token;
- one ``c_nonce``, 20 concurrent credential requests (each with its own access token): one
  credential;
- one key-bound presentation, 20 concurrent ``POST verify`` with its nonce: one valid;
- many concurrent revoke / suspend / reinstate on the credentials of one status list: the
  served list is bit for bit the statuses in the database, and a revocation stays final.

Twenty threads, each with its own connection opened beforehand, are released together by a
barrier, so the requests really are in flight at once.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from jwcrypto import jwk
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core.standards.status_list import decode_status_list
from tests.faults.served import PRE_AUTH, Served, bearer
from tests.helpers import b64url_json

PARALLEL = 20
CLIENT_ID = "x509_san_dns:localhost"


@pytest.fixture
def server(
    engine: Engine, database_url: str, master_key_text: str, tmp_path: Path
) -> Iterator[Served]:
    served = Served(database_url, master_key_text, tmp_path / "served", workers=2).start()
    try:
        yield served
    finally:
        served.stop()


def concurrently(
    server: Served, count: int, send: Callable[[int, httpx.Client], httpx.Response]
) -> list[httpx.Response]:
    """``send(i, client)`` for i in 0..count-1, all released at the same moment."""
    barrier = threading.Barrier(count)

    def one(i: int) -> httpx.Response:
        with server.client() as http:
            http.get("/healthz")  # the connection is open before the start
            barrier.wait(timeout=30)
            response = send(i, http)
            response.read()
            return response

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def scalar(engine: Engine, sql: str, **params: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(sql), params).scalar_one())


def test_one_code_redeemed_by_20_concurrent_requests_succeeds_once(
    server: Served, engine: Engine
) -> None:
    with server.client() as http:
        issuer = server.create_issuer(http, "yh-race")
        code = server.offer_code(http, issuer)
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": code}
    answers = concurrently(
        server, PARALLEL, lambda _i, http: http.post("/issuers/yh-race/token", data=form)
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [400] * (PARALLEL - 1), [a.text for a in answers]
    assert {a.json()["error"] for a in answers if a.status_code == 400} == {"invalid_grant"}
    assert scalar(engine, "SELECT count(*) FROM issuer_access_token") == 1
    assert scalar(engine, "SELECT count(*) FROM issuer_offer WHERE state = 'redeemed'") == 1


def test_one_c_nonce_presented_by_20_concurrent_requests_is_accepted_once(
    server: Served, engine: Engine
) -> None:
    with server.client() as http:
        issuer = server.create_issuer(http, "yh-nonce")
        tokens = [server.access_token(http, issuer) for _ in range(PARALLEL)]
        nonce = server.nonce(http, issuer)
    now = int(time.time())
    bodies = [
        server.credential_body(issuer, [jwk.JWK.generate(kty="EC", crv="P-256")], nonce, now)
        for _ in range(PARALLEL)
    ]
    answers = concurrently(
        server,
        PARALLEL,
        lambda i, http: http.post(
            "/issuers/yh-nonce/credential",
            json=bodies[i],
            headers={"Authorization": f"Bearer {tokens[i]}"},
        ),
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [400] * (PARALLEL - 1), [a.text for a in answers]
    assert {a.json()["error"] for a in answers if a.status_code == 400} == {"invalid_nonce"}
    assert scalar(engine, "SELECT count(*) FROM issuer_credential") == 1
    assert scalar(engine, "SELECT count(*) FROM issuer_access_token WHERE used_at IS NOT NULL") == 1


def test_one_presentation_verified_by_20_concurrent_requests_is_accepted_once(
    server: Served, engine: Engine
) -> None:
    with server.client() as http:
        issuer = server.create_issuer(http, "yh-verify")
        verifier = server.create_verifier(http, "ag-verify", [issuer])
        [held] = server.issue(http, issuer, 1)
    nonce = "verify-race-nonce-0001"
    presentation = held.present(("given_name",), nonce=nonce, aud=CLIENT_ID, iat=int(time.time()))
    body = {"presentation": presentation, "nonce": nonce, "audience": CLIENT_ID}
    answers = concurrently(
        server,
        PARALLEL,
        lambda _i, http: http.post(
            "/verifiers/ag-verify/verify", json=body, headers=bearer(verifier)
        ),
    )
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    results = [a.json() for a in answers]
    assert sorted(r["verdict"] for r in results) == ["invalid"] * (PARALLEL - 1) + ["valid"]
    for result in results:
        if result["verdict"] == "invalid":
            failed = next(c for c in result["checks"] if c["name"] == result["failed_check"])
            assert failed["code"] == "nonce_replayed", result
    assert scalar(engine, "SELECT count(*) FROM verifier_used_nonce") == 1


STATUS_OF = {"VALID": 0, "INVALID": 1, "SUSPENDED": 2}


def test_concurrent_status_changes_lose_no_bit(server: Served, engine: Engine) -> None:
    with server.client() as http:
        issuer = server.create_issuer(http, "yh-status")
        for _ in range(3):
            server.issue(http, issuer, 10)
        listing = http.get("/issuers/yh-status/admin/credentials", headers=bearer(issuer))
    credentials = listing.json()["credentials"]
    assert len(credentials) == 30 and len({c["status_list"] for c in credentials}) == 1

    rng = random.Random(20_261_128)  # noqa: S311  (a reproducible schedule, not a secret)
    operations = [
        (c["id"], rng.choice(["revoke", "suspend", "reinstate", "suspend", "reinstate"]))
        for c in credentials
        for _ in range(4)
    ]
    rng.shuffle(operations)
    answers: list[tuple[str, str, int]] = []
    lock = threading.Lock()

    def worker(share: list[tuple[str, str]]) -> None:
        with server.client() as http:
            for credential_id, action in share:
                answer = http.post(
                    f"/issuers/yh-status/admin/credentials/{credential_id}/{action}",
                    headers=bearer(issuer),
                )
                with lock:
                    answers.append((credential_id, action, answer.status_code))

    threads = [
        threading.Thread(target=worker, args=(operations[i::PARALLEL],)) for i in range(PARALLEL)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == len(operations)
    assert {status for _, _, status in answers} <= {200, 409}, answers

    with server.client() as http:
        final = {
            c["id"]: c
            for c in http.get(
                "/issuers/yh-status/admin/credentials", headers=bearer(issuer)
            ).json()["credentials"]
        }
        list_id = credentials[0]["status_list"]
        token = http.get(f"/issuers/yh-status/status-lists/{list_id}").text
    served = decode_status_list(b64url_json(token.split(".")[1])["status_list"])
    for credential_id, row in final.items():
        assert served.get(row["status_idx"]) == STATUS_OF[row["status"]], row
    revoked = {cid for cid, action, status in answers if action == "revoke" and status == 200}
    assert revoked, "the schedule revoked nothing?"
    assert {cid for cid, row in final.items() if row["status"] == "INVALID"} == revoked
    # every 409 was a change refused after a revocation had already been answered 200
    assert all(cid in revoked for cid, _, status in answers if status == 409)
    with engine.connect() as connection:
        in_db = dict(
            connection.execute(
                text("SELECT status_idx, status FROM issuer_credential WHERE status_list_id = :l"),
                {"l": list_id},
            ).all()
        )
    assert in_db == {row["status_idx"]: STATUS_OF[row["status"]] for row in final.values()}


def test_a_revocation_racing_a_reinstatement_stays_final(server: Served, engine: Engine) -> None:
    """Revoke and reinstate (or suspend) of one credential sent at the same moment: whichever
    order the database puts them in, an answered revocation is never undone."""
    with server.client() as http:
        issuer = server.create_issuer(http, "yh-final")
        for _ in range(3):
            server.issue(http, issuer, 10)
        credentials = [
            c["id"]
            for c in http.get(
                "/issuers/yh-final/admin/credentials?limit=100", headers=bearer(issuer)
            ).json()["credentials"]
        ]
    answers: list[tuple[str, str, int]] = []
    for start in range(0, len(credentials), PARALLEL // 2):
        batch = credentials[start : start + PARALLEL // 2]
        pairs = [
            (cid, action)
            for cid in batch
            for action in ("revoke", "reinstate" if start % 20 else "suspend")
        ]
        got = concurrently(
            server,
            len(pairs),
            lambda i, http, pairs=pairs: http.post(
                f"/issuers/yh-final/admin/credentials/{pairs[i][0]}/{pairs[i][1]}",
                headers=bearer(issuer),
            ),
        )
        answers += [
            (cid, action, a.status_code) for (cid, action), a in zip(pairs, got, strict=True)
        ]
    assert {status for _, _, status in answers} <= {200, 409}, answers
    with engine.connect() as connection:
        statuses = dict(connection.execute(text("SELECT id, status FROM issuer_credential")).all())
    undone = [
        cid
        for cid, action, status in answers
        if action == "revoke" and status == 200 and statuses[cid] != 1
    ]
    assert not undone, f"revoked, answered 200, and then not INVALID: {undone}"

"""Crash safety: work that a crash interrupts is finished by doing it again, never doubled,
never silently lost.

(a) ``intyg issuer batch`` killed with SIGKILL half-way through a 300-row file, then run again
    with the same file: every row has exactly one offer (one ``issuer_offer`` row per
    idempotency key, 300 in all), and the output lists each of them once.

(b) A wallet that dies after the issuer has sent the credential but before the wallet stored
    it. The issuer has spent the code (the offer is ``issued``) and the credential is gone
    with the wallet's transaction. What the holder sees, by design:

    - the failed attempt is answered (``500 internal_error``) and written to the holder's
      transparency log as ``credential_receipt_failed``; nothing half-stored remains;
    - trying again with the same link (an offer by reference, as Intyg's issuers make them) is
      answered ``410 offer_unavailable`` ("it was used or has expired"): the issuer no longer
      serves the offer document;
    - trying again with the offer by value (the code inside the link) is answered
      ``400 issuer_refused`` (the issuer's ``invalid_grant``) when the wallet lived to release
      its claim on the offer (an ``OSError`` while storing), or ``409
      offer_already_redeemed`` when the wallet process was killed outright (a real ``intyg
      serve`` that exits inside ``_store``) and its claim stayed.

    So the holder is always told that the offer is taken; a spent code is never reported as
    a success, and never redeemed twice. (Getting the credential back needs the issuer to
    offer it again; the issuer's admin API shows the credential as issued.)

    A wallet killed *before* it spent the code leaves its claim pending; once no redemption
    can still be running (``wallet.service.receiving.STALE_CLAIM_SECONDS``) the claim is taken over
    and the unspent code redeems, so that credential is not lost either.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core.clock import FixedClock
from tests.helpers import learner_claims
from tests.issuer.support import local
from tests.wallet.flows import make_offer, rows
from wallet.service import receiving

# --- (a) the batch killed half-way -----------------------------------------------------------

ROWS = 300
HEADER = [
    "given_name",
    "family_name",
    "birthdate",
    "learner_identification",
    "achievement_title",
    "achievement_kind",
    "eqf_level",
    "language_of_classes",
    "credits",
    "skills",
    "taxonomy_versions",
    "assessment_grade",
]


def write_learners(path: Path, count: int) -> Path:
    claims = learner_claims()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(count):
            writer.writerow(
                [
                    f"Elev{n:04d}",
                    "Lindqvist",
                    "1990-01-01",
                    "19900101-0017",
                    f"Kurs {n % 7}",
                    "course",
                    "5",
                    "sv",
                    json.dumps(claims["credits"], ensure_ascii=False),
                    json.dumps(claims["skills"], ensure_ascii=False),
                    json.dumps(claims["taxonomy_versions"]),
                    "G",
                ]
            )
    return path


def cli_environment(database_url: str, master_key_text: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTYG_")}
    env.update(
        {
            "INTYG_DATABASE_URL": database_url,
            "INTYG_PUBLIC_URL": "http://localhost:8000",
            "INTYG_MASTER_KEY": master_key_text,
        }
    )
    return env


def data_lines(path: Path) -> int:
    if not path.exists():
        return 0
    return max(path.read_bytes().count(b"\n") - 1, 0)  # minus the header


def offer_counts(engine: Engine) -> tuple[int, int, int]:
    """(offers, distinct idempotency keys, the most offers any one key has)."""
    with engine.connect() as connection:
        total = connection.execute(text("SELECT count(*) FROM issuer_offer")).scalar_one()
        keys = connection.execute(
            text("SELECT count(DISTINCT idempotency_key) FROM issuer_offer")
        ).scalar_one()
        most = connection.execute(
            text(
                "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM issuer_offer "
                "GROUP BY idempotency_key) AS per_key"
            )
        ).scalar_one()
    return int(total), int(keys), int(most)


def test_a_batch_killed_midway_and_run_again_issues_every_row_once(
    engine: Engine, database_url: str, master_key_text: str, tmp_path: Path
) -> None:
    env = cli_environment(database_url, master_key_text)
    intyg = [sys.executable, "-m", "intyg"]
    made = subprocess.run(
        [
            *intyg,
            "issuer",
            "create",
            "--slug",
            "yh-batch",
            "--name",
            "YH Batch",
            "--org-number",
            "556677-8899",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    learners = write_learners(tmp_path / "learners.csv", ROWS)
    out = tmp_path / "out"
    batch = [*intyg, "issuer", "batch", "--slug", "yh-batch", str(learners), "--out", str(out)]

    # the first run, killed once it has written some rows (and well before the last)
    first = subprocess.Popen(
        batch, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    partial = out / "offers.csv.partial"
    deadline = time.monotonic() + 60
    while data_lines(partial) < 25 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)
    assert first.wait(timeout=20) == -signal.SIGKILL
    written = data_lines(partial)
    committed, _, _ = offer_counts(engine)
    assert 25 <= written < ROWS, f"not killed midway: {written} rows written"
    assert written <= committed < ROWS
    assert not (out / "offers.csv").exists()  # the output is never half a file

    # the same command again finishes the file: nothing twice
    second = subprocess.run(
        batch, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert second.returncode == 0, second.stderr
    assert (
        f"{ROWS} rows: {ROWS - committed} offers created, {committed} replayed" in second.stdout
    ), second.stdout
    assert offer_counts(engine) == (ROWS, ROWS, 1)

    with (out / "offers.csv").open(newline="", encoding="utf-8") as handle:
        listed = list(csv.DictReader(handle))
    assert len(listed) == ROWS
    assert sorted(int(r["line"]) for r in listed) == list(range(2, ROWS + 2))
    with engine.connect() as connection:
        in_db = set(connection.execute(text("SELECT id FROM issuer_offer")).scalars())
    assert {r["offer_id"] for r in listed} == in_db
    assert sum(r["outcome"] == "replayed" for r in listed) == committed
    assert not partial.exists()


# --- (b) the wallet dies between receiving and storing ---------------------------------------


def by_value(client: TestClient, link: str) -> str:
    """The same offer with its document (and code) inside the link (OID4VCI §4.1)."""
    uri = link.split("credential_offer_uri=", 1)[1]
    document = client.get(local(unquote(uri)))
    assert document.status_code == 200, document.text
    return "openid-credential-offer://?credential_offer=" + quote(
        json.dumps(document.json(), separators=(",", ":")), safe=""
    )


def issuer_offer_states(engine: Engine) -> list[tuple]:
    return rows(engine, "SELECT state FROM issuer_offer")


def problem_code(response) -> str:  # noqa: ANN001
    return str(response.json().get("code"))


def test_a_wallet_failing_before_it_stores_reports_the_offer_taken(
    app: FastAPI,
    client: TestClient,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The disk fills up (``OSError``) as the wallet stores what the issuer sent."""
    made = make_offer(client, issuer, issuer_auth)
    link = made["credential_offer"]
    inline = by_value(client, link)  # read before the code is spent

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(receiving, "_store", disk_full)
    with TestClient(app, base_url="http://localhost:8000", raise_server_exceptions=False) as raw:
        answer = raw.post("/wallet/offers", json={"offer": link}, headers=holder_auth)
    assert answer.status_code == 500, answer.text
    assert problem_code(answer) == "internal_error"
    monkeypatch.undo()

    # the issuer issued (the code is spent); the wallet holds nothing, and says so
    assert issuer_offer_states(engine) == [("issued",)]
    assert rows(engine, "SELECT count(*) FROM issuer_credential") == [(1,)]
    assert rows(engine, "SELECT count(*) FROM wallet_credential") == [(0,)]
    assert rows(engine, "SELECT state FROM wallet_offer_redemption") == []  # claim released
    log = client.get("/wallet/log", headers=holder_auth).json()["entries"]
    assert [e["event"] for e in log][:1] == ["credential_receipt_failed"]

    # the holder tries again: told clearly that the offer is taken, never a second issuance
    again = client.post("/wallet/offers", json={"offer": link}, headers=holder_auth)
    assert (again.status_code, problem_code(again)) == (410, "offer_unavailable"), again.text
    inline_again = client.post("/wallet/offers", json={"offer": inline}, headers=holder_auth)
    assert (inline_again.status_code, problem_code(inline_again)) == (400, "issuer_refused")
    assert rows(engine, "SELECT count(*) FROM issuer_credential") == [(1,)]
    assert rows(engine, "SELECT count(*) FROM wallet_credential") == [(0,)]
    listed = client.get(f"/issuers/{issuer['slug']}/admin/credentials", headers=issuer_auth)
    assert listed.json()["total"] == 1  # the issuer can see it was issued, and offer it anew


# A server whose wallet process dies (os._exit, as under SIGKILL: no cleanup, no rollback
# handler, no response) at the moment it would store a received credential.
DYING_SERVER = """
import os, sys
from wallet.service import receiving
receiving._store = lambda *args, **kwargs: os._exit(137)
from intyg.cli import main
main(sys.argv[1:])
"""


def test_a_wallet_killed_before_it_stores_reports_the_offer_taken(
    engine: Engine, database_url: str, master_key_text: str, tmp_path: Path
) -> None:
    from tests.e2e.test_three_servers import free_port
    from tests.isolation.test_no_secrets_in_logs import wait_until_serving

    port = free_port()
    base = f"http://localhost:{port}"
    env = cli_environment(database_url, master_key_text)
    env.update({"INTYG_PUBLIC_URL": base, "INTYG_ADMIN_TOKEN": "fault-admin"})
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    log = (tmp_path / "server.log").open("wb")
    dying = subprocess.Popen(
        [sys.executable, "-c", DYING_SERVER, *serve],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(base)
        with httpx.Client(base_url=base, timeout=30) as http:
            issuer = http.post(
                "/admin/issuers",
                headers={"Authorization": "Bearer fault-admin"},
                json={"slug": "yh", "name": "YH", "organisation_number": "556677-8899"},
            ).json()
            offer = http.post(
                "/issuers/yh/admin/offers",
                headers={"Authorization": f"Bearer {issuer['api_key']}"},
                json={"claims": learner_claims()},
            ).json()
            link = offer["credential_offer"]
            document = http.get(offer["credential_offer_uri"]).json()
            inline = "openid-credential-offer://?credential_offer=" + quote(
                json.dumps(document, separators=(",", ":")), safe=""
            )
            password = "correct horse battery staple"
            http.post("/wallet/accounts", json={"username": "alva", "password": password})
            token = http.post(
                "/wallet/sessions", json={"username": "alva", "password": password}
            ).json()["token"]
            holder = {"Authorization": f"Bearer {token}"}
            with pytest.raises(httpx.TransportError):  # the process died mid-request
                http.post("/wallet/offers", json={"offer": link}, headers=holder)
        assert dying.wait(timeout=20) == 137
    finally:
        if dying.poll() is None:
            dying.kill()
            dying.wait(timeout=20)
        log.close()

    assert issuer_offer_states(engine) == [("issued",)]  # the code is spent
    assert rows(engine, "SELECT state FROM wallet_offer_redemption") == [("pending",)]
    assert rows(engine, "SELECT count(*) FROM wallet_credential") == [(0,)]

    # the wallet comes back; the holder tries again and is told the offer is taken
    log = (tmp_path / "server-2.log").open("wb")
    again = subprocess.Popen(
        [sys.executable, "-m", "intyg", *serve],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(base)
        with httpx.Client(base_url=base, timeout=30) as http:
            by_reference = http.post("/wallet/offers", json={"offer": link}, headers=holder)
            assert (by_reference.status_code, problem_code(by_reference)) == (
                410,
                "offer_unavailable",
            ), by_reference.text
            by_value_ = http.post("/wallet/offers", json={"offer": inline}, headers=holder)
            assert (by_value_.status_code, problem_code(by_value_)) == (
                409,
                "offer_already_redeemed",
            ), by_value_.text
    finally:
        again.terminate()
        again.wait(timeout=20)
        log.close()
    assert rows(engine, "SELECT count(*) FROM issuer_credential") == [(1,)]
    assert rows(engine, "SELECT count(*) FROM wallet_credential") == [(0,)]


def test_the_same_fault_before_the_code_is_spent_lets_the_holder_redeem_again(
    app: FastAPI,
    client: TestClient,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The contrast: a failure before the token request leaves the code unspent, the wallet
    releases its claim, and the same link then works."""
    link = make_offer(client, issuer, issuer_auth)["credential_offer"]

    def unreachable(*_args: object, **_kwargs: object) -> None:
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(receiving, "discover", unreachable)
    with TestClient(app, base_url="http://localhost:8000", raise_server_exceptions=False) as raw:
        assert (
            raw.post("/wallet/offers", json={"offer": link}, headers=holder_auth).status_code == 500
        )
    monkeypatch.undo()
    assert issuer_offer_states(engine) == [("offered",)]
    received = client.post("/wallet/offers", json={"offer": link}, headers=holder_auth)
    assert received.status_code == 201, received.text
    assert issuer_offer_states(engine) == [("issued",)]
    assert rows(engine, "SELECT count(*) FROM wallet_credential") == [(1,)]


def test_a_claim_left_by_a_dead_wallet_is_taken_over_after_a_while(
    app: FastAPI,
    client: TestClient,
    issuer: dict,
    issuer_auth: dict,
    holder_auth: dict,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    clock: FixedClock,
) -> None:
    """A wallet killed before it spent the code leaves its claim on the offer pending. While a
    redemption could still be running, a retry is refused (``offer_already_redeemed``); once
    no redemption can still be running (``STALE_CLAIM_SECONDS``), the claim is taken over and
    the unspent code redeems: the credential is not lost."""
    link = make_offer(client, issuer, issuer_auth)["credential_offer"]

    def killed(*_args: object, **_kwargs: object) -> None:
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(receiving, "discover", killed)
    monkeypatch.setattr(receiving, "_release_offer", lambda *_args: None)  # nobody left to
    with TestClient(app, base_url="http://localhost:8000", raise_server_exceptions=False) as raw:
        assert (
            raw.post("/wallet/offers", json={"offer": link}, headers=holder_auth).status_code == 500
        )
    monkeypatch.undo()
    assert rows(engine, "SELECT state FROM wallet_offer_redemption") == [("pending",)]
    assert issuer_offer_states(engine) == [("offered",)]

    soon = client.post("/wallet/offers", json={"offer": link}, headers=holder_auth)
    assert (soon.status_code, problem_code(soon)) == (409, "offer_already_redeemed")
    clock.advance(receiving.STALE_CLAIM_SECONDS)
    later = client.post("/wallet/offers", json={"offer": link}, headers=holder_auth)
    assert later.status_code == 201, later.text
    assert rows(engine, "SELECT state FROM wallet_offer_redemption") == [("done",)]
    assert rows(engine, "SELECT count(*) FROM wallet_credential") == [(1,)]

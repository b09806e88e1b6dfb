"""Database outage: PostgreSQL is stopped under a running ``intyg serve``.

While it is down, every request that needs the database fails fast (well under 5 s) with
``503`` and the problem code ``database_unavailable`` — whether the failure comes while
authenticating (a dependency), reading, or writing — and requests that need no database
(``/healthz``) still work. When PostgreSQL is back, the same server process answers again by
itself: its pool drops the dead connections (``pool_pre_ping``) and reconnects.

PostgreSQL only: stopping SQLite means nothing. With ``INTYG_TEST_DATABASE_URL`` set to a
PostgreSQL database the test runs (in CI it must); it restarts PostgreSQL in ``finally`` and
waits until it accepts connections again.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import Engine, make_url

from tests.conftest import is_postgres
from tests.faults.served import Served, admin, bearer
from tests.helpers import learner_claims

FAST = 5.0  # seconds: the most a request may take to say the database is gone
PASSWORD = "correct horse battery staple"


def cluster() -> list[str]:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    assert versions, "no PostgreSQL cluster under /etc/postgresql"
    return [versions[-1], "main"]


def pg_ctl(action: str) -> None:
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster(), action]
    if action == "stop":
        command += ["-m", "fast"]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def accepts_connections(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2) as connection:
            connection.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def ensure_running(url: str) -> None:
    """Start PostgreSQL if it is not running; wait until it accepts connections."""
    if not accepts_connections(url):
        status = subprocess.run(["pg_ctlcluster", *cluster(), "status"], capture_output=True)
        if status.returncode != 0:  # not running (3) rather than merely starting
            pg_ctl("start")
    deadline = time.monotonic() + 60
    while not accepts_connections(url):
        if time.monotonic() > deadline:
            raise RuntimeError("PostgreSQL did not come back within 60 s")
        time.sleep(0.2)


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not is_postgres(database_url):
        pytest.skip(
            "stops and restarts PostgreSQL under a running server: needs "
            "INTYG_TEST_DATABASE_URL=postgresql://… (SQLite has no server to lose)"
        )
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def server(
    engine: Engine, postgres_url: str, master_key_text: str, tmp_path: Path
) -> Iterator[Served]:
    served = Served(postgres_url, master_key_text, tmp_path / "served").start()
    try:
        yield served
    finally:
        served.stop()
        ensure_running(postgres_url)


def timed(send: Callable[[], httpx.Response]) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = send()
    return time.monotonic() - started, response


@pytest.mark.serial  # stopping PostgreSQL would fail the other worker's tests
def test_requests_fail_fast_with_503_and_the_service_recovers_by_itself(
    server: Served, postgres_url: str, engine: Engine
) -> None:
    with server.client() as http:
        issuer = server.create_issuer(http, "yh-outage")
        assert (
            http.post(
                "/wallet/accounts", json={"username": "alva", "password": PASSWORD}
            ).status_code
            == 201
        )
        session = http.post("/wallet/sessions", json={"username": "alva", "password": PASSWORD})
        holder = {"Authorization": f"Bearer {session.json()['token']}"}
        code = server.offer_code(http, issuer)

        requests: dict[str, Callable[[], httpx.Response]] = {
            "issuer admin (auth dependency, read)": lambda: http.get(
                "/issuers/yh-outage/admin/credentials", headers=bearer(issuer)
            ),
            "issuer admin (write)": lambda: http.post(
                "/issuers/yh-outage/admin/offers",
                headers=bearer(issuer),
                json={"claims": learner_claims()},
            ),
            "public metadata": lambda: http.get(
                "/.well-known/openid-credential-issuer/issuers/yh-outage"
            ),
            "token endpoint": lambda: http.post(
                "/issuers/yh-outage/token",
                data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
                    "pre-authorized_code": code,
                },
            ),
            "wallet sign-in": lambda: http.post(
                "/wallet/sessions", json={"username": "alva", "password": PASSWORD}
            ),
            "wallet holdings (session dependency)": lambda: http.get(
                "/wallet/credentials", headers=holder
            ),
            "service admin": lambda: http.post(
                "/admin/issuers",
                headers=admin(),
                json={"slug": "yh-other", "name": "Other", "organisation_number": "556677-8899"},
            ),
        }
        for name, send in requests.items():  # warm every pooled connection first
            if name not in ("token endpoint", "service admin", "issuer admin (write)"):
                assert send().status_code in (200, 201), name

        try:
            pg_ctl("stop")
            assert not accepts_connections(postgres_url)
            failures = []
            for _round in range(2):  # first on pooled (dead) connections, then on new ones
                for name, send in requests.items():
                    elapsed, answer = timed(send)
                    got = (
                        answer.status_code,
                        answer.headers.get("content-type", ""),
                        answer.json().get("code") if answer.content else None,
                    )
                    if got != (503, "application/problem+json", "database_unavailable"):
                        failures.append(f"{name}: {got} {answer.text[:200]}")
                    if elapsed >= FAST:
                        failures.append(f"{name}: took {elapsed:.1f} s")
            assert http.get("/healthz").status_code == 200  # the process itself is fine
            assert not failures, "\n".join(failures)
        finally:
            ensure_running(postgres_url)

        # the same server process, never restarted, answers again
        deadline = time.monotonic() + 30
        while True:
            answer = requests["issuer admin (auth dependency, read)"]()
            if answer.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert answer.status_code == 200, answer.text
        for name, send in requests.items():
            assert send().status_code in (200, 201), name
        assert server.process is not None and server.process.poll() is None
    log = server.log_path.read_text()
    assert "Traceback" not in log, log[-3000:]


def test_a_database_that_never_answers_is_given_up_on_within_seconds() -> None:
    """A host that accepts the TCP connection and then says nothing (a hung server, a
    half-open network path): connecting gives up after ``CONNECT_TIMEOUT``, it does not hang.
    Runs on every engine: it needs no PostgreSQL, only a socket that never answers."""
    import socket

    from sqlalchemy.exc import OperationalError

    from core.db import CONNECT_TIMEOUT, DatabaseUnavailable, create_db_engine, session_scope

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        engine = create_db_engine(f"postgresql://intyg@127.0.0.1:{port}/intyg")
        try:
            started = time.monotonic()
            with pytest.raises(OperationalError):
                engine.connect().close()
            assert CONNECT_TIMEOUT <= time.monotonic() - started < FAST
            with pytest.raises(DatabaseUnavailable), session_scope(engine) as session:
                session.connection()
        finally:
            engine.dispose()

"""Soak: the whole flow — offer, redeem, present, verify — against N servers, for minutes.

    .venv/bin/python bench/soak.py [--minutes 10] [--concurrency 4] [--workers 2]
                                   [--instances 1] [--status-list-ttl 10]
                                   [--warmup SECONDS] [--database-url postgresql://…]

Starts ``--instances`` ``intyg serve`` processes (all three roles, ``--workers`` workers each)
on free loopback ports, all on one database (SQLite in a temporary folder unless
``--database-url`` names another, e.g. an empty PostgreSQL database) and with one environment:
the same ``INTYG_PUBLIC_URL``, admin token and master key, as behind a load balancer. With one
instance the public URL is its own; with more it is ``bench/balancer.py``'s, a round-robin TCP
balancer, so what the instances call through the public URL (the wallet fetching an offer and
the issuer's metadata, redeeming the code, posting to the verifier's ``response_uri``; the
verifier fetching issuer keys and status lists) lands on any instance, a new one per
connection. The drivers call the instances directly, each flow's steps in turn: step k of
flow n of driver d on instance (d + n + k) mod N. URLs the servers hand out name the public
URL; the drivers send their paths to whichever instance is next. Several instances on one
SQLite file work on one host (the writer lock is a file lock), which is all SQLite can be
shared across; PostgreSQL is the engine for instances on several hosts.

Then it sets up an issuer, a verifier (``x509_hash:``, the default), a signed trust list and one
wallet account per driver; runs the cross-instance checks (``bench/cross_instance.py``: single-use
values refused on the other instance, throttles counted across instances, a revocation seen
through the other instance within the status list's ``ttl``, which every instance gets as
``--status-list-ttl``) on tenants of their own; and runs ``--concurrency`` drivers in this
process, each looping over one flow:

    offer    issuer    POST /issuers/{slug}/admin/offers (a unique given_name per flow)
    redeem   wallet    POST /wallet/offers (the wallet → the issuer, over HTTP)
    request  verifier  POST /verifiers/{slug}/requests (DCQL: given_name, achievement_title)
    read     wallet    POST /wallet/presentation-requests (the wallet fetches the request)
    approve  wallet    POST /wallet/presentation-requests/{id}/approve (→ the verifier)
    status   verifier  GET  /verifiers/{slug}/requests/{id} (fulfilled, with this flow's claims)
    delete   wallet    DELETE /wallet/credentials/{id} (each wallet holds at most one
                       credential, so its matching does not grow with the run)

The first ``--warmup`` seconds of the ``--minutes`` are warm-up: their flows are audited but
not timed, and each instance's memory (RSS summed over its process group: the uvicorn
supervisor and its workers) is read when the warm-up ends and again when the load stops.
At the end the database is read directly (read-only) for a consistency audit: every issued
credential belongs to exactly one redemption this run saw succeed, no offer was issued twice
or spent without a credential, and the verifier fulfilled exactly the flows that succeeded.

Prints a summary table and, as its last line, one line of JSON with every figure. Exits 0 only
with zero errors, a clean audit, every cross-instance check passed and each instance's memory
growth under ``--max-growth`` percent (10).
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import cross_instance  # noqa: E402
from bench.cross_instance import PASSED  # noqa: E402
from bench.issue import claims as base_claims  # noqa: E402
from bench.issue import free_port  # noqa: E402
from core import jose  # noqa: E402
from core.standards import trust_list  # noqa: E402

STEPS = ("offer", "redeem", "request", "read", "approve", "status", "delete")
PURPOSE = "Soak test: rekrytering"
REQUEST_TIMEOUT = 60.0  # seconds, per HTTP request
ERROR_BACKOFF = 0.5  # seconds a driver pauses after a failed flow
MAX_FLOWS_PER_SECOND_PER_DRIVER = 200  # the count bound on every driver loop (never reached)


class FlowError(Exception):
    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.detail = detail


# --- the server --------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    public: str  # INTYG_PUBLIC_URL: what the server calls itself (its verifier's DNS name)
    local: str  # http://127.0.0.1:PORT — where this process connects to this instance
    env: dict[str, str]
    log_path: Path


def server_env(
    folder: Path,
    database_url: str | None,
    operator: jose.PublicKey,
    public: str,
    status_list_ttl: int,
) -> dict[str, str]:
    """The environment of every instance: one database, one public URL, one admin token and
    one master key (sealed secrets written by one instance open on every other)."""
    operator_jwks = folder / "operator.jwks"
    operator_jwks.write_text(json.dumps({"keys": [dict(operator.jwk)]}))
    env = {
        **os.environ,
        "INTYG_DATABASE_URL": database_url or f"sqlite:///{folder}/soak.db",
        "INTYG_PUBLIC_URL": public,
        "INTYG_ADMIN_TOKEN": secrets.token_urlsafe(24),
        "INTYG_MASTER_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "INTYG_MASTER_KEY_FILE": str(folder / "master.key"),
        "INTYG_VERIFIER_CA_DIR": str(folder / "ca"),
        "INTYG_WALLET_TRUST_ANCHORS": str(folder / "ca" / "ca.pem"),
        "INTYG_TRUST_LIST_OPERATOR_KEYS": str(operator_jwks),
        "INTYG_STATUS_LIST_TTL_SECONDS": str(status_list_ttl),
    }
    env.pop("INTYG_ROLES", None)  # all three roles
    return env


INTYG = [sys.executable, "-m", "intyg"]


def upgrade_database(folder: Path, env: dict[str, str]) -> None:
    upgraded = subprocess.run(
        [*INTYG, "db", "upgrade"], env=env, cwd=folder, capture_output=True, text=True
    )
    if upgraded.returncode != 0:
        raise SystemExit(f"intyg db upgrade failed: {upgraded.stderr.strip()}")


def start_server(
    folder: Path, workers: int, env: dict[str, str], port: int, log_name: str = "server.log"
) -> Server:
    log_path = folder / log_name
    with log_path.open("wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [
                *INTYG,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: how its workers are found and stopped
        )
    public = env["INTYG_PUBLIC_URL"]
    return Server(process, port, public, f"http://127.0.0.1:{port}", env, log_path)


@dataclass
class Deployment:
    """N instances on one database behind one public URL. With one instance the URL is the
    instance's own (``http://localhost:PORT``); with more it is a round-robin balancer's
    (``bench/balancer.py``), through which the instances' calls to each other go."""

    servers: list[Server]
    public: str
    balancer: subprocess.Popen[bytes] | None

    @property
    def logs(self) -> str:
        return ", ".join(str(s.log_path) for s in self.servers)


def start_deployment(
    folder: Path,
    instances: int,
    workers: int,
    database_url: str | None,
    operator: jose.PublicKey,
    status_list_ttl: int,
) -> Deployment:
    ports = [free_port() for _ in range(instances)]
    balancer: subprocess.Popen[bytes] | None = None
    if instances == 1:
        public_port = ports[0]
    else:
        public_port = free_port()
        with (folder / "balancer.log").open("wb") as log:
            balancer = subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "bench" / "balancer.py"),
                    "--port",
                    str(public_port),
                    *(f"127.0.0.1:{p}" for p in ports),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    public = f"http://localhost:{public_port}"
    env = server_env(folder, database_url, operator, public, status_list_ttl)
    upgrade_database(folder, env)
    servers = [
        start_server(
            folder, workers, env, port, "server.log" if instances == 1 else f"server-{i}.log"
        )
        for i, port in enumerate(ports)
    ]
    return Deployment(servers, public, balancer)


def wait_healthy(
    process: subprocess.Popen[bytes], base: str, what: str, seconds: float = 60
) -> None:
    """Until ``base``/healthz answers 200; fails if ``process`` exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the {what} exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the {what} did not become ready")


def wait_deployment_ready(deployment: Deployment) -> None:
    for server in deployment.servers:
        wait_healthy(server.process, server.local, "server")
    if deployment.balancer is not None:  # and through it, to some instance
        public = deployment.public.replace("//localhost:", "//127.0.0.1:")
        wait_healthy(deployment.balancer, public, "balancer")


def stop_deployment(deployment: Deployment) -> None:
    """SIGTERM to every instance's process group at once, then wait for each; the balancer
    last."""
    for server in deployment.servers:
        with suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGTERM)
    for server in deployment.servers:
        stop_group(server.process)
    if deployment.balancer is not None:
        stop_group(deployment.balancer)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to a process group we started (``start_new_session``), SIGKILL after 30 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)
    with suppress(ProcessLookupError):  # workers that outlived the supervisor
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def group_rss_bytes(pgid: int) -> tuple[int, int]:
    """(RSS summed over every process in the group, how many processes)."""
    try:
        import psutil  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        psutil = None
    total, count = 0, 0
    if psutil is not None:
        for proc in psutil.process_iter():
            try:
                if os.getpgid(proc.pid) == pgid:
                    total += proc.memory_info().rss
                    count += 1
            except (psutil.Error, ProcessLookupError, PermissionError):
                continue
        return total, count
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            # pid (comm) state ppid pgrp …; comm may contain spaces and parentheses
            if int(stat[stat.rindex(")") + 2 :].split()[2]) != pgid:
                continue
            for line in Path(f"/proc/{entry}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    count += 1
                    break
        except (OSError, ValueError):
            continue  # gone meanwhile
    return total, count


# --- set-up ------------------------------------------------------------------------------------


@dataclass
class Setup:
    issuer_slug: str
    issuer_id_url: str
    issuer_auth: dict[str, str]
    verifier_slug: str
    verifier_client_id: str  # the audience of its key binding JWTs
    verifier_auth: dict[str, str]
    vct: str
    holders: list[tuple[str, dict[str, str]]]  # (holder id, Authorization header)


def set_up(server: Server, operator: jose.PrivateKey, drivers: int) -> Setup:
    admin = {"Authorization": f"Bearer {server.env['INTYG_ADMIN_TOKEN']}"}
    run = secrets.token_hex(3)
    with httpx.Client(base_url=server.local, timeout=REQUEST_TIMEOUT) as http:
        made = http.post(
            "/admin/issuers",
            headers=admin,
            json={"slug": f"soak-{run}", "name": "Soak YH", "organisation_number": "556677-8899"},
        )
        made.raise_for_status()
        issuer = made.json()
        verifier_made = http.post(
            "/admin/verifiers",
            headers=admin,
            json={
                "slug": f"soak-{run}",
                "name": "Soak Arbetsgivare",
                "organisation_number": "556677-8899",
                "dns_name": "localhost",
            },
        )
        verifier_made.raise_for_status()
        verifier = verifier_made.json()
        if not verifier["client_id"].startswith("x509_hash:"):  # HAIP's, the default
            raise RuntimeError(f"unexpected verifier client_id {verifier['client_id']!r}")
        verifier_auth = {"Authorization": f"Bearer {verifier['api_key']}"}
        vct = f"{server.public}/types/skill-credential"
        now = int(time.time())
        document = trust_list.build_trust_list(
            list_id=f"{server.public}/trust-lists/soak",
            operator_name="Soak operator",
            issued_at=now - 60,
            next_update=now + 7 * 86_400,
            entities=[trust_list.issuer_entry(issuer["issuer"], "Soak YH", [vct])],
        )
        http.put(
            f"/verifiers/{verifier['slug']}/trust-list",
            headers=verifier_auth,
            json={"trust_list": trust_list.sign_trust_list(document, operator)},
        ).raise_for_status()
        holders = []
        password = secrets.token_urlsafe(18)
        for i in range(drivers):
            username = f"soak-{run}-{i}@example.se"
            account = http.post(
                "/wallet/accounts", json={"username": username, "password": password}
            )
            account.raise_for_status()
            signed_in = http.post(
                "/wallet/sessions", json={"username": username, "password": password}
            )
            signed_in.raise_for_status()
            holders.append(
                (account.json()["id"], {"Authorization": f"Bearer {signed_in.json()['token']}"})
            )
    return Setup(
        issuer["slug"],
        issuer["issuer"],
        {"Authorization": f"Bearer {issuer['api_key']}"},
        verifier["slug"],
        verifier["client_id"],
        verifier_auth,
        vct,
        holders,
    )


# --- the drivers -------------------------------------------------------------------------------


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    measuring: bool = False
    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {s: [] for s in (*STEPS, "flow")}
    )
    flows_ok: int = 0  # every flow that completed, warm-up included
    flows_ok_measured: int = 0
    flows_failed: int = 0
    offers_created: int = 0
    redeemed_offers: list[str] = field(default_factory=list)  # offer ids whose redemption succeeded
    requests_created: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    requests_per_instance: Counter[int] = field(default_factory=Counter)  # the drivers' own
    error_samples: list[str] = field(default_factory=list)

    def error(self, step: str, detail: str) -> None:
        with self.lock:
            self.errors[step] += 1
            if len(self.error_samples) < 20:
                self.error_samples.append(f"{step}: {detail}")


def _expect(response: httpx.Response, step: str, status: int) -> dict[str, Any]:
    if response.status_code != status:
        raise FlowError(step, f"HTTP {response.status_code}: {response.text[:300]}")
    if status == 204:
        return {}
    try:
        body = response.json()
    except ValueError:
        raise FlowError(step, f"not JSON: {response.text[:200]}") from None
    if not isinstance(body, dict):
        raise FlowError(step, f"not a JSON object: {response.text[:200]}")
    return body


def query(vct: str) -> dict[str, object]:
    return {
        "credentials": [
            {
                "id": "skill",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [vct]},
                "claims": [{"path": ["given_name"]}, {"path": ["achievement_title"]}],
            }
        ]
    }


class Driver(threading.Thread):
    def __init__(
        self,
        index: int,
        deployment: Deployment,
        setup: Setup,
        results: Results,
        stop: threading.Event,
        max_flows: int,
    ) -> None:
        super().__init__(name=f"driver-{index}", daemon=True)
        self.index = index
        self.public = deployment.public
        self.setup = setup
        self.results = results
        self.stop = stop
        self.max_flows = max_flows
        self.holder_id, self.holder_auth = setup.holders[index]
        # One client per instance: a flow's steps go to the instances in turn.
        self.clients = [
            httpx.Client(base_url=server.local, timeout=REQUEST_TIMEOUT)
            for server in deployment.servers
        ]

    def local(self, url: str) -> str:
        """The path of a URL the servers gave out (on the public URL), for any instance."""
        if not url.startswith(self.public):
            raise FlowError("url", f"{url!r} is not on {self.public}")
        return url.removeprefix(self.public)

    def run(self) -> None:
        try:
            for n in range(self.max_flows):  # bounded in count; and in time by ``stop``
                if self.stop.is_set():
                    return
                self.one_flow(n)
        finally:
            for client in self.clients:
                client.close()

    def one_flow(self, n: int) -> None:
        s, results = self.setup, self.results
        # Step k of flow n goes to instance (driver + n + k) mod N: consecutive steps of a
        # flow land on different instances, and each flow starts where the last one did not.
        turn = self.index + n
        http = self.clients[turn % len(self.clients)]
        measured = results.measuring
        timings: dict[str, float] = {}
        credential_id: str | None = None
        offer_id: str | None = None
        marker = f"Soak-{self.index}-{n}-{secrets.token_hex(4)}"

        def timed(step: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
            instance = (turn + STEPS.index(step)) % len(self.clients)
            client = self.clients[instance]
            with results.lock:
                results.requests_per_instance[instance] += 1
            started = time.perf_counter()
            try:
                response = client.request(method, url, **kwargs)
            except httpx.HTTPError as exc:
                raise FlowError(step, f"{type(exc).__name__}: {exc}") from None
            timings[step] = time.perf_counter() - started
            return response

        flow_started = time.perf_counter()
        try:
            claims = {**base_claims(), "given_name": marker}
            offer = _expect(
                timed(
                    "offer",
                    "POST",
                    f"/issuers/{s.issuer_slug}/admin/offers",
                    headers=s.issuer_auth,
                    json={"claims": claims},
                ),
                "offer",
                201,
            )
            offer_id = offer["offer_id"]
            with results.lock:
                results.offers_created += 1
            card = _expect(
                timed(
                    "redeem",
                    "POST",
                    "/wallet/offers",
                    headers=self.holder_auth,
                    json={"offer": offer["credential_offer"]},
                ),
                "redeem",
                201,
            )
            credential_id = card["id"]
            with results.lock:
                results.redeemed_offers.append(offer_id)
            if card.get("issuer") != s.issuer_id_url or card.get("vct") != s.vct:
                raise FlowError(
                    "redeem",
                    f"unexpected card issuer/vct {card.get('issuer')!r} {card.get('vct')!r}",
                )
            asked = _expect(
                timed(
                    "request",
                    "POST",
                    f"/verifiers/{s.verifier_slug}/requests",
                    headers=s.verifier_auth,
                    json={"dcql_query": query(s.vct), "purpose": PURPOSE},
                ),
                "request",
                201,
            )
            with results.lock:
                results.requests_created += 1
            view = _expect(
                timed(
                    "read",
                    "POST",
                    "/wallet/presentation-requests",
                    headers=self.holder_auth,
                    json={"request": asked["authorization_request"]},
                ),
                "read",
                201,
            )
            if (
                view.get("verifier", {}).get("verified") is not True
                or view.get("purpose") != PURPOSE
            ):
                raise FlowError(
                    "read", f"verifier not verified or purpose changed: {json.dumps(view)[:300]}"
                )
            candidates = [
                c["credential_id"] for q in view.get("queries", []) for c in q.get("candidates", [])
            ]
            if candidates != [credential_id]:  # the wallet holds exactly this one credential
                raise FlowError("read", f"candidates {candidates} != [{credential_id}]")
            _expect(
                timed(
                    "approve",
                    "POST",
                    f"/wallet/presentation-requests/{view['id']}/approve",
                    headers=self.holder_auth,
                    json={
                        "credentials": {
                            "skill": {"credential_id": credential_id, "optional_claims": []}
                        }
                    },
                ),
                "approve",
                200,
            )
            status = _expect(
                timed("status", "GET", self.local(asked["status_url"]), headers=s.verifier_auth),
                "status",
                200,
            )
            self.check_result(status, marker, claims)
            _expect(
                timed(
                    "delete",
                    "DELETE",
                    f"/wallet/credentials/{credential_id}",
                    headers=self.holder_auth,
                ),
                "delete",
                204,
            )
            credential_id = None
        except FlowError as exc:
            results.error(exc.step, exc.detail)
            with results.lock:
                results.flows_failed += 1
            if credential_id is not None:  # keep the wallet at one credential at most
                with suppress(httpx.HTTPError):
                    http.delete(f"/wallet/credentials/{credential_id}", headers=self.holder_auth)
            self.stop.wait(ERROR_BACKOFF)
            return
        except Exception as exc:  # a bug here, not in the server: count it, keep going
            results.error("driver", f"{type(exc).__name__}: {exc}")
            with results.lock:
                results.flows_failed += 1
            self.stop.wait(ERROR_BACKOFF)
            return
        elapsed = time.perf_counter() - flow_started
        with results.lock:
            results.flows_ok += 1
            if measured and results.measuring:  # started and ended inside the measured window
                results.flows_ok_measured += 1
                for step, seconds in timings.items():
                    results.latencies[step].append(seconds)
                results.latencies["flow"].append(elapsed)

    @staticmethod
    def check_result(status: dict[str, Any], marker: str, claims: dict[str, Any]) -> None:
        if status.get("status") != "fulfilled":
            raise FlowError(
                "status",
                f"status {status.get('status')!r}: {json.dumps(status.get('result'))[:300]}",
            )
        try:
            [result] = status["result"]["credentials"]["skill"]
        except (KeyError, TypeError, ValueError):
            raise FlowError(
                "status", f"unexpected result {json.dumps(status.get('result'))[:300]}"
            ) from None
        got = result.get("claims") or {}
        if result.get("verdict") != "valid":
            raise FlowError(
                "status",
                f"verdict {result.get('verdict')!r}, failed {result.get('failed_check')!r}",
            )
        if (
            got.get("given_name") != marker
            or got.get("achievement_title") != claims["achievement_title"]
        ):
            raise FlowError(
                "status", f"claims {json.dumps(got)[:200]} are not this flow's ({marker})"
            )
        if "family_name" in got or "learner_identification" in got:
            raise FlowError("status", "undisclosed claims reached the verifier")


# --- the audit ---------------------------------------------------------------------------------


@contextmanager
def read_only(database_url: str, folder: Path) -> Iterator[Any]:
    """A DB-API cursor that cannot write: SQLite opened ``mode=ro``, PostgreSQL in a read-only
    transaction."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[1]
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            yield connection.cursor()
        finally:
            connection.close()
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url)
    try:
        with engine.connect() as pg:
            pg.exec_driver_sql("SET TRANSACTION READ ONLY")
            raw = pg.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
                pg.rollback()
    finally:
        engine.dispose()


def audit(database_url: str, folder: Path, setup: Setup, results: Results) -> dict[str, Any]:
    mark = "%s" if not database_url.startswith("sqlite") else "?"
    holder_ids = [h for h, _ in setup.holders]
    holders_in = ", ".join([mark] * len(holder_ids))
    with read_only(database_url, folder) as cur:

        def one(sql: str, params: tuple[Any, ...] = ()) -> Any:
            cur.execute(sql.replace("?", mark), params)
            return cur.fetchone()[0]

        def rows(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
            cur.execute(sql.replace("?", mark), params)
            return list(cur.fetchall())

        issuer_id = one("SELECT id FROM issuer_tenant WHERE slug = ?", (setup.issuer_slug,))
        verifier_id = one("SELECT id FROM verifier_tenant WHERE slug = ?", (setup.verifier_slug,))
        credential_offers = rows(
            "SELECT offer_id FROM issuer_credential WHERE issuer_id = ?", (issuer_id,)
        )
        offers_by_state = dict(
            rows(
                "SELECT state, COUNT(*) FROM issuer_offer WHERE issuer_id = ? GROUP BY state",
                (issuer_id,),
            )
        )
        spent_without_credential = one(
            "SELECT COUNT(*) FROM issuer_offer o WHERE o.issuer_id = ? AND o.state <> 'offered' "
            "AND NOT EXISTS "
            "(SELECT 1 FROM issuer_credential c WHERE c.offer_id = o.id)",
            (issuer_id,),
        )
        requests_by_status = dict(
            rows(
                "SELECT status, COUNT(*) FROM verifier_request WHERE tenant_id = ? GROUP BY status",
                (verifier_id,),
            )
        )
        wallet_left = one(
            f"SELECT COUNT(*) FROM wallet_credential WHERE holder_id IN ({holders_in})",
            tuple(holder_ids),
        )
    per_offer = Counter(o for (o,) in credential_offers)
    redeemed = Counter(results.redeemed_offers)
    duplicated = sorted(o for o, c in per_offer.items() if c > 1)
    lost = sorted(
        o for o in redeemed if per_offer.get(o, 0) == 0
    )  # the wallet got it; the issuer has no row
    unexplained = sorted(
        str(o) for o in per_offer if o not in redeemed
    )  # a row no redemption here explains
    redeemed_twice = sorted(o for o, c in redeemed.items() if c > 1)
    fulfilled = requests_by_status.get("fulfilled", 0)
    failures = []
    if len(credential_offers) != len(results.redeemed_offers):
        failures.append(
            f"credentials in issuer_credential ({len(credential_offers)}) "
            "!= successful redemptions "
            f"({len(results.redeemed_offers)})"
        )
    if duplicated:
        failures.append(
            f"{len(duplicated)} offers issued more than one credential, e.g. {duplicated[:3]}"
        )
    if redeemed_twice:
        failures.append(
            f"{len(redeemed_twice)} offers redeemed more than once, e.g. {redeemed_twice[:3]}"
        )
    if lost:
        failures.append(f"{len(lost)} redeemed offers have no credential row, e.g. {lost[:3]}")
    if unexplained:
        failures.append(
            f"{len(unexplained)} credentials match no successful redemption, e.g. {unexplained[:3]}"
        )
    if spent_without_credential:
        failures.append(f"{spent_without_credential} offers were spent without a credential (lost)")
    if offers_by_state.get("issued", 0) != len(credential_offers):
        failures.append(
            f"issued offers ({offers_by_state.get('issued', 0)}) "
            f"!= credentials ({len(credential_offers)})"
        )
    if sum(offers_by_state.values()) != results.offers_created:
        failures.append(
            f"offers in the database ({sum(offers_by_state.values())}) != offers created "
            f"({results.offers_created})"
        )
    if fulfilled != results.flows_ok:
        failures.append(
            f"verifier fulfilled requests ({fulfilled}) != successful flows ({results.flows_ok})"
        )
    if sum(requests_by_status.values()) != results.requests_created:
        failures.append(
            f"verifier requests in the database ({sum(requests_by_status.values())}) != requests "
            f"created ({results.requests_created})"
        )
    if wallet_left:
        failures.append(
            f"{wallet_left} credentials left in the wallets (each flow deletes its own)"
        )
    return {
        "credentials": len(credential_offers),
        "successful_redemptions": len(results.redeemed_offers),
        "offers_by_state": offers_by_state,
        "duplicated": len(duplicated),
        "lost": len(lost) + spent_without_credential,
        "unexplained": len(unexplained),
        "verifier_requests_by_status": requests_by_status,
        "wallet_credentials_left": wallet_left,
        "failures": failures,
    }


# --- reporting ---------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def parse_args() -> tuple[argparse.Namespace, float, float]:
    """The options, the warm-up and the measured seconds."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--minutes", type=float, default=10.0, help="Load time, warm-up included (10)."
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, help="Concurrent drivers, one wallet each (4)."
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="Worker processes of each instance (2)."
    )
    parser.add_argument(
        "--instances",
        type=int,
        default=1,
        help="`intyg serve` instances on one database behind a round-robin balancer (1).",
    )
    parser.add_argument(
        "--status-list-ttl",
        type=int,
        default=10,
        help="INTYG_STATUS_LIST_TTL_SECONDS of every instance: how stale a cached status "
        "list may be; the revocation check waits at most this long (10).",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="Warm-up seconds, part of --minutes (default: 10%% of it, 10–60 s).",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="Use this database (e.g. an empty PostgreSQL database) instead of a new SQLite file.",
    )
    parser.add_argument(
        "--max-growth", type=float, default=10.0, help="Allowed memory growth in %% (10)."
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the temporary folder (database, server log)."
    )
    args = parser.parse_args()
    if args.minutes <= 0 or args.concurrency < 1 or args.workers < 1 or args.instances < 1:
        parser.error("--minutes, --concurrency, --workers and --instances must be positive")
    if args.status_list_ttl < 1:
        parser.error("--status-list-ttl must be at least 1 second")
    total = args.minutes * 60
    warmup = args.warmup if args.warmup is not None else min(60.0, max(10.0, total * 0.1))
    if warmup >= total:
        parser.error("--warmup must be shorter than --minutes")
    return args, warmup, total - warmup


@dataclass
class Window:
    """What the measured window saw: flows and each instance's memory at its ends."""

    warm_flows: int
    measured_flows: int
    elapsed: float
    rss_start: list[int]  # per instance
    rss_end: list[int]
    rss_peak: list[int]
    processes: list[int]


def measure(
    deployment: Deployment,
    results: Results,
    stop: threading.Event,
    warmup: float,
    seconds: float,
) -> Window:
    """Wait out the warm-up, then time ``seconds`` of load, printing progress."""
    servers = deployment.servers

    def rss() -> list[int]:
        return [group_rss_bytes(s.process.pid)[0] for s in servers]

    started = time.monotonic()
    stop.wait(warmup)
    with results.lock:
        results.measuring = True
        warm_flows = results.flows_ok
    rss_start = rss()
    measure_started = time.monotonic()
    rss_peak = list(rss_start)
    progress_every = 10.0 if warmup + seconds <= 180 else 30.0
    while not stop.is_set():
        left = measure_started + seconds - time.monotonic()
        if left <= 0 or any(s.process.poll() is not None for s in servers):
            break
        stop.wait(min(progress_every, left))
        rss_now = rss()
        rss_peak = [max(a, b) for a, b in zip(rss_peak, rss_now, strict=True)]
        with results.lock:
            done, errs = results.flows_ok, sum(results.errors.values())
        print(
            f"  {time.monotonic() - started:6.0f} s  flows {done:6d}  errors {errs}  rss "
            + " + ".join(f"{r / 2**20:.1f}" for r in rss_now)
            + " MiB",
            flush=True,
        )
    with results.lock:
        results.measuring = False  # flows still in flight are audited, not timed
        measured_flows = results.flows_ok_measured
    elapsed = time.monotonic() - measure_started
    ends = [group_rss_bytes(s.process.pid) for s in servers]
    rss_end = [r for r, _ in ends]
    return Window(
        warm_flows,
        measured_flows,
        elapsed,
        rss_start,
        rss_end,
        [max(a, b) for a, b in zip(rss_peak, rss_end, strict=True)],
        [n for _, n in ends],
    )


def growth_pct(start: int, end: int) -> float:
    return (end - start) / start * 100 if start else float("nan")


def report(
    args: argparse.Namespace,
    warmup: float,
    window: Window,
    results: Results,
    audit_result: dict[str, Any],
    problems: list[str],
    checks: dict[str, str],
    logs: str,
) -> bool:
    """Print the table, the verdict and one line of JSON; True when the soak passed."""
    growths = [growth_pct(a, b) for a, b in zip(window.rss_start, window.rss_end, strict=True)]
    growth = growth_pct(sum(window.rss_start), sum(window.rss_end))
    errors_total = sum(results.errors.values())
    steps = {
        step: {
            "n": len(values),
            "p50_ms": ms(percentile(values, 50)),
            "p99_ms": ms(percentile(values, 99)),
        }
        for step, values in results.latencies.items()
    }
    reasons = []
    if errors_total:
        reasons.append(f"{errors_total} errors: {dict(results.errors)}")
    reasons.extend(audit_result["failures"])
    for i, instance_growth in enumerate(growths):
        if not instance_growth < args.max_growth:
            reasons.append(
                f"instance {i}: memory grew {instance_growth:.1f} % (limit {args.max_growth:g} %)"
            )
    reasons.extend(
        f"cross-instance check {name}: {outcome}"
        for name, outcome in checks.items()
        if not outcome.startswith(PASSED)
    )
    reasons.extend(problems)
    if window.measured_flows == 0:
        reasons.append("no flow completed in the measured window")

    print()
    print(f"{'step':8} {'n':>7} {'p50 ms':>9} {'p99 ms':>9}")
    for step in (*STEPS, "flow"):
        row = steps[step]
        p50 = "-" if row["p50_ms"] is None else f"{row['p50_ms']:.1f}"
        p99 = "-" if row["p99_ms"] is None else f"{row['p99_ms']:.1f}"
        print(f"{step:8} {row['n']:>7} {p50:>9} {p99:>9}")
    rate = window.measured_flows / window.elapsed if window.elapsed else 0.0
    mib = 2**20
    print(f"flows/s (measured {window.elapsed:.0f} s)     {rate:.2f}")
    print(f"flows completed (all / warm-up)   {results.flows_ok} / {window.warm_flows}")
    print(f"errors                            {errors_total} {dict(results.errors) or ''}")
    for i in range(len(window.rss_start)):
        print(
            f"instance {i} RSS start / end / peak {window.rss_start[i] / mib:.1f} / "
            f"{window.rss_end[i] / mib:.1f} / {window.rss_peak[i] / mib:.1f} MiB over "
            f"{window.processes[i]} processes ({growths[i]:+.1f} %)"
        )
    print(
        f"credentials / redemptions         {audit_result['credentials']} / "
        f"{audit_result['successful_redemptions']} (duplicated {audit_result['duplicated']}, "
        f"lost {audit_result['lost']}, unexplained {audit_result['unexplained']})"
    )
    print(f"verifier requests                 {audit_result['verifier_requests_by_status']}")
    for name, outcome in checks.items():
        print(f"cross-instance {name:18} {outcome}")
    for sample in results.error_samples:
        print(f"  error  {sample}")
    figures = {
        "minutes": args.minutes,
        "warmup_s": warmup,
        "measured_s": round(window.elapsed, 1),
        "concurrency": args.concurrency,
        "instances": args.instances,
        "workers": args.workers,
        "status_list_ttl_s": args.status_list_ttl,
        "database": "postgresql"
        if args.database_url and not args.database_url.startswith("sqlite")
        else "sqlite",
        "cpus": os.cpu_count(),
        "flows_per_s": round(rate, 2),
        "flows_measured": window.measured_flows,
        "flows_total": results.flows_ok,
        "flows_failed": results.flows_failed,
        "errors": errors_total,
        "errors_by_step": dict(results.errors),
        "latency": steps,
        # the sums over every instance, and each instance's own figures
        "rss_start_mib": round(sum(window.rss_start) / mib, 1),
        "rss_end_mib": round(sum(window.rss_end) / mib, 1),
        "rss_peak_mib": round(sum(window.rss_peak) / mib, 1),
        "rss_growth_pct": round(growth, 2),
        "server_processes": sum(window.processes),
        "per_instance": [
            {
                "rss_start_mib": round(window.rss_start[i] / mib, 1),
                "rss_end_mib": round(window.rss_end[i] / mib, 1),
                "rss_peak_mib": round(window.rss_peak[i] / mib, 1),
                "rss_growth_pct": round(growths[i], 2),
                "processes": window.processes[i],
            }
            for i in range(len(window.rss_start))
        ],
        "requests_per_instance": [
            results.requests_per_instance[i] for i in range(len(window.rss_start))
        ],
        "audit": {k: v for k, v in audit_result.items() if k != "failures"},
        "cross_instance": checks,
        "ok": not reasons,
    }
    if reasons:
        print("\nFAILED:")
        for reason in reasons:
            print(f"  - {reason}")
        print(f"  server log: {logs}")
    else:
        print(
            "\nOK: zero errors, every credential accounted for, memory growth under "
            f"{args.max_growth:g} %" + (", every cross-instance check passed" if checks else "")
        )
    print(json.dumps(figures, separators=(",", ":")))
    return not reasons


def main() -> int:
    args, warmup, measured_seconds = parse_args()

    def interrupted(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds through the ``finally`` that stops the server

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with it ignored
    folder = Path(tempfile.mkdtemp(prefix="intyg-soak-"))
    database_url = args.database_url or f"sqlite:///{folder}/soak.db"
    results = Results()
    stop = threading.Event()
    deployment: Deployment | None = None
    drivers: list[Driver] = []
    passed = False
    try:
        operator = jose.PrivateKey.generate()
        deployment = start_deployment(
            folder,
            args.instances,
            args.workers,
            args.database_url,
            operator.public,
            args.status_list_ttl,
        )
        wait_deployment_ready(deployment)
        setup = set_up(deployment.servers[0], operator, args.concurrency)
        print(
            f"soak: {args.instances} instance(s) of {args.workers} workers on "
            f"{'sqlite (temporary)' if not args.database_url else 'the given database'}, "
            f"public URL {deployment.public}; logs {deployment.logs}",
            flush=True,
        )
        # The checks' own issuer, verifier and two holders (made on the last instance), so
        # that the audit below sees only the soak's flows.
        checks = cross_instance.run_all(
            [s.local for s in deployment.servers],
            deployment.public,
            set_up(deployment.servers[-1], operator, 2),
            args.status_list_ttl,
        )
        for name, outcome in checks.items():
            print(f"  cross-instance {name:18} {outcome}", flush=True)
        max_flows = int((warmup + measured_seconds) * MAX_FLOWS_PER_SECOND_PER_DRIVER)
        drivers = [
            Driver(i, deployment, setup, results, stop, max_flows) for i in range(args.concurrency)
        ]
        print(
            f"soak: {args.minutes:g} min ({warmup:g} s warm-up), {args.concurrency} drivers",
            flush=True,
        )
        for driver in drivers:
            driver.start()
        window = measure(deployment, results, stop, warmup, measured_seconds)
        problems = []
        for i, server in enumerate(deployment.servers):
            if server.process.poll() is not None:
                problems.append(f"instance {i} exited with {server.process.returncode}")
        stop.set()
        for driver in drivers:
            driver.join(REQUEST_TIMEOUT * 2)
        stuck = [d.name for d in drivers if d.is_alive()]
        if stuck:
            problems.append(f"drivers did not stop: {stuck}")
        audit_result = audit(database_url, folder, setup, results)
        passed = report(
            args, warmup, window, results, audit_result, problems, checks, deployment.logs
        )
        return 0 if passed else 1
    except BaseException:
        if deployment is not None:
            print(f"soak: aborted; server logs: {deployment.logs}", file=sys.stderr)
        raise
    finally:
        stop.set()
        if deployment is not None:
            stop_deployment(deployment)
        for driver in drivers:
            driver.join(5)
        if not passed or args.keep:
            print(f"soak: kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

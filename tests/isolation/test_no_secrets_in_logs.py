"""Secrets never leave: not in any log line, not in any error response.

A full end-to-end run (issue with a tx_code, receive, ask, approve some claims, verify,
revoke, a standing grant pulled) and a round of failing requests run with every logger at
DEBUG. Every secret the run handled is then looked for in every captured log record and in
every error body: private keys (their ``d``, and ``"d":`` or PEM markers at all), API keys,
the admin token, session tokens, passwords, access tokens, pre-authorized codes, tx_codes,
offer and request-object references (both hand out a code or a request to whoever has them),
issued credentials and presentations, the personnummer in both forms, and claim values that
the holder did not disclose.

The served access log is redacted by ``core.logs.RedactingFilter``, which ``intyg serve``
installs: its unit tests are here, and a real ``intyg serve`` is shown an offer URL.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core import jose
from core.clock import FixedClock
from core.logs import RedactingFilter, redact_path, uvicorn_log_config
from core.runtime import Runtime
from issuer.models import IssuerSigningKey
from tests.e2e.conftest import BASE, one_process_app
from tests.e2e.test_three_servers import free_port
from tests.helpers import learner_claims, wait_until_serving
from tests.verifier.support import Roles, local
from tests.wallet.conftest import sign_up_and_in
from tests.wallet.flows import register_service, service_auth
from verifier.models import VerifierTenant
from wallet.models import WalletCredential, WalletHolder, WalletSigningKey
from wallet.service import holdings

VCT = f"{BASE}/types/skill-credential"
PASSWORD = "correct horse battery staple"
PERSONNUMMER = ("19900101-0017", "199001010017", "900101-0017", "9001010017")
BIRTHDATE = "1990-01-01"  # asked for, never disclosed
QUERY = {
    "credentials": [
        {
            "id": "skill",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [
                {"id": "given", "path": ["given_name"]},
                {"id": "family", "path": ["family_name"]},
                {"id": "grade", "path": ["assessment_grade"]},
                {"id": "birth", "path": ["birthdate"]},
                {"id": "pnr", "path": ["learner_identification"]},
            ],
            "claim_sets": [["given", "family", "grade", "birth", "pnr"], ["given", "family"]],
        }
    ]
}
MARKERS = ('"d":', "'d':", "PRIVATE KEY")
SECRET_KEYS = (
    "access_token",
    "pre-authorized_code",
    "c_nonce",
    "token",
    "api_key",
    "vp_token",
    "notification_id",
    "transaction_id",
)


@dataclasses.dataclass
class Traffic:
    """Everything the app's own outbound HTTP carried (wallet ↔ issuer ↔ verifier)."""

    secrets: set[str] = dataclasses.field(default_factory=set)
    errors: list[str] = dataclasses.field(default_factory=list)

    def record(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        for source in (response.content, request.content):
            self.collect(source)
        if response.status_code >= 400:
            self.errors.append(response.text)

    def collect(self, content: bytes) -> None:
        text = content.decode("utf-8", "replace")
        try:
            parsed: object = json.loads(text)
        except ValueError:
            parsed = dict(re.findall(r"([^&=]+)=([^&]*)", text))
            parsed = {unquote(k): unquote(v.replace("+", " ")) for k, v in parsed.items()}
        self.walk(parsed)

    def walk(self, value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in SECRET_KEYS and isinstance(item, str) and len(item) >= 8:
                    self.secrets.add(item)
                if key in ("credential", "vp_token"):  # SD-JWTs and their presentations
                    self.secrets.update(s for s in _strings(item, 40) if s.startswith("eyJ"))
                self.walk(item)
        elif isinstance(value, list):
            for item in value:
                self.walk(item)


def _strings(value: object, min_length: int) -> set[str]:
    if isinstance(value, str):
        if value.startswith("{"):
            try:
                return _strings(json.loads(value), min_length)
            except ValueError:
                pass
        return {value} if len(value) >= min_length else set()
    if isinstance(value, dict):
        return set().union(*(_strings(v, min_length) for v in value.values()), set())
    if isinstance(value, list):
        return set().union(*(_strings(v, min_length) for v in value), set())
    return set()


def recorded(client: TestClient, traffic: Traffic) -> TestClient:
    client.event_hooks = {"request": [], "response": [traffic.record]}
    return client


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def app(
    runtime: Runtime, tmp_path: Path, operator_key: jose.PrivateKey, traffic: Traffic
) -> FastAPI:
    """The one-process app of the verifier suites, its outbound HTTP recorded."""
    return one_process_app(
        runtime, tmp_path, lambda app: recorded(TestClient(app, base_url=BASE), traffic)
    )


@pytest.fixture
def client(app: FastAPI, traffic: Traffic) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE) as client:
        yield recorded(client, traffic)


def private_key_values(engine: Engine, rt: Runtime) -> set[str]:
    """The ``d`` of every private key the service keeps: issuers', verifiers', the wallet's
    receipt key and the holders' credential keys."""
    found: set[str] = set()
    with Session(engine) as session:
        for key in session.exec(select(IssuerSigningKey)).all():
            aad = f"issuer-signing-key:{key.issuer_id}:{key.kid}"
            found.add(json.loads(rt.master_key.open(key.sealed_private, aad))["d"])
        for tenant in session.exec(select(VerifierTenant)).all():
            aad = f"verifier-key:{tenant.id}"
            found.add(json.loads(rt.master_key.open(tenant.sealed_private, aad))["d"])
        for key in session.exec(select(WalletSigningKey)).all():
            aad = f"wallet-signing-key:{key.kid}"
            found.add(json.loads(rt.master_key.open(key.sealed_private, aad))["d"])
        for row in session.exec(select(WalletCredential)).all():
            holder = session.get(WalletHolder, row.holder_id)
            assert holder is not None
            opened = holdings.open_credential(rt, holder, row)
            found.add(str(opened.holder_key.private_jwk()["d"]))
            found.add(opened.serialized)
    assert len(found) >= 5
    return found


def formatted(record: logging.LogRecord) -> str:
    return logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)


def test_a_full_run_logs_no_secret_and_no_error_carries_one(
    client: TestClient,
    roles: Roles,
    engine: Engine,
    runtime: Runtime,
    clock: FixedClock,
    traffic: Traffic,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger and everything that propagates to it
    for name in ("httpx", "httpcore", "uvicorn", "uvicorn.access", "intyg"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    secrets_seen: set[str] = {
        PASSWORD,
        *PERSONNUMMER,
        BIRTHDATE,
        "test-admin-token",
        roles.issuer["api_key"],
        roles.verifier["api_key"],
    }

    # issue with a tx_code; the wallet receives it
    holder = sign_up_and_in(client)
    secrets_seen.add(holder["Authorization"].split()[1])
    made = client.post(
        f"/issuers/{roles.issuer['slug']}/admin/offers",
        json={"claims": learner_claims(), "tx_code": True},
        headers=roles.issuer_auth,
    ).json()
    secrets_seen |= {made["tx_code"], made["offer_id"]}
    card = client.post(
        "/wallet/offers",
        headers=holder,
        json={"offer": made["credential_offer"], "tx_code": made["tx_code"]},
    )
    assert card.status_code == 201, card.text
    credential_id = card.json()["id"]

    # the verifier asks for name, grade, birthdate and personnummer; the holder shows the grade
    asked = roles.ask(QUERY)
    secrets_seen.add(asked["request_uri"].rsplit("/", 1)[1])
    view = client.post(
        "/wallet/presentation-requests",
        headers=holder,
        json={"request": asked["authorization_request"]},
    )
    assert view.status_code == 201, view.text
    approved = client.post(
        f"/wallet/presentation-requests/{view.json()['id']}/approve",
        headers=holder,
        json={
            "credentials": {
                "skill": {"credential_id": credential_id, "optional_claims": [["assessment_grade"]]}
            }
        },
    )
    assert approved.status_code == 200, approved.text
    receipt = client.get(
        f"/wallet/consents/{approved.json()['consent_id']}/receipt", headers=holder
    )
    assert receipt.status_code == 200, receipt.text
    outcome = roles.status(asked)
    assert outcome["status"] == "fulfilled", outcome
    [result] = outcome["result"]["credentials"]["skill"]  # type: ignore[index]
    assert result["verdict"] == "valid" and "birthdate" not in result["claims"]

    # a standing grant, pulled
    service = register_service(client)
    secrets_seen.add(service["api_key"])
    grant = client.post(
        "/wallet/grant-requests",
        headers=service_auth(service),
        json={
            "holder": "alva@example.se",
            "dcql_query": QUERY,
            "purpose": "Matchning",
            "duration_days": 30,
        },
    )
    consent = client.post(
        f"/wallet/grant-requests/{grant.json()['id']}/approve",
        headers=holder,
        json={"credentials": {"skill": {"credential_id": credential_id, "optional_claims": []}}},
    )
    assert consent.status_code == 200, consent.text
    pulled = client.post(
        f"/wallet/grants/{grant.json()['id']}/presentations",
        headers=service_auth(service),
        json={"nonce": "pull-nonce-0001"},
    )
    assert pulled.status_code == 200, pulled.text

    # the issuer revokes
    [issued] = roles.credential_ids()
    revoked = client.post(
        f"/issuers/{roles.issuer['slug']}/admin/credentials/{issued}/revoke",
        headers=roles.issuer_auth,
    )
    assert revoked.status_code == 200, revoked.text

    # failures, each of which has a secret at hand to echo
    second = client.post(
        f"/issuers/{roles.issuer['slug']}/admin/offers",
        json={"claims": learner_claims(), "tx_code": True},
        headers=roles.issuer_auth,
    ).json()
    secrets_seen |= {second["tx_code"], second["offer_id"]}
    wrong_tx = str((int(second["tx_code"]) + 1) % 1_000_000).zfill(6)
    failures = [
        client.post(
            "/wallet/offers",
            headers=holder,
            json={"offer": second["credential_offer"], "tx_code": wrong_tx},
        ),
        client.post("/wallet/offers", headers=holder, json={"offer": made["credential_offer"]}),
        client.post(
            "/wallet/sessions", json={"username": "alva@example.se", "password": PASSWORD + "x"}
        ),
        client.post("/wallet/accounts", json={"username": "bo@example.se", "password": "kort"}),
        client.post(
            f"/issuers/{roles.issuer['slug']}/admin/offers",
            headers=roles.issuer_auth,
            json={"claims": learner_claims(learner_identification="19900101-0018")},
        ),
        client.post(
            f"/issuers/{roles.issuer['slug']}/admin/offers",
            headers=roles.issuer_auth,
            json={"claims": learner_claims(birthdate="1990-13-45")},
        ),
        client.get(
            f"/issuers/{roles.issuer['slug']}/admin/credentials",
            headers={"Authorization": f"Bearer {roles.issuer['api_key']}x"},
        ),
        client.post(
            f"/issuers/{roles.issuer['slug']}/credential",
            headers={"Authorization": "Bearer " + holder["Authorization"].split()[1]},
            json={"credential_configuration_id": "skill_credential_sd_jwt"},
        ),
        client.post(
            local(asked["request_uri"]).replace("request-objects", "responses"),
            data={"vp_token": "{}", "state": "x"},
        ),
        client.post(
            "/wallet/presentation-requests",
            headers=holder,
            json={"request": asked["authorization_request"]},
        ),
    ]
    assert all(f.status_code >= 400 for f in failures), str([f.status_code for f in failures])
    # a verification result names the failed check: it must not repeat what it was given
    failures.append(
        client.post(
            f"/verifiers/{roles.verifier['slug']}/verify",
            headers=roles.verifier_auth,
            json={"presentation": card.json()["claims"]["learner_identification"]},
        )
    )

    secrets_seen |= traffic.secrets
    secrets_seen |= private_key_values(engine, runtime)
    secrets_seen = {s for s in secrets_seen if s}
    assert any(s.startswith("eyJ") for s in secrets_seen)  # credentials were collected

    lines = [formatted(r) for r in caplog.records]
    assert any(r.name.startswith("httpx") for r in caplog.records), "nothing was captured?"
    leaks = [
        (secret[:24], line[:300])
        for line in lines
        for secret in [*secrets_seen, *MARKERS]
        if secret in line
    ]
    assert not leaks, leaks

    bodies = [f.text for f in failures] + traffic.errors
    problems = [
        (secret[:24], body[:300])
        for body in bodies
        for secret in [*secrets_seen, *MARKERS]
        if secret in body
    ]
    assert not problems, problems


# --- the access-log filter -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "GET /issuers/yh/offers/5f0c7e4e-1b7a-4a3e-9d41-0c1f0e1f2a3b HTTP/1.1",
            "GET /issuers/yh/offers/[redacted] HTTP/1.1",
        ),
        (
            "GET /verifiers/ag/request-objects/6a1b2c3d-aaaa-4bbb-8ccc-0123456789ab HTTP/1.1",
            "GET /verifiers/ag/request-objects/[redacted] HTTP/1.1",
        ),
        (
            "POST /verifiers/ag/responses/6a1b2c3d-aaaa-4bbb-8ccc-0123456789ab HTTP/1.1",
            "POST /verifiers/ag/responses/[redacted] HTTP/1.1",
        ),
        (
            "POST /wallet/grants/6a1b2c3d-aaaa-4bbb-8ccc-0123456789ab/presentations HTTP/1.1",
            "POST /wallet/grants/[redacted]/presentations HTTP/1.1",
        ),
        (
            "GET /wallet/presentation-requests/6a1b2c3d HTTP/1.1",
            "GET /wallet/presentation-requests/[redacted] HTTP/1.1",
        ),
        (
            "GET /wallet/offers?credential_offer_uri=http%3A%2F%2Fx%2Foffers%2Fabc HTTP/1.1",
            "GET /wallet/offers?[redacted] HTTP/1.1",
        ),
        (
            "GET /issuers/yh/offers/abc?tx_code=123456",
            "GET /issuers/yh/offers/[redacted]?[redacted]",
        ),
        (
            "GET /verifiers/ag/requests/6a1b2c3d-aaaa-4bbb-8ccc-0123456789ab HTTP/1.1",
            "GET /verifiers/ag/requests/[redacted] HTTP/1.1",
        ),
        ("GET /healthz HTTP/1.1", "GET /healthz HTTP/1.1"),
        (
            "GET /issuers/yh/status-lists/6a1b2c3d HTTP/1.1",
            "GET /issuers/yh/status-lists/6a1b2c3d HTTP/1.1",
        ),
    ],
)
def test_redact_path(line: str, expected: str) -> None:
    assert redact_path(line) == expected


def test_the_filter_rewrites_an_access_log_record() -> None:
    """uvicorn's access record: ``'%s - "%s %s HTTP/%s" %d'`` with the full path as an arg."""
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/issuers/yh/offers/secret-offer-id?tx_code=123456", "1.1", 200),
        None,
    )
    assert RedactingFilter().filter(record) is True
    message = record.getMessage()
    assert "secret-offer-id" not in message and "123456" not in message
    assert message == '127.0.0.1:5000 - "GET /issuers/yh/offers/[redacted]?[redacted] HTTP/1.1" 200'


def test_the_filter_rewrites_a_url_object_argument() -> None:
    """httpx logs its requests with the ``httpx.URL`` as an argument, not a string."""
    url = httpx.URL("http://localhost:8000/issuers/yh/offers/secret-offer-id")
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        'HTTP Request: %s %s "%s %d %s"',
        ("GET", url, "HTTP/1.1", 200, "OK"),
        None,
    )
    RedactingFilter().filter(record)
    assert "secret-offer-id" not in record.getMessage()


def test_uvicorn_log_config_puts_the_filter_on_the_access_log() -> None:
    config = uvicorn_log_config()
    assert config["handlers"]["access"]["filters"] == ["redact"]
    assert config["filters"]["redact"]["()"] == "core.logs.RedactingFilter"


# --- a real `intyg serve` --------------------------------------------------------------------


def test_the_served_access_log_redacts_an_offer_url(tmp_path: Path, master_key_text: str) -> None:
    port = free_port()
    base = f"http://localhost:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INTYG_")},
        "INTYG_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "INTYG_PUBLIC_URL": base,
        "INTYG_ADMIN_TOKEN": "served-admin-token",
        "INTYG_MASTER_KEY": master_key_text,
    }
    intyg = [sys.executable, "-m", "intyg"]
    subprocess.run(
        [*intyg, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=tmp_path
    )
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*intyg, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_serving(base)
            admin = {"Authorization": "Bearer served-admin-token"}
            issuer = httpx.post(
                f"{base}/admin/issuers",
                headers=admin,
                json={"slug": "yh", "name": "YH", "organisation_number": "556677-8899"},
            ).json()
            offer = httpx.post(
                f"{base}/issuers/yh/admin/offers",
                headers={"Authorization": f"Bearer {issuer['api_key']}"},
                json={"claims": learner_claims(), "tx_code": True},
            ).json()
            fetched = httpx.get(offer["credential_offer_uri"] + f"?tx_code={offer['tx_code']}")
            assert fetched.status_code == 200, fetched.text
            code = fetched.json()["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"][
                "pre-authorized_code"
            ]
        finally:
            server.terminate()
            server.wait(timeout=20)
    served = log_path.read_text()
    assert "/issuers/yh/offers/[redacted]?[redacted]" in served, served
    for secret in (
        offer["offer_id"],
        offer["tx_code"],
        code,
        issuer["api_key"],
        "served-admin-token",
        *PERSONNUMMER,
    ):
        assert secret not in served, (secret, served)

"""Once over real sockets: ``intyg serve`` on a loopback port (its own SQLite file and
environment); an issuer and an offer made over HTTP with httpx; the wallet of the same server
receives the offer over real HTTP and shows the card."""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.helpers import learner_claims, wait_until_serving

ADMIN_TOKEN = "loopback-admin-token"
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTYG_")}
    env.update(
        INTYG_DATABASE_URL=f"sqlite:///{tmp_path / 'loopback.db'}",
        INTYG_PUBLIC_URL=base,
        INTYG_ADMIN_TOKEN=ADMIN_TOKEN,
        INTYG_MASTER_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode(),
        INTYG_DEVELOPMENT="true",
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    upgraded = subprocess.run(
        [sys.executable, "-m", "intyg", "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "intyg", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(base, process, log=tmp_path / "server.log")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_issuer_to_wallet_over_real_http(server: str) -> None:
    with httpx.Client(base_url=server, timeout=20) as http:
        made = http.post(
            "/admin/issuers",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            json={
                "slug": "yh-akademin",
                "name": "YH-akademin",
                "organisation_number": "556677-8899",
            },
        )
        assert made.status_code == 201, made.text
        issuer = made.json()
        assert issuer["issuer"] == f"{server}/issuers/yh-akademin"
        issuer_auth = {"Authorization": f"Bearer {issuer['api_key']}"}
        offer = http.post(
            "/issuers/yh-akademin/admin/offers",
            headers=issuer_auth,
            json={"claims": learner_claims(), "tx_code": True},
        )
        assert offer.status_code == 201, offer.text
        offer = offer.json()
        assert offer["credential_offer"].startswith("openid-credential-offer://")

        assert (
            http.post(
                "/wallet/accounts", json={"username": "alva@example.se", "password": PASSWORD}
            ).status_code
            == 201
        )
        session = http.post(
            "/wallet/sessions", json={"username": "alva@example.se", "password": PASSWORD}
        )
        auth = {"Authorization": f"Bearer {session.json()['token']}"}

        # an issuer on a loopback port where nothing listens: a clear error, nothing stored
        nobody = f"http://127.0.0.1:{free_port()}/issuers/x"
        by_value = {
            "credential_issuer": nobody,
            "credential_configuration_ids": ["skill"],
            "grants": {
                "urn:ietf:params:oauth:grant-type:pre-authorized_code": {"pre-authorized_code": "c"}
            },
        }
        unreachable = http.post(
            "/wallet/offers",
            headers=auth,
            json={
                "offer": "openid-credential-offer://?credential_offer="
                + quote(json.dumps(by_value), safe="")
            },
        )
        assert unreachable.status_code == 502 and unreachable.json()["code"] == "fetch_failed"
        assert http.get("/wallet/credentials", headers=auth).json() == []

        received = http.post(
            "/wallet/offers",
            headers=auth,
            json={"offer": offer["credential_offer"], "tx_code": offer["tx_code"]},
        )
        assert received.status_code == 201, received.text
        card = received.json()
        assert card["issuer"] == issuer["issuer"] and card["issuer_name"] == "YH-akademin"
        assert card["vct"] == f"{server}/types/skill-credential"
        assert card["status"] == "VALID"
        assert card["claims"]["given_name"] == "Alva" and card["claims"]["eqf_level"] == 5
        assert [s["label"]["sv"] for s in card["claims"]["skills"]] == [
            "C#",
            "Agila metoder",
            "SQL",
        ]
        assert card["display"]
        shown = http.get(f"/wallet/credentials/{card['id']}", headers=auth)
        assert shown.status_code == 200 and shown.json()["claims"] == card["claims"]
        again = http.post(
            "/wallet/offers",
            headers=auth,
            json={"offer": offer["credential_offer"], "tx_code": offer["tx_code"]},
        )
        assert again.status_code == 410 and again.json()["code"] == "offer_unavailable"
        events = [e["event"] for e in http.get("/wallet/log", headers=auth).json()["entries"]]
        assert events == ["credential_received", "credential_receipt_failed"]
        assert http.get("/wallet/log/verify", headers=auth).json()["valid"] is True

"""The same flow against three servers — issuer, wallet, verifier — on separate loopback ports
with three separate databases, started and stopped by the test: the roles need nothing from
each other but HTTP."""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core import jose
from core.standards import trust_list
from tests.helpers import learner_claims, wait_until_serving

ADMIN = {"Authorization": "Bearer three-servers-admin"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, role: str, folder: Path, extra: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://localhost:{self.port}"
        folder.mkdir()
        self.env = {
            **os.environ,
            "INTYG_ROLES": json.dumps([role]),
            "INTYG_DATABASE_URL": f"sqlite:///{folder / 'intyg.db'}",
            "INTYG_PUBLIC_URL": self.base,
            "INTYG_ADMIN_TOKEN": "three-servers-admin",
            "INTYG_MASTER_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "INTYG_MASTER_KEY_FILE": str(folder / "master.key"),
            **extra,
        }
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        intyg = [sys.executable, "-m", "intyg"]
        subprocess.run(
            [*intyg, "db", "upgrade"],
            env=self.env,
            check=True,
            capture_output=True,
            cwd=self.folder,
        )
        self.log = (self.folder / "server.log").open("wb")
        self.process = subprocess.Popen(
            [*intyg, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            cwd=self.folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self) -> None:
        wait_until_serving(self.base, self.process)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.log.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[dict[str, Server]]:
    operator = jose.PrivateKey.generate()
    jwks = tmp_path / "operator.jwks"
    jwks.write_text(json.dumps({"keys": [dict(operator.public.jwk)]}))
    ca_dir = tmp_path / "verifier-ca"
    running = {
        "issuer": Server("issuer", tmp_path / "issuer", {}),
        "verifier": Server(
            "verifier",
            tmp_path / "verifier",
            {"INTYG_VERIFIER_CA_DIR": str(ca_dir), "INTYG_TRUST_LIST_OPERATOR_KEYS": str(jwks)},
        ),
        "wallet": Server(
            "wallet", tmp_path / "wallet", {"INTYG_WALLET_TRUST_ANCHORS": str(ca_dir / "ca.pem")}
        ),
    }
    running["operator"] = operator  # type: ignore[assignment]
    try:
        for server in running.values():
            if isinstance(server, Server):
                server.start()
        for server in running.values():
            if isinstance(server, Server):
                server.wait()
        yield running
    finally:
        for server in running.values():
            if isinstance(server, Server):
                server.stop()


def test_issue_hold_share_verify_across_three_servers(servers: dict[str, Server]) -> None:
    issuer_srv, wallet_srv, verifier_srv = servers["issuer"], servers["wallet"], servers["verifier"]
    operator: jose.PrivateKey = servers["operator"]  # type: ignore[assignment]
    with httpx.Client(timeout=30) as http:
        assert http.get(f"{issuer_srv.base}/wallet/credentials").status_code == 404  # roles apart
        issuer = http.post(
            f"{issuer_srv.base}/admin/issuers",
            headers=ADMIN,
            json={"slug": "yh", "name": "YH-akademin", "organisation_number": "556677-8899"},
        ).json()
        issuer_auth = {"Authorization": f"Bearer {issuer['api_key']}"}
        offer = http.post(
            f"{issuer_srv.base}/issuers/yh/admin/offers",
            headers=issuer_auth,
            json={"claims": learner_claims(), "tx_code": True},
        ).json()

        password = "correct horse battery staple"
        http.post(
            f"{wallet_srv.base}/wallet/accounts", json={"username": "alva", "password": password}
        )
        token = http.post(
            f"{wallet_srv.base}/wallet/sessions", json={"username": "alva", "password": password}
        ).json()["token"]
        holder = {"Authorization": f"Bearer {token}"}
        card = http.post(
            f"{wallet_srv.base}/wallet/offers",
            headers=holder,
            json={"offer": offer["credential_offer"], "tx_code": offer["tx_code"]},
        )
        assert card.status_code == 201, card.text
        vct = card.json()["vct"]

        verifier = http.post(
            f"{verifier_srv.base}/admin/verifiers",
            headers=ADMIN,
            json={
                "slug": "employer",
                "name": "Arbetsgivaren AB",
                "organisation_number": "556677-8899",
                "dns_name": "localhost",
            },
        ).json()
        verifier_auth = {"Authorization": f"Bearer {verifier['api_key']}"}
        now = int(time.time())
        document = trust_list.build_trust_list(
            list_id=f"{verifier_srv.base}/trust",
            operator_name="Test",
            issued_at=now - 60,
            next_update=now + 3600,
            entities=[trust_list.issuer_entry(issuer["issuer"], "YH-akademin", [vct])],
        )
        installed = http.put(
            f"{verifier_srv.base}/verifiers/employer/trust-list",
            headers=verifier_auth,
            json={"trust_list": trust_list.sign_trust_list(document, operator)},
        )
        assert installed.status_code == 200, installed.text

        query = {
            "credentials": [
                {
                    "id": "skill",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [vct]},
                    "claims": [{"path": ["given_name"]}, {"path": ["achievement_title"]}],
                }
            ]
        }
        asked = http.post(
            f"{verifier_srv.base}/verifiers/employer/requests",
            headers=verifier_auth,
            json={"dcql_query": query, "purpose": "Rekrytering"},
        ).json()
        view = http.post(
            f"{wallet_srv.base}/wallet/presentation-requests",
            headers=holder,
            json={"request": asked["authorization_request"]},
        )
        assert view.status_code == 201, view.text
        approved = http.post(
            f"{wallet_srv.base}/wallet/presentation-requests/{view.json()['id']}/approve",
            headers=holder,
            json={
                "credentials": {
                    "skill": {"credential_id": card.json()["id"], "optional_claims": []}
                }
            },
        )
        assert approved.status_code == 200, approved.text
        status = http.get(asked["status_url"], headers=verifier_auth).json()
        assert status["status"] == "fulfilled", status
        [result] = status["result"]["credentials"]["skill"]
        assert result["claims"]["given_name"] == "Alva"
        assert "family_name" not in result["claims"]

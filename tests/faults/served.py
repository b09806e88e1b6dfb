"""A real ``intyg serve`` on a loopback port, on the test database, for the fault suites; and
the few protocol steps those suites drive against it over plain HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from jwcrypto import jwk

from core import jose
from core.standards import sd_jwt, trust_list
from tests.e2e.test_three_servers import free_port
from tests.helpers import PRE_AUTH, learner_claims, public_jwk, sign_jwt, wait_until_serving
from tests.verifier.support import Held

ADMIN_TOKEN = "faults-admin-token"
CONFIGURATION = "skill_credential_sd_jwt"


@dataclass
class Served:
    """``intyg serve`` with ``workers`` processes; its output goes to ``log_path``."""

    database_url: str
    master_key: str
    folder: Path
    workers: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    operator: jose.PrivateKey = field(default_factory=jose.PrivateKey.generate)

    @property
    def base(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.folder / f"server-{self.port}.log"

    def env(self) -> dict[str, str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        operator_keys = self.folder / "operator.jwks"
        operator_keys.write_text(json.dumps({"keys": [dict(self.operator.public.jwk)]}))
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTYG_")}
        env.update(
            {
                "INTYG_DATABASE_URL": self.database_url,
                "INTYG_PUBLIC_URL": self.base,
                "INTYG_ADMIN_TOKEN": ADMIN_TOKEN,
                "INTYG_MASTER_KEY": self.master_key,
                "INTYG_VERIFIER_CA_DIR": str(self.folder / "verifier-ca"),
                "INTYG_TRUST_LIST_OPERATOR_KEYS": str(operator_keys),
                **self.extra_env,
            }
        )
        return env

    def start(self) -> Served:
        command = [
            sys.executable,
            "-m",
            "intyg",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        env = self.env()  # makes the folder
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=env, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT
            )
        # 90 s: two workers on a busy CI machine
        wait_until_serving(self.base, self.process, log=self.log_path)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=60)

    # --- the protocol steps ------------------------------------------------------------------

    def create_issuer(self, http: httpx.Client, slug: str) -> dict[str, str]:
        made = http.post(
            "/admin/issuers",
            headers=admin(),
            json={"slug": slug, "name": "YH-akademin", "organisation_number": "556677-8899"},
        )
        assert made.status_code == 201, made.text
        return made.json()

    def offer_code(self, http: httpx.Client, issuer: dict[str, str]) -> str:
        made = http.post(
            f"/issuers/{issuer['slug']}/admin/offers",
            headers=bearer(issuer),
            json={"claims": learner_claims()},
        )
        assert made.status_code == 201, made.text
        document = http.get(made.json()["credential_offer_uri"])
        assert document.status_code == 200, document.text
        return str(document.json()["grants"][PRE_AUTH]["pre-authorized_code"])

    def access_token(self, http: httpx.Client, issuer: dict[str, str]) -> str:
        code = self.offer_code(http, issuer)
        token = http.post(
            f"/issuers/{issuer['slug']}/token",
            data={"grant_type": PRE_AUTH, "pre-authorized_code": code},
        )
        assert token.status_code == 200, token.text
        return str(token.json()["access_token"])

    def nonce(self, http: httpx.Client, issuer: dict[str, str]) -> str:
        answer = http.post(f"/issuers/{issuer['slug']}/nonce")
        assert answer.status_code == 200, answer.text
        return str(answer.json()["c_nonce"])

    def credential_body(
        self, issuer: dict[str, str], holders: list[jwk.JWK], nonce: str, now: int
    ) -> dict[str, object]:
        header = {"typ": "openid4vci-proof+jwt", "alg": "ES256"}
        proofs = [
            sign_jwt(
                h,
                {**header, "jwk": public_jwk(h)},
                {"aud": issuer["issuer"], "iat": now, "nonce": nonce},
            )
            for h in holders
        ]
        return {"credential_configuration_id": CONFIGURATION, "proofs": {"jwt": proofs}}

    def issue(self, http: httpx.Client, issuer: dict[str, str], count: int) -> list[Held]:
        """``count`` (at most 10) credentials of one offer, with holder keys we keep."""
        now = int(time.time())
        token = self.access_token(http, issuer)
        holders = [jwk.JWK.generate(kty="EC", crv="P-256") for _ in range(count)]
        body = self.credential_body(issuer, holders, self.nonce(http, issuer), now)
        answer = http.post(
            f"/issuers/{issuer['slug']}/credential",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        metadata = http.get(f"/.well-known/jwt-vc-issuer/issuers/{issuer['slug']}").json()
        keys = {k["kid"]: jose.PublicKey.from_jwk(k) for k in metadata["jwks"]["keys"]}
        held = []
        for holder, item in zip(holders, answer.json()["credentials"], strict=True):
            verified = sd_jwt.verify_sd_jwt(
                item["credential"], lambda header: keys[str(header["kid"])], typ="dc+sd-jwt"
            )
            private = jose.PrivateKey.from_jwk(json.loads(holder.export_private()))
            held.append(Held(item["credential"], private, verified))
        return held

    def create_verifier(
        self, http: httpx.Client, slug: str, trusted: list[dict[str, str]]
    ) -> dict[str, str]:
        made = http.post(
            "/admin/verifiers",
            headers=admin(),
            json={
                "slug": slug,
                "name": "Arbetsgivaren AB",
                "organisation_number": "556677-8899",
                "dns_name": "localhost",
            },
        )
        assert made.status_code == 201, made.text
        verifier = made.json()
        now = int(time.time())
        document = trust_list.build_trust_list(
            list_id=f"{self.base}/trust-lists/faults",
            sequence_number=1,
            issued_at=now - 60,
            next_update=now + 86_400,
            operator_name="Test operator",
            entities=[
                trust_list.issuer_entry(
                    i["issuer"], "YH-akademin", [f"{self.base}/types/skill-credential"]
                )
                for i in trusted
            ],
        )
        token = trust_list.sign_trust_list(document, self.operator)
        put = http.put(
            f"/verifiers/{slug}/trust-list", json={"trust_list": token}, headers=bearer(verifier)
        )
        assert put.status_code == 200, put.text
        return verifier


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def bearer(tenant: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant['api_key']}"}

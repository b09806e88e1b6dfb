"""Benchmark: skill credentials issued per second, against floors measured in the same run.

    .venv/bin/python bench/issue.py [--seconds 5] [--http-seconds 10] [--workers 2]

Prints, all measured now on this machine:
- the raw ES256 sign rate of ``cryptography`` (the floor: one signature per credential);
- the OpenWallet Foundation reference library (``sd-jwt``) issuing the same 10-SD-claim
  credential;
- Intyg in-process: ``issue_batch`` (SD-JWT VC build + sign + random status index + store,
  committed), one credential per transaction and ten per transaction (a batch request);
- Intyg over HTTP: a second process runs the full OID4VCI flow (token, nonce, credential)
  against ``intyg serve`` with N workers on loopback, one holder key per flow and ten.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from bench import loadgen  # noqa: E402

SKILLS = 5  # with the five learner claims: 10 selectively disclosable claims


def claims() -> dict[str, object]:
    return {
        "given_name": "Alva",
        "family_name": "Lindqvist",
        "birthdate": "1990-01-01",
        "learner_identification": "19900101-0017",
        "achievement_title": "Mjukvaruutvecklare .NET",
        "achievement_kind": "programme",
        "eqf_level": 5,
        "credits": [{"value": 400, "unit": "yh-poäng"}],
        "skills": [
            {
                "id": f"https://data.jobtechdev.se/taxonomy/concept/skill_{i:04d}",
                "label": {"sv": f"Färdighet {i}", "en": f"Skill {i}"},
            }
            for i in range(SKILLS)
        ],
        "taxonomy_versions": {"jobtech_taxonomy": 22},
        "assessment_grade": "VG",
    }


def rate(fn: Callable[[], int], seconds: float) -> float:
    """Items per second of ``fn`` (which returns how many items one call made)."""
    fn()  # warm up
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += fn()
    return done / (time.perf_counter() - start)


def raw_sign_rate(seconds: float) -> float:
    key = ec.generate_private_key(ec.SECP256R1())
    data = secrets.token_bytes(900)
    algorithm = ec.ECDSA(hashes.SHA256())

    def one() -> int:
        for _ in range(100):
            key.sign(data, algorithm)
        return 100

    return rate(one, seconds)


def reference_library_rate(seconds: float) -> float:
    from jwcrypto import jwk
    from sd_jwt.common import SDObj
    from sd_jwt.issuer import SDJWTIssuer

    issuer_key = jwk.JWK.generate(kty="EC", crv="P-256")
    holder_key = json.loads(jwk.JWK.generate(kty="EC", crv="P-256").export_public())
    base = claims()
    for name in (
        "given_name",
        "family_name",
        "birthdate",
        "learner_identification",
        "assessment_grade",
    ):
        base[SDObj(name)] = base.pop(name)
    base["skills"] = [SDObj(s) for s in base["skills"]]  # type: ignore[union-attr]
    base.update(
        {
            "iss": "https://issuer.example",
            "vct": "https://issuer.example/t",
            "iat": 1,
            "exp": 2,
            "cnf": {"jwk": holder_key},
        }
    )

    def one() -> int:
        SDJWTIssuer(base, issuer_key, sign_alg="ES256").sd_jwt_issuance  # noqa: B018
        return 1

    return rate(one, seconds)


def in_process_rates(seconds: float) -> tuple[float, float]:
    from core import jose
    from core.clock import SystemClock
    from core.config import Settings
    from core.crypto import MasterKey
    from core.db import create_db_engine, session_scope
    from core.runtime import Runtime
    from intyg import migrate
    from issuer import issuance, repository, service
    from schemas.skill_credential import validate_claims

    folder = tempfile.mkdtemp(prefix="intyg-bench-")
    settings = Settings(
        database_url=f"sqlite:///{folder}/bench.db",
        public_url="http://localhost:8000",
        issuer_ca_dir=Path(folder) / "issuer-ca",  # sealed under this run's master key
    )
    engine = create_db_engine(settings.database_url)
    migrate.upgrade(engine)
    rt = Runtime(settings, engine, SystemClock(), MasterKey(secrets.token_bytes(32)))
    with session_scope(engine) as session:
        service.create_issuer(
            session, rt, slug="bench", name="Bench", organisation_number="556677-8899"
        )
    with session_scope(engine) as session:
        tenant = repository.tenant_by_slug(session, "bench")
    assert tenant is not None
    prepared = json.loads(service._sealable_claims(tenant, validate_claims(claims()), time_today()))
    holders = [jose.PrivateKey.generate().public for _ in range(10)]

    def batch(n: int) -> Callable[[], int]:
        def one() -> int:
            with session_scope(engine) as session:
                issuance.issue_batch(session, rt, tenant, prepared, holders[:n], offer_id=None)
                session.commit()
            return n

        return one

    return rate(batch(1), seconds), rate(batch(10), seconds)


def time_today():  # type: ignore[no-untyped-def]
    from datetime import date

    return date.today()


# --- over HTTP -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    workers: int,
    *,
    host: str = "127.0.0.1",
    prepare: Callable[[Path], dict[str, str]] | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """``intyg serve`` on a free port with a new SQLite database in a temporary folder;
    ``prepare`` may write files there first and returns more settings. Returns the process
    and the public base URL (``http://{host}:{port}``)."""
    folder = Path(tempfile.mkdtemp(prefix="intyg-bench-"))
    port = free_port()
    base = f"http://{host}:{port}"
    env = {
        **os.environ,
        "INTYG_DATABASE_URL": f"sqlite:///{folder}/bench.db",
        "INTYG_PUBLIC_URL": base,
        "INTYG_ADMIN_TOKEN": "bench-admin",
        "INTYG_MASTER_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        **(prepare(folder) if prepare else {}),
    }
    intyg = [sys.executable, "-m", "intyg"]
    subprocess.run([*intyg, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=folder)
    server = subprocess.Popen(
        [*intyg, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_ready(f"http://127.0.0.1:{port}")
    return server, base


def stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def wait_ready(base: str) -> None:
    import httpx

    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def http_rate(seconds: float, workers: int, per_flow: int, concurrency: int = 32) -> float:
    import httpx

    from core import jose
    from core.standards import oid4vci

    server, base = start_server(workers)
    try:
        with httpx.Client(base_url=base, timeout=30) as admin:
            made = admin.post(
                "/admin/issuers",
                json={"slug": "bench", "name": "Bench", "organisation_number": "556677-8899"},
                headers={"Authorization": "Bearer bench-admin"},
            ).json()
            auth = {"Authorization": f"Bearer {made['api_key']}"}
            codes: list[str] = []
            while len(codes) < seconds * 700 + 500:  # more than the flows the run can make
                batch = [{"claims": claims()} for _ in range(500)]
                result = admin.post("/issuers/bench/admin/offers/batch", json=batch, headers=auth)
                for item in result.json()["results"]:
                    offer = admin.get(item["offer"]["credential_offer_uri"].removeprefix(base))
                    grant = offer.json()["grants"][oid4vci.PRE_AUTHORIZED_GRANT]
                    codes.append(grant["pre-authorized_code"])
        issuer = made["issuer"]
        holders = [jose.PrivateKey.generate() for _ in range(per_flow)]
        pending = iter(codes)

        async def flow(connection: loadgen.Connection) -> int:
            form = urlencode(
                {"grant_type": oid4vci.PRE_AUTHORIZED_GRANT, "pre-authorized_code": next(pending)}
            )
            token = json.loads(
                _ok(
                    await connection.request(
                        "POST",
                        "/issuers/bench/token",
                        form.encode(),
                        content_type="application/x-www-form-urlencoded",
                    )
                )
            )
            nonce = json.loads(_ok(await connection.request("POST", "/issuers/bench/nonce")))
            now = int(time.time())
            proofs = [
                oid4vci.make_proof(h, audience=issuer, nonce=nonce["c_nonce"], iat=now)
                for h in holders
            ]
            body = {
                "credential_configuration_id": "skill_credential_sd_jwt",
                "proofs": {"jwt": proofs},
            }
            response = await connection.request(
                "POST",
                "/issuers/bench/credential",
                json.dumps(body).encode(),
                headers={"Authorization": f"Bearer {token['access_token']}"},
            )
            return len(json.loads(_ok(response))["credentials"])

        return loadgen.run(base, seconds, flow, connections=concurrency)
    finally:
        stop_server(server)


def _ok(response: loadgen.Response) -> bytes:
    if response.status != 200:
        raise RuntimeError(response.body[:500].decode())
    return response.body


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--http-seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()

    floor = raw_sign_rate(args.seconds)
    reference = reference_library_rate(args.seconds)
    single, batched = in_process_rates(args.seconds)
    print(f"{'measure':58} {'per second':>11} {'x raw sign':>10}")
    rows = [
        ("raw ES256 sign (cryptography) — the floor", floor),
        ("OWF sd-jwt reference library, 10 SD claims", reference),
        ("Intyg in-process, 1 credential per transaction", single),
        ("Intyg in-process, 10 credentials per transaction", batched),
    ]
    if not args.skip_http:
        rows.append(
            (
                f"Intyg HTTP flow, 1 credential per flow, {args.workers} workers",
                http_rate(args.http_seconds, args.workers, 1),
            )
        )
        rows.append(
            (
                f"Intyg HTTP flow, batch of 10 per flow, {args.workers} workers",
                http_rate(args.http_seconds, args.workers, 10),
            )
        )
    for label, value in rows:
        print(f"{label:58} {value:11.0f} {value / floor:10.2f}")


if __name__ == "__main__":
    main()

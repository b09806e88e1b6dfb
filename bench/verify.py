"""Benchmark: presentations verified per second, against floors measured in the same run.

    .venv/bin/python bench/verify.py [--seconds 5] [--http-seconds 10] [--workers 2]

A presentation is a skill credential's issuer JWS + 3 disclosures + a KB-JWT (ES256), with
its status list cached. Printed, all measured now on this machine:
- the floor: two raw ES256 verifications (``cryptography``) per presentation;
- the OpenWallet Foundation reference library (``sd-jwt``) verifying the same presentations
  (signature, disclosures, KB-JWT — it checks no status, trust or validity);
- Intyg in-process: the whole pipeline (``verifier.pipeline.verify``), every check;
- Intyg over HTTP: ``POST /verifiers/{slug}/verify`` on ``intyg serve`` with N workers, driven
  from this process on loopback (unique nonces, so none is refused as replayed).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from bench import loadgen  # noqa: E402
from bench.issue import claims, rate, start_server, stop_server  # noqa: E402
from core import jose  # noqa: E402
from core.standards import sd_jwt, sd_jwt_vc, status_list, trust_list  # noqa: E402
from issuer.issuance import SKILL_SD_SPEC  # noqa: E402

ISSUER = "https://issuer.example/issuers/bench"
VCT = "https://issuer.example/types/skill-credential"
AUD = "x509_san_dns:verifier.example"
SHOWN = [("given_name",), ("family_name",), ("assessment_grade",)]


def raw_floor(seconds: float) -> float:
    key = ec.generate_private_key(ec.SECP256R1())
    data = secrets.token_bytes(900)
    algorithm = ec.ECDSA(hashes.SHA256())
    signature = key.sign(data, algorithm)
    public = key.public_key()

    def two() -> int:
        for _ in range(50):
            public.verify(signature, data, algorithm)
            public.verify(signature, data, algorithm)
        return 50

    return rate(two, seconds)


def make_presentations(
    issuer_key: jose.PrivateKey, count: int, now: int, header: Mapping[str, object] | None = None
) -> tuple[list[str], list[str]]:
    holder = jose.PrivateKey.generate()
    payload = sd_jwt_vc.credential_payload(
        claims(),
        issuer=ISSUER,
        vct=VCT,
        iat=now - 10,
        exp=now + 86_400,
        holder_jwk=holder.public.jwk,
        status=status_list.StatusListReference(7, f"{ISSUER}/status-lists/1"),
    )
    credential = sd_jwt.issue(
        payload, SKILL_SD_SPEC, issuer_key, typ=sd_jwt_vc.TYP_SD_JWT_VC, header=header
    )
    parts = sd_jwt.split(credential)
    decoded = [sd_jwt.decode_disclosure(d) for d in parts.disclosures]
    processed = sd_jwt.process_disclosures(jose.parse(parts.issuer_jwt).payload, decoded)
    verified = sd_jwt.VerifiedSdJwt(
        parts, jose.parse(parts.issuer_jwt), processed.claims, processed.disclosed
    )
    base = sd_jwt.present(verified, SHOWN)
    nonces = [secrets.token_urlsafe(16) for _ in range(count)]
    return [sd_jwt.add_key_binding(base, holder, aud=AUD, nonce=n, iat=now) for n in nonces], nonces


class CachedResolvers:
    """Issuer keys and a decoded status list held in memory: "status list cached"."""

    def __init__(self, key: jose.PublicKey) -> None:
        self.keys = {key.kid: key}
        self.list = status_list.StatusList(131_072, 2)

    def issuer_keys(
        self, issuer: str, now: int, *, refresh: bool = False
    ) -> Mapping[str, jose.PublicKey]:
        return self.keys

    def status(
        self,
        reference: status_list.StatusListReference,
        issuer: str,
        now: int,
        anchors: tuple[object, ...] = (),
    ) -> int:
        return self.list.get(reference.idx)


def in_process_rate(seconds: float, *, x5c: bool = False) -> tuple[float, float]:
    """``x5c``: the issuer signs with a certificate chain (HAIP 1.0) that the trust list's CA
    anchors, and names no ``kid``: the key comes from the chain, not from metadata."""
    from core import x509 as certs
    from verifier import pipeline

    issuer_key = jose.PrivateKey.generate()
    now = int(time.time())
    anchors: list[str] = []
    header: dict[str, object] | None = None
    if x5c:
        ca_cert, ca_key = certs.create_dev_ca("Bench issuer CA", now)
        leaf = certs.issue_issuer_certificate(ca_cert, ca_key, ISSUER, issuer_key.public, now)
        anchors, header = certs.x5c_chain([ca_cert]), {"x5c": certs.x5c_chain([leaf])}
    presentations, nonces = make_presentations(issuer_key, 20_000, now, header)
    token, operator_keys = _signed_list(now, anchors)
    listed = trust_list.verify_trust_list(token, operator_keys, now)
    resolvers = CachedResolvers(issuer_key.public)
    seen: set[str] = set()

    def remember(nonce: str) -> None:
        if nonce in seen:
            raise pipeline.NonceReplayed()
        seen.add(nonce)

    position = 0

    def ours() -> int:
        nonlocal position
        for _ in range(20):
            i = position % len(presentations)
            position += 1
            policy = pipeline.Policy(listed, True, AUD, nonces[i])
            seen.discard(nonces[i])
            result = pipeline.verify(
                presentations[i], policy, resolvers, now=now, remember_nonce=remember
            )
            assert result.valid, result.document()
        return 20

    from jwcrypto import jwk
    from sd_jwt.verifier import SDJWTVerifier

    issuer_jwk = jwk.JWK(**dict(issuer_key.public.jwk))

    def reference() -> int:
        nonlocal position
        for _ in range(20):
            i = position % len(presentations)
            position += 1
            SDJWTVerifier(
                presentations[i],
                lambda _i, _h: issuer_jwk,
                expected_aud=AUD,
                expected_nonce=nonces[i],
            ).get_verified_payload()
        return 20

    return rate(ours, seconds), rate(reference, seconds)


_operator = jose.PrivateKey.generate()


def _signed_list(now: int, anchors: list[str]) -> tuple[str, list[jose.PublicKey]]:
    document = trust_list.build_trust_list(
        list_id="https://trust.example/list",
        operator_name="Bench",
        issued_at=now - 60,
        next_update=now + 86_400,
        entities=[trust_list.issuer_entry(ISSUER, "Bench", [VCT], x5c=anchors)],
    )
    return trust_list.sign_trust_list(document, _operator), [_operator.public]


def http_rate(seconds: float, workers: int) -> float:
    import httpx

    from core.standards import oid4vci

    operator = jose.PrivateKey.generate()

    def prepare(folder: Path) -> dict[str, str]:
        (folder / "operator.jwks").write_text(json.dumps({"keys": [dict(operator.public.jwk)]}))
        return {
            "INTYG_VERIFIER_CA_DIR": f"{folder}/ca",
            "INTYG_TRUST_LIST_OPERATOR_KEYS": f"{folder}/operator.jwks",
        }

    server, base = start_server(workers, host="localhost", prepare=prepare)
    try:
        admin = {"Authorization": "Bearer bench-admin"}
        with httpx.Client(base_url=base, timeout=30) as http:
            issuer = http.post(
                "/admin/issuers",
                headers=admin,
                json={"slug": "bench", "name": "Bench", "organisation_number": "556677-8899"},
            ).json()
            auth = {"Authorization": f"Bearer {issuer['api_key']}"}
            offer = http.post(
                "/issuers/bench/admin/offers", headers=auth, json={"claims": claims()}
            ).json()
            code = http.get(offer["credential_offer_uri"].removeprefix(base)).json()["grants"][
                oid4vci.PRE_AUTHORIZED_GRANT
            ]["pre-authorized_code"]
            token = http.post(
                "/issuers/bench/token",
                data={"grant_type": oid4vci.PRE_AUTHORIZED_GRANT, "pre-authorized_code": code},
            ).json()["access_token"]
            nonce = http.post("/issuers/bench/nonce").json()["c_nonce"]
            holder = jose.PrivateKey.generate()
            proof = oid4vci.make_proof(
                holder, audience=issuer["issuer"], nonce=nonce, iat=int(time.time())
            )
            credential = http.post(
                "/issuers/bench/credential",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "credential_configuration_id": "skill_credential_sd_jwt",
                    "proofs": {"jwt": [proof]},
                },
            ).json()["credentials"][0]["credential"]
            verifier = http.post(
                "/admin/verifiers",
                headers=admin,
                json={
                    "slug": "bench",
                    "name": "Bench",
                    "organisation_number": "556677-8899",
                    "dns_name": "localhost",
                },
            ).json()
            vauth = {"Authorization": f"Bearer {verifier['api_key']}"}
            now = int(time.time())
            document = trust_list.build_trust_list(
                list_id=f"{base}/trust",
                operator_name="Bench",
                issued_at=now - 60,
                next_update=now + 86_400,
                entities=[
                    trust_list.issuer_entry(
                        issuer["issuer"], "Bench", [f"{base}/types/skill-credential"]
                    )
                ],
            )
            http.put(
                "/verifiers/bench/trust-list",
                headers=vauth,
                json={"trust_list": trust_list.sign_trust_list(document, operator)},
            ).raise_for_status()
        parts = sd_jwt.split(credential)
        decoded = [sd_jwt.decode_disclosure(d) for d in parts.disclosures]
        jws = jose.parse(parts.issuer_jwt)
        processed = sd_jwt.process_disclosures(jws.payload, decoded)
        presentation = sd_jwt.present(
            sd_jwt.VerifiedSdJwt(parts, jws, processed.claims, processed.disclosed), SHOWN
        )
        host = base.removeprefix("http://")
        requests = []
        for _ in range(int(seconds * 6000) + 1000):
            n = secrets.token_urlsafe(16)
            body = {
                "presentation": sd_jwt.add_key_binding(
                    presentation, holder, aud=verifier["client_id"], nonce=n, iat=int(time.time())
                ),
                "nonce": n,
            }
            requests.append(
                loadgen.request_bytes(
                    host,
                    "POST",
                    "/verifiers/bench/verify",
                    json.dumps(body).encode(),
                    headers=vauth,
                )
            )
        pending = iter(requests)

        async def one(connection: loadgen.Connection) -> int:
            response = await connection.send(next(pending))
            if response.status != 200 or b'"verdict":"valid"' not in response.body:
                raise RuntimeError(response.body[:500].decode())
            return 1

        target = base.replace("//localhost:", "//127.0.0.1:")
        # A few requests first, one at a time on new connections (so that every worker gets
        # some): each worker fetches the issuer's keys and status list, and the run measures
        # what the bench is about ("status list cached"), not a cold start.
        for _ in range(4 * workers):
            loadgen.run(target, 0, one, connections=1)
        return loadgen.run(target, seconds, one)
    finally:
        stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--http-seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    floor = raw_floor(args.seconds)
    ours, reference = in_process_rate(args.seconds)
    chained, _ = in_process_rate(args.seconds, x5c=True)
    rows: list[tuple[str, float]] = [
        ("floor: 2 raw ES256 verifications (cryptography)", floor),
        ("OWF sd-jwt reference library (sig + disclosures + KB)", reference),
        ("Intyg in-process, full pipeline (10 checks)", ours),
        ("Intyg in-process, issuer key from x5c to a listed CA", chained),
    ]
    if not args.skip_http:
        rows.append(
            (
                f"Intyg POST /verify over HTTP, {args.workers} workers",
                http_rate(args.http_seconds, args.workers),
            )
        )
    print(f"{'measure':58} {'per second':>11} {'x floor':>8}")
    for label, value in rows:
        print(f"{label:58} {value:11.0f} {value / floor:8.2f}")


if __name__ == "__main__":
    main()

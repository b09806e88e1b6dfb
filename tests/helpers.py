"""Test helpers: sample learner claims, and an independent OID4VCI wallet.

``SpecWallet`` is written from the OpenID4VCI 1.0 and RFC 9449 texts with jwcrypto and the
standard library only — it shares no code with Intyg's core, so a test that passes with it
shows that the issuer speaks the standard, not merely that it agrees with itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from jwcrypto import jwk, jws

ADMIN = {"Authorization": "Bearer test-admin-token"}
PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def learner_claims(**overrides: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "given_name": "Alva",
        "family_name": "Lindqvist",
        "birthdate": "1990-01-01",
        "learner_identification": "19900101-0017",
        "achievement_title": "Mjukvaruutvecklare .NET",
        "achievement_kind": "programme",
        "achievement_description": "Tvåårig yrkeshögskoleutbildning",
        "learning_outcomes": ["Utveckla webbapplikationer", "Arbeta agilt"],
        "language_of_classes": ["sv"],
        "expected_study_time": "P2Y",
        "eqf_level": 5,
        "seqf_level": 5,
        "credits": [{"value": 400, "unit": "yh-poäng"}],
        "skills": [
            {
                "id": "https://data.jobtechdev.se/taxonomy/concept/Nwqv_Fbd_c3X",
                "label": {"sv": "C#", "en": "C#"},
            },
            {
                "id": "https://data.jobtechdev.se/taxonomy/concept/ShQw_Hx6_Ukn",
                "label": {"sv": "Agila metoder", "en": "Agile methods"},
            },
            {
                "id": "https://data.jobtechdev.se/taxonomy/concept/GNpR_2DU_tpd",
                "label": {"sv": "SQL", "en": "SQL"},
            },
        ],
        "taxonomy_versions": {"jobtech_taxonomy": 22},
        "assessment_grade": "VG",
    }
    claims.update(overrides)
    return claims


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(part: str) -> dict[str, object]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def sign_jwt(key: jwk.JWK, header: dict[str, object], payload: dict[str, object]) -> str:
    token = jws.JWS(json.dumps(payload).encode())
    token.add_signature(key, alg=header["alg"], protected=json.dumps(header))
    return token.serialize(compact=True)


def public_jwk(key: jwk.JWK) -> dict[str, object]:
    return json.loads(key.export_public())


@dataclass
class SpecWallet:
    """Plays a wallet against an issuer over HTTP, from the specifications alone."""

    client: httpx.Client
    use_dpop: bool = True
    dpop_key: jwk.JWK = field(default_factory=lambda: jwk.JWK.generate(kty="EC", crv="P-256"))
    now: int = field(default_factory=lambda: int(time.time()))

    def path(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def dpop_proof(self, method: str, url: str, access_token: str | None = None) -> str:
        payload: dict[str, object] = {
            "jti": secrets.token_urlsafe(12),
            "htm": method,
            "htu": url,
            "iat": self.now,
        }
        if access_token:
            payload["ath"] = b64url(hashlib.sha256(access_token.encode()).digest())
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk(self.dpop_key)}
        return sign_jwt(self.dpop_key, header, payload)

    def resolve_offer(self, link: str) -> dict[str, object]:
        query = parse_qs(urlsplit(link).query)
        offer_uri = query["credential_offer_uri"][0]
        response = self.client.get(self.path(offer_uri))
        response.raise_for_status()
        return response.json()

    def metadata(self, issuer: str) -> dict[str, object]:
        parts = urlsplit(issuer)
        well_known = f"/.well-known/openid-credential-issuer{parts.path}"
        return self.client.get(well_known).raise_for_status().json()

    def redeem(self, offer: dict[str, object], tx_code: str | None = None) -> dict[str, object]:
        grant = offer["grants"][PRE_AUTH]  # type: ignore[index]
        issuer = offer["credential_issuer"]
        token_url = f"{issuer}/token"
        form = {"grant_type": PRE_AUTH, "pre-authorized_code": grant["pre-authorized_code"]}
        if tx_code is not None:
            form["tx_code"] = tx_code
        headers = {"DPoP": self.dpop_proof("POST", token_url)} if self.use_dpop else {}
        return self.client.post(self.path(token_url), data=form, headers=headers).json()

    def nonce(self, metadata: dict[str, object]) -> str:
        return self.client.post(self.path(str(metadata["nonce_endpoint"]))).json()["c_nonce"]

    def proof(self, holder: jwk.JWK, audience: str, nonce: str) -> str:
        header = {"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": public_jwk(holder)}
        return sign_jwt(holder, header, {"aud": audience, "iat": self.now, "nonce": nonce})

    def request_credentials(
        self, metadata: dict[str, object], token: dict[str, object], holders: list[jwk.JWK]
    ) -> httpx.Response:
        url = str(metadata["credential_endpoint"])
        access_token = str(token["access_token"])
        nonce = self.nonce(metadata)
        issuer = str(metadata["credential_issuer"])
        body = {
            "credential_configuration_id": next(
                iter(metadata["credential_configurations_supported"])  # type: ignore[arg-type]
            ),
            "proofs": {"jwt": [self.proof(h, issuer, nonce) for h in holders]},
        }
        headers = {"Authorization": f"{token['token_type']} {access_token}"}
        if token["token_type"] == "DPoP":
            headers["DPoP"] = self.dpop_proof("POST", url, access_token)
        return self.client.post(self.path(url), json=body, headers=headers)


def create_issuer(client: httpx.Client, slug: str = "yh-akademin") -> dict[str, str]:
    response = client.post(
        "/admin/issuers",
        json={"slug": slug, "name": "YH-akademin", "organisation_number": "556677-8899"},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    return response.json()


def quote_path(value: str) -> str:
    return quote(value, safe="")


def wait_until_serving(
    base: str,
    process: subprocess.Popen[bytes] | None = None,
    *,
    seconds: float = 90,  # a loaded 2-core machine starts a server slowly; a crash fails at once
    log: Path | None = None,
) -> None:
    """Poll ``base``/healthz until it answers 200; fail early if ``process`` exits, and
    quote the end of ``log`` in either failure."""

    def tail() -> str:
        return log.read_text(errors="replace")[-2000:] if log is not None else ""

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: {tail()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{base} did not start within {seconds:g} s: {tail()}")


def stop_process(process: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    """Terminate a server the test started; kill it if it does not stop within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

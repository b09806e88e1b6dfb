"""Helpers for the issuer's endpoint suites.

Protocol messages are built with jwcrypto and the standard library only (like
``tests.helpers.SpecWallet``), so the tests do not lean on Intyg's own JOSE or OID4VCI code to
produce what they send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field

import httpx
from jwcrypto import jwk

from core.clock import FixedClock
from tests.helpers import PRE_AUTH, learner_claims, public_jwk, sign_jwt

PUBLIC = "http://localhost:8000"
TYP_PROOF = "openid4vci-proof+jwt"
TYP_DPOP = "dpop+jwt"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64_json(value: object) -> str:
    return b64(json.dumps(value).encode())


def decode_part(token: str, index: int) -> dict[str, object]:
    part = token.split("~")[0].split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def unsigned_jwt(header: dict[str, object], payload: dict[str, object]) -> str:
    """``alg: none`` (RFC 7519 §6): an empty signature."""
    return f"{b64_json(header)}.{b64_json(payload)}."


def hs256_jwt(header: dict[str, object], payload: dict[str, object], secret: bytes) -> str:
    """An HMAC token keyed with ``secret`` — the alg-confusion attack uses the public key."""
    signing_input = f"{b64_json(header)}.{b64_json(payload)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def new_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="EC", crv="P-256")


def ath(access_token: str) -> str:
    return b64(hashlib.sha256(access_token.encode()).digest())


def local(url: str) -> str:
    return url.removeprefix(PUBLIC)


@dataclass
class Protocol:
    """The issuer's OID4VCI endpoints for one tenant, driven by a test."""

    client: httpx.Client
    slug: str
    issuer: str
    auth: dict[str, str]
    clock: FixedClock
    dpop_key: jwk.JWK = field(default_factory=new_key)

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"

    @property
    def credential_url(self) -> str:
        return f"{self.issuer}/credential"

    # admin side
    def offer(self, *, tx_code: bool = False, **claims: object) -> dict[str, object]:
        """A new offer, with its pre-authorized code read from the offer document."""
        made = self.client.post(
            f"/issuers/{self.slug}/admin/offers",
            json={"claims": learner_claims(**claims), "tx_code": tx_code},
            headers=self.auth,
        )
        assert made.status_code == 201, made.text
        out: dict[str, object] = made.json()
        document = self.client.get(local(str(out["credential_offer_uri"])))
        assert document.status_code == 200, document.text
        out["code"] = document.json()["grants"][PRE_AUTH]["pre-authorized_code"]
        return out

    def offer_is_open(self, offer: dict[str, object]) -> bool:
        return self.client.get(local(str(offer["credential_offer_uri"]))).status_code == 200

    # token endpoint
    def dpop(
        self,
        *,
        htm: str = "POST",
        htu: str | None = None,
        iat: int | None = None,
        access_token: str | None = None,
        key: jwk.JWK | None = None,
        header: dict[str, object] | None = None,
        claims: dict[str, object] | None = None,
    ) -> str:
        key = key or self.dpop_key
        payload: dict[str, object] = {
            "jti": secrets.token_urlsafe(16),
            "htm": htm,
            "htu": htu or self.token_url,
            "iat": self.clock.now() if iat is None else iat,
        }
        if access_token is not None:
            payload["ath"] = ath(access_token)
        payload.update(claims or {})
        protected = {"typ": TYP_DPOP, "alg": "ES256", "jwk": public_jwk(key), **(header or {})}
        return sign_jwt(key, protected, payload)

    def token_request(
        self, form: dict[str, str] | None, *, dpop: str | None = None, **kwargs: object
    ) -> httpx.Response:
        headers = {"DPoP": dpop} if dpop is not None else {}
        return self.client.post(f"/issuers/{self.slug}/token", data=form, headers=headers, **kwargs)

    def redeem(
        self, offer: dict[str, object], tx_code: str | None = None, *, dpop: bool = False
    ) -> httpx.Response:
        form = {"grant_type": PRE_AUTH, "pre-authorized_code": str(offer["code"])}
        if tx_code is not None:
            form["tx_code"] = tx_code
        return self.token_request(form, dpop=self.dpop() if dpop else None)

    def access_token(self, *, dpop: bool = False, tx_code: bool = False) -> str:
        offer = self.offer(tx_code=tx_code)
        response = self.redeem(offer, offer.get("tx_code") if tx_code else None, dpop=dpop)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    # nonce and credential endpoints
    def nonce(self) -> str:
        response = self.client.post(f"/issuers/{self.slug}/nonce")
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        return str(response.json()["c_nonce"])

    def proof(
        self,
        holder: jwk.JWK,
        nonce: str | None,
        *,
        aud: str | None = None,
        iat: int | None = None,
        header: dict[str, object] | None = None,
    ) -> str:
        payload: dict[str, object] = {
            "aud": self.issuer if aud is None else aud,
            "iat": self.clock.now() if iat is None else iat,
        }
        if nonce is not None:
            payload["nonce"] = nonce
        protected = {"typ": TYP_PROOF, "alg": "ES256", "jwk": public_jwk(holder), **(header or {})}
        protected = {k: v for k, v in protected.items() if v is not None}
        return sign_jwt(holder, protected, payload)

    def body(self, *proofs: str) -> dict[str, object]:
        return {"credential_configuration_id": CONFIGURATION, "proofs": {"jwt": list(proofs)}}

    def credential_request(
        self,
        access_token: str | None,
        body: object = None,
        *,
        scheme: str = "Bearer",
        dpop: str | None = None,
        raw: bytes | None = None,
    ) -> httpx.Response:
        headers: dict[str, str] = {}
        if access_token is not None:
            headers["Authorization"] = f"{scheme} {access_token}"
        if dpop is not None:
            headers["DPoP"] = dpop
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return self.client.post(
                f"/issuers/{self.slug}/credential", content=raw, headers=headers
            )
        return self.client.post(f"/issuers/{self.slug}/credential", json=body, headers=headers)

    def issue(
        self, access_token: str, holders: list[jwk.JWK], *, dpop: bool = False
    ) -> httpx.Response:
        """A well-formed credential request with a fresh nonce."""
        nonce = self.nonce()
        body = self.body(*(self.proof(h, nonce) for h in holders))
        if dpop:
            proof = self.dpop(htu=self.credential_url, access_token=access_token)
            return self.credential_request(access_token, body, scheme="DPoP", dpop=proof)
        return self.credential_request(access_token, body)

    def credentials(self, count: int = 1) -> list[str]:
        """``count`` freshly issued credentials (one offer, one batch request)."""
        response = self.issue(self.access_token(), [new_key() for _ in range(count)])
        assert response.status_code == 200, response.text
        return [c["credential"] for c in response.json()["credentials"]]


CONFIGURATION = "skill_credential_sd_jwt"


def oauth_error(response: httpx.Response, status: int, error: str) -> dict[str, object]:
    """RFC 6749 §5.2 / OID4VCI §8.3.1: the error body, uncacheable."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert set(body) <= {"error", "error_description", "error_uri"}
    assert isinstance(body.get("error_description", ""), str)
    assert response.headers["cache-control"] == "no-store"
    return body


def problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    """RFC 9457 problem details with Intyg's stable ``code``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"] == code, body
    assert {"type", "title", "detail"} <= set(body)
    return body

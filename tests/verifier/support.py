"""Helpers for the verifier's suites: tenants, trust lists, credentials obtained over the
issuer's OpenID4VCI endpoints with holder keys the test controls, presentations built from
them, and the two ways of handing a presentation to the verifier (``POST verify`` and the
OpenID4VP ``response_uri``)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography import x509
from fastapi.testclient import TestClient
from jwcrypto import jwk
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from core import jose
from core import x509 as certs
from core.clock import FixedClock
from core.standards import sd_jwt, trust_list
from tests.e2e.conftest import ADMIN, BASE
from tests.helpers import SpecWallet, create_issuer, learner_claims

VCT = f"{BASE}/types/skill-credential"
SLUG = "arbetsgivaren"
DNS = "localhost"
CLIENT_ID = f"x509_san_dns:{DNS}"
YEAR = 365 * 86_400
QUERY = {
    "credentials": [
        {
            "id": "skill",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [
                {"path": ["given_name"]},
                {"path": ["family_name"]},
                {"path": ["achievement_title"]},
            ],
        }
    ]
}
PURPOSE = "Rekrytering till tjänsten som utvecklare"


def local(url: str) -> str:
    assert url.startswith(BASE), url
    return url.removeprefix(BASE)


def b64_json(part: str) -> dict[str, object]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def b64_encode_json(value: object) -> str:
    return jose.b64url_encode(json.dumps(value, separators=(",", ":")).encode())


# --- tenants and trust lists -----------------------------------------------------------------


def trust_list_token(
    key: jose.PrivateKey,
    now: int,
    issuers: Iterable[tuple[str, str, list[str]]],
    *,
    sequence: int = 1,
    issued_at: int | None = None,
    next_update: int | None = None,
    anchors: Sequence[x509.Certificate] = (),
) -> str:
    """A signed list of ``issuers``; ``anchors``, the CA certificates behind their ``x5c``."""
    document = trust_list.build_trust_list(
        list_id=f"{BASE}/trust-lists/test",
        sequence_number=sequence,
        issued_at=now - 60 if issued_at is None else issued_at,
        next_update=now + 10 * YEAR if next_update is None else next_update,
        operator_name="Test operator",
        entities=[
            trust_list.issuer_entry(i, n, v, x5c=certs.x5c_chain(anchors)) for i, n, v in issuers
        ],
    )
    return trust_list.sign_trust_list(document, key)


def create_verifier(
    client: TestClient,
    slug: str = SLUG,
    name: str = "Arbetsgivaren AB",
    dns: str = DNS,
    prefix: str = "x509_san_dns",  # the suites' CLIENT_ID; x509_hash has tests of its own
    response_mode: str = "direct_post",  # answers by hand in the clear; encrypted ones too
) -> dict[str, str]:
    body = {
        "slug": slug,
        "name": name,
        "organisation_number": "556677-8899",
        "dns_name": dns,
        "client_id_prefix": prefix,
        "response_mode": response_mode,
    }
    made = client.post("/admin/verifiers", json=body, headers=ADMIN)
    assert made.status_code == 201, made.text
    return made.json()


def bearer(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


@dataclass
class Roles:
    client: TestClient
    clock: FixedClock
    operator_key: jose.PrivateKey
    issuer: dict[str, str]
    issuer_auth: dict[str, str]
    verifier: dict[str, str]
    verifier_auth: dict[str, str]

    def install_trust_list(self, token: str, slug: str | None = None) -> None:
        slug = slug or self.verifier["slug"]
        put = self.client.put(
            f"/verifiers/{slug}/trust-list", json={"trust_list": token}, headers=self.verifier_auth
        )
        assert put.status_code == 200, put.text

    def issue(
        self, count: int = 1, issuer: dict[str, str] | None = None, **claims: object
    ) -> list[Held]:
        issuer = issuer or self.issuer
        return issue_credentials(self.client, self.clock, issuer, count, **claims)

    def issue_one(self, **claims: object) -> Held:
        return self.issue(1, **claims)[0]

    def credential_ids(self) -> list[str]:
        listing = self.client.get(
            f"/issuers/{self.issuer['slug']}/admin/credentials", headers=self.issuer_auth
        )
        assert listing.status_code == 200, listing.text
        return [c["id"] for c in listing.json()["credentials"]]

    def verify(
        self,
        presentation: str,
        *,
        nonce: str | None = "n-0S6_WzA2Mj",
        audience: str | None = CLIENT_ID,
        require_key_binding: bool = False,
    ) -> dict[str, object]:
        body: dict[str, object] = {"presentation": presentation}
        if nonce is not None:
            body["nonce"] = nonce
        if audience is not None:
            body["audience"] = audience
        if require_key_binding:
            body["require_key_binding"] = True
        answer = self.client.post(
            f"/verifiers/{SLUG}/verify", json=body, headers=self.verifier_auth
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def ask(self, query: dict[str, object] = QUERY, **extra: object) -> dict[str, str]:
        asked = self.client.post(
            f"/verifiers/{self.verifier['slug']}/requests",
            json={"dcql_query": query, "purpose": PURPOSE, **extra},
            headers=self.verifier_auth,
        )
        assert asked.status_code == 201, asked.text
        return asked.json()

    def status(self, request: dict[str, str]) -> dict[str, object]:
        polled = self.client.get(local(request["status_url"]), headers=self.verifier_auth)
        assert polled.status_code == 200, polled.text
        return polled.json()


def setup_roles(client: TestClient, operator_key: jose.PrivateKey, clock: FixedClock) -> Roles:
    issuer = create_issuer(client)
    verifier = create_verifier(client)
    roles = Roles(
        client=client,
        clock=clock,
        operator_key=operator_key,
        issuer=issuer,
        issuer_auth=bearer(issuer["api_key"]),
        verifier=verifier,
        verifier_auth=bearer(verifier["api_key"]),
    )
    roles.install_trust_list(
        trust_list_token(operator_key, clock.now(), [(issuer["issuer"], "YH-akademin", [VCT])])
    )
    return roles


# --- credentials and presentations -----------------------------------------------------------


@dataclass
class Held:
    """A credential as its holder keeps it: the SD-JWT VC and the holder's private key."""

    credential: str
    holder: jose.PrivateKey
    verified: sd_jwt.VerifiedSdJwt

    @property
    def issuer_jwt(self) -> str:
        return self.verified.parts.issuer_jwt

    @property
    def payload(self) -> dict[str, object]:
        return self.verified.jws.payload

    def disclosures(self, *paths: tuple[str | int, ...]) -> tuple[str, ...]:
        return sd_jwt.select_disclosures(self.verified, paths)

    def sd_jwt(self, *paths: tuple[str | int, ...]) -> str:
        """The presentation without key binding, revealing the claims at ``paths``."""
        return sd_jwt.present(self.verified, paths)

    def present(
        self,
        *paths: tuple[str | int, ...],
        nonce: str = "n-0S6_WzA2Mj",
        aud: str = CLIENT_ID,
        iat: int,
        key: jose.PrivateKey | None = None,
    ) -> str:
        return bind(self.sd_jwt(*paths), key or self.holder, nonce=nonce, aud=aud, iat=iat)


def bind(presentation: str, key: jose.PrivateKey, *, nonce: str, aud: str, iat: int) -> str:
    return sd_jwt.add_key_binding(presentation, key, aud=aud, nonce=nonce, iat=iat)


def issuer_public_keys(client: TestClient, issuer: str) -> dict[str, jose.PublicKey]:
    document = client.get("/.well-known/jwt-vc-issuer" + local(issuer)).json()
    return {k["kid"]: jose.PublicKey.from_jwk(k) for k in document["jwks"]["keys"]}


def issue_credentials(
    client: TestClient, clock: FixedClock, issuer: dict[str, str], count: int = 1, **claims: object
) -> list[Held]:
    """Offer → token → nonce → credential (OpenID4VCI), with fresh holder keys."""
    made = client.post(
        f"/issuers/{issuer['slug']}/admin/offers",
        json={"claims": learner_claims(**claims)},
        headers=bearer(issuer["api_key"]),
    )
    assert made.status_code == 201, made.text
    wallet = SpecWallet(client, use_dpop=False, now=clock.now())
    offer = wallet.resolve_offer(made.json()["credential_offer"])
    metadata = wallet.metadata(str(offer["credential_issuer"]))
    token = wallet.redeem(offer)
    holders = [jwk.JWK.generate(kty="EC", crv="P-256") for _ in range(count)]
    answer = wallet.request_credentials(metadata, token, holders)
    assert answer.status_code == 200, answer.text
    keys = issuer_public_keys(client, issuer["issuer"])
    held = []
    for holder, item in zip(holders, answer.json()["credentials"], strict=True):
        verified = sd_jwt.verify_sd_jwt(
            item["credential"], lambda header: keys[str(header["kid"])], typ="dc+sd-jwt"
        )
        private = jose.PrivateKey.from_jwk(json.loads(holder.export_private()))
        held.append(Held(item["credential"], private, verified))
    return held


# --- results and the database ----------------------------------------------------------------


def check(result: dict[str, object], name: str) -> dict[str, object]:
    return next(c for c in result["checks"] if c["name"] == name)  # type: ignore[union-attr]


def assert_rejected(result: dict[str, object], failed: str, code: str) -> None:
    """Invalid, by the named check with the named code; every check after it not run."""
    assert result["verdict"] == "invalid", result
    assert result["failed_check"] == failed, result
    assert check(result, failed)["code"] == code, result
    assert result["claims"] is None
    names = [c["name"] for c in result["checks"]]  # type: ignore[union-attr]
    after = names[names.index(failed) + 1 :]
    assert all(check(result, n)["outcome"] == "not_run" for n in after), result
    before = names[: names.index(failed)]
    assert all(check(result, n)["outcome"] in ("passed", "skipped") for n in before), result


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def vp_form(presentations: dict[str, Sequence[str]], state: str) -> dict[str, str]:
    return {"vp_token": json.dumps({k: list(v) for k, v in presentations.items()}), "state": state}


# --- OpenID4VP by hand -----------------------------------------------------------------------


def request_object(client: TestClient, request: dict[str, str]) -> dict[str, object]:
    """The claims of the signed request object (its signature is checked in test_requests)."""
    served = client.get(local(request["request_uri"]))
    assert served.status_code == 200, served.text
    return b64_json(served.text.split(".")[1])


def respond(client: TestClient, claims: dict[str, object], form: dict[str, str]):  # noqa: ANN201
    return client.post(local(str(claims["response_uri"])), data=form)

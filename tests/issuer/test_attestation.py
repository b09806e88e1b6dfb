"""An issuer that requires wallet attestation (draft-ietf-oauth-attestation-based-client-auth)
and key attestation (OpenID4VCI 1.0 Appendix D), and the attacks on both: an untrusted or
expired attestation, a replayed proof of possession, one for another audience, a key
attestation below the required level."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from core import jose
from core.clock import FixedClock
from core.standards import client_attestation, key_attestation, oid4vci, trust_list
from tests.helpers import PRE_AUTH, create_issuer
from tests.issuer.support import CONFIGURATION, Protocol, oauth_error

PROVIDER = "https://wallet-provider.example.se"
CLIENT_ID = "intyg-wallet"
YEAR = 365 * 86_400


@dataclass
class Provider:
    key: jose.PrivateKey
    instance: jose.PrivateKey
    id: str = PROVIDER

    def attestation(self, now: int, *, exp: int | None = None, client_id: str = CLIENT_ID) -> str:
        return client_attestation.make_attestation(
            self.key,
            provider=self.id,
            client_id=client_id,
            instance_key=self.instance.public,
            iat=now - 10,
            exp=now + 3600 if exp is None else exp,
        )

    def pop(self, now: int, audience: str) -> str:
        return client_attestation.make_pop(self.instance, audience=audience, iat=now)

    def key_attestation(self, now: int, holder: jose.PrivateKey, level: str) -> str:
        return key_attestation.make(
            self.key,
            provider=self.id,
            attested_keys=[holder.public],
            iat=now,
            exp=now + 3600,
            key_storage=[level],
            user_authentication=[key_attestation.BASIC],
        )


@pytest.fixture
def operator(tmp_path: Path) -> jose.PrivateKey:
    key = jose.PrivateKey.generate()
    (tmp_path / "operator.jwks").write_text(json.dumps({"keys": [dict(key.public.jwk)]}))
    return key


@pytest.fixture
def provider() -> Provider:
    return Provider(jose.PrivateKey.generate(), jose.PrivateKey.generate())


def listing(operator: jose.PrivateKey, now: int, *providers: Provider) -> str:
    document = trust_list.build_trust_list(
        list_id="https://trust.example.se/wallets",
        operator_name="Test operator",
        entities=[
            trust_list.wallet_provider_entry(p.id, "A wallet", [dict(p.key.public.jwk)])
            for p in providers
        ],
        issued_at=now - 60,
        next_update=now + YEAR,
    )
    return trust_list.sign_trust_list(document, operator)


@pytest.fixture
def strict(
    client_with: Callable[..., TestClient],
    tmp_path: Path,
    operator: jose.PrivateKey,
    provider: Provider,
    clock: FixedClock,
) -> Protocol:
    """An issuer that requires both, and trusts ``provider``."""
    client = client_with(trust_list_operator_keys=tmp_path / "operator.jwks")
    issuer = create_issuer(client)
    auth = {"Authorization": f"Bearer {issuer['api_key']}"}
    policy = {
        "require_wallet_attestation": True,
        "key_attestation_min": {"key_storage": key_attestation.MODERATE},
        "wallet_trust_list": listing(operator, clock.now(), provider),
    }
    set_policy = client.put(
        f"/issuers/{issuer['slug']}/admin/attestation", json=policy, headers=auth
    )
    assert set_policy.status_code == 200, set_policy.text
    assert set_policy.json()["wallet_providers"] == [PROVIDER]
    return Protocol(client, issuer["slug"], issuer["issuer"], auth, clock)


def redeem(protocol: Protocol, headers: dict[str, str]) -> httpx.Response:
    offer = protocol.offer()
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": str(offer["code"])}
    return protocol.client.post(f"/issuers/{protocol.slug}/token", data=form, headers=headers)


def attested(protocol: Protocol, provider: Provider, **changes: object) -> dict[str, str]:
    now = protocol.clock.now()
    audience = str(changes.get("aud", protocol.issuer))
    attestation = changes.get("attestation") or provider.attestation(now)
    return {
        client_attestation.HEADER_ATTESTATION: str(attestation),
        client_attestation.HEADER_POP: provider.pop(now, audience),
    }


def test_metadata_announces_attest_jwt_client_auth_and_key_attestations_required(
    strict: Protocol,
) -> None:
    slug = strict.slug
    as_meta = strict.client.get(f"/.well-known/oauth-authorization-server/issuers/{slug}").json()
    assert as_meta["token_endpoint_auth_methods_supported"] == ["attest_jwt_client_auth"]
    vci = strict.client.get(f"/.well-known/openid-credential-issuer/issuers/{slug}").json()
    jwt = vci["credential_configurations_supported"][CONFIGURATION]["proof_types_supported"]["jwt"]
    assert jwt["key_attestations_required"] == {
        "key_storage": [key_attestation.MODERATE, key_attestation.HIGH]
    }


def test_token_with_attestation_of_a_listed_provider_succeeds(
    strict: Protocol, provider: Provider
) -> None:
    response = redeem(strict, attested(strict, provider))
    assert response.status_code == 200, response.text


def test_rejects_token_request_without_wallet_attestation(strict: Protocol) -> None:
    body = oauth_error(redeem(strict, {}), 401, "invalid_client")
    assert "OAuth-Client-Attestation" in str(body["error_description"])


def test_rejects_wallet_attestation_from_an_untrusted_provider(strict: Protocol) -> None:
    stranger = Provider(
        jose.PrivateKey.generate(), jose.PrivateKey.generate(), "https://stranger.example.se"
    )
    body = oauth_error(redeem(strict, attested(strict, stranger)), 401, "invalid_client")
    assert "not on this issuer's trust list" in str(body["error_description"])


def test_rejects_wallet_attestation_signed_by_another_key_under_a_listed_name(
    strict: Protocol,
) -> None:
    impostor = Provider(jose.PrivateKey.generate(), jose.PrivateKey.generate())  # id: PROVIDER
    oauth_error(redeem(strict, attested(strict, impostor)), 401, "invalid_client")


def test_rejects_expired_wallet_attestation(strict: Protocol, provider: Provider) -> None:
    now = strict.clock.now()
    old = provider.attestation(now, exp=now - 3600)
    body = oauth_error(
        redeem(strict, attested(strict, provider, attestation=old)), 401, "invalid_client"
    )
    assert "expired" in str(body["error_description"])


def test_rejects_replayed_attestation_pop_jti(strict: Protocol, provider: Provider) -> None:
    headers = attested(strict, provider)
    assert redeem(strict, headers).status_code == 200
    body = oauth_error(redeem(strict, headers), 401, "invalid_client")
    assert "already used" in str(body["error_description"])


def test_rejects_attestation_pop_for_another_audience(strict: Protocol, provider: Provider) -> None:
    headers = attested(strict, provider, aud="https://other-issuer.example.se")
    body = oauth_error(redeem(strict, headers), 401, "invalid_client")
    assert "another audience" in str(body["error_description"])


def test_rejects_attestation_for_another_client_id(strict: Protocol, provider: Provider) -> None:
    offer = strict.offer()
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": str(offer["code"]), "client_id": "x"}
    response = strict.client.post(
        f"/issuers/{strict.slug}/token", data=form, headers=attested(strict, provider)
    )
    oauth_error(response, 401, "invalid_client")


def test_par_requires_wallet_attestation(strict: Protocol, provider: Provider) -> None:
    form = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "redirect_uri": "https://wallet.example.se/cb",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "scope": CONFIGURATION,
    }
    refused = strict.client.post(f"/issuers/{strict.slug}/par", data=form)
    oauth_error(refused, 401, "invalid_client")
    accepted = strict.client.post(
        f"/issuers/{strict.slug}/par", data=form, headers=attested(strict, provider)
    )
    assert accepted.status_code == 201, accepted.text


def credential_with(protocol: Protocol, provider: Provider, level: str | None) -> httpx.Response:
    token = redeem(protocol, attested(protocol, provider)).json()["access_token"]
    holder = jose.PrivateKey.generate()
    now = protocol.clock.now()
    proof = oid4vci.make_proof(
        holder,
        audience=protocol.issuer,
        nonce=protocol.nonce(),
        iat=now,
        key_attestation=None if level is None else provider.key_attestation(now, holder, level),
    )
    return protocol.credential_request(token, protocol.body(proof))


def test_key_attestation_at_the_required_level_is_issued(
    strict: Protocol, provider: Provider
) -> None:
    response = credential_with(strict, provider, key_attestation.HIGH)
    assert response.status_code == 200, response.text


def test_rejects_key_attestation_below_the_required_level(
    strict: Protocol, provider: Provider
) -> None:
    response = credential_with(strict, provider, key_attestation.BASIC)
    body = oauth_error(response, 400, "invalid_proof")
    text = str(body["error_description"])
    assert "iso_18045_moderate" in text and "iso_18045_basic" in text
    assert text.startswith("This issuer requires a wallet that keeps its keys")


def test_rejects_proof_without_key_attestation(strict: Protocol, provider: Provider) -> None:
    body = oauth_error(credential_with(strict, provider, None), 400, "invalid_proof")
    assert "did not send one" in str(body["error_description"])


def test_requiring_attestations_needs_a_trust_list(
    client: TestClient, issuer: dict[str, str], issuer_auth: dict[str, str]
) -> None:
    response = client.put(
        f"/issuers/{issuer['slug']}/admin/attestation",
        json={"require_wallet_attestation": True},
        headers=issuer_auth,
    )
    assert response.status_code == 422, response.text
    assert "trust list" in response.json()["detail"]


def test_refuses_a_wallet_trust_list_that_does_not_verify(
    client: TestClient, issuer: dict[str, str], issuer_auth: dict[str, str]
) -> None:
    forged = listing(jose.PrivateKey.generate(), 1_790_000_000)  # no operator key configured
    response = client.put(
        f"/issuers/{issuer['slug']}/admin/attestation",
        json={"require_wallet_attestation": True, "wallet_trust_list": forged},
        headers=issuer_auth,
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("wallet_trust_list: ")


def test_admin_api_shows_the_policy(strict: Protocol) -> None:
    shown = strict.client.get(f"/issuers/{strict.slug}/admin/attestation", headers=strict.auth)
    assert shown.status_code == 200, shown.text
    assert shown.json() == {
        "require_wallet_attestation": True,
        "key_attestation_min": {"key_storage": key_attestation.MODERATE},
        "wallet_providers": [PROVIDER],
    }

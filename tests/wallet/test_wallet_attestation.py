"""The hosted wallet as a wallet provider: it presents a wallet attestation and key
attestations when the issuer asks, and is refused, with a reason the learner can read, when
the issuer does not list its provider or asks for more than its software keys are."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from core import jose
from core.clock import FixedClock
from core.config import Settings
from core.runtime import Runtime
from core.standards import key_attestation, trust_list
from tests.wallet.test_receive import offer
from wallet.service import attesting


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"trust_list_operator_keys": tmp_path / "operator.jwks"})


@pytest.fixture
def operator(tmp_path: Path) -> jose.PrivateKey:
    key = jose.PrivateKey.generate()
    (tmp_path / "operator.jwks").write_text(json.dumps({"keys": [dict(key.public.jwk)]}))
    return key


def listing(operator: jose.PrivateKey, now: int, provider: str, jwk: dict[str, object]) -> str:
    document = trust_list.build_trust_list(
        list_id="https://trust.example.se/wallets",
        operator_name="Test operator",
        entities=[trust_list.wallet_provider_entry(provider, "Intyg wallet", [jwk])],
        issued_at=now - 60,
        next_update=now + 86_400,
    )
    return trust_list.sign_trust_list(document, operator)


@dataclass
class Scene:
    client: TestClient
    runtime: Runtime
    now: int
    operator: jose.PrivateKey
    issuer: dict[str, str]
    issuer_auth: dict[str, str]
    holder_auth: dict[str, str]

    def listing(self, provider: str | None = None, jwk: dict[str, object] | None = None) -> str:
        """A trust list naming the hosted wallet's provider, or another one."""
        provider = provider or attesting.provider_id(self.runtime)
        return listing(
            self.operator, self.now, provider, jwk or attesting.provider_jwk(self.runtime)
        )

    def require(self, token: str, level: str) -> None:
        policy = {
            "require_wallet_attestation": True,
            "key_attestation_min": {"key_storage": level},
            "wallet_trust_list": token,
        }
        url = f"/issuers/{self.issuer['slug']}/admin/attestation"
        response = self.client.put(url, json=policy, headers=self.issuer_auth)
        assert response.status_code == 200, response.text

    def receive(self) -> httpx.Response:
        made = offer(self.client, self.issuer, self.issuer_auth)
        return self.client.post(
            "/wallet/offers",
            json={"offer": made["credential_offer"], "tx_code": made["tx_code"]},
            headers=self.holder_auth,
        )


@pytest.fixture
def scene(
    client: TestClient,
    runtime: Runtime,
    clock: FixedClock,
    operator: jose.PrivateKey,
    issuer: dict[str, str],
    issuer_auth: dict[str, str],
    holder_auth: dict[str, str],
) -> Scene:
    return Scene(client, runtime, clock.now(), operator, issuer, issuer_auth, holder_auth)


def test_hosted_wallet_receives_from_an_issuer_that_lists_its_provider(scene: Scene) -> None:
    scene.require(scene.listing(), key_attestation.BASIC)
    received = scene.receive()
    assert received.status_code == 201, received.text


def test_hosted_wallet_is_refused_when_its_provider_is_not_listed(scene: Scene) -> None:
    other = jose.PrivateKey.generate()
    scene.require(
        scene.listing("https://other-wallet.example.se", dict(other.public.jwk)),
        key_attestation.BASIC,
    )
    refused = scene.receive()
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["code"] == "issuer_refused"
    assert "does not accept this wallet" in body["detail"]
    assert "not on this issuer's trust list" in body["detail"]


def test_hosted_wallet_states_basic_and_is_refused_by_an_issuer_requiring_moderate(
    scene: Scene,
) -> None:
    scene.require(scene.listing(), key_attestation.MODERATE)
    refused = scene.receive()
    assert refused.status_code == 400, refused.text
    detail = refused.json()["detail"]
    assert "invalid_proof" in detail
    assert "your wallet keeps its keys at level iso_18045_basic" in detail

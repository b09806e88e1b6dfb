"""draft-ietf-oauth-attestation-based-client-auth §5.1/§5.2, verified with a trust list's
wallet providers (pure: no HTTP, no database)."""

from __future__ import annotations

import pytest

from core import jose
from core.standards import client_attestation as ca
from core.standards import trust_list
from core.standards.trust_list import TrustedWalletProvider, TrustList

NOW = 1_790_000_000
PROVIDER = "https://wallet-provider.example.se"
AUDIENCE = "https://issuer.example.se/issuers/yh"
WINDOW = ca.Window(NOW, 60, 300)


def listed(key: jose.PrivateKey) -> TrustList:
    document = trust_list.build_trust_list(
        list_id="urn:test",
        operator_name="Test",
        entities=[trust_list.wallet_provider_entry(PROVIDER, "W", [dict(key.public.jwk)])],
        issued_at=NOW - 60,
        next_update=NOW + 3600,
    )
    operator = jose.PrivateKey.generate()
    token = trust_list.sign_trust_list(document, operator)
    return trust_list.verify_trust_list(token, [operator.public], NOW)


@pytest.fixture
def keys() -> tuple[jose.PrivateKey, jose.PrivateKey]:
    return jose.PrivateKey.generate(), jose.PrivateKey.generate()


def attestation(provider: jose.PrivateKey, instance: jose.PrivateKey, **changes: int) -> str:
    return ca.make_attestation(
        provider,
        provider=PROVIDER,
        client_id="wallet",
        instance_key=instance.public,
        iat=changes.get("iat", NOW - 5),
        exp=changes.get("exp", NOW + 600),
    )


def test_draft_5_verifies_attestation_and_pop(keys: tuple[jose.PrivateKey, ...]) -> None:
    provider, instance = keys
    pop = ca.make_pop(instance, audience=AUDIENCE, iat=NOW)
    verified = ca.verify(
        attestation(provider, instance),
        pop,
        trusted=listed(provider),
        audience=AUDIENCE,
        window=WINDOW,
        client_id="wallet",
    )
    assert verified.client_id == "wallet" and verified.provider == PROVIDER
    assert verified.instance_key.kid == instance.kid


def test_trust_list_wallet_provider_entry_is_parsed_and_closed() -> None:
    key = jose.PrivateKey.generate()
    provider = listed(key).wallet_provider(PROVIDER)
    assert isinstance(provider, TrustedWalletProvider) and provider.keys[0].kid == key.kid
    with pytest.raises(trust_list.TrustListMalformed):
        trust_list.build_trust_list(
            list_id="urn:test",
            operator_name="Test",
            entities=[{**trust_list.wallet_provider_entry(PROVIDER, "W", [key.private_jwk()])}],
            issued_at=NOW,
            next_update=NOW + 1,
        )
    with pytest.raises(trust_list.TrustListMalformed):
        trust_list.build_trust_list(
            list_id="urn:test",
            operator_name="Test",
            entities=[{**trust_list.wallet_provider_entry(PROVIDER, "W", []), "vcts": ["x"]}],
            issued_at=NOW,
            next_update=NOW + 1,
        )


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no_pop", "send the OAuth-Client-Attestation"),
        ("pop_by_another_key", "proof of possession"),
        ("wrong_typ", "does not verify"),
        ("expired", "expired"),
        ("pop_old", "not fresh"),
        ("pop_future", "not fresh"),
        ("other_client", "client_id"),
        ("untrusted", "not on this issuer's trust list"),
    ],
)
def test_rejects(keys: tuple[jose.PrivateKey, ...], case: str, expected: str) -> None:
    provider, instance = keys
    token = attestation(provider, instance, exp=NOW - 120 if case == "expired" else NOW + 600)
    pop_key = jose.PrivateKey.generate() if case == "pop_by_another_key" else instance
    iat = {"pop_old": NOW - 301, "pop_future": NOW + 61}.get(case, NOW)
    pop: str | None = ca.make_pop(pop_key, audience=AUDIENCE, iat=iat)
    if case == "no_pop":
        pop = None
    if case == "wrong_typ":  # the attestation's claims under another token type
        claims = jose.parse(token).payload
        token = jose.sign(claims, provider, typ=ca.TYP_POP)
    trusted = listed(jose.PrivateKey.generate() if case == "untrusted" else provider)
    if case == "untrusted":
        trusted = TrustList("urn:x", 1, NOW, NOW + 1, "x", {}, {}, "")
    with pytest.raises(ca.InvalidClient) as caught:
        ca.verify(
            token,
            pop,
            trusted=trusted,
            audience=AUDIENCE,
            window=WINDOW,
            client_id="other" if case == "other_client" else "wallet",
        )
    assert expected in caught.value.detail

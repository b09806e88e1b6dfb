"""OpenID4VCI 1.0 Appendix D: key attestations and the D.2 levels (pure)."""

from __future__ import annotations

import pytest

from core import jose
from core.standards import key_attestation as ka
from tests.standards.test_client_attestation import listed

NOW = 1_790_000_000
PROVIDER = "https://wallet-provider.example.se"


def attest(provider: jose.PrivateKey, holder: jose.PublicKey, storage: str) -> str:
    return ka.make(
        provider,
        provider=PROVIDER,
        attested_keys=[holder],
        iat=NOW,
        exp=NOW + 60,
        key_storage=[storage],
        user_authentication=[ka.BASIC],
    )


def test_d2_levels_are_ordered_and_advertised_from_the_minimum() -> None:
    assert ka.LEVELS == (
        "iso_18045_basic",
        "iso_18045_enhanced-basic",
        "iso_18045_moderate",
        "iso_18045_high",
    )
    assert ka.Requirement(key_storage=ka.MODERATE).metadata() == {
        "key_storage": ["iso_18045_moderate", "iso_18045_high"]
    }
    with pytest.raises(ValueError):
        ka.Requirement(key_storage="software")


@pytest.mark.parametrize("storage", [ka.MODERATE, ka.HIGH])
def test_d1_accepts_at_or_above_the_minimum(storage: str) -> None:
    provider, holder = jose.PrivateKey.generate(), jose.PrivateKey.generate()
    found = ka.verify(
        attest(provider, holder.public, storage),
        trusted=listed(provider),
        holder_key=holder.public,
        requirement=ka.Requirement(key_storage=ka.MODERATE),
        now=NOW,
        skew=0,
    )
    assert found.key_storage == (storage,)


def test_rejects_key_attestation_below_the_required_level_with_a_sentence() -> None:
    provider, holder = jose.PrivateKey.generate(), jose.PrivateKey.generate()
    with pytest.raises(ka.KeyAttestationInsufficient) as caught:
        ka.verify(
            attest(provider, holder.public, ka.ENHANCED_BASIC),
            trusted=listed(provider),
            holder_key=holder.public,
            requirement=ka.Requirement(key_storage=ka.MODERATE),
            now=NOW,
            skew=0,
        )
    assert caught.value.code == "invalid_proof"
    assert "level iso_18045_moderate" in caught.value.detail


@pytest.mark.parametrize("case", ["other_key", "untrusted", "expired", "missing"])
def test_rejects(case: str) -> None:
    provider, holder = jose.PrivateKey.generate(), jose.PrivateKey.generate()
    attested = jose.PrivateKey.generate().public if case == "other_key" else holder.public
    token: object = attest(provider, attested, ka.HIGH)
    trusted = listed(jose.PrivateKey.generate() if case == "untrusted" else provider)
    with pytest.raises(ka.KeyAttestationInsufficient):
        ka.verify(
            None if case == "missing" else token,
            trusted=trusted,
            holder_key=holder.public,
            requirement=ka.Requirement(key_storage=ka.BASIC),
            now=NOW + 120 if case == "expired" else NOW,
            skew=0,
        )

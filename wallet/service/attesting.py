"""The hosted wallet as its own wallet provider (HAIP 1.0 §4.3): a provider key, sealed under
the master key in ``INTYG_WALLET_PROVIDER_DIR`` and created on first use, signs

- a wallet attestation (draft-ietf-oauth-attestation-based-client-auth §5.1) for the wallet's
  ``client_id`` with a proof of possession per request (§5.2), sent when an issuer's
  authorization server lists ``attest_jwt_client_auth``;
- a key attestation (OpenID4VCI 1.0 Appendix D) of each holder key, added to the key proof
  when the issuer's metadata has ``key_attestations_required``.

An issuer trusts them by listing the provider (``provider_id``, ``provider_jwk``: ``intyg
trust-list hosted-wallet``) as an entry of kind ``wallet_provider`` on its trust list.
"""

from __future__ import annotations

from typing import Final

from core import dev_ca, jose
from core.runtime import Runtime
from core.standards import client_attestation, key_attestation

_LABEL: Final = "intyg/wallet-provider-key"
#: Short-lived: made for one redemption, so a leaked one is soon useless.
ATTESTATION_TTL: Final = 600
PROVIDER_PATH: Final = "/wallet"

# What the hosted wallet's keys are, stated truthfully (OpenID4VCI 1.0 Appendix D.2): holder
# keys are software keys, kept sealed under the deployment's master key in the server's
# database. Anyone who controls the server (database and master key) can use them; no
# secure element or HSM stands between, and nothing about them has been evaluated against
# ISO/IEC 18045. "iso_18045_basic" (VAN.2) is the lowest value D.2 defines and the most that
# such storage could claim, so it is claimed and nothing higher. The learner signs in to the
# hosted wallet with an ordinary web session, which is no more than basic either.
KEY_STORAGE: Final = (key_attestation.BASIC,)
USER_AUTHENTICATION: Final = (key_attestation.BASIC,)


def provider_id(rt: Runtime) -> str:
    """The wallet provider's identifier: the ``iss`` of what it signs."""
    return rt.settings.public_url.rstrip("/") + PROVIDER_PATH


def client_id(rt: Runtime) -> str:
    """The hosted wallet's ``client_id`` at issuers (the ``sub`` of its wallet attestation)."""
    return provider_id(rt)


def provider_key(rt: Runtime) -> jose.PrivateKey:
    return dev_ca.load_or_create_key(rt, rt.settings.wallet_provider_dir, _LABEL)


def provider_jwk(rt: Runtime) -> dict[str, object]:
    """The public key an issuer lists for this provider (never the private part)."""
    return dict(provider_key(rt).public.jwk)


def client_headers(rt: Runtime, audience: str) -> dict[str, str]:
    """A fresh wallet attestation bound to a fresh instance key, and its PoP for ``audience``
    (the authorization server's issuer identifier)."""
    now = rt.clock.now()
    instance = jose.PrivateKey.generate()
    attestation = client_attestation.make_attestation(
        provider_key(rt),
        provider=provider_id(rt),
        client_id=client_id(rt),
        instance_key=instance.public,
        iat=now,
        exp=now + ATTESTATION_TTL,
    )
    return {
        client_attestation.HEADER_ATTESTATION: attestation,
        client_attestation.HEADER_POP: client_attestation.make_pop(
            instance, audience=audience, iat=now
        ),
    }


def key_attestation_for(rt: Runtime, holder: jose.PublicKey, nonce: str | None) -> str:
    now = rt.clock.now()
    return key_attestation.make(
        provider_key(rt),
        provider=provider_id(rt),
        attested_keys=[holder],
        iat=now,
        exp=now + ATTESTATION_TTL,
        key_storage=KEY_STORAGE,
        user_authentication=USER_AUTHENTICATION,
        nonce=nonce,
    )

"""What an issuer asks of wallets: a wallet attestation at the PAR and token endpoints
(``core.standards.client_attestation``) and key attestations in proofs
(``core.standards.key_attestation``), both checked against the wallet providers on the
issuer's own trust list. Configured per issuer (admin API, ``intyg issuer attestation``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from core import trustlists
from core.errors import InvalidInput
from core.runtime import Runtime
from core.standards import client_attestation, key_attestation, oid4vci
from core.standards.trust_list import TrustList
from core.tokens import hash_secret
from issuer import repository
from issuer.metadata import IssuerUrls
from issuer.models import IssuerTenant


def requirement(tenant: IssuerTenant) -> key_attestation.Requirement | None:
    if not tenant.key_attestation_min:
        return None
    return key_attestation.Requirement(
        key_storage=tenant.key_attestation_min.get(key_attestation.KEY_STORAGE),
        user_authentication=tenant.key_attestation_min.get(key_attestation.USER_AUTHENTICATION),
    )


def configure(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    *,
    require_wallet_attestation: bool,
    key_attestation_min: dict[str, str] | None,
    wallet_trust_list: str | None,
) -> None:
    """Set the policy; a trust list is checked (operator signature, currency) before it is
    kept, and a requirement without one is refused: no wallet could then meet it."""
    if key_attestation_min is not None:
        key_attestation_min = {k: v for k, v in key_attestation_min.items() if v is not None}
        try:
            key_attestation.Requirement(**key_attestation_min)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"key_attestation_min: {exc}") from None
    if wallet_trust_list is not None:
        try:
            trustlists.verified(rt, wallet_trust_list.strip())
        except trustlists.TrustListUnavailable as exc:
            raise InvalidInput(f"wallet_trust_list: {exc.detail}") from None
    if (require_wallet_attestation or key_attestation_min) and not wallet_trust_list:
        raise InvalidInput("a trust list of wallet providers is needed to require attestations")
    tenant.require_wallet_attestation = require_wallet_attestation
    tenant.key_attestation_min = dict(key_attestation_min) if key_attestation_min else None
    tenant.wallet_trust_list = wallet_trust_list.strip() if wallet_trust_list else None
    session.add(tenant)
    session.commit()
    rt.caches.tenants.pop(("issuer", tenant.slug))


@dataclass(frozen=True)
class Policy:
    require_wallet_attestation: bool
    minimum: dict[str, str] | None  # the D.2 levels, by property
    providers: tuple[str, ...]  # the trusted wallet providers' identifiers


def policy(rt: Runtime, tenant: IssuerTenant) -> Policy:
    listed = wallet_providers(rt, tenant)
    minimum = {k: v for k, v in (tenant.key_attestation_min or {}).items() if v is not None}
    return Policy(
        tenant.require_wallet_attestation,
        minimum or None,
        tuple(sorted(listed.wallet_providers)) if listed is not None else (),
    )


def wallet_providers(rt: Runtime, tenant: IssuerTenant) -> TrustList | None:
    if tenant.wallet_trust_list is None:
        return None
    return trustlists.verified(rt, tenant.wallet_trust_list)


def check_client(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    headers: tuple[str | None, str | None],
    client_id: str | None,
) -> None:
    """At PAR and token endpoints of an issuer that requires it: the wallet attestation and
    its proof of possession (``aud``: the issuer), whose ``jti`` is then spent."""
    if not tenant.require_wallet_attestation:
        return
    now = rt.clock.now()
    settings = rt.settings
    verified = client_attestation.verify(
        headers[0],
        headers[1],
        trusted=wallet_providers(rt, tenant),
        audience=IssuerUrls(settings.public_url, tenant.slug).issuer,
        window=client_attestation.Window(
            now, settings.clock_skew_seconds, settings.proof_max_age_seconds
        ),
        client_id=client_id,
    )
    # The DPoP jti store (RFC 9449 §11.1) serves here too; the prefix keeps the two apart.
    expires = verified.iat + settings.proof_max_age_seconds + settings.clock_skew_seconds
    if not repository.remember_dpop_jti(
        session, hash_secret(f"attest-pop:{verified.jti}"), expires
    ):
        raise client_attestation.InvalidClient(
            "the attestation's proof of possession was already used (jti replay)"
        )
    session.commit()


def check_key_attestations(
    rt: Runtime, tenant: IssuerTenant, proofs: Sequence[oid4vci.VerifiedProof], now: int
) -> None:
    """OpenID4VCI 1.0 Appendix D: each proof's key attested at the required levels."""
    wanted = requirement(tenant)
    if wanted is None:
        return
    trusted = wallet_providers(rt, tenant)
    for proof in proofs:
        key_attestation.verify(
            proof.key_attestation,
            trusted=trusted,
            holder_key=proof.holder_key,
            requirement=wanted,
            now=now,
            skew=rt.settings.clock_skew_seconds,
        )

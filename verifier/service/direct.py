"""``POST verify``: one SD-JWT VC or presentation through the pipeline, KB-JWT nonces single use."""

from __future__ import annotations

import secrets

from core.db import write_scope
from core.runtime import Runtime
from core.tokens import hash_secret
from verifier import pipeline, repository
from verifier.models import VerifierTenant
from verifier.service.tenants import client_id, get_trust_list


def verify_direct(
    rt: Runtime,
    tenant: VerifierTenant,
    presentation: str,
    *,
    expected_nonce: str | None,
    expected_aud: str | None,
    require_key_binding: bool,
) -> pipeline.Result:
    listed = get_trust_list(rt, tenant)
    policy = pipeline.Policy(
        trust_list=listed,
        require_key_binding=require_key_binding,
        expected_aud=expected_aud or (client_id(tenant) if expected_nonce else None),
        expected_nonce=expected_nonce,
        status_unknown=rt.settings.verifier_status_unknown,
        skew=rt.settings.clock_skew_seconds,
    )
    now = rt.clock.now()

    def remember(nonce: str) -> None:
        """One short write transaction of its own, after the signature, validity, status,
        disclosures and key binding have been checked; a replayed nonce writes nothing."""
        digest = hash_secret(f"{tenant.id}:{nonce}")
        with write_scope(rt.engine) as connection:
            if not repository.remember_nonce(
                connection, digest, tenant.id, now + 2 * policy.kb_max_age
            ):
                raise pipeline.NonceReplayed("a presentation with this nonce was verified before")
            if secrets.randbelow(100) == 0:
                repository.purge_used_nonces(connection, now)

    # No transaction is open while the pipeline may fetch issuer keys and status lists.
    return pipeline.verify(
        presentation, policy, rt.caches.resolvers(rt.fetcher), now=now, remember_nonce=remember
    )

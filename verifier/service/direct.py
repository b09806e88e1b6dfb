"""``POST verify``: one SD-JWT VC or presentation through the pipeline, KB-JWT nonces single use."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from core.db import before_network_call
from core.runtime import Runtime
from core.tokens import hash_secret
from verifier import pipeline, repository
from verifier.models import VerifierTenant
from verifier.service.tenants import client_id, get_trust_list


def verify_direct(
    session: Session,
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
        digest = hash_secret(f"{tenant.id}:{nonce}")
        if not repository.remember_nonce(session, digest, tenant.id, now + 2 * policy.kb_max_age):
            raise pipeline.NonceReplayed("a presentation with this nonce was verified before")

    if secrets.randbelow(100) == 0:
        repository.purge_used_nonces(session, now)
    before_network_call(session)
    result = pipeline.verify(
        presentation, policy, rt.caches.resolvers(rt.fetcher), now=now, remember_nonce=remember
    )
    session.commit()
    return result

"""The issuer's signing keys: generated per tenant, sealed at rest, published, rotated.

Private keys are sealed under the master key with the tenant and ``kid`` as associated data;
unsealed keys are cached in ``rt.caches`` by ``kid`` (they never change once created), and
which key is active for ``ACTIVE_KEY_TTL``. Rotation
retires the active key but keeps publishing it, so credentials signed earlier still verify.
"""

from __future__ import annotations

import json
import time

from sqlmodel import Session

from core import jose
from core.caches import ACTIVE_KEY_TTL
from core.errors import Conflict
from core.runtime import Runtime
from issuer import repository
from issuer.models import IssuerSigningKey, IssuerTenant


def _aad(issuer_id: str, kid: str) -> str:
    return f"issuer-signing-key:{issuer_id}:{kid}"


def add_key(session: Session, rt: Runtime, tenant: IssuerTenant, alg: str = jose.ES256) -> str:
    """Generate a new active key (the caller commits); returns its ``kid``."""
    key = jose.PrivateKey.generate(alg)
    sealed = rt.master_key.seal(json.dumps(key.private_jwk()).encode(), _aad(tenant.id, key.kid))
    repository.insert_key(
        session,
        IssuerSigningKey(
            issuer_id=tenant.id,
            kid=key.kid,
            alg=key.alg,
            public_jwk={k: str(v) for k, v in key.public.jwk.items()},
            sealed_private=sealed,
            created_at=rt.clock.now(),
        ),
    )
    return key.kid


def rotate(session: Session, rt: Runtime, tenant: IssuerTenant, alg: str = jose.ES256) -> str:
    repository.retire_keys(session, tenant.id, rt.clock.now())
    kid = add_key(session, rt, tenant, alg)
    session.commit()
    rt.caches.active_signing_keys.pop(tenant.id)
    return kid


def signing_key(session: Session, rt: Runtime, tenant: IssuerTenant) -> jose.PrivateKey:
    now = time.monotonic()
    key = rt.caches.active_signing_keys.get(tenant.id, now)
    if key is None:
        key = _load_active_key(session, rt, tenant)
        rt.caches.active_signing_keys.put(tenant.id, key, now + ACTIVE_KEY_TTL)
    return key


def _load_active_key(session: Session, rt: Runtime, tenant: IssuerTenant) -> jose.PrivateKey:
    row = repository.active_key(session, tenant.id)
    if row is None:
        raise Conflict("the issuer has no active signing key; rotate its keys")
    cached = rt.caches.signing_keys.get((tenant.id, row.kid))
    if cached is not None:
        return cached
    jwk = json.loads(rt.master_key.open(row.sealed_private, _aad(tenant.id, row.kid)))
    key = jose.PrivateKey.from_jwk(jwk)
    rt.caches.signing_keys.put((tenant.id, row.kid), key)
    return key


def published_jwks(session: Session, tenant: IssuerTenant) -> list[dict[str, str]]:
    """Every key the issuer has used, newest first, public members only."""
    return [
        {**row.public_jwk, "kid": row.kid, "alg": row.alg, "use": "sig"}
        for row in repository.all_keys(session, tenant.id)
    ]

"""The issuer's signing keys: generated per tenant, sealed at rest, published, rotated.

Private keys are sealed under the master key with the tenant and ``kid`` as associated data;
unsealed keys are cached per process by ``kid`` (they never change once created). Rotation
retires the active key but keeps publishing it, so credentials signed earlier still verify.
"""

from __future__ import annotations

import json
import threading
import time

from sqlmodel import Session

from core import jose
from core.errors import Conflict
from core.runtime import Runtime
from issuer import repository
from issuer.models import IssuerSigningKey, IssuerTenant

_cache: dict[tuple[str, str], jose.PrivateKey] = {}
_cache_lock = threading.Lock()
# Which key is active, per tenant, for a few seconds: a rotation made by another process is
# picked up within ACTIVE_KEY_TTL; one made by this process at once.
ACTIVE_KEY_TTL = 5.0
_active: dict[str, tuple[float, jose.PrivateKey]] = {}


def _aad(issuer_id: str, kid: str) -> str:
    return f"issuer-signing-key:{issuer_id}:{kid}"


def add_key(session: Session, rt: Runtime, tenant: IssuerTenant, alg: str = jose.ES256) -> str:
    """Generate a new active key (the caller commits); returns its ``kid``."""
    key = jose.PrivateKey.generate(alg)
    sealed = rt.master_key.seal(json.dumps(key.private_jwk()).encode(), _aad(tenant.id, key.kid))
    session.add(
        IssuerSigningKey(
            issuer_id=tenant.id,
            kid=key.kid,
            alg=key.alg,
            public_jwk={k: str(v) for k, v in key.public.jwk.items()},
            sealed_private=sealed,
            created_at=rt.clock.now(),
        )
    )
    return key.kid


def rotate(session: Session, rt: Runtime, tenant: IssuerTenant, alg: str = jose.ES256) -> str:
    repository.retire_keys(session, tenant.id, rt.clock.now())
    kid = add_key(session, rt, tenant, alg)
    session.commit()
    _active.pop(tenant.id, None)
    return kid


def signing_key(session: Session, rt: Runtime, tenant: IssuerTenant) -> jose.PrivateKey:
    active = _active.get(tenant.id)
    if active is not None and active[0] > time.monotonic():
        return active[1]
    key = _load_active_key(session, rt, tenant)
    _active[tenant.id] = (time.monotonic() + ACTIVE_KEY_TTL, key)
    return key


def _load_active_key(session: Session, rt: Runtime, tenant: IssuerTenant) -> jose.PrivateKey:
    row = repository.active_key(session, tenant.id)
    if row is None:
        raise Conflict("the issuer has no active signing key; rotate its keys")
    cached = _cache.get((tenant.id, row.kid))
    if cached is not None:
        return cached
    jwk = json.loads(rt.master_key.open(row.sealed_private, _aad(tenant.id, row.kid)))
    key = jose.PrivateKey.from_jwk(jwk)
    with _cache_lock:
        _cache[(tenant.id, row.kid)] = key
    return key


def published_jwks(session: Session, tenant: IssuerTenant) -> list[dict[str, str]]:
    """Every key the issuer has used, newest first, public members only."""
    return [
        {**row.public_jwk, "kid": row.kid, "alg": row.alg, "use": "sig"}
        for row in repository.all_keys(session, tenant.id)
    ]

"""The issuer's signing keys: generated per tenant (or imported), sealed at rest, published,
certified, rotated.

Private keys are sealed under the master key with the tenant and ``kid`` as associated data;
unsealed keys are cached in ``rt.caches`` by ``kid`` (they never change once created), and
which key is active, with its ``x5c``, for ``ACTIVE_KEY_TTL``. Rotation retires the active key
but keeps publishing it, so credentials signed earlier still verify.

Every signature carries the ``kid`` that the JWT VC Issuer Metadata publishes (SD-JWT VC §4)
and, for an issuer with a certificate, the ``x5c`` chain of its key (HAIP 1.0 §6.1.1: leaf
first, without the trust anchor): the two name the same key, as a receiver checks.
"""

from __future__ import annotations

import json
import time
from typing import NamedTuple

from cryptography import x509
from sqlmodel import Session

from core import jose
from core import x509 as certs
from core.caches import ACTIVE_KEY_TTL
from core.errors import Conflict, InvalidInput
from core.runtime import Runtime
from issuer import ca, repository
from issuer.metadata import IssuerUrls
from issuer.models import IssuerSigningKey, IssuerTenant
from schemas.issuer_api import CertificateSource

CERTIFICATE_DAYS = 365


class Signer(NamedTuple):
    key: jose.PrivateKey
    header: dict[str, object]  # the extra JOSE header: ``x5c`` for a certified key, else empty


class ImportedKeyInvalid(InvalidInput):
    code = "issuer_key_import_invalid"
    title = "The key and certificate chain cannot be used to sign credentials"


def _aad(issuer_id: str, kid: str) -> str:
    return f"issuer-signing-key:{issuer_id}:{kid}"


def add_key(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    alg: str = jose.ES256,
    *,
    key: jose.PrivateKey | None = None,
    x5c: list[str] | None = None,
) -> str:
    """Store a new active key (generated unless given; the caller commits), certified by the
    issuer CA when the issuer's certificates come from it; returns its ``kid``."""
    key = key or jose.PrivateKey.generate(alg)
    if x5c is None and tenant.certificate == CertificateSource.CA:
        x5c = certify(rt, tenant, key.public)
    sealed = rt.master_key.seal(json.dumps(key.private_jwk()).encode(), _aad(tenant.id, key.kid))
    repository.insert_key(
        session,
        IssuerSigningKey(
            issuer_id=tenant.id,
            kid=key.kid,
            alg=key.alg,
            public_jwk={k: str(v) for k, v in key.public.jwk.items()},
            sealed_private=sealed,
            x5c=x5c,
            created_at=rt.clock.now(),
        ),
    )
    return key.kid


def certify(rt: Runtime, tenant: IssuerTenant, public: jose.PublicKey) -> list[str]:
    """A certificate for ``public`` from the issuer CA, naming the issuer's identifier."""
    ca_cert, ca_key = ca.load_or_create(rt)
    leaf = certs.issue_issuer_certificate(
        ca_cert,
        ca_key,
        IssuerUrls(rt.settings.public_url, tenant.slug).issuer,
        public,
        rt.clock.now(),
        CERTIFICATE_DAYS,
        organisation=tenant.name,
    )
    return certs.x5c_chain([leaf])


def rotate(session: Session, rt: Runtime, tenant: IssuerTenant, alg: str = jose.ES256) -> str:
    if tenant.certificate == CertificateSource.IMPORTED:
        raise Conflict(
            "this issuer signs with an imported certificate: import the next key with its "
            "certificate (intyg issuer import-key) instead of rotating"
        )
    repository.retire_keys(session, tenant.id, rt.clock.now())
    kid = add_key(session, rt, tenant, alg)
    session.commit()
    rt.caches.active_signing_keys.pop(tenant.id)
    return kid


def import_key(
    session: Session, rt: Runtime, tenant: IssuerTenant, key_pem: bytes, chain_pem: bytes
) -> str:
    """Make an operator's key and its certificate chain (PEM, leaf first; a self-signed
    anchor at the end is dropped, HAIP 1.0 §6.1.1) the active key; later rotations need a new
    import. The leaf must certify this key for this issuer and be fit to sign."""
    try:
        key = certs.private_key_from_pem(key_pem)
        chain = certs.certificates_from_pem(chain_pem)
    except (jose.JoseError, certs.X509Error, ValueError) as exc:
        raise ImportedKeyInvalid(f"the key or the chain cannot be read: {_reason(exc)}") from None
    while len(chain) > 1 and chain[-1].issuer == chain[-1].subject:
        chain.pop()  # the trust anchor travels apart from x5c
    _check_imported(rt, tenant, key, chain)
    repository.retire_keys(session, tenant.id, rt.clock.now())
    kid = add_key(session, rt, tenant, key=key, x5c=certs.x5c_chain(chain))
    tenant.certificate = CertificateSource.IMPORTED
    session.add(tenant)
    session.commit()
    rt.caches.active_signing_keys.pop(tenant.id)
    return kid


def _reason(exc: Exception) -> str:
    detail = getattr(exc, "detail", None)
    return str(detail) if detail else "not PEM of the expected kind"


def _check_imported(
    rt: Runtime, tenant: IssuerTenant, key: jose.PrivateKey, chain: list[x509.Certificate]
) -> None:
    if not chain:
        raise ImportedKeyInvalid("the chain holds no certificate")
    try:
        leaf_key = certs.public_key_of(chain[0])
    except certs.X509Error as exc:
        raise ImportedKeyInvalid(exc.detail or exc.title) from None
    if leaf_key.kid != key.public.kid:
        raise ImportedKeyInvalid("the first certificate is not for this key")
    issuer = IssuerUrls(rt.settings.public_url, tenant.slug).issuer
    try:  # what a receiver asks of the leaf; the chain itself only a receiver's anchors judge
        certs.check_issuer_leaf(chain[0], issuer, rt.clock.now())
    except certs.X509Error as exc:
        raise ImportedKeyInvalid(exc.detail or exc.title) from None


def signer(session: Session, rt: Runtime, tenant: IssuerTenant) -> Signer:
    now = time.monotonic()
    found = rt.caches.active_signing_keys.get(tenant.id, now)
    if found is None:
        found = _load_active(session, rt, tenant)
        rt.caches.active_signing_keys.put(tenant.id, found, now + ACTIVE_KEY_TTL)
    return Signer(*found)


def _load_active(session: Session, rt: Runtime, tenant: IssuerTenant) -> Signer:
    row = repository.active_key(session, tenant.id)
    if row is None:
        raise Conflict("the issuer has no active signing key; rotate its keys")
    header: dict[str, object] = {"x5c": list(row.x5c)} if row.x5c else {}
    cached = rt.caches.signing_keys.get((tenant.id, row.kid))
    if cached is not None:
        return Signer(cached, header)
    jwk = json.loads(rt.master_key.open(row.sealed_private, _aad(tenant.id, row.kid)))
    key = jose.PrivateKey.from_jwk(jwk)
    rt.caches.signing_keys.put((tenant.id, row.kid), key)
    return Signer(key, header)


def published_jwks(session: Session, tenant: IssuerTenant) -> list[dict[str, str]]:
    """Every key the issuer has used, newest first, public members only."""
    return [
        {**row.public_jwk, "kid": row.kid, "alg": row.alg, "use": "sig"}
        for row in repository.all_keys(session, tenant.id)
    ]

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

#: How long a key signs before the CA certifies it again: its leaf outlives it by the
#: credentials' lifetime, so that a credential never outlives the certificate in its x5c.
SIGNING_DAYS = 365
RENEWAL_MARGIN_DAYS = 30
DAY = 86_400


class Signer(NamedTuple):
    key: jose.PrivateKey
    header: dict[str, object]  # the extra JOSE header: ``x5c`` for a certified key, else empty
    not_after: int | None = None  # the leaf's end of validity: no credential lasts longer


class CertificateExpired(Conflict):
    code = "issuer_certificate_expired"
    title = "The issuer's certificate has expired"


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
    """A certificate for ``public`` from the issuer CA, naming the issuer's identifier, valid
    for ``SIGNING_DAYS`` plus the credentials' lifetime."""
    ca_cert, ca_key = ca.load_or_create(rt)
    leaf = certs.issue_issuer_certificate(
        ca_cert,
        ca_key,
        IssuerUrls(rt.settings.public_url, tenant.slug).issuer,
        public,
        rt.clock.now(),
        SIGNING_DAYS + rt.settings.credential_ttl_days,
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
    while len(chain) > 1 and certs.self_signed(chain[-1]):
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
        certs.check_links(chain)
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
    key = rt.caches.signing_keys.get((tenant.id, row.kid))
    if key is None:
        jwk = json.loads(rt.master_key.open(row.sealed_private, _aad(tenant.id, row.kid)))
        key = jose.PrivateKey.from_jwk(jwk)
        rt.caches.signing_keys.put((tenant.id, row.kid), key)
    if not row.x5c:
        return Signer(key, {})
    not_after = int(certs.parse_x5c(row.x5c)[0].not_valid_after_utc.timestamp())
    return Signer(key, {"x5c": list(row.x5c)}, not_after)


def for_issuance(session: Session, rt: Runtime, tenant: IssuerTenant) -> Signer:
    """The signer for new credentials: a leaf from the issuer CA that would not outlast a
    credential signed now is renewed first (in the caller's transaction, which commits it
    with what it issues); an imported leaf that has expired stops issuance until the
    operator imports the next key."""
    found = signer(session, rt, tenant)
    now = rt.clock.now()
    if (
        found.not_after is None
        or found.not_after - now >= (rt.settings.credential_ttl_days + RENEWAL_MARGIN_DAYS) * DAY
    ):
        return found
    if tenant.certificate != CertificateSource.CA:
        if found.not_after <= now:
            raise CertificateExpired(
                "the issuer's imported certificate has expired: import the next key with its "
                "certificate (intyg issuer import-key)"
            )
        return found  # credentials end with the certificate (the caller caps exp)
    x5c = certify(rt, tenant, found.key.public)
    repository.set_key_x5c(session, tenant.id, found.key.kid, x5c)
    rt.caches.active_signing_keys.pop(tenant.id)
    not_after = int(certs.parse_x5c(x5c)[0].not_valid_after_utc.timestamp())
    return Signer(found.key, {"x5c": x5c}, not_after)


def published_jwks(session: Session, tenant: IssuerTenant) -> list[dict[str, str]]:
    """Every key the issuer has used, newest first, public members only."""
    return [
        {**row.public_jwk, "kid": row.kid, "alg": row.alg, "use": "sig"}
        for row in repository.all_keys(session, tenant.id)
    ]

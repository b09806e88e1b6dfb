"""Verifier tenants: creation, API keys, and the trust list each one checks against."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from dataclasses import dataclass
from functools import lru_cache

from sqlmodel import Session

from core import jose, trustlists
from core import x509 as certs
from core.db import session_scope
from core.errors import IntygError, InvalidInput, Unauthenticated
from core.runtime import Runtime
from core.standards import oid4vp, trust_list
from core.tokens import hash_secret, new_secret
from schemas.personnummer import IdentityNumberError, normalise_organisationsnummer
from schemas.verifier_api import ClientIdPrefix, ResponseMode
from verifier import ca, repository
from verifier.models import VerifierTenant
from verifier.resolution import load_trust_list
from verifier.service.errors import VerifierExists, VerifierNotFound

SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
DNS_RE = re.compile(
    r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
)
API_KEY_PREFIX = "intyg_verifier_"


@dataclass(frozen=True)
class CreatedVerifier:
    slug: str
    client_id: str
    api_key: str


def verifier_url(rt: Runtime, slug: str) -> str:
    return f"{rt.settings.public_url}/verifiers/{slug}"


def create_verifier(
    session: Session,
    rt: Runtime,
    *,
    slug: str,
    name: str,
    organisation_number: str,
    dns_name: str,
    client_id_prefix: ClientIdPrefix = ClientIdPrefix.X509_HASH,
    response_mode: ResponseMode = ResponseMode.DIRECT_POST_JWT,
) -> CreatedVerifier:
    if not SLUG_RE.fullmatch(slug):
        raise InvalidInput("slug: 1-64 lowercase letters, digits and inner hyphens")
    if not name.strip() or len(name) > 200:
        raise InvalidInput("name: a display name of 1-200 characters")
    dns = dns_name.strip().lower()
    if not DNS_RE.fullmatch(dns):
        raise InvalidInput("dns_name: a host name such as rekrytering.example.se")
    try:
        org_number = normalise_organisationsnummer(organisation_number)
    except IdentityNumberError as exc:
        raise InvalidInput(f"organisation_number: {exc}") from None
    key = jose.PrivateKey.generate()
    ca_cert, ca_key = ca.load_or_create(rt)
    leaf = certs.issue_verifier_certificate(
        ca_cert, ca_key, dns, key.public, rt.clock.now(), organisation=name.strip()
    )
    api_key = new_secret(API_KEY_PREFIX)
    tenant_id = str(uuid.uuid4())
    tenant = VerifierTenant(
        id=tenant_id,
        slug=slug,
        name=name.strip(),
        organisation_number=org_number,
        dns_name=dns,
        client_id_prefix=ClientIdPrefix(client_id_prefix),
        response_mode=ResponseMode(response_mode),
        api_key_hash=hash_secret(api_key),
        kid=key.kid,
        sealed_private=rt.master_key.seal(
            json.dumps(key.private_jwk()).encode(), f"verifier-key:{tenant_id}"
        ),
        certificate_chain=certs.certificate_to_pem(leaf) + certs.certificate_to_pem(ca_cert),
        created_at=rt.clock.now(),
    )
    if not repository.insert_tenant(session, tenant):
        raise VerifierExists(f"the slug {slug!r} is taken")
    session.commit()
    return CreatedVerifier(slug, client_id(tenant), api_key)


def reset_api_key(session: Session, rt: Runtime, slug: str) -> CreatedVerifier:
    """A new API key for an existing verifier: the old one stops working at once on this
    instance, and within ``TENANT_TTL`` on others (their cached row)."""
    tenant = tenant_by_slug(session, slug)
    api_key = new_secret(API_KEY_PREFIX)
    repository.set_api_key_hash(session, tenant.id, hash_secret(api_key))
    session.commit()
    _forget_cached(rt, tenant)
    return CreatedVerifier(slug, client_id(tenant), api_key)


def list_tenants(session: Session) -> list[VerifierTenant]:
    return repository.all_tenants(session)


def tenant_by_slug(session: Session, slug: str) -> VerifierTenant:
    tenant = repository.tenant_by_slug(session, slug)
    if tenant is None:
        raise VerifierNotFound(f"no verifier {slug!r}")
    return tenant


def authenticate(session: Session, slug: str, api_key: str | None) -> VerifierTenant:
    if not api_key:
        raise Unauthenticated("a verifier API key is required (Authorization: Bearer)")
    tenant = repository.tenant_by_api_key_hash(session, hash_secret(api_key))
    if tenant is None or not secrets.compare_digest(tenant.slug, slug):
        raise Unauthenticated("the API key is not valid for this verifier")
    return tenant


def authenticate_cached(rt: Runtime, slug: str, api_key: str | None) -> VerifierTenant:
    """``authenticate`` for hot paths that only read the tenant: the row is kept for
    ``TENANT_TTL`` by its API key hash, and looked up without queueing for a writer."""
    if not api_key:
        raise Unauthenticated("a verifier API key is required (Authorization: Bearer)")
    key_hash = hash_secret(api_key)

    def load() -> VerifierTenant:
        with session_scope(rt.engine, read_only=True) as session:
            found = repository.tenant_by_api_key_hash(session, key_hash)
        if found is None:  # raised, not cached: unknown keys do not fill the cache
            raise Unauthenticated("the API key is not valid for this verifier")
        return found

    tenant = rt.caches.tenant(("verifier", key_hash), VerifierTenant, load)
    if not secrets.compare_digest(tenant.slug, slug):
        raise Unauthenticated("the API key is not valid for this verifier")
    return tenant


def _forget_cached(rt: Runtime, tenant: VerifierTenant) -> None:
    rt.caches.tenants.pop(("verifier", tenant.api_key_hash))


def client_id(tenant: VerifierTenant) -> str:
    """What the verifier signs its requests as (§5.9.3): by its certificate's hash, or by
    its DNS name."""
    if tenant.client_id_prefix == ClientIdPrefix.X509_SAN_DNS:
        return oid4vp.x509_san_dns_client_id(tenant.dns_name)
    return _x509_hash_client_id(tenant.certificate_chain)


@lru_cache(maxsize=256)  # POST verify asks on every call; the chain is fixed per tenant
def _x509_hash_client_id(certificate_chain: str) -> str:
    return oid4vp.x509_hash_client_id(certs.certificates_from_pem(certificate_chain)[0])


# --- trust list ------------------------------------------------------------------------------


def put_trust_list(
    session: Session, rt: Runtime, tenant: VerifierTenant, token: str
) -> trust_list.TrustList:
    """Accept a signed trust list (checked against the operator keys) for this verifier: Intyg's
    format or an ETSI TS 119 602 LoTE; its sequence number may not go below the one in force."""
    current = None
    if tenant.trust_list:
        try:
            current = load_trust_list(rt, tenant.trust_list)
        except IntygError:
            current = None
    parsed = trustlists.verify_either(
        token.strip(),
        trustlists.operator_keys(rt),
        rt.clock.now(),
        min_sequence_number=current.sequence_number if current else None,
    )
    repository.set_trust_list(session, tenant.id, token.strip())
    session.commit()
    _forget_cached(rt, tenant)
    return parsed


def get_trust_list(rt: Runtime, tenant: VerifierTenant) -> trust_list.TrustList:
    return load_trust_list(rt, tenant.trust_list)

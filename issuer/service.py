"""The issuer's use cases for tenants, offers and the documents it publishes.

No FastAPI here; every function takes the session and the runtime and commits its own unit of
work, so a failure leaves the database as it was. Issued credentials and status lists are in
``issuer.lifecycle``, the OpenID4VCI endpoints in ``issuer.issuance``.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlmodel import Session

from core.db import session_scope
from core.errors import Conflict, IntygError, InvalidInput, NotFound, Unauthenticated
from core.runtime import Runtime
from core.standards import oid4vci
from core.standards.sd_jwt_vc import issuer_metadata
from core.tokens import hash_secret, new_numeric_code, new_secret
from issuer import attestation, metadata, repository, signing
from issuer.metadata import CONFIGURATION_ID, IssuerUrls
from issuer.models import IssuerOffer, IssuerTenant, OfferState
from schemas import issuer_api as wire
from schemas.issuer_api import CertificateSource
from schemas.personnummer import IdentityNumberError, normalise_organisationsnummer
from schemas.skill_credential import (
    IssuingAuthority,
    SkillClaimsInput,
    credential_claims,
    validate_claims,
)
from schemas.type_metadata import schema_bytes, type_metadata

SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
TX_CODE_LENGTH = 6
TX_CODE_MAX_FAILURES = 5
API_KEY_PREFIX = "intyg_issuer_"
BATCH_MAX_OFFERS = 1000
_Item = TypeVar("_Item")
_Made = TypeVar("_Made")


class IssuerExists(Conflict):
    code = "issuer_exists"
    title = "An issuer with this slug already exists"


class IssuerNotFound(NotFound):
    code = "issuer_not_found"
    title = "No such issuer"


class OfferNotFound(NotFound):
    code = "offer_not_found"
    title = "No such credential offer"


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"
    title = "The idempotency key was used with different content"


@dataclass(frozen=True)
class CreatedIssuer:
    slug: str
    issuer: str
    api_key: str


@dataclass(frozen=True)
class CreatedOffer:
    offer_id: str
    credential_offer: str
    credential_offer_uri: str
    tx_code: str | None
    created: bool


# --- tenants ---------------------------------------------------------------------------------


def create_issuer(
    session: Session,
    rt: Runtime,
    *,
    slug: str,
    name: str,
    organisation_number: str,
    certificate: CertificateSource = CertificateSource.CA,
) -> CreatedIssuer:
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise InvalidInput("slug: 1-64 lowercase letters, digits and inner hyphens")
    if not isinstance(name, str) or not name.strip() or len(name) > 200 or not name.isprintable():
        raise InvalidInput("name: a display name of 1-200 printable characters")
    try:
        org_number = normalise_organisationsnummer(organisation_number)
    except IdentityNumberError as exc:
        raise InvalidInput(f"organisation_number: {exc}") from None
    if repository.tenant_by_slug(session, slug) is not None:
        raise IssuerExists(f"the slug {slug!r} is taken")
    api_key = new_secret(API_KEY_PREFIX)
    tenant = IssuerTenant(
        id=str(uuid.uuid4()),
        slug=slug,
        name=name.strip(),
        organisation_number=org_number,
        api_key_hash=hash_secret(api_key),
        require_dpop=rt.settings.require_dpop,
        certificate=certificate,
        created_at=rt.clock.now(),
    )
    repository.insert_tenant(session, tenant)
    signing.add_key(session, rt, tenant)
    if not repository.commit_unless_duplicate(session):
        raise IssuerExists(f"the slug {slug!r} is taken")
    return CreatedIssuer(slug, IssuerUrls(rt.settings.public_url, slug).issuer, api_key)


def reset_api_key(session: Session, rt: Runtime, slug: str) -> CreatedIssuer:
    tenant = tenant_by_slug(session, slug)
    api_key = new_secret(API_KEY_PREFIX)
    repository.set_api_key_hash(session, tenant, hash_secret(api_key))
    session.commit()
    rt.caches.tenants.pop(("issuer", slug))  # other instances see the new key within 5 s
    return CreatedIssuer(slug, IssuerUrls(rt.settings.public_url, slug).issuer, api_key)


def list_tenants(session: Session) -> list[IssuerTenant]:
    return repository.all_tenants(session)


def tenant_by_slug(session: Session, slug: str) -> IssuerTenant:
    # A slug that cannot exist is not looked up (PostgreSQL refuses e.g. NUL in text).
    tenant = repository.tenant_by_slug(session, slug) if SLUG_RE.fullmatch(slug) else None
    if tenant is None:
        raise IssuerNotFound(f"no issuer {slug!r}")
    return tenant


def cached_tenant(rt: Runtime, slug: str) -> IssuerTenant:
    """``tenant_by_slug`` for the protocol's hot paths: the row is kept for ``TENANT_TTL``
    and looked up without queueing for a writer (``core.caches``)."""

    def load() -> IssuerTenant:
        with session_scope(rt.engine, read_only=True) as session:
            return tenant_by_slug(session, slug)

    return rt.caches.tenant(("issuer", slug), IssuerTenant, load)


def authenticate(session: Session, slug: str, api_key: str | None) -> IssuerTenant:
    """The tenant whose API key this is, and only if it is the tenant named by the path."""
    if not api_key:
        raise Unauthenticated("an issuer API key is required (Authorization: Bearer)")
    tenant = repository.tenant_by_api_key_hash(session, hash_secret(api_key))
    if tenant is None or not secrets.compare_digest(tenant.slug, slug):
        raise Unauthenticated("the API key is not valid for this issuer")
    return tenant


# --- published documents ---------------------------------------------------------------------


def credential_issuer_metadata(session: Session, rt: Runtime, slug: str) -> dict[str, object]:
    """OpenID4VCI 1.0 §12.2: the Credential Issuer Metadata of the issuer ``slug``."""
    tenant = tenant_by_slug(session, slug)
    urls = IssuerUrls(rt.settings.public_url, slug)
    wanted = attestation.requirement(tenant)
    return metadata.credential_issuer_metadata(
        urls, tenant.name, wanted.metadata() if wanted is not None else None
    )


def authorization_server_metadata(session: Session, rt: Runtime, slug: str) -> dict[str, object]:
    """RFC 8414: the OAuth 2.0 Authorization Server Metadata of the issuer ``slug``."""
    tenant = tenant_by_slug(session, slug)
    urls = IssuerUrls(rt.settings.public_url, slug)
    return metadata.authorization_server_metadata(
        urls, tenant.require_dpop, tenant.require_wallet_attestation
    )


def jwt_vc_issuer_metadata(session: Session, rt: Runtime, slug: str) -> dict[str, object]:
    """draft-ietf-oauth-sd-jwt-vc §4: the JWT VC Issuer Metadata, every key inline."""
    tenant = tenant_by_slug(session, slug)
    urls = IssuerUrls(rt.settings.public_url, slug)
    return issuer_metadata(urls.issuer, list(signing.published_jwks(session, tenant)))


def skill_type_metadata(rt: Runtime) -> dict[str, object]:
    """The skill credential's Type Metadata, served at its ``vct``."""
    public = rt.settings.public_url
    return type_metadata(metadata.skill_vct(public), metadata.skill_schema_uri(public))


def skill_schema() -> bytes:
    """The skill credential's JSON Schema, exactly as its Type Metadata's integrity names it."""
    return schema_bytes()


# --- offers ----------------------------------------------------------------------------------


def create_offer(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    claims: object,
    *,
    with_tx_code: bool,
    idempotency_key: str | None = None,
) -> CreatedOffer:
    """Validate the learner's claims and make a pre-authorized offer (sealed claims)."""
    validated = validate_claims(claims, today=_date(rt.clock.now()))
    if idempotency_key is not None and not idempotency_key.isprintable():
        raise InvalidInput("idempotency_key: printable characters only")
    if idempotency_key is not None:
        existing = repository.offer_by_idempotency_key(session, tenant.id, idempotency_key)
        if existing is not None:
            return _replayed_offer(rt, tenant, existing, validated, with_tx_code)
    canonical = _sealable_claims(tenant, validated, _date(rt.clock.now()))
    offer, code, tx_code = _new_offer(rt, tenant, canonical, with_tx_code, idempotency_key)
    repository.insert_offer(session, offer)
    if repository.commit_unless_duplicate(session):
        return _created(rt, tenant, offer.id, tx_code, created=True)
    # a concurrent request with the same idempotency key won
    existing = None
    if idempotency_key is not None:
        existing = repository.offer_by_idempotency_key(session, tenant.id, idempotency_key)
    if existing is None:
        raise Conflict("the offer could not be stored; try again")
    return _replayed_offer(rt, tenant, existing, validated, with_tx_code)


def create_offers(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    items: Sequence[wire.CreateOffer],
    *,
    at_most: int | None = BATCH_MAX_OFFERS,
) -> Iterator[CreatedOffer | IntygError]:
    """Each offer on its own: one that fails is rolled back and reported, the rest stand.

    The results come one at a time, each once its offer is committed (or its failure rolled
    back), so that a caller can record it before the next offer is made. ``at_most`` bounds
    one call (an HTTP request); ``None`` for a batch file of any length.
    """
    if at_most is not None and len(items) > at_most:
        raise InvalidInput(f"at most {at_most} offers per batch")

    def make(item: wire.CreateOffer) -> CreatedOffer:
        return create_offer(
            session,
            rt,
            tenant,
            item.claims,
            with_tx_code=item.tx_code,
            idempotency_key=item.idempotency_key,
        )

    return each_on_its_own(session, items, make)


def each_on_its_own(
    session: Session, items: Sequence[_Item], make: Callable[[_Item], _Made]
) -> Iterator[_Made | IntygError]:
    """``make`` each item in turn, lazily; one that fails is rolled back and yielded as its
    error, and the next is made all the same."""
    for item in items:
        try:
            made = make(item)
        except IntygError as exc:
            session.rollback()
            yield exc
        else:
            yield made


def _new_offer(
    rt: Runtime,
    tenant: IssuerTenant,
    canonical: bytes,
    with_tx_code: bool,
    idempotency_key: str | None,
) -> tuple[IssuerOffer, str, str | None]:
    offer_id = str(uuid.uuid4())
    code = new_secret()
    tx_code = new_numeric_code(TX_CODE_LENGTH) if with_tx_code else None
    now = rt.clock.now()
    offer = IssuerOffer(
        id=offer_id,
        issuer_id=tenant.id,
        idempotency_key=idempotency_key,
        code_hash=hash_secret(code),
        sealed_code=rt.master_key.seal(code.encode(), f"issuer-offer-code:{offer_id}"),
        sealed_claims=rt.master_key.seal(canonical, f"issuer-offer-claims:{offer_id}"),
        tx_code_hash=hash_secret(f"{offer_id}:{tx_code}") if tx_code else None,
        created_at=now,
        expires_at=now + rt.settings.offer_ttl_seconds,
    )
    return offer, code, tx_code


def _date(timestamp: int) -> date:
    return datetime.fromtimestamp(timestamp, UTC).date()


def _sealable_claims(tenant: IssuerTenant, validated: SkillClaimsInput, today: date) -> bytes:
    """The credential's claims as they will be issued, issuing authority included."""
    authority = IssuingAuthority(name=tenant.name, organisationsnummer=tenant.organisation_number)
    claims = credential_claims(validated, authority, today)
    return json.dumps(claims, sort_keys=True, ensure_ascii=False).encode()


def _replayed_offer(
    rt: Runtime,
    tenant: IssuerTenant,
    offer: IssuerOffer,
    validated: SkillClaimsInput,
    with_tx_code: bool,
) -> CreatedOffer:
    """A retry with the same idempotency key returns the same offer (never a second one).

    The ``tx_code`` is shown once, at creation; a replay cannot show it again.
    """
    canonical = _sealable_claims(tenant, validated, _date(offer.created_at))
    same = offer.sealed_claims is None or secrets.compare_digest(
        rt.master_key.open(offer.sealed_claims, f"issuer-offer-claims:{offer.id}"), canonical
    )
    if not same or (offer.tx_code_hash is not None) != with_tx_code:
        raise IdempotencyConflict("this idempotency key was used for a different learner")
    return _created(rt, tenant, offer.id, None, created=False)


def _created(
    rt: Runtime, tenant: IssuerTenant, offer_id: str, tx_code: str | None, *, created: bool
) -> CreatedOffer:
    uri = IssuerUrls(rt.settings.public_url, tenant.slug).offer(offer_id)
    return CreatedOffer(
        offer_id=offer_id,
        credential_offer=oid4vci.offer_link_by_reference(uri),
        credential_offer_uri=uri,
        tx_code=tx_code,
        created=created,
    )


def offer_links(rt: Runtime, tenant: IssuerTenant, offer_id: str) -> tuple[str, str]:
    """The ``openid-credential-offer://`` link of one of this issuer's offers (its id already
    known to be one), and the https ``credential_offer_uri`` it carries."""
    created = _created(rt, tenant, offer_id, None, created=False)
    return created.credential_offer, created.credential_offer_uri


def offer_link(session: Session, rt: Runtime, tenant: IssuerTenant, offer_id: str) -> str:
    """The ``openid-credential-offer://`` link of one of this issuer's offers."""
    offer = repository.offer_by_id(session, tenant.id, canonical_id(offer_id, OfferNotFound))
    if offer is None:
        raise OfferNotFound()
    return _created(rt, tenant, offer.id, None, created=False).credential_offer


def offer_document(session: Session, rt: Runtime, slug: str, offer_id: str) -> dict[str, object]:
    """The credential offer behind ``credential_offer_uri`` (OID4VCI §4.1.3)."""
    tenant = tenant_by_slug(session, slug)
    offer = repository.offer_by_id(session, tenant.id, canonical_id(offer_id, OfferNotFound))
    if offer is None or offer.state != OfferState.OFFERED or offer.expires_at <= rt.clock.now():
        raise OfferNotFound("the offer does not exist, has expired or was already used")
    code = rt.master_key.open(offer.sealed_code, f"issuer-offer-code:{offer.id}").decode()
    tx_code = (
        {
            "input_mode": "numeric",
            "length": TX_CODE_LENGTH,
            "description": "Ange engångskoden du fick av utbildningsanordnaren",
        }
        if offer.tx_code_hash
        else None
    )
    urls = IssuerUrls(rt.settings.public_url, tenant.slug)
    return oid4vci.offer_document(urls.issuer, [CONFIGURATION_ID], code, tx_code)


def canonical_id(value: str, error: type[NotFound]) -> str:
    """The id in its one spelling, or ``error`` for a value that is no id at all."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise error("no such id") from None


def decode_offer_claims(rt: Runtime, offer: IssuerOffer) -> dict[str, object]:
    if offer.sealed_claims is None:
        raise OfferNotFound("the offer's claims were erased")
    data: dict[str, object] = json.loads(
        rt.master_key.open(offer.sealed_claims, f"issuer-offer-claims:{offer.id}")
    )
    return data

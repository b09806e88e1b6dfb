"""Issued credentials and their status lists: listing, revoking, suspending, reinstating, and
the signed Token Status List (draft-ietf-oauth-status-list §5) served for them.

No FastAPI here; each function commits its own unit of work.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from core import jose
from core.errors import Conflict, InvalidInput, NotFound
from core.runtime import Runtime
from core.standards.status_list import (
    TYP_STATUS_LIST_JWT,
    StatusValue,
    encode_sparse,
    pack_indices,
    shuffled_indices,
    status_list_token_payload,
)
from issuer import repository, signing
from issuer.metadata import IssuerUrls
from issuer.models import IssuerCredential, IssuerStatusEvent, IssuerStatusList, IssuerTenant
from issuer.repository import CredentialQuery as CredentialQuery  # the pages' search
from issuer.service import canonical_id, tenant_by_slug


class StatusChange(StrEnum):
    """What an issuer admin can do to a credential (the last segment of its route)."""

    REVOKE = "revoke"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


STATUS_AFTER = {
    StatusChange.REVOKE: StatusValue.INVALID,
    StatusChange.SUSPEND: StatusValue.SUSPENDED,
    StatusChange.REINSTATE: StatusValue.VALID,
}


# The actor noted in the log for changes made through the admin API (its key names no person).
API_ACTOR = "api"
REASON_MAX = 500


class CredentialNotFound(NotFound):
    code = "credential_not_found"
    title = "No such credential"


def list_credentials(
    session: Session, tenant: IssuerTenant, *, limit: int, after: str | None
) -> tuple[Sequence[IssuerCredential], int]:
    page = repository.credentials_page(session, tenant.id, limit=limit, after=after)
    return page, repository.count_credentials(session, tenant.id)


@dataclass(frozen=True)
class FoundCredential:
    credential: IssuerCredential
    row_id: str | None  # the offer's idempotency key: a batch file's row_id

    @property
    def status(self) -> StatusValue:
        return StatusValue(self.credential.status)


def find_credentials(
    session: Session, tenant: IssuerTenant, query: CredentialQuery, *, limit: int, offset: int
) -> tuple[list[FoundCredential], int]:
    """A page of this issuer's credentials that match ``query``, newest first; the total."""
    if query.row_id is not None and not (0 < len(query.row_id) <= 200):
        raise InvalidInput("row_id: 1-200 characters")
    rows, total = repository.find_credentials(session, tenant.id, query, limit=limit, offset=offset)
    return [FoundCredential(credential, key) for credential, key in rows], total


def credential_history(
    session: Session, tenant: IssuerTenant, credential_id: str
) -> tuple[FoundCredential, Sequence[IssuerStatusEvent]]:
    """One of this issuer's credentials and its log of status changes, oldest first."""
    credential_id = canonical_id(credential_id, CredentialNotFound)
    row = repository.credential(session, tenant.id, credential_id)
    if row is None:
        raise CredentialNotFound(f"no credential {credential_id}")
    found = FoundCredential(row, repository.offer_key(session, tenant.id, row.offer_id))
    return found, repository.status_events(session, tenant.id, credential_id)


def _checked_reason(reason: str | None) -> str | None:
    text = (reason or "").strip()
    if len(text) > REASON_MAX or any(not (c.isprintable() or c in "\n\r\t") for c in text):
        raise InvalidInput(f"reason: at most {REASON_MAX} printable characters")
    return text or None


def change_status(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    credential_id: str,
    change: StatusChange,
    *,
    actor: str = API_ACTOR,
    reason: str | None = None,
) -> IssuerCredential:
    """Revoke (INVALID, final), suspend or reinstate (VALID) one credential, and note who did
    it and why in the issuer's log, in the same transaction."""
    status = STATUS_AFTER[change]
    reason = _checked_reason(reason)
    credential_id = canonical_id(credential_id, CredentialNotFound)
    current = repository.credential(session, tenant.id, credential_id)
    if current is None:
        raise CredentialNotFound(f"no credential {credential_id}")
    revoked = Conflict("a revoked credential cannot be suspended or reinstated")
    if current.status == StatusValue.INVALID and status != StatusValue.INVALID:
        raise revoked
    # Revocation is final even against a concurrent revoke: the condition is in the UPDATE.
    final = None if status == StatusValue.INVALID else int(StatusValue.INVALID)
    if not repository.set_status(
        session, tenant.id, credential_id, int(status), rt.clock.now(), unless=final
    ):
        session.rollback()
        raise revoked
    event = IssuerStatusEvent(
        issuer_id=tenant.id,
        credential_id=credential_id,
        action=change.value,
        reason=reason,
        actor=actor,
        at=rt.clock.now(),
    )
    repository.add_status_event(session, event)
    session.commit()
    updated = repository.credential(session, tenant.id, credential_id)
    assert updated is not None
    return updated


def status_list_token(session: Session, rt: Runtime, slug: str, list_id: str) -> str:
    """The signed ``statuslist+jwt``, built from the current statuses on every request."""
    tenant = tenant_by_slug(session, slug)
    row = repository.status_list(session, tenant.id, canonical_id(list_id, StatusListNotFound))
    if row is None:
        raise StatusListNotFound(f"no status list {list_id}")
    now = rt.clock.now()
    ttl = rt.settings.status_list_ttl_seconds
    encoded = encode_sparse(row.size, row.bits, repository.non_valid_entries(session, row.id))
    uri = IssuerUrls(rt.settings.public_url, tenant.slug).status_list(row.id)
    payload = status_list_token_payload(
        uri, encoded, iat=now, exp=now + max(ttl, 60) * 2, ttl=ttl or None
    )
    signer = signing.signer(session, rt, tenant)
    return jose.sign(payload, signer.key, typ=TYP_STATUS_LIST_JWT, header=signer.header)


class StatusListNotFound(NotFound):
    code = "status_list_not_found"
    title = "No such status list"


def new_status_list(session: Session, rt: Runtime, tenant: IssuerTenant) -> IssuerStatusList:
    """A fresh list whose indices will be handed out in a random order (no reuse)."""
    size = rt.settings.status_list_size
    order = shuffled_indices(size, secrets.SystemRandom())
    row = IssuerStatusList(
        id=str(uuid.uuid4()),
        issuer_id=tenant.id,
        bits=rt.settings.status_list_bits,
        size=size,
        permutation=pack_indices(order),
        created_at=rt.clock.now(),
    )
    repository.insert_status_list(session, row)
    return row

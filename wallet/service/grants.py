"""Standing consent: a service asks for ongoing access; the holder approves or denies; while
the grant lives the service pulls fresh key-bound presentations on demand.

A service names the holder by username. Whether or not that account exists, the service gets
the same answer (a pending request), so it cannot probe for accounts. A grant lasts at most a
year. Each pull is a new presentation of exactly the approved disclosures, with a KB-JWT
whose ``aud`` is the service's registered client identifier (never one the service chooses,
so a pulled presentation cannot be replayed to someone else) and whose ``nonce`` is the
service's. Every pull — and every refused pull — is in the holder's log; withdrawal or expiry
takes effect on the next pull.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlmodel import Session

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.runtime import Runtime
from core.standards import dcql
from schemas import wallet_log as log
from wallet import repository
from wallet.models import (
    ConsentEventKind,
    ConsentKind,
    ConsentState,
    RequestState,
    WalletConsent,
    WalletGrantRequest,
    WalletHolder,
    WalletService,
)
from wallet.service import consents, holdings, selection, transparency

MAX_DURATION = 365 * 86_400
REQUEST_TTL = 30 * 86_400
NONCE_RE_MAX = 256


class GrantRequestNotFound(NotFound):
    code = "grant_request_not_found"
    title = "No such grant request"


class GrantNotPending(Conflict):
    code = "grant_request_not_pending"
    title = "The grant request was already answered"


class GrantWithdrawn(Forbidden):
    code = "grant_withdrawn"
    title = "The holder withdrew this grant"


class GrantExpired(Forbidden):
    code = "grant_expired"
    title = "This grant has expired"


class GrantCredentialDeleted(Forbidden):
    code = "grant_credential_deleted"
    title = "The holder deleted a credential that this grant presents"


class GrantCredentialUnusable(Forbidden):
    code = "grant_credential_unusable"
    title = "The credential under this grant is revoked or suspended"


class GrantNotApproved(Forbidden):
    code = "grant_not_approved"
    title = "This grant is not approved (pending, denied or unknown)"


def request_grant(
    session: Session,
    rt: Runtime,
    service: WalletService,
    *,
    username: str,
    dcql_query: Mapping[str, object],
    purpose: str,
    duration_seconds: int,
) -> WalletGrantRequest:
    if not 3600 <= duration_seconds <= MAX_DURATION:
        raise InvalidInput("duration: between one hour and one year")
    if not purpose.strip():
        raise InvalidInput("purpose: say, in words, why the service needs the claims")
    dcql.parse_query(dcql_query)  # refuse a malformed query now, not when the holder looks
    holder = repository.holder_by_username(session, username.strip().lower())
    now = rt.clock.now()
    row = WalletGrantRequest(
        id=str(uuid.uuid4()),
        service_id=service.id,
        holder_id=holder.id if holder else None,
        dcql_query=dict(dcql_query),
        purpose=purpose.strip()[:1000],
        duration_seconds=duration_seconds,
        created_at=now,
        expires_at=now + REQUEST_TTL,
    )
    repository.add_grant_request(session, row)
    if holder is not None:
        transparency.append(
            session,
            holder.id,
            now,
            log.GrantRequested(
                grant_request_id=row.id,
                recipient=service.name,
                client_id=service.client_id,
                purpose=row.purpose,
                duration_seconds=duration_seconds,
            ),
        )
    session.commit()
    return row


def pending_for_holder(
    session: Session, rt: Runtime, holder: WalletHolder
) -> Sequence[WalletGrantRequest]:
    return repository.grant_requests_of(
        session, holder.id, state=RequestState.PENDING, live_at=rt.clock.now()
    )


def _holder_request(session: Session, holder: WalletHolder, request_id: str) -> WalletGrantRequest:
    row = repository.grant_request_of_holder(session, holder.id, request_id)
    if row is None:
        raise GrantRequestNotFound()
    return row


def get_request(session: Session, holder: WalletHolder, request_id: str) -> WalletGrantRequest:
    """One of the holder's own grant requests, in whatever state it is."""
    return _holder_request(session, holder, request_id)


def view(
    session: Session, rt: Runtime, holder: WalletHolder, row: WalletGrantRequest
) -> dict[str, object]:
    service = repository.service_by_id(session, row.service_id)
    opened = holdings.open_usable(session, rt, holder)
    query = dcql.parse_query(row.dcql_query)
    views = selection.evaluate_for(rt, query, opened)
    return {
        "id": row.id,
        "state": row.state,
        "service": {
            "name": service.name if service else None,
            "client_id": service.client_id if service else None,
        },
        "purpose": row.purpose,
        "duration_seconds": row.duration_seconds,
        "expires_at": row.expires_at,
        "queries": selection.view_json(views, opened),
    }


def approve(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    request_id: str,
    choice: Mapping[str, tuple[str, Sequence[Sequence[object]]]],
) -> WalletConsent:
    row = _holder_request(session, holder, request_id)
    if row.state != RequestState.PENDING or row.expires_at <= rt.clock.now():
        raise GrantNotPending(f"this grant request is {row.state}")
    service = repository.service_by_id(session, row.service_id)
    assert service is not None
    opened = holdings.open_usable(session, rt, holder)
    query = dcql.parse_query(row.dcql_query)
    views = selection.evaluate_for(rt, query, opened)
    chosen = selection.resolve_choice(views, choice)
    now = rt.clock.now()
    row.state = RequestState.APPROVED
    consent = WalletConsent(
        id=str(uuid.uuid4()),
        holder_id=holder.id,
        kind=ConsentKind.STANDING,
        state=ConsentState.ACTIVE,
        pseudonym=consents.pseudonym(rt, holder, service.client_id),
        recipient={
            "client_id": service.client_id,
            "name": service.name,
            "verified": True,
            "service_id": service.id,
        },
        purpose=row.purpose,
        legal_basis=consents.DEFAULT_LEGAL_BASIS,
        claims_requested=consents.requested_paths(views),
        claims_disclosed=list(selection.disclosed_paths(chosen)),
        credential_ids=[c.credential_id for c in chosen],
        evidence={"grant_request_id": row.id},
        grant_request_id=row.id,
        created_at=now,
        expires_at=now + row.duration_seconds,
    )
    repository.add_consent(session, consent)
    consents.add_event(session, consent.id, now, ConsentEventKind.GIVEN)
    transparency.append(
        session,
        holder.id,
        now,
        log.GrantApproved(
            consent_id=consent.id,
            recipient=service.name,
            client_id=service.client_id,
            purpose=row.purpose,
            claims=selection.disclosed_paths(chosen),
            expires_at=consent.expires_at,
        ),
    )
    session.commit()
    return consent


def deny(session: Session, rt: Runtime, holder: WalletHolder, request_id: str) -> None:
    row = _holder_request(session, holder, request_id)
    if row.state != RequestState.PENDING:
        raise GrantNotPending(f"this grant request is {row.state}")
    row.state = RequestState.DENIED
    service = repository.service_by_id(session, row.service_id)
    transparency.append(
        session,
        holder.id,
        rt.clock.now(),
        log.GrantDenied(
            grant_request_id=row.id,
            recipient=service.name if service else None,
            purpose=row.purpose,
        ),
    )
    session.commit()


def service_request_state(
    session: Session, rt: Runtime, service: WalletService, request_id: str
) -> RequestState:
    """What a service may learn of its own request: pending, approved, denied (or expired)."""
    row = repository.grant_request_of_service(session, service.id, request_id)
    if row is None:
        raise GrantRequestNotFound()
    if row.state == RequestState.PENDING and row.expires_at <= rt.clock.now():
        return RequestState.EXPIRED
    return RequestState(row.state)


def pull(
    session: Session, rt: Runtime, service: WalletService, grant_id: str, nonce: str
) -> dict[str, list[str | dict[str, object]]]:
    """A fresh presentation for a live grant (``grant_id`` is the grant request's id)."""
    if not nonce or len(nonce) > NONCE_RE_MAX:
        raise InvalidInput("nonce: 1-256 characters chosen by the service for this pull")
    consent = repository.consent_for_grant(session, grant_id)
    if consent is None or consent.recipient.get("service_id") != service.id:
        raise GrantNotApproved()
    holder = repository.holder_by_id(session, consent.holder_id)
    assert holder is not None
    now = rt.clock.now()
    refusal = (
        _refusal(consent, now)
        or _missing_credential(session, holder, consent)
        or _unusable_credential(session, rt, holder, consent)
    )
    if refusal is not None:
        transparency.append(
            session,
            holder.id,
            now,
            log.PullRefused(consent_id=consent.id, recipient=service.name, reason=refusal.code),
        )
        consents.add_event(session, consent.id, now, ConsentEventKind.FAILED, refusal.code)
        session.commit()
        raise refusal
    chosen = _chosen_of(consent)
    opened = {
        cid: holdings.open_credential(rt, holder, holdings.get_credential(session, holder, cid))
        for cid in consent.credential_ids
    }
    vp_token = selection.build_vp_token(
        chosen, opened, audience=service.client_id, nonce=nonce, now=now
    )
    consents.add_event(session, consent.id, now, ConsentEventKind.PRESENTED)
    transparency.append(
        session,
        holder.id,
        now,
        log.Pulled(
            consent_id=consent.id,
            recipient=service.name,
            client_id=service.client_id,
            purpose=consent.purpose,
            claims=consent.claims_disclosed,
        ),
    )
    session.commit()
    return vp_token


def _refusal(consent: WalletConsent, now: int) -> GrantWithdrawn | GrantExpired | None:
    if consent.state == ConsentState.WITHDRAWN:
        return GrantWithdrawn("the holder withdrew this grant; ask again if you still need it")
    if consent.expires_at is not None and consent.expires_at <= now:
        return GrantExpired("the grant's time is up; ask the holder again")
    return None


def _missing_credential(
    session: Session, holder: WalletHolder, consent: WalletConsent
) -> GrantCredentialDeleted | None:
    """A credential the grant presents that the holder has since deleted: the service is told
    so (not the holder's ``credential_not_found``), and the refusal is logged like the others."""
    for credential_id in consent.credential_ids:
        try:
            holdings.get_credential(session, holder, credential_id)
        except holdings.CredentialNotFound:
            return GrantCredentialDeleted("the holder no longer holds the credential; ask again")
    return None


def _unusable_credential(
    session: Session, rt: Runtime, holder: WalletHolder, consent: WalletConsent
) -> GrantCredentialUnusable | None:
    """A revoked or suspended credential is not presented, even under a live grant: its
    status is looked up afresh (within the status list's ttl) before each pull."""
    for credential_id in consent.credential_ids:
        row = holdings.refresh_status(
            session, rt, holdings.get_credential(session, holder, credential_id)
        )
        if row.status in holdings.UNUSABLE:
            return GrantCredentialUnusable(f"the issuer has marked the credential {row.status}")
    return None


def _chosen_of(consent: WalletConsent) -> tuple[selection.Chosen, ...]:
    return tuple(
        selection.Chosen(
            query_id=str(item["query"]),  # type: ignore[index]
            credential_id=str(item["credential_id"]),  # type: ignore[index]
            paths=tuple(tuple(p) for p in item["paths"]),  # type: ignore[index]
        )
        for item in consent.claims_disclosed
    )

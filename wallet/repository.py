"""SQL for the wallet role, and nothing else (no policy, no HTTP).

Every holder-owned row is fetched through its ``holder_id``: another holder's row is simply
not found. The service decides when a transaction commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from wallet.models import (
    WalletCollection,
    WalletConsent,
    WalletConsentEvent,
    WalletCredential,
    WalletGrantRequest,
    WalletHolder,
    WalletLogEntry,
    WalletOfferRedemption,
    WalletPresentationRequest,
    WalletService,
    WalletSession,
    WalletSigningKey,
)

# --- holders and sessions (sign-in throttles: core.signin) ------------------------------


def holder_by_id(session: Session, holder_id: str) -> WalletHolder | None:
    return session.get(WalletHolder, holder_id)


def holder_by_username(session: Session, username: str) -> WalletHolder | None:
    return session.exec(select(WalletHolder).where(WalletHolder.username == username)).first()


def add_holder(session: Session, holder: WalletHolder) -> None:
    session.add(holder)


def delete_holder(session: Session, holder_id: str) -> None:
    """Everything the wallet holds about the holder (crypto-shredding: the wrapped key too)."""
    consent_ids = select(WalletConsent.id).where(WalletConsent.holder_id == holder_id)
    session.execute(
        delete(WalletConsentEvent).where(col(WalletConsentEvent.consent_id).in_(consent_ids))
    )
    for table in (
        WalletConsent,
        WalletGrantRequest,
        WalletPresentationRequest,
        WalletCredential,
        WalletOfferRedemption,
        WalletCollection,
        WalletLogEntry,
        WalletSession,
    ):
        session.execute(delete(table).where(col(table.holder_id) == holder_id))
    session.execute(delete(WalletHolder).where(col(WalletHolder.id) == holder_id))


def session_by_token_hash(session: Session, token_hash: str) -> WalletSession | None:
    return session.get(WalletSession, token_hash)


def add_session(session: Session, row: WalletSession) -> None:
    session.add(row)


def delete_session(session: Session, token_hash: str) -> None:
    session.execute(delete(WalletSession).where(col(WalletSession.token_hash) == token_hash))


def delete_sessions_of(session: Session, holder_id: str) -> None:
    session.execute(delete(WalletSession).where(col(WalletSession.holder_id) == holder_id))


# --- services (standing consent) ------------------------------------------------------------


def service_by_id(session: Session, service_id: str) -> WalletService | None:
    return session.get(WalletService, service_id)


def service_by_api_key_hash(session: Session, key_hash: str) -> WalletService | None:
    return session.exec(select(WalletService).where(WalletService.api_key_hash == key_hash)).first()


def add_service(session: Session, service: WalletService) -> None:
    session.add(service)


# --- credentials and offer redemptions ------------------------------------------------------


def credentials_of(session: Session, holder_id: str) -> Sequence[WalletCredential]:
    return session.exec(
        select(WalletCredential)
        .where(WalletCredential.holder_id == holder_id)
        .order_by(col(WalletCredential.received_at).desc(), col(WalletCredential.id))
    ).all()


def credential_of(session: Session, holder_id: str, credential_id: str) -> WalletCredential | None:
    return session.exec(
        select(WalletCredential).where(
            WalletCredential.id == credential_id, WalletCredential.holder_id == holder_id
        )
    ).first()


def add_credential(session: Session, row: WalletCredential) -> None:
    session.add(row)


def delete_credential(session: Session, row: WalletCredential) -> None:
    session.delete(row)


def offer_redemption(session: Session, offer_hash: str) -> WalletOfferRedemption | None:
    return session.get(WalletOfferRedemption, offer_hash)


def add_offer_redemption(session: Session, row: WalletOfferRedemption) -> None:
    session.add(row)


def take_over_offer_redemption(
    session: Session, offer_hash: str, holder_id: str, *, pending: str, stale_before: int, now: int
) -> bool:
    """Move a claim left pending since ``stale_before`` to this holder (one caller wins)."""
    result = session.execute(
        update(WalletOfferRedemption)
        .where(
            col(WalletOfferRedemption.offer_hash) == offer_hash,
            col(WalletOfferRedemption.state) == pending,
            col(WalletOfferRedemption.created_at) <= stale_before,
        )
        .values(holder_id=holder_id, created_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def delete_offer_redemption(session: Session, offer_hash: str, *, state: str) -> None:
    session.execute(
        delete(WalletOfferRedemption).where(
            col(WalletOfferRedemption.offer_hash) == offer_hash,
            col(WalletOfferRedemption.state) == state,
        )
    )


# --- collections (authorization code flow) ---------------------------------------------------


def add_collection(session: Session, row: WalletCollection) -> None:
    session.add(row)


def collection_by_state(
    session: Session, holder_id: str, state_hash: str, *, state: str, now: int
) -> WalletCollection | None:
    return session.exec(
        select(WalletCollection).where(
            WalletCollection.holder_id == holder_id,
            WalletCollection.state_hash == state_hash,
            WalletCollection.state == state,
            WalletCollection.expires_at > now,
        )
    ).first()


def collections(
    session: Session, holder_id: str, *, state: str, now: int
) -> Sequence[WalletCollection]:
    return session.exec(
        select(WalletCollection)
        .where(
            WalletCollection.holder_id == holder_id,
            WalletCollection.state == state,
            WalletCollection.expires_at > now,
        )
        .order_by(col(WalletCollection.created_at))
    ).all()


def claim_collection(session: Session, collection_id: str, *, state: str, to: str) -> bool:
    """Move a collection from ``state`` to ``to`` (one caller wins)."""
    result = session.execute(
        update(WalletCollection)
        .where(col(WalletCollection.id) == collection_id, col(WalletCollection.state) == state)
        .values(state=to)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


# --- presentation requests and grant requests -----------------------------------------------


def presentation_request_of(
    session: Session, holder_id: str, request_id: str
) -> WalletPresentationRequest | None:
    return session.exec(
        select(WalletPresentationRequest).where(
            WalletPresentationRequest.id == request_id,
            WalletPresentationRequest.holder_id == holder_id,
        )
    ).first()


def add_presentation_request(session: Session, row: WalletPresentationRequest) -> None:
    session.add(row)


def move_presentation_request(session: Session, request_id: str, *, old: str, new: str) -> bool:
    """A conditional update: true for the one caller that found the request in ``old``."""
    moved = session.execute(
        update(WalletPresentationRequest)
        .where(
            col(WalletPresentationRequest.id) == request_id,
            col(WalletPresentationRequest.state) == old,
        )
        .values(state=new)
    )
    return moved.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def grant_requests_of(
    session: Session, holder_id: str, *, state: str, live_at: int
) -> Sequence[WalletGrantRequest]:
    return session.exec(
        select(WalletGrantRequest)
        .where(
            WalletGrantRequest.holder_id == holder_id,
            WalletGrantRequest.state == state,
            WalletGrantRequest.expires_at > live_at,
        )
        .order_by(col(WalletGrantRequest.created_at).desc())
    ).all()


def grant_request_of_holder(
    session: Session, holder_id: str, request_id: str
) -> WalletGrantRequest | None:
    return session.exec(
        select(WalletGrantRequest).where(
            WalletGrantRequest.id == request_id, WalletGrantRequest.holder_id == holder_id
        )
    ).first()


def grant_request_of_service(
    session: Session, service_id: str, request_id: str
) -> WalletGrantRequest | None:
    return session.exec(
        select(WalletGrantRequest).where(
            WalletGrantRequest.id == request_id, WalletGrantRequest.service_id == service_id
        )
    ).first()


def add_grant_request(session: Session, row: WalletGrantRequest) -> None:
    session.add(row)


# --- consents, their events, the receipt-signing key ----------------------------------------


def consents_of(session: Session, holder_id: str) -> Sequence[WalletConsent]:
    return session.exec(
        select(WalletConsent)
        .where(WalletConsent.holder_id == holder_id)
        .order_by(col(WalletConsent.created_at).desc(), col(WalletConsent.id))
    ).all()


def consent_of(session: Session, holder_id: str, consent_id: str) -> WalletConsent | None:
    return session.exec(
        select(WalletConsent).where(
            WalletConsent.id == consent_id, WalletConsent.holder_id == holder_id
        )
    ).first()


def consent_by_id(session: Session, consent_id: str) -> WalletConsent | None:
    return session.get(WalletConsent, consent_id)


def consent_for_grant(session: Session, grant_request_id: str) -> WalletConsent | None:
    return session.exec(
        select(WalletConsent).where(WalletConsent.grant_request_id == grant_request_id)
    ).first()


def add_consent(session: Session, consent: WalletConsent) -> None:
    """Insert now (flush), so that its events can refer to it in the same transaction."""
    session.add(consent)
    session.flush()


def consent_events(session: Session, consent_id: str) -> Sequence[WalletConsentEvent]:
    return session.exec(
        select(WalletConsentEvent)
        .where(WalletConsentEvent.consent_id == consent_id)
        .order_by(col(WalletConsentEvent.at), col(WalletConsentEvent.id))
    ).all()


def add_consent_event(session: Session, event: WalletConsentEvent) -> None:
    session.add(event)


def active_signing_key(session: Session) -> WalletSigningKey | None:
    return session.exec(
        select(WalletSigningKey)
        .where(col(WalletSigningKey.retired_at).is_(None))
        .order_by(col(WalletSigningKey.created_at).desc())
    ).first()


def signing_keys(session: Session) -> Sequence[WalletSigningKey]:
    return session.exec(
        select(WalletSigningKey).order_by(col(WalletSigningKey.created_at).desc())
    ).all()


def add_signing_key(session: Session, row: WalletSigningKey) -> None:
    session.add(row)


# --- the transparency log -------------------------------------------------------------------


def last_log_entry(session: Session, holder_id: str) -> WalletLogEntry | None:
    return session.exec(
        select(WalletLogEntry)
        .where(WalletLogEntry.holder_id == holder_id)
        .order_by(col(WalletLogEntry.seq).desc())
        .limit(1)
    ).first()


def log_entries(
    session: Session, holder_id: str, *, limit: int, before: int | None
) -> Sequence[WalletLogEntry]:
    """Newest first; ``before`` pages back from a ``seq``."""
    query = select(WalletLogEntry).where(WalletLogEntry.holder_id == holder_id)
    if before is not None:
        query = query.where(WalletLogEntry.seq < before)
    return session.exec(query.order_by(col(WalletLogEntry.seq).desc()).limit(limit)).all()


def log_chain(session: Session, holder_id: str) -> Sequence[WalletLogEntry]:
    """The holder's whole log, oldest first."""
    return session.exec(
        select(WalletLogEntry)
        .where(WalletLogEntry.holder_id == holder_id)
        .order_by(col(WalletLogEntry.seq))
    ).all()


def add_log_entry(session: Session, row: WalletLogEntry) -> None:
    session.add(row)

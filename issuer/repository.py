"""SQL for the issuer role, and nothing else (no policy, no HTTP)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from issuer.models import (
    IssuerAccessToken,
    IssuerCredential,
    IssuerDpopJti,
    IssuerEidConnection,
    IssuerNonce,
    IssuerOffer,
    IssuerSigningKey,
    IssuerStatusEvent,
    IssuerStatusList,
    IssuerTenant,
    OfferState,
)


def commit_unless_duplicate(session: Session) -> bool:
    """Commit; ``False`` (and rolled back) when a unique key refused the transaction."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


# --- tenants and keys ------------------------------------------------------------------------


def insert_tenant(session: Session, tenant: IssuerTenant) -> None:
    session.add(tenant)
    session.flush()


def set_api_key_hash(session: Session, tenant: IssuerTenant, key_hash: str) -> None:
    tenant.api_key_hash = key_hash
    session.add(tenant)


def tenant_by_slug(session: Session, slug: str) -> IssuerTenant | None:
    return session.exec(select(IssuerTenant).where(IssuerTenant.slug == slug)).first()


def all_tenants(session: Session) -> list[IssuerTenant]:
    return list(session.exec(select(IssuerTenant).order_by(col(IssuerTenant.name))))


def tenant_by_api_key_hash(session: Session, key_hash: str) -> IssuerTenant | None:
    return session.exec(select(IssuerTenant).where(IssuerTenant.api_key_hash == key_hash)).first()


def active_key(session: Session, issuer_id: str) -> IssuerSigningKey | None:
    return session.exec(
        select(IssuerSigningKey)
        .where(IssuerSigningKey.issuer_id == issuer_id, col(IssuerSigningKey.retired_at).is_(None))
        .order_by(col(IssuerSigningKey.created_at).desc(), col(IssuerSigningKey.id).desc())
    ).first()


def insert_key(session: Session, key: IssuerSigningKey) -> None:
    session.add(key)


def all_keys(session: Session, issuer_id: str) -> Sequence[IssuerSigningKey]:
    return session.exec(
        select(IssuerSigningKey)
        .where(IssuerSigningKey.issuer_id == issuer_id)
        .order_by(col(IssuerSigningKey.created_at).desc(), col(IssuerSigningKey.id).desc())
    ).all()


def set_key_x5c(session: Session, issuer_id: str, kid: str, x5c: list[str]) -> None:
    session.execute(
        update(IssuerSigningKey)
        .where(col(IssuerSigningKey.issuer_id) == issuer_id, col(IssuerSigningKey.kid) == kid)
        .values(x5c=x5c)
    )


def retire_keys(session: Session, issuer_id: str, now: int) -> None:
    session.execute(
        update(IssuerSigningKey)
        .where(
            col(IssuerSigningKey.issuer_id) == issuer_id,
            col(IssuerSigningKey.retired_at).is_(None),
        )
        .values(retired_at=now)
    )


# --- offers, tokens, nonces ------------------------------------------------------------------


def insert_offer(session: Session, offer: IssuerOffer) -> None:
    session.add(offer)


def offer_by_id(session: Session, issuer_id: str, offer_id: str) -> IssuerOffer | None:
    return session.exec(
        select(IssuerOffer).where(IssuerOffer.id == offer_id, IssuerOffer.issuer_id == issuer_id)
    ).first()


def offer_by_idempotency_key(session: Session, issuer_id: str, key: str) -> IssuerOffer | None:
    return session.exec(
        select(IssuerOffer).where(
            IssuerOffer.issuer_id == issuer_id, IssuerOffer.idempotency_key == key
        )
    ).first()


def offer_by_code_hash(session: Session, issuer_id: str, code_hash: str) -> IssuerOffer | None:
    return session.exec(
        select(IssuerOffer).where(
            IssuerOffer.code_hash == code_hash, IssuerOffer.issuer_id == issuer_id
        )
    ).first()


def mark_offer_redeemed(session: Session, offer_id: str, now: int) -> bool:
    """Single use by construction: only one transaction can move ``offered`` on."""
    result = session.connection().execute(  # Core: no ORM bookkeeping on a hot path
        update(IssuerOffer)
        .where(col(IssuerOffer.id) == offer_id, col(IssuerOffer.state) == OfferState.OFFERED)
        .values(state=OfferState.REDEEMED, redeemed_at=now)
    )
    return result.rowcount == 1


def count_tx_code_failure(session: Session, offer_id: str, limit: int) -> int:
    """Add one failure; kill the offer when it reaches ``limit``. Returns the new count."""
    session.execute(
        update(IssuerOffer)
        .where(col(IssuerOffer.id) == offer_id)
        .values(tx_code_failures=IssuerOffer.tx_code_failures + 1)
    )
    session.execute(
        update(IssuerOffer)
        .where(
            col(IssuerOffer.id) == offer_id,
            col(IssuerOffer.tx_code_failures) >= limit,
            col(IssuerOffer.state) == OfferState.OFFERED,
        )
        .values(state=OfferState.DEAD, sealed_claims=None)
    )
    failures = session.exec(
        select(IssuerOffer.tx_code_failures).where(IssuerOffer.id == offer_id)
    ).one()
    return int(failures)


def finish_offer(session: Session, offer_id: str) -> bool:
    """After issuance the learner's claims are no longer needed: erase them. ``False`` when
    the offer is no longer ``redeemed`` (nothing changed)."""
    result = session.connection().execute(  # Core: no ORM bookkeeping on a hot path
        update(IssuerOffer)
        .where(col(IssuerOffer.id) == offer_id, col(IssuerOffer.state) == OfferState.REDEEMED)
        .values(state=OfferState.ISSUED, sealed_claims=None)
    )
    return result.rowcount == 1


def insert_access_token(session: Session, token: IssuerAccessToken) -> None:
    session.connection().execute(insert(IssuerAccessToken).values(**token.model_dump()))


def access_token(session: Session, token_hash: str) -> IssuerAccessToken | None:
    return session.get(IssuerAccessToken, token_hash)


def use_access_token(session: Session, token_hash: str, now: int) -> bool:
    result = session.connection().execute(  # Core: no ORM bookkeeping on a hot path
        update(IssuerAccessToken)
        .where(
            col(IssuerAccessToken.token_hash) == token_hash,
            col(IssuerAccessToken.used_at).is_(None),
            col(IssuerAccessToken.expires_at) > now,
        )
        .values(used_at=now)
    )
    return result.rowcount == 1


def spend_nonce(session: Session, issuer_id: str, nonce_hash: str, expires_at: int) -> bool:
    """Record a ``c_nonce`` as spent (``issuer.nonces``); ``False`` when it was spent before.
    A savepoint keeps the rest of the transaction when the primary key refuses it."""
    try:
        with session.begin_nested():
            session.connection().execute(
                insert(IssuerNonce).values(
                    nonce_hash=nonce_hash, issuer_id=issuer_id, expires_at=expires_at
                )
            )
    except IntegrityError:
        return False
    return True


def remember_dpop_jti(session: Session, jti_hash: str, expires_at: int) -> bool:
    """Record a DPoP proof's ``jti``; ``False`` when it was seen before (a replay). A
    savepoint keeps the rest of the transaction when the primary key refuses it."""
    try:
        with session.begin_nested():
            session.add(IssuerDpopJti(jti_hash=jti_hash, expires_at=expires_at))
    except IntegrityError:
        return False
    return True


def purge_expired(session: Session, now: int) -> None:
    session.execute(delete(IssuerNonce).where(col(IssuerNonce.expires_at) <= now))
    session.execute(delete(IssuerDpopJti).where(col(IssuerDpopJti.expires_at) <= now))


# --- status lists and credentials ------------------------------------------------------------


def insert_status_list(session: Session, row: IssuerStatusList) -> None:
    session.add(row)
    session.flush()


def open_status_lists(session: Session, issuer_id: str, bits: int) -> Sequence[IssuerStatusList]:
    return session.exec(
        select(IssuerStatusList)
        .where(
            IssuerStatusList.issuer_id == issuer_id,
            IssuerStatusList.bits == bits,
            col(IssuerStatusList.allocated) < col(IssuerStatusList.size),
        )
        .order_by(col(IssuerStatusList.created_at))
    ).all()


def reserve_indices(session: Session, list_id: str, count: int) -> int | None:
    """Atomically take ``count`` positions of the list's permutation; the new ``allocated``."""
    lists = IssuerStatusList.__table__  # type: ignore[attr-defined]
    # Core, not an ORM bulk update: the ORM would evaluate the WHERE clause against every
    # loaded object to keep the session in sync, and no loaded list is read afterwards.
    result = session.connection().execute(
        update(lists)
        .where(lists.c.id == list_id, lists.c.allocated + count <= lists.c.size)
        .values(allocated=lists.c.allocated + count)
        .returning(lists.c.allocated)
    )
    row = result.first()
    return None if row is None else int(row[0])


def status_list(session: Session, issuer_id: str, list_id: str) -> IssuerStatusList | None:
    return session.exec(
        select(IssuerStatusList).where(
            IssuerStatusList.id == list_id, IssuerStatusList.issuer_id == issuer_id
        )
    ).first()


def non_valid_entries(session: Session, list_id: str) -> dict[int, int]:
    rows = session.exec(
        select(IssuerCredential.status_idx, IssuerCredential.status).where(
            IssuerCredential.status_list_id == list_id, IssuerCredential.status != 0
        )
    ).all()
    return {int(idx): int(status) for idx, status in rows}


def insert_credentials(session: Session, rows: list[dict[str, object]]) -> None:
    # Core executemany, not the ORM unit of work: this is the issuance hot path.
    session.connection().execute(insert(IssuerCredential.__table__), rows)  # type: ignore[attr-defined]


def credentials_page(
    session: Session, issuer_id: str, *, limit: int, after: str | None
) -> Sequence[IssuerCredential]:
    query = select(IssuerCredential).where(IssuerCredential.issuer_id == issuer_id)
    if after is not None:
        query = query.where(IssuerCredential.id > after)
    return session.exec(query.order_by(col(IssuerCredential.id)).limit(limit)).all()


def count_credentials(session: Session, issuer_id: str) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(IssuerCredential)
            .where(IssuerCredential.issuer_id == issuer_id)
        ).one()
    )


def credential(session: Session, issuer_id: str, credential_id: str) -> IssuerCredential | None:
    return session.exec(
        select(IssuerCredential).where(
            IssuerCredential.id == credential_id, IssuerCredential.issuer_id == issuer_id
        )
    ).first()


def set_status(
    session: Session,
    issuer_id: str,
    credential_id: str,
    status: int,
    now: int,
    *,
    unless: int | None = None,
) -> bool:
    """Set the status in one conditional ``UPDATE``; not when it is ``unless`` (checked by
    the database at write time, so a concurrent change cannot slip in between)."""
    query = update(IssuerCredential).where(
        col(IssuerCredential.id) == credential_id,
        col(IssuerCredential.issuer_id) == issuer_id,
    )
    if unless is not None:
        query = query.where(col(IssuerCredential.status) != unless)
    result = session.execute(query.values(status=status, status_changed_at=now))
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class CredentialQuery:
    """What staff look for among issued credentials; ``None`` matches anything. The dates are
    ``issued_at`` bounds in seconds, ``issued_before`` exclusive."""

    row_id: str | None = None
    issued_from: int | None = None
    issued_before: int | None = None
    status: int | None = None


def find_credentials(
    session: Session, issuer_id: str, query: CredentialQuery, *, limit: int, offset: int
) -> tuple[Sequence[tuple[IssuerCredential, str | None]], int]:
    """A page of matching credentials, newest first, each with its offer's idempotency key
    (the batch file's ``row_id``), and how many match in all."""
    found = (
        select(IssuerCredential, IssuerOffer.idempotency_key)
        .join(IssuerOffer, col(IssuerCredential.offer_id) == col(IssuerOffer.id), isouter=True)
        .where(IssuerCredential.issuer_id == issuer_id)
    )
    if query.row_id is not None:
        found = found.where(IssuerOffer.idempotency_key == query.row_id)
    if query.issued_from is not None:
        found = found.where(col(IssuerCredential.issued_at) >= query.issued_from)
    if query.issued_before is not None:
        found = found.where(col(IssuerCredential.issued_at) < query.issued_before)
    if query.status is not None:
        found = found.where(IssuerCredential.status == query.status)
    total = session.exec(select(func.count()).select_from(found.subquery())).one()
    rows = session.exec(
        found.order_by(col(IssuerCredential.issued_at).desc(), col(IssuerCredential.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return [(credential, key) for credential, key in rows], int(total)


def offer_key(session: Session, issuer_id: str, offer_id: str | None) -> str | None:
    if offer_id is None:
        return None
    return session.exec(
        select(IssuerOffer.idempotency_key).where(
            IssuerOffer.id == offer_id, IssuerOffer.issuer_id == issuer_id
        )
    ).first()


def add_status_event(session: Session, event: IssuerStatusEvent) -> None:
    session.add(event)


def status_events(
    session: Session, issuer_id: str, credential_id: str
) -> Sequence[IssuerStatusEvent]:
    return session.exec(
        select(IssuerStatusEvent)
        .where(
            IssuerStatusEvent.issuer_id == issuer_id,
            IssuerStatusEvent.credential_id == credential_id,
        )
        .order_by(col(IssuerStatusEvent.at), col(IssuerStatusEvent.id))
    ).all()


# --- eID connection --------------------------------------------------------------------------


def eid_connection(session: Session, issuer_id: str) -> IssuerEidConnection | None:
    return session.get(IssuerEidConnection, issuer_id)


def save_eid_connection(session: Session, connection: IssuerEidConnection) -> None:
    session.add(connection)

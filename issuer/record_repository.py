"""SQL of credential records, deferred issuances and notifications (``issuer.records``,
``issuer.notifications``), and nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from issuer.models import (
    IssuerDeferral,
    IssuerIssuance,
    IssuerNotification,
    IssuerRecord,
    RecordState,
)

# --- records ---------------------------------------------------------------------------------


def insert_record(session: Session, record: IssuerRecord) -> None:
    session.add(record)


def record(session: Session, issuer_id: str, record_id: str) -> IssuerRecord | None:
    return session.exec(
        select(IssuerRecord).where(
            IssuerRecord.id == record_id, IssuerRecord.issuer_id == issuer_id
        )
    ).first()


def record_by_idempotency_key(session: Session, issuer_id: str, key: str) -> IssuerRecord | None:
    return session.exec(
        select(IssuerRecord).where(
            IssuerRecord.issuer_id == issuer_id, IssuerRecord.idempotency_key == key
        )
    ).first()


def records_by_person(session: Session, issuer_id: str, person_hash: str) -> Sequence[IssuerRecord]:
    return session.exec(
        select(IssuerRecord)
        .where(IssuerRecord.issuer_id == issuer_id, IssuerRecord.person_hash == person_hash)
        .order_by(col(IssuerRecord.created_at), col(IssuerRecord.id))
    ).all()


def update_pending_record(
    session: Session,
    issuer_id: str,
    record_id: str,
    *,
    sealed_claims: bytes,
    state: RecordState,
    completed_at: int | None,
) -> bool:
    """Change a record's claims while it is still ``pending`` (checked by the database at
    write time, so a record cannot be changed after a concurrent completion)."""
    result = session.execute(
        update(IssuerRecord)
        .where(
            col(IssuerRecord.id) == record_id,
            col(IssuerRecord.issuer_id) == issuer_id,
            col(IssuerRecord.state) == RecordState.PENDING,
        )
        .values(sealed_claims=sealed_claims, state=state, completed_at=completed_at)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class RecordQuery:
    """What staff look for among records; ``None`` matches anything."""

    state: RecordState | None = None
    row_id: str | None = None


def find_records(
    session: Session, issuer_id: str, query: RecordQuery, *, limit: int, offset: int
) -> tuple[Sequence[IssuerRecord], int]:
    found = select(IssuerRecord).where(IssuerRecord.issuer_id == issuer_id)
    if query.state is not None:
        found = found.where(IssuerRecord.state == query.state)
    if query.row_id is not None:
        found = found.where(IssuerRecord.idempotency_key == query.row_id)
    total = session.exec(select(func.count()).select_from(found.subquery())).one()
    rows = session.exec(
        found.order_by(col(IssuerRecord.created_at).desc(), col(IssuerRecord.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return rows, int(total)


# --- issuances and notifications -------------------------------------------------------------


def insert_issuance(session: Session, issuance: IssuerIssuance) -> None:
    session.add(issuance)
    session.flush()  # before the credentials that name it


def issuance_by_notification_hash(
    session: Session, issuer_id: str, notification_hash: str
) -> IssuerIssuance | None:
    return session.exec(
        select(IssuerIssuance).where(
            IssuerIssuance.notification_hash == notification_hash,
            IssuerIssuance.issuer_id == issuer_id,
        )
    ).first()


def issuances(
    session: Session, issuer_id: str, *, record_ids: Sequence[str] = (), ids: Sequence[str] = ()
) -> Sequence[IssuerIssuance]:
    """The issuances of these records, or with these ids, oldest first."""
    if not record_ids and not ids:
        return []
    query = select(IssuerIssuance).where(IssuerIssuance.issuer_id == issuer_id)
    if record_ids:
        query = query.where(col(IssuerIssuance.record_id).in_(record_ids))
    if ids:
        query = query.where(col(IssuerIssuance.id).in_(ids))
    return session.exec(query.order_by(col(IssuerIssuance.issued_at), col(IssuerIssuance.id))).all()


def add_notification(session: Session, notification: IssuerNotification) -> None:
    session.add(notification)


def last_notification(session: Session, issuance_id: str) -> IssuerNotification | None:
    return session.exec(
        select(IssuerNotification)
        .where(IssuerNotification.issuance_id == issuance_id)
        .order_by(col(IssuerNotification.at).desc(), col(IssuerNotification.id).desc())
    ).first()


def notifications(
    session: Session, issuer_id: str, issuance_ids: Sequence[str]
) -> Sequence[IssuerNotification]:
    if not issuance_ids:
        return []
    return session.exec(
        select(IssuerNotification)
        .where(
            IssuerNotification.issuer_id == issuer_id,
            col(IssuerNotification.issuance_id).in_(issuance_ids),
        )
        .order_by(col(IssuerNotification.at), col(IssuerNotification.id))
    ).all()


# --- deferred issuance -----------------------------------------------------------------------


def insert_deferral(session: Session, deferral: IssuerDeferral) -> None:
    session.add(deferral)


def deferral(session: Session, issuer_id: str, transaction_hash: str) -> IssuerDeferral | None:
    return session.exec(
        select(IssuerDeferral).where(
            IssuerDeferral.transaction_hash == transaction_hash,
            IssuerDeferral.issuer_id == issuer_id,
        )
    ).first()


def use_deferral(session: Session, transaction_hash: str, now: int) -> bool:
    """Single use by construction (§9.1: invalidated once the credentials are obtained)."""
    result = session.execute(
        update(IssuerDeferral)
        .where(
            col(IssuerDeferral.transaction_hash) == transaction_hash,
            col(IssuerDeferral.used_at).is_(None),
            col(IssuerDeferral.expires_at) > now,
        )
        .values(used_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

"""SQL of the batches staff upload (``issuer.batches``), and nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col, select

from issuer.models import BatchState, IssuerBatch, IssuerBatchRow


def insert_batch(session: Session, batch: IssuerBatch) -> None:
    session.add(batch)


def batch(session: Session, issuer_id: str, batch_id: str) -> IssuerBatch | None:
    return session.exec(
        select(IssuerBatch).where(IssuerBatch.id == batch_id, IssuerBatch.issuer_id == issuer_id)
    ).first()


def recent_batches(session: Session, issuer_id: str, limit: int) -> Sequence[IssuerBatch]:
    return session.exec(
        select(IssuerBatch)
        .where(IssuerBatch.issuer_id == issuer_id)
        .order_by(col(IssuerBatch.created_at).desc(), col(IssuerBatch.id))
        .limit(limit)
    ).all()


def add_row(session: Session, row: IssuerBatchRow, *, failed: bool, now: int) -> None:
    """The row, and the batch's progress counted in the same transaction."""
    session.add(row)
    session.execute(
        update(IssuerBatch)
        .where(col(IssuerBatch.id) == row.batch_id)
        .values(
            done=col(IssuerBatch.done) + 1,
            failed=col(IssuerBatch.failed) + int(failed),
            updated_at=now,
        )
    )


def finish(session: Session, batch_id: str, now: int) -> None:
    session.execute(
        update(IssuerBatch)
        .where(col(IssuerBatch.id) == batch_id)
        .values(state=BatchState.DONE, finished_at=now, updated_at=now)
    )


def rows(session: Session, batch_id: str) -> Sequence[IssuerBatchRow]:
    return session.exec(
        select(IssuerBatchRow)
        .where(IssuerBatchRow.batch_id == batch_id)
        .order_by(col(IssuerBatchRow.line))
    ).all()


def earlier_sealed_tx_code(session: Session, issuer_id: str, offer_id: str) -> bytes | None:
    """The one-time code an earlier batch of this issuer kept for the offer, if any (a
    replayed offer cannot show its code again otherwise)."""
    return session.exec(
        select(IssuerBatchRow.sealed_tx_code)
        .join(IssuerBatch, col(IssuerBatch.id) == col(IssuerBatchRow.batch_id))
        .where(
            IssuerBatch.issuer_id == issuer_id,
            IssuerBatchRow.offer_id == offer_id,
            col(IssuerBatchRow.sealed_tx_code).is_not(None),
        )
        .limit(1)
    ).first()

"""Batches of offers made from an uploaded CSV file of learners (the issuer's batch page).

The file is read as ``intyg issuer batch`` reads it (``issuer.batchfile``), and each row is
its own transaction with the same idempotency key, so an upload of the same file again makes
no second offer for a row that already has one.

Where a batch's progress and results live: in the database (``issuer_batch`` and
``issuer_batch_row``), not in the runtime's memory. The progress page is polled by the
browser, and with several worker processes or instances a poll may reach another process
than the one running the batch; the results (offer links, one-time codes) must outlive the
request and a restart until staff have downloaded them; and every query is scoped to the
issuer, so only that issuer's staff see them. The one-time codes are sealed under the master
key, like every secret the issuer keeps to show again.

The work runs in a background thread of the process that took the upload. Each row's outcome
is committed before the next offer is made, so the page sees progress as it happens. If the
process dies, the batch stops moving: after ``STALLED_AFTER`` seconds it is shown as stalled,
and uploading the same file again completes it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from sqlmodel import Session

from core.db import session_scope
from core.errors import IntygError, NotFound
from core.runtime import Runtime
from issuer import batch_repository as repository
from issuer import service
from issuer.batchfile import BatchRow, RowError, read_batch
from issuer.models import BatchState, IssuerBatch, IssuerBatchRow, IssuerTenant
from issuer.records import CreatedRecord, create_records

log = logging.getLogger("intyg.issuer.batches")

STALLED_AFTER: Final = 300  # seconds without a new row
OFFERS: Final = "offers"
RECORDS: Final = "records"  # a batch of credential records (``issuer.records``)
FILE_NAME_MAX: Final = 200
ERROR_DETAIL_MAX: Final = 2000

Work = Callable[[], None]
Runner = Callable[[Work], None]


class BatchNotFound(NotFound):
    code = "batch_not_found"
    title = "No such batch"


def in_thread(work: Work) -> None:
    threading.Thread(target=work, name="intyg-issuer-batch", daemon=True).start()


def start_batch(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    *,
    file_name: str,
    data: bytes,
    actor: str,
    records: bool = False,
    run: Runner = in_thread,
) -> str:
    """Check the file, record the batch and start making its offers (``records``: credential
    records instead, ``issuer.records``); the batch's id.

    Raises ``issuer.batchfile.FileRejected`` for a file that cannot be used at all (nothing
    is recorded then); a bad row is reported in its place when the batch runs.
    """
    file_name = _shown_name(file_name)
    rows = read_batch(data, file_name).rows(file_name, records=records)
    now = rt.clock.now()
    batch = IssuerBatch(
        id=str(uuid.uuid4()),
        issuer_id=tenant.id,
        file_name=file_name,
        actor=actor,
        kind=RECORDS if records else OFFERS,
        total=len(rows),
        created_at=now,
        updated_at=now,
    )
    repository.insert_batch(session, batch)
    session.commit()
    run(lambda: _make_offers(rt, tenant, batch.id, rows, records=records))
    return batch.id


def _shown_name(file_name: str) -> str:
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(c for c in name if c.isprintable())[:FILE_NAME_MAX]
    return name or "batch.csv"


def _make_offers(
    rt: Runtime,
    tenant: IssuerTenant,
    batch_id: str,
    rows: Sequence[tuple[int, BatchRow | RowError]],
    *,
    records: bool,
) -> None:
    try:
        with session_scope(rt.engine) as session:
            made_offers: Iterator[service.CreatedOffer | CreatedRecord | IntygError]
            valid = [row for _, row in rows if isinstance(row, BatchRow)]
            if records:
                wanted = [row.record_request() for row in valid]
                made_offers = create_records(session, rt, tenant, wanted, at_most=None)
            else:
                requests = [row.request() for row in valid]
                made_offers = service.create_offers(session, rt, tenant, requests, at_most=None)
            for line, row in rows:
                made = row if isinstance(row, RowError) else next(made_offers)
                _record(session, rt, tenant, batch_id, line, row, made)
            repository.finish(session, batch_id, rt.clock.now())
            session.commit()
    except Exception as exc:  # the thread has no caller: note it, the page shows "stalled"
        # Only the kind: a database error's text quotes the row's values.
        log.error("batch %s stopped: %s", batch_id, type(exc).__name__)


def _record(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    batch_id: str,
    line: int,
    row: BatchRow | RowError,
    made: service.CreatedOffer | CreatedRecord | IntygError | RowError,
) -> None:
    record = IssuerBatchRow(
        batch_id=batch_id,
        line=line,
        row_id=row.idempotency_key if isinstance(row, BatchRow) else None,
    )
    if isinstance(row, BatchRow):
        record.sealed_learner = rt.master_key.seal(_learner(row).encode(), _learner_aad(record))
    if isinstance(made, RowError | IntygError):
        record.error_code = made.code
        record.error_detail = (made.detail or "")[:ERROR_DETAIL_MAX]
    elif isinstance(made, CreatedRecord):
        record.record_id = made.record_id
        record.replayed = made.outcome != "created"
    else:
        record.offer_id = made.offer_id
        record.replayed = not made.created
        if made.tx_code is not None:
            record.sealed_tx_code = rt.master_key.seal(made.tx_code.encode(), _aad(made.offer_id))
        else:
            record.sealed_tx_code = repository.earlier_sealed_tx_code(
                session, tenant.id, made.offer_id
            )
    repository.add_row(session, record, failed=record.error_code is not None, now=rt.clock.now())
    session.commit()


def _aad(offer_id: str) -> str:
    return f"issuer-batch-tx-code:{offer_id}"


def _learner_aad(row: IssuerBatchRow) -> str:
    return f"issuer-batch-learner:{row.batch_id}:{row.line}"


def _learner(row: BatchRow) -> str:
    names = (row.claims.get("given_name"), row.claims.get("family_name"))
    return " ".join(name for name in names if isinstance(name, str))[:500]


# --- what staff see --------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchLine:
    line: int
    row_id: str | None
    learner: str | None  # given and family name, for the printed sheet
    offer_id: str | None
    record_id: str | None
    credential_offer: str | None
    credential_offer_uri: str | None
    tx_code: str | None
    replayed: bool
    error_code: str | None
    error_detail: str | None


@dataclass(frozen=True)
class BatchView:
    batch: IssuerBatch
    stalled: bool
    lines: list[BatchLine]

    @property
    def finished(self) -> bool:
        return self.batch.state == BatchState.DONE

    @property
    def offers(self) -> list[BatchLine]:
        return [line for line in self.lines if line.offer_id is not None]

    @property
    def records(self) -> list[BatchLine]:
        return [line for line in self.lines if line.record_id is not None]

    @property
    def errors(self) -> list[BatchLine]:
        return [line for line in self.lines if line.error_code is not None]


def batch_view(
    session: Session, rt: Runtime, tenant: IssuerTenant, batch_id: str, *, lines: bool = True
) -> BatchView:
    """One of this issuer's batches: how far it has come and (``lines``) each row's outcome,
    with the offer links and the one-time codes."""
    batch = repository.batch(session, tenant.id, service.canonical_id(batch_id, BatchNotFound))
    if batch is None:
        raise BatchNotFound(f"no batch {batch_id}")
    stalled = (
        batch.state == BatchState.RUNNING and rt.clock.now() - batch.updated_at > STALLED_AFTER
    )
    shown = [_line(rt, tenant, row) for row in repository.rows(session, batch.id)] if lines else []
    return BatchView(batch, stalled, shown)


def _line(rt: Runtime, tenant: IssuerTenant, row: IssuerBatchRow) -> BatchLine:
    link = uri = tx_code = learner = None
    if row.sealed_learner is not None:
        learner = rt.master_key.open(row.sealed_learner, _learner_aad(row)).decode()
    if row.offer_id is not None:
        link, uri = service.offer_links(rt, tenant, row.offer_id)
    if row.sealed_tx_code is not None and row.offer_id is not None:
        tx_code = rt.master_key.open(row.sealed_tx_code, _aad(row.offer_id)).decode()
    return BatchLine(
        line=row.line,
        row_id=row.row_id,
        learner=learner,
        offer_id=row.offer_id,
        record_id=row.record_id,
        credential_offer=link,
        credential_offer_uri=uri,
        tx_code=tx_code,
        replayed=row.replayed,
        error_code=row.error_code,
        error_detail=row.error_detail,
    )


def recent_batches(session: Session, tenant: IssuerTenant, limit: int = 20) -> list[IssuerBatch]:
    return list(repository.recent_batches(session, tenant.id, limit))

"""Admin API of credential records: create them in batch, list them, complete them
(``issuer.records``). The learner collects them after signing in; no personal data or claims
are ever answered here."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from core.deps import RuntimeDep, SessionDep
from core.errors import IntygError
from core.web import BoundedJsonRoute
from issuer import records
from issuer.deps import TenantDep
from issuer.models import RecordState
from schemas import issuer_api as wire

router = APIRouter(route_class=BoundedJsonRoute)


@router.post(
    "/issuers/{slug}/admin/records/batch",
    response_model=wire.RecordBatchResult,
    response_model_exclude_none=True,
    tags=["issuer admin"],
    summary="Create credential records bound to personal identity numbers (no offers); each "
    "item succeeds or fails on its own",
)
def create_records_batch(
    body: list[wire.CreateRecord], tenant: TenantDep, session: SessionDep, rt: RuntimeDep
) -> wire.RecordBatchResult:
    results: list[wire.RecordBatchItemResult] = []
    for index, outcome in enumerate(records.create_records(session, rt, tenant, body)):
        if isinstance(outcome, IntygError):
            error = wire.BatchItemError(code=outcome.code, detail=outcome.detail)
            results.append(wire.RecordBatchItemResult(index=index, error=error))
        else:
            made = wire.CreatedRecord(
                record_id=outcome.record_id, state=outcome.state.value, outcome=outcome.outcome
            )
            results.append(wire.RecordBatchItemResult(index=index, record=made))
    made_records = [r.record for r in results if r.record is not None]
    return wire.RecordBatchResult(
        created=sum(1 for r in made_records if r.outcome == "created"),
        replayed=sum(1 for r in made_records if r.outcome == "replayed"),
        completed=sum(1 for r in made_records if r.outcome == "completed"),
        pending=sum(1 for r in made_records if r.state == "pending"),
        failed=sum(1 for r in results if r.error),
        results=results,
    )


def _record_out(summary: records.RecordSummary) -> wire.RecordMetadata:
    record = summary.record
    return wire.RecordMetadata(
        id=record.id,
        row_id=record.idempotency_key,
        state=RecordState(record.state).value,
        created_at=record.created_at,
        completed_at=record.completed_at,
        collected=summary.collected,
        notifications=[
            wire.NotificationEvent.model_validate(
                {"event": e.event, "description": e.description, "at": e.at}
            )
            for e in summary.events
        ],
    )


@router.get(
    "/issuers/{slug}/admin/records",
    response_model=wire.RecordPage,
    tags=["issuer admin"],
    summary="List credential records (no personal data): state, collections, notifications",
)
def list_records(
    tenant: TenantDep,
    session: SessionDep,
    state: Literal["ready", "pending"] | None = None,
    row_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> wire.RecordPage:
    query = records.RecordQuery(state=RecordState(state) if state else None, row_id=row_id)
    found, total = records.find_records(session, tenant, query, limit=limit, offset=offset)
    return wire.RecordPage(total=total, records=[_record_out(s) for s in found])


@router.patch(
    "/issuers/{slug}/admin/records/{record_id}",
    response_model=wire.RecordMetadata,
    tags=["issuer admin"],
    summary="Complete a pending record (set its grade); a learner waiting for it gets it at "
    "the deferred credential endpoint",
)
def complete_record(
    record_id: str,
    body: wire.CompleteRecord,
    tenant: TenantDep,
    session: SessionDep,
    rt: RuntimeDep,
) -> wire.RecordMetadata:
    done = records.complete_record(session, rt, tenant, record_id, body.claims)
    return _record_out(records.record_summary(session, tenant, done.id))

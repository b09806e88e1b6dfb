"""Sharing over OpenID4VP, consents and receipts, the transparency log, export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from core.deps import RuntimeDep, SessionDep
from core.web import BoundedJsonRoute
from schemas import wallet_api as wire
from wallet.deps import HolderDep
from wallet.models import SEQ_MAX, WalletPresentationRequest
from wallet.service import consents, portability, sharing, transparency

router = APIRouter(route_class=BoundedJsonRoute)


def _view(
    row: WalletPresentationRequest,
    queries: list[dict[str, object]],
    over_asking: dict[str, object],
) -> wire.PresentationRequestView:
    return wire.PresentationRequestView(
        id=row.id,
        state=row.state,
        verifier=row.verifier,
        purpose=row.purpose,
        expires_at=row.expires_at,
        queries=queries,
        over_asking=wire.OverAskingView.model_validate(over_asking),
    )


@router.post(
    "/presentation-requests",
    status_code=status.HTTP_201_CREATED,
    response_model=wire.PresentationRequestView,
    tags=["wallet: sharing"],
    summary="Read a verifier's request; nothing is sent yet",
)
def receive_request(
    body: wire.PresentationRequestIn, holder: HolderDep, session: SessionDep, rt: RuntimeDep
) -> wire.PresentationRequestView:
    row, queries = sharing.receive_request(session, rt, holder, body.request)
    return _view(row, queries, sharing.assessment(session, holder, row))


@router.get(
    "/presentation-requests/{request_id}",
    response_model=wire.PresentationRequestView,
    tags=["wallet: sharing"],
)
def get_request(
    request_id: str, holder: HolderDep, session: SessionDep, rt: RuntimeDep
) -> wire.PresentationRequestView:
    row = sharing.get_request(session, holder, request_id)
    queries = sharing.current_view(session, rt, holder, row)
    return _view(row, queries, sharing.assessment(session, holder, row))


@router.post(
    "/presentation-requests/{request_id}/approve",
    response_model=wire.ApprovalOut,
    response_model_exclude_none=True,
    tags=["wallet: sharing"],
    summary="Send exactly the chosen claims to the verifier, and record the consent",
)
def approve(
    request_id: str, body: wire.Approval, holder: HolderDep, session: SessionDep, rt: RuntimeDep
) -> wire.ApprovalOut:
    choice = {q: (c.credential_id, c.optional_claims) for q, c in body.credentials.items()}
    outcome = sharing.approve(session, rt, holder, request_id, choice, only_needed=body.only_needed)
    return wire.ApprovalOut(consent_id=outcome.consent_id, redirect_uri=outcome.redirect_uri)


@router.post(
    "/presentation-requests/{request_id}/deny",
    response_model=wire.DenialOut,
    tags=["wallet: sharing"],
    summary="Decline: the verifier receives access_denied",
)
def deny(request_id: str, holder: HolderDep, session: SessionDep, rt: RuntimeDep) -> wire.DenialOut:
    return wire.DenialOut(consent_id=sharing.deny(session, rt, holder, request_id))


@router.get("/consents", response_model=list[wire.ConsentRecord], tags=["wallet: consents"])
def list_consents(
    holder: HolderDep, session: SessionDep, rt: RuntimeDep
) -> list[wire.ConsentRecord]:
    return [consents.record_json(session, rt, c) for c in consents.list_consents(session, holder)]


@router.get("/consents/{consent_id}", response_model=wire.ConsentRecord, tags=["wallet: consents"])
def get_consent(
    consent_id: str, holder: HolderDep, session: SessionDep, rt: RuntimeDep
) -> wire.ConsentRecord:
    return consents.record_json(session, rt, consents.get_consent(session, holder, consent_id))


@router.get(
    "/consents/{consent_id}/receipt",
    tags=["wallet: consents"],
    summary="A signed consent receipt (JWT, typ consent-receipt+jwt; keys at /wallet/jwks.json)",
    response_class=Response,
)
def receipt(consent_id: str, holder: HolderDep, session: SessionDep, rt: RuntimeDep) -> Response:
    token = consents.receipt(session, rt, holder, consent_id)
    return Response(token, media_type="application/consent-receipt+jwt")


@router.post(
    "/consents/{consent_id}/withdraw", response_model=wire.ConsentRecord, tags=["wallet: consents"]
)
def withdraw(
    consent_id: str, holder: HolderDep, session: SessionDep, rt: RuntimeDep
) -> wire.ConsentRecord:
    return consents.record_json(session, rt, consents.withdraw(session, rt, holder, consent_id))


@router.get("/jwks.json", tags=["wallet: consents"], summary="Keys that sign consent receipts")
def jwks(session: SessionDep, rt: RuntimeDep) -> JSONResponse:
    consents.wallet_key(session, rt)  # publish a key before the first receipt is asked for
    return JSONResponse({"keys": consents.published_keys(session)})


@router.get("/log", response_model=wire.LogPage, tags=["wallet: transparency log"])
def log(
    holder: HolderDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[
        int | None,
        Query(ge=1, le=SEQ_MAX, description="Entries before this sequence number (next_before)."),
    ] = None,
) -> wire.LogPage:
    rows = transparency.entries(session, holder.id, limit=limit, before=before)
    return wire.LogPage(
        entries=[
            wire.LogEntryOut(seq=r.seq, at=r.at, event=r.event, entry=r.entry, hash=r.hash)
            for r in rows
        ],
        next_before=rows[-1].seq if len(rows) == limit else None,
    )


@router.get("/log/verify", response_model=wire.ChainCheckOut, tags=["wallet: transparency log"])
def verify_log(holder: HolderDep, session: SessionDep) -> wire.ChainCheckOut:
    check = transparency.verify_chain(session, holder.id)
    return wire.ChainCheckOut(
        valid=check.valid,
        entries=check.entries,
        first_bad_seq=check.first_bad_seq,
        reason=check.reason,
        head=check.head,
    )


@router.get(
    "/export", tags=["wallet: accounts"], summary="Everything the wallet holds about you, as JSON"
)
def export(holder: HolderDep, session: SessionDep, rt: RuntimeDep) -> JSONResponse:
    return JSONResponse(
        portability.export(session, rt, holder),
        headers={
            "Content-Disposition": 'attachment; filename="intyg-wallet-export.json"',
            "Cache-Control": "no-store",
        },
    )

"""Privacy: every consent and standing grant with withdraw in one click (GDPR Art. 7(3): as
easy as giving it), services' requests for standing access, and the transparency log with its
chain check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from core.deps import RuntimeDep, SessionDep
from core.pages import FormDep, language_of, redirect
from core.runtime import Runtime
from schemas.wallet_log import ConsentState
from wallet.models import SEQ_MAX, RequestState, WalletHolder
from wallet.pages.common import BASE, HolderPage, PageRoute, claim_label, pages, signed_in, title_of
from wallet.pages.sharing import answerable, choice_of, queries
from wallet.service import consents, grants, holdings, transparency
from wallet.service.selection import ChoiceInvalid

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PRIVACY = f"{BASE}/privacy"
WITHDRAWABLE = (ConsentState.GIVEN, ConsentState.ACTIVE)
LOG_PAGE = 50


@router.get(PRIVACY, response_class=HTMLResponse)
def dashboard(
    request: Request, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> HTMLResponse:
    records = [
        consents.record_json(session, rt, c) for c in consents.list_consents(session, holder)
    ]
    asks = [
        grants.view(session, rt, holder, row)
        for row in grants.pending_for_holder(session, rt, holder)
    ]
    return pages.render(
        request,
        "privacy.html",
        {
            **signed_in(holder),
            "standing": [r for r in records if r.kind == "standing"],
            "single": [r for r in records if r.kind == "single"],
            "asks": asks,
            "withdrawable": WITHDRAWABLE,
        },
    )


@router.get(PRIVACY + "/{consent_id}", response_class=HTMLResponse)
def consent_page(
    request: Request, consent_id: str, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> HTMLResponse:
    record = consents.record_json(session, rt, consents.get_consent(session, holder, consent_id))
    language = language_of(request)
    held = {row.id: row for row in holdings.list_credentials(session, holder)}
    disclosed = []
    for item in record.claims_disclosed:
        row = held.get(item.credential_id)
        disclosed.append(
            {
                "credential": title_of(row, language) if row else None,
                "claims": [
                    claim_label(row, path, language) if row else "/".join(map(str, path))
                    for path in item.paths
                ],
            }
        )
    return pages.render(
        request,
        "consent.html",
        {
            **signed_in(holder),
            "record": record,
            "disclosed": disclosed,
            "withdrawable": WITHDRAWABLE,
        },
    )


@router.get(PRIVACY + "/{consent_id}/receipt.jwt")
def receipt(consent_id: str, holder: HolderPage, session: SessionDep, rt: RuntimeDep) -> Response:
    """The signed receipt (``typ`` consent-receipt+jwt), as a file to keep."""
    token = consents.receipt(session, rt, holder, consent_id)
    return Response(
        token,
        media_type="application/consent-receipt+jwt",
        headers={
            "Content-Disposition": f'attachment; filename="consent-{consent_id[:8]}.jwt"',
            "Cache-Control": "no-store",
        },
    )


@router.post(PRIVACY + "/{consent_id}/withdraw")
def withdraw(
    consent_id: str, _form: FormDep, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> Response:
    consents.withdraw(session, rt, holder, consent_id)
    return redirect(f"{PRIVACY}/{consent_id}", notice="withdrawn")


@router.get(PRIVACY + "/asks/{request_id}", response_class=HTMLResponse)
def ask_page(
    request: Request, request_id: str, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> HTMLResponse:
    return _ask_page(request, request_id, holder, session, rt)


def _ask_page(
    request: Request,
    request_id: str,
    holder: WalletHolder,
    session: Session,
    rt: Runtime,
    *,
    error: str | None = None,
) -> HTMLResponse:
    view = grants.view(session, rt, holder, grants.get_request(session, holder, request_id))
    shown: list[dict[str, object]] = []
    if view["state"] == RequestState.PENDING:
        asked = view["queries"]
        assert isinstance(asked, list)
        shown = queries(session, rt, holder, asked, language_of(request))
    return pages.render(
        request,
        "ask.html",
        {
            **signed_in(holder),
            "ask": view,
            "queries": shown,
            "answerable": answerable(shown),
            "error": error,
        },
        status=422 if error else 200,
    )


@router.post(PRIVACY + "/asks/{request_id}/approve")
def approve_ask(
    request: Request,
    request_id: str,
    form: FormDep,
    holder: HolderPage,
    session: SessionDep,
    rt: RuntimeDep,
) -> Response:
    try:
        consent = grants.approve(session, rt, holder, request_id, choice_of(form))
    except ChoiceInvalid:
        t = pages.translator(request)
        return _ask_page(
            request, request_id, holder, session, rt, error=t("wallet.request.choice_invalid")
        )
    return redirect(f"{PRIVACY}/{consent.id}", notice="granted")


@router.post(PRIVACY + "/asks/{request_id}/deny")
def deny_ask(
    request_id: str, _form: FormDep, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> Response:
    grants.deny(session, rt, holder, request_id)
    return redirect(PRIVACY, notice="denied")


Before = Annotated[int | None, Query(ge=1, le=SEQ_MAX)]


@router.get(BASE + "/activity", response_class=HTMLResponse)
def activity(
    request: Request, holder: HolderPage, session: SessionDep, before: Before = None
) -> HTMLResponse:
    """The transparency log, newest first, and whether its hash chain is intact."""
    rows = transparency.entries(session, holder.id, limit=LOG_PAGE, before=before)
    return pages.render(
        request,
        "activity.html",
        {
            **signed_in(holder),
            "entries": rows,
            "check": transparency.verify_chain(session, holder.id),
            "older": rows[-1].seq if len(rows) == LOG_PAGE else None,
        },
    )

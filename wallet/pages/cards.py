"""The holder's credentials as cards, one card's every claim, and receiving a new one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from core.deps import RuntimeDep, SessionDep
from core.pages import FormDep, language_of, redirect
from core.runtime import Runtime
from wallet.models import WalletCredential, WalletHolder
from wallet.pages import claims
from wallet.pages.common import (
    BASE,
    HolderPage,
    PageRoute,
    achievement_of,
    issuer_name,
    pages,
    signed_in,
    title_of,
)
from wallet.service import collecting, holdings, receiving

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _card(
    rt: Runtime, holder: WalletHolder, row: WalletCredential, language: str
) -> dict[str, object]:
    """A card names the achievement (its title claim), under the credential type's name."""
    return {
        "id": row.id,
        "kind": title_of(row, language),
        "title": achievement_of(rt, holder, row) or title_of(row, language),
        "issuer": issuer_name(row),
        "received_at": row.received_at,
        "expires_at": row.expires_at,
        "status": row.status.lower(),
        "status_checked_at": row.status_checked_at,
    }


@router.get(BASE, response_class=HTMLResponse)
def cards(
    request: Request, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> HTMLResponse:
    language = language_of(request)
    rows = holdings.refresh_statuses(session, rt, holdings.list_credentials(session, holder))
    return pages.render(
        request,
        "cards.html",
        {**signed_in(holder), "cards": [_card(rt, holder, row, language) for row in rows]},
    )


@router.get(BASE + "/cards/{credential_id}", response_class=HTMLResponse)
def card(
    request: Request,
    credential_id: str,
    holder: HolderPage,
    session: SessionDep,
    rt: RuntimeDep,
) -> HTMLResponse:
    language = language_of(request)
    row = holdings.refresh_status(
        session, rt, holdings.get_credential(session, holder, credential_id)
    )
    opened = holdings.open_credential(rt, holder, row)
    return pages.render(
        request,
        "card.html",
        {
            **signed_in(holder),
            "card": _card(rt, holder, row, language),
            "vct": row.vct,
            "issuer_url": row.issuer,
            "lines": claims.lines(row, opened.verified.claims, language),
        },
    )


@router.post(BASE + "/cards/{credential_id}/delete")
def delete_card(
    credential_id: str, _form: FormDep, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> Response:
    holdings.delete_credential(session, rt, holder, credential_id)
    return redirect(BASE, notice="card_deleted")


OfferLink = Annotated[str | None, Query(max_length=8000)]


@router.get(BASE + "/receive", response_class=HTMLResponse)
def receive_form(request: Request, holder: HolderPage, offer: OfferLink = None) -> HTMLResponse:
    """Paste an offer link, or arrive here from one (``?offer=openid-credential-offer://…``)."""
    return pages.render(
        request,
        "receive.html",
        {**signed_in(holder), "offer": offer or "", "needs_code": None, "error": None},
    )


@router.post(BASE + "/receive", response_class=HTMLResponse)
def receive(
    request: Request, form: FormDep, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> Response:
    """First the offer alone: if it asks for a transaction code, the form comes back with a
    field for it (and the issuer's hint); then the offer is redeemed."""
    offer = str(form.get("offer", "")).strip()[:8000]
    tx_code = str(form.get("tx_code", "")).strip()[:100] or None
    t = pages.translator(request)
    if not offer:
        return pages.render(
            request,
            "receive.html",
            {
                **signed_in(holder),
                "offer": "",
                "needs_code": None,
                "error": t("wallet.receive.missing_offer"),
            },
            status=422,
        )
    if tx_code is None:
        preview = receiving.preview_offer(session, rt, offer)
        if preview.tx_code is not None:
            return _ask_for_code(request, holder, offer, preview, error=None)
    try:
        row = receiving.receive_offer(session, rt, holder, offer, tx_code)
    except receiving.IssuerRefused:
        if tx_code is None:
            raise
        # Most likely a mistyped code: ask again, beside the field.
        preview = receiving.preview_offer(session, rt, offer)
        return _ask_for_code(
            request, holder, offer, preview, error=t("wallet.receive.code_refused")
        )
    return redirect(f"{BASE}/cards/{row.id}", notice="received")


@router.post(BASE + "/receive/collect")
def collect(form: FormDep, holder: HolderPage, session: SessionDep, rt: RuntimeDep) -> Response:
    """Collect with eID: the browser goes to the issuer's sign-in and comes back below."""
    issuer = str(form.get("issuer", "")).strip()[:500]
    return redirect(collecting.start(session, rt, holder, issuer))


@router.get(BASE + "/collect/callback")
def collect_callback(
    request: Request, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> Response:
    """The issuer's authorization response (code, state, iss; or an error)."""
    params = {k: v[:2000] for k, v in request.query_params.items()}
    done = collecting.finish(session, rt, holder, params)
    return redirect(BASE, notice="collected_pending" if done.pending else "collected")


def _ask_for_code(
    request: Request,
    holder: WalletHolder,
    offer: str,
    preview: receiving.OfferPreview,
    *,
    error: str | None,
) -> HTMLResponse:
    return pages.render(
        request,
        "receive.html",
        {
            **signed_in(holder),
            "offer": offer,
            "needs_code": dict(preview.tx_code or {}),
            "issuer": preview.credential_issuer,
            "error": error,
        },
        status=422 if error else 200,
    )

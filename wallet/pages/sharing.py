"""Sharing with a verifier (OpenID4VP): open the request, see who asks, why and for exactly
which claims, choose the optional ones, approve or deny."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from core.deps import RuntimeDep, SessionDep
from core.pages import FormDep, language_of, redirect
from core.pages.i18n import localised
from core.runtime import Runtime
from wallet.models import (
    RequestState,
    WalletCredential,
    WalletHolder,
    WalletPresentationRequest,
)
from wallet.pages import claims
from wallet.pages.common import (
    BASE,
    HolderPage,
    PageRoute,
    achievement_of,
    claim_label,
    pages,
    signed_in,
    title_of,
)
from wallet.service import holdings, sharing
from wallet.service.selection import ChoiceInvalid

router = APIRouter(route_class=PageRoute, include_in_schema=False)

RequestLink = Annotated[str | None, Query(alias="request", max_length=8000)]


@router.get(BASE + "/share", response_class=HTMLResponse)
def share_form(request: Request, holder: HolderPage, link: RequestLink = None) -> HTMLResponse:
    """Where a verifier's same-device link lands (``?request=openid4vp://…``), or a pasted
    link goes. Opening the request is a POST: a link from elsewhere cannot make the wallet
    fetch anything without the holder's click."""
    return pages.render(request, "share.html", {**signed_in(holder), "link": link or ""})


@router.post(BASE + "/share")
def open_request(
    form: FormDep, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> Response:
    link = str(form.get("request", "")).strip()[:8000]
    row, _views = sharing.receive_request(session, rt, holder, link)
    return redirect(f"{BASE}/requests/{row.id}")


def _claim(row: WalletCredential, claim: dict[str, object], language: str) -> dict[str, object]:
    path = claim["path"]
    assert isinstance(path, list)
    return {
        "path": json.dumps(path, separators=(",", ":")),
        "label": claim_label(row, path, language),
        "value": claims.value_text(claim.get("value"), language),
    }


def queries(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    views: list[dict[str, object]],
    language: str,
) -> list[dict[str, object]]:
    """The request's credential queries as the page shows them: per matching credential its
    title and issuer, the claims that go whatever the holder chooses, and the optional ones."""
    out = []
    for view in views:
        candidates = []
        for candidate in view["candidates"]:  # type: ignore[attr-defined]
            cid = str(candidate["credential_id"])
            row = holdings.get_credential(session, holder, cid)
            candidates.append(
                {
                    "id": cid,
                    "title": achievement_of(rt, holder, row) or title_of(row, language),
                    "kind": title_of(row, language),
                    "received_at": row.received_at,
                    "issuer": str(candidate.get("issuer_name") or row.issuer),
                    "required": [_claim(row, c, language) for c in candidate["required_claims"]],
                    "optional": [_claim(row, c, language) for c in candidate["optional_claims"]],
                }
            )
        out.append({"id": view["query_id"], "required": view["required"], "candidates": candidates})
    return out


def over_asking(
    session: Session, holder: WalletHolder, row: WalletPresentationRequest, language: str
) -> dict[str, object]:
    """The over-asking verdict as the page shows it: the purpose by its registered name in
    the reader's language, and the extra claims by their labels."""
    found = sharing.assessment(session, holder, row)
    names = found["purpose_name"]
    assert isinstance(names, dict)
    purpose = names.get(language) or next(iter(names.values()), None) or found["purpose_id"]
    extras = []
    for extra in found["extra_claims"]:  # type: ignore[attr-defined]
        path = [step for step in extra["path"] if isinstance(step, str) and step != "*"]
        label = localised(extra["display"], language, "name")
        extras.append(
            {
                # an empty path is the credential itself (the template says so)
                "label": label or (path[-1].replace("_", " ") if path else None),
                "required": extra["required"],
            }
        )
    return {
        "finding": found["finding"],
        "purpose": purpose,
        "extras": extras,
        "may_be_refused": found["needed_only_may_be_refused"],
    }


def _request_page(
    request: Request,
    holder: WalletHolder,
    session: Session,
    rt: Runtime,
    request_id: str,
    *,
    error: str | None = None,
) -> HTMLResponse:
    row = sharing.get_request(session, holder, request_id)
    language = language_of(request)
    shown: list[dict[str, object]] = []
    if row.state == RequestState.PENDING:
        shown = queries(
            session, rt, holder, sharing.current_view(session, rt, holder, row), language
        )
    return pages.render(
        request,
        "request.html",
        {
            **signed_in(holder),
            "req": row,
            "verifier": row.verifier,
            "queries": shown,
            "answerable": answerable(shown),
            "over": over_asking(session, holder, row, language),
            "error": error,
        },
        status=422 if error else 200,
    )


@router.get(BASE + "/requests/{request_id}", response_class=HTMLResponse)
def request_page(
    request: Request, request_id: str, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> HTMLResponse:
    return _request_page(request, holder, session, rt, request_id)


def answerable(shown: list[dict[str, object]]) -> bool:
    """Every required credential query has a credential of the holder's to answer it."""
    return bool(shown) and all(q["candidates"] or not q["required"] for q in shown)


def choice_of(form: FormData) -> dict[str, tuple[str, list[list[object]]]]:
    """``choice.<query>=<credential>`` and ``claim.<query>.<credential>=<JSON path>`` fields
    as the service's ``{query: (credential, optional paths)}``."""
    form_items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    picked = {
        key.removeprefix("choice."): value
        for key, value in form_items
        if key.startswith("choice.") and value
    }
    choice: dict[str, tuple[str, list[list[object]]]] = {q: (c, []) for q, c in picked.items()}
    for key, value in form_items:
        if not key.startswith("claim."):
            continue
        query_id, _, credential_id = key.removeprefix("claim.").partition(".")
        if picked.get(query_id) != credential_id:
            continue  # an optional claim of a credential the holder did not pick
        try:
            path = json.loads(value)
        except ValueError:
            raise ChoiceInvalid("a claim path is not JSON") from None
        if not isinstance(path, list):
            raise ChoiceInvalid("a claim path is a list")
        choice[query_id][1].append(path)
    return choice


@router.post(BASE + "/requests/{request_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request,
    request_id: str,
    form: FormDep,
    holder: HolderPage,
    session: SessionDep,
    rt: RuntimeDep,
) -> Response:
    try:
        outcome = sharing.approve(
            session,
            rt,
            holder,
            request_id,
            choice_of(form),
            only_needed=form.get("answer") == "needed_only",
        )
    except ChoiceInvalid:
        t = pages.translator(request)
        return _request_page(
            request, holder, session, rt, request_id, error=t("wallet.request.choice_invalid")
        )
    # Rendered, not redirected: the verifier's redirect_uri (same-device flow) is shown once,
    # never read back from a URL that someone else could have made.
    return pages.render(
        request,
        "shared.html",
        {**signed_in(holder), "consent_id": outcome.consent_id, "back": outcome.redirect_uri},
    )


@router.post(BASE + "/requests/{request_id}/deny")
def deny(
    request_id: str, _form: FormDep, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> Response:
    consent_id = sharing.deny(session, rt, holder, request_id)
    return redirect(f"{BASE}/privacy/{consent_id}", notice="denied")

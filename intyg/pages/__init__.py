"""The pages that belong to no role: the start page, which links the roles this process
hosts, and the language switch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse

from core.deps import SessionDep
from core.pages import Pages, local_path, page_route, runtime_of
from core.pages.i18n import LANGUAGE_COOKIE, LANGUAGES
from core.pages.security import set_cookie

pages = Pages(Path(__file__).parent)


def start_router(roles: set[str]) -> APIRouter:
    router = APIRouter(route_class=page_route(pages), include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def start(request: Request, session: SessionDep) -> HTMLResponse:
        issuers, verifiers = [], []
        if "issuer" in roles:
            from issuer import service as issuer_service

            issuers = [(t.name, f"/issuers/{t.slug}") for t in issuer_service.list_tenants(session)]
        if "verifier" in roles:
            from verifier import service as verifier_service

            verifiers = [
                (t.name, f"/verifiers/{t.slug}") for t in verifier_service.list_tenants(session)
            ]
        return pages.render(
            request,
            "start.html",
            {"wallet": "wallet" in roles, "issuers": issuers, "verifiers": verifiers},
        )

    @router.get("/lang/{language}")
    def switch_language(
        request: Request,
        language: Annotated[str, PathParam(pattern="^(sv|en)$")],
        next_page: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
    ) -> RedirectResponse:
        """Remember the reader's language (a cookie) and go back to the page they were on."""
        assert language in LANGUAGES
        response = RedirectResponse(local_path(next_page, "/"), status_code=303)
        set_cookie(response, runtime_of(request).settings, LANGUAGE_COOKIE, language)
        return response

    return router

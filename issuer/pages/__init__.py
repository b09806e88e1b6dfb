"""The education provider's portal: pages for an issuer's staff, under ``/issuers/{slug}``.

- ``/issuers/{slug}``: home (the issuer's name, its sections); sign-in and sign-out beside it
  (``core.pages.staff``). Every page but sign-in needs a signed-in member of THIS issuer's
  staff: a session of another issuer's staff is sent to sign in.
- ``/issue``: one credential from a form (``issue``).
- ``/batches``: a CSV file of learners, its progress, results and QR sheet (``batch``).
- ``/credentials``: find issued credentials; revoke, suspend, reinstate (``credentials``).

The pages call the issuer's use cases (``issuer.service``, ``issuer.lifecycle``,
``issuer.batches``), never its repository; none of them shadows a protocol or admin API
route (their paths are included first, and none is the same).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from core.deps import SessionDep
from issuer import lifecycle
from issuer.lifecycle import CredentialQuery
from issuer.pages import batch, credentials, issue
from issuer.pages.common import PortalDep, page_router, pages, portal


def issuer_pages_router() -> APIRouter:
    router = page_router()
    portal.add_sign_in_routes(router)

    @router.get("/issuers/{slug}")
    def home(request: Request, staff_portal: PortalDep, session: SessionDep) -> HTMLResponse:
        _, count = lifecycle.find_credentials(
            session, staff_portal.tenant, CredentialQuery(), limit=1, offset=0
        )
        return pages.render(
            request, "portal_home.html", staff_portal.context(credential_count=count)
        )

    for part in (issue.router, batch.router, credentials.router):
        router.include_router(part)
    return router

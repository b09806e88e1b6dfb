"""What every page of the education provider's portal shares: the templates and catalogues,
the route class, and the signed-in member of the issuer's staff."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import Session

from core.deps import SessionDep
from core.pages import Pages, page_route
from core.pages.staff import SignedInStaff, StaffPortal
from issuer import service
from issuer.models import IssuerTenant

pages = Pages(Path(__file__).parent)
BASE_PATH = "/issuers/{slug}"


def _tenant_of(session: Session, slug: str) -> tuple[str, str]:
    tenant = service.tenant_by_slug(session, slug)
    return tenant.id, tenant.name


portal = StaffPortal(pages, "issuer", BASE_PATH, _tenant_of)


def page_router() -> APIRouter:
    return APIRouter(route_class=page_route(pages), include_in_schema=False)


@dataclass(frozen=True)
class Portal:
    """The issuer whose portal this is, and who is signed in to it."""

    tenant: IssuerTenant
    staff: SignedInStaff

    @property
    def base(self) -> str:
        return portal.base(self.tenant.slug)

    @property
    def actor(self) -> str:
        """Who the issuer's log names: the staff member's username."""
        return self.staff.account.username

    def context(self, **values: object) -> dict[str, object]:
        """A page's context: the layout's header (who, sign-out), the portal's links."""
        return {**portal.page_context(self.staff), "base": self.base, **values}


def signed_in_portal(
    session: SessionDep, staff: Annotated[SignedInStaff, Depends(portal.current_staff)]
) -> Portal:
    """Every portal page but sign-in: a member of THIS issuer's staff (``current_staff``
    checks the session's tenant against the slug's), or a redirect to sign-in."""
    return Portal(service.tenant_by_slug(session, staff.slug), staff)


PortalDep = Annotated[Portal, Depends(signed_in_portal)]

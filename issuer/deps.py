"""The issuer's own ``Annotated`` dependency: the tenant an issuer API key names (the shared
ones are in ``core/deps.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from core.auth import bearer_token
from core.deps import Authorization, SessionDep, Slug
from issuer import service
from issuer.models import IssuerTenant


def issuer_admin(
    slug: Slug, session: SessionDep, authorization: Authorization = None
) -> IssuerTenant:
    return service.authenticate(session, slug, bearer_token(authorization))


TenantDep = Annotated[IssuerTenant, Depends(issuer_admin)]

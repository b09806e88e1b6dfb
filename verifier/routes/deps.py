"""The verifier's own ``Annotated`` dependency: the tenant a verifier API key names (the shared
ones are in ``core/deps.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from core.auth import bearer_token
from core.deps import Authorization, RuntimeDep, SessionDep, Slug
from verifier import service
from verifier.models import VerifierTenant


def verifier_admin(
    slug: Slug, session: SessionDep, authorization: Authorization = None
) -> VerifierTenant:
    return service.authenticate(session, slug, bearer_token(authorization))


TenantDep = Annotated[VerifierTenant, Depends(verifier_admin)]


async def verifier_api_client(
    slug: Slug, rt: RuntimeDep, authorization: Authorization = None
) -> VerifierTenant:
    return service.authenticate_cached(rt, slug, bearer_token(authorization))


# For routes that only read the tenant: no session, the row cached for a few seconds.
CachedTenantDep = Annotated[VerifierTenant, Depends(verifier_api_client)]

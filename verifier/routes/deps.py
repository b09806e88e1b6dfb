"""``Annotated`` dependencies of the verifier routes (tests override ``get_runtime``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from sqlmodel import Session

from core.auth import bearer_token, require_admin
from core.db import session_scope
from core.runtime import Runtime
from verifier import service
from verifier.models import VerifierTenant


async def get_runtime(request: Request) -> Runtime:  # async: no thread hand-off
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(rt: RuntimeDep) -> Iterator[Session]:
    with session_scope(rt.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
Slug = Annotated[str, Path(max_length=64)]


def verifier_admin(
    slug: Slug, session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> VerifierTenant:
    return service.authenticate(session, slug, bearer_token(authorization))


TenantDep = Annotated[VerifierTenant, Depends(verifier_admin)]


async def verifier_api_client(
    slug: Slug, rt: RuntimeDep, authorization: Annotated[str | None, Header()] = None
) -> VerifierTenant:
    return service.authenticate_cached(rt, slug, bearer_token(authorization))


# For routes that only read the tenant: no session, the row cached for a few seconds.
CachedTenantDep = Annotated[VerifierTenant, Depends(verifier_api_client)]


def service_admin(rt: RuntimeDep, authorization: Annotated[str | None, Header()] = None) -> None:
    require_admin(rt, authorization)


ServiceAdmin = Depends(service_admin)

"""``Annotated`` dependencies of the wallet routes (tests override ``get_runtime``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlmodel import Session

from core.auth import bearer_token
from core.db import session_scope
from core.runtime import Runtime
from wallet.models import WalletHolder, WalletService
from wallet.service import accounts


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(rt: RuntimeDep) -> Iterator[Session]:
    with session_scope(rt.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
Authorization = Annotated[str | None, Header()]


def current_holder(
    session: SessionDep, rt: RuntimeDep, authorization: Authorization = None
) -> WalletHolder:
    return accounts.holder_for_session(session, rt, bearer_token(authorization))


HolderDep = Annotated[WalletHolder, Depends(current_holder)]


def current_service(session: SessionDep, authorization: Authorization = None) -> WalletService:
    return accounts.service_for_api_key(session, bearer_token(authorization))


ServiceDep = Annotated[WalletService, Depends(current_service)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]

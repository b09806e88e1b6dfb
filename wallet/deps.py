"""The wallet's own ``Annotated`` dependencies: the holder a session token names, the service
an API key names, the client's address (the shared ones are in ``core/deps.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.auth import bearer_token
from core.deps import Authorization, RuntimeDep, SessionDep
from wallet.models import WalletHolder, WalletService
from wallet.service import accounts


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

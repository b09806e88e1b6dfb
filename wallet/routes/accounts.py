"""Accounts and sessions of holders."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from core.auth import bearer_token
from core.deps import Authorization, RuntimeDep, SessionDep
from core.web import BoundedJsonRoute
from schemas import wallet_api as wire
from wallet.deps import ClientAddress, HolderDep
from wallet.service import accounts

router = APIRouter(route_class=BoundedJsonRoute, tags=["wallet: accounts"])


@router.post("/accounts", status_code=status.HTTP_201_CREATED, response_model=wire.Account)
def sign_up(body: wire.SignUp, session: SessionDep, rt: RuntimeDep) -> wire.Account:
    holder = accounts.sign_up(session, rt, body.username, body.password)
    return wire.Account(id=holder.id, username=holder.username, created_at=holder.created_at)


@router.delete("/accounts/me", status_code=status.HTTP_204_NO_CONTENT)
def delete_account(holder: HolderDep, session: SessionDep) -> Response:
    """Deletes the account and everything the wallet holds about the holder."""
    accounts.delete_account(session, holder)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/sessions", status_code=status.HTTP_201_CREATED, response_model=wire.SessionOut)
def sign_in(
    body: wire.SignIn, session: SessionDep, rt: RuntimeDep, address: ClientAddress
) -> wire.SessionOut:
    created = accounts.sign_in(session, rt, body.username, body.password, address)
    return wire.SessionOut(token=created.token, expires_at=created.expires_at)


@router.delete("/sessions/current", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(
    _holder: HolderDep, session: SessionDep, authorization: Authorization = None
) -> Response:
    accounts.sign_out(session, bearer_token(authorization))
    return Response(status_code=status.HTTP_204_NO_CONTENT)

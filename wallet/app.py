"""The wallet role's router, mounted under ``/wallet``."""

from __future__ import annotations

from fastapi import APIRouter

from wallet.routes import accounts, credentials, grants, sharing

PREFIX = "/wallet"


def wallet_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    router.include_router(accounts.router)
    router.include_router(credentials.router)
    router.include_router(sharing.router)
    router.include_router(grants.router)
    return router

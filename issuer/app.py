"""The issuer role's router: admin API and the standard endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from issuer.routes import admin, protocol, records


def issuer_router() -> APIRouter:
    router = APIRouter()
    router.include_router(admin.router)
    router.include_router(records.router)
    router.include_router(protocol.router)
    return router

"""The verifier role's router."""

from __future__ import annotations

from fastapi import APIRouter

from verifier.routes import api


def verifier_router() -> APIRouter:
    router = APIRouter()
    router.include_router(api.router)
    return router

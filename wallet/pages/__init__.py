"""The learner's wallet in a browser, under ``/wallet``: sign-in, cards, receiving, sharing,
consents and the transparency log. The pages call the wallet's services, as the API does."""

from __future__ import annotations

from fastapi import APIRouter

from wallet.pages import accounts, cards, privacy, sharing


def wallet_pages_router() -> APIRouter:
    router = APIRouter()
    for module in (accounts, cards, sharing, privacy):
        router.include_router(module.router)
    return router

"""The composition root: one FastAPI app hosting the roles that this process serves."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.routing import BaseRoute

from core.clock import Clock
from core.config import Settings
from core.logs import install_redaction
from core.pages import STATIC_DIR, STATIC_PATH
from core.pages.security import SecurityHeadersMiddleware
from core.runtime import Runtime
from core.web import BodyLimitMiddleware, document_problems, install_error_handlers
from intyg.pages import start_router
from intyg.runtime import build_runtime
from intyg.staff_api import staff_admin_router
from issuer.app import issuer_router
from issuer.pages import issuer_pages_router
from verifier.app import verifier_router
from verifier.pages import verifier_pages_router
from wallet.app import wallet_router
from wallet.pages import wallet_pages_router

DESCRIPTION = """Intyg: verifiable skill credentials and a consent wallet.

Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`, except
at OAuth-family endpoints (token, credential), which answer `{"error", "error_description"}`
as their specifications require. The codes are listed in `docs/errors.md`."""

# Swagger UI and ReDoc come from the fastapi-offline package, served here: the pages work
# without internet (FastAPI's defaults load them from a CDN).
DOCS_ASSETS = "/docs/assets"


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    runtime: Runtime | None = None,
    roles: Iterable[str] | None = None,
) -> FastAPI:
    """Build the app; settings are read here (never at import), from the environment if not
    given. ``uvicorn --factory intyg.app:create_app`` calls it with no arguments."""
    rt = runtime or build_runtime(settings or Settings(), clock=clock)
    install_redaction()
    app = FastAPIOffline(
        title="Intyg",
        version="0.1.0",
        description=DESCRIPTION,
        static_url=DOCS_ASSETS,
        # Swagger UI's default would fetch an "online validator" badge from swagger.io
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.runtime = rt
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.router.routes.extend(
        role_routes(frozenset(roles if roles is not None else rt.settings.roles))
    )
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")

    document_problems(app)

    @app.get("/healthz", tags=["operations"], include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


@lru_cache(maxsize=8)
def role_routes(chosen: frozenset[str]) -> tuple[BaseRoute, ...]:
    """The routes of these roles, built once per process and shared by every app built with
    them: FastAPI analyses each endpoint's dependencies as its router is included (a third of a
    second for Intyg's), and the test suite builds an app per test. A route keeps no state of
    its app (handlers read the runtime from ``request.app.state``; no dependency overrides)."""
    routes = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    if "issuer" in chosen:
        routes.include_router(issuer_router())
        routes.include_router(staff_admin_router("issuer"))
        routes.include_router(issuer_pages_router())  # after the API: no page shadows it
    if "verifier" in chosen:
        routes.include_router(verifier_router())
        routes.include_router(staff_admin_router("verifier"))
        routes.include_router(verifier_pages_router(hosted_wallet="wallet" in chosen))
    if "wallet" in chosen:
        routes.include_router(wallet_router())
        routes.include_router(wallet_pages_router())
    routes.include_router(start_router(set(chosen)))
    return tuple(routes.router.routes)

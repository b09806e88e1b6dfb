"""Rules every page route of every role keeps, checked on the assembled app: a form POST is
read through ``FormDep`` (so its CSRF token is checked), and no page is in the OpenAPI
document (the API is the contract; pages are for people)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from core.pages import checked_form
from core.runtime import Runtime
from intyg.app import create_app


def _calls(dependant: Dependant) -> set[object]:
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found


def _routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, into included routers (FastAPI keeps those as their own router objects,
    ``original_router``; page routers carry no prefix, so their paths are whole)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from _routes(included.routes) if included is not None else (route,)


def _page_routes(runtime: Runtime) -> list[APIRoute]:
    app = create_app(runtime=runtime)
    return [
        r for r in _routes(app.routes) if isinstance(r, APIRoute) and getattr(r, "is_page", False)
    ]


def test_there_are_pages_of_every_role(runtime: Runtime) -> None:
    paths = {route.path for route in _page_routes(runtime)}
    assert "/" in paths
    assert any(p.startswith("/wallet") for p in paths)
    assert any(p.startswith("/issuers/{slug}") for p in paths)
    assert any(p.startswith("/verifiers/{slug}") for p in paths)


def test_every_page_form_checks_its_csrf_token(runtime: Runtime) -> None:
    unprotected = [
        f"{route.path} {sorted(route.methods)}"
        for route in _page_routes(runtime)
        if route.methods - {"GET", "HEAD"} and checked_form not in _calls(route.dependant)
    ]
    assert unprotected == []


def test_no_page_is_in_the_openapi_document(runtime: Runtime) -> None:
    listed = [route.path for route in _page_routes(runtime) if route.include_in_schema]
    assert listed == []

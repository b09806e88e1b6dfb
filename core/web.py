"""HTTP plumbing shared by the roles: RFC 9457 problem details, OAuth error bodies, limits.

One handler renders every ``IntygError`` (STYLE habit 2): routes never build error responses.
OAuth-family errors (``OAuthError``) keep the body their specs define (RFC 6749 §5.2,
OpenID4VCI 1.0 §8.3.1); everything else is ``application/problem+json`` with a stable
``code``. Nothing unexpected escapes as a stack trace: it is logged by class name only and
answered with a generic 500 problem.
"""

from __future__ import annotations

import email.message
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import jsontext
from core.errors import (
    IntygError,
    InvalidJson,
    OAuthError,
    PayloadTooLarge,
    UnsupportedMediaType,
)

log = logging.getLogger("intyg.web")

PROBLEM_JSON = "application/problem+json"
MAX_BODY_BYTES = jsontext.MAX_BYTES  # the bound of fetched documents too (core.http)


def problem(status: int, code: str, title: str, detail: str, **extra: object) -> JSONResponse:
    body: dict[str, object] = {
        "type": f"https://intyg.se/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def render_error(exc: IntygError) -> JSONResponse:
    if isinstance(exc, OAuthError):
        headers = {"Cache-Control": "no-store"}
        if exc.status == 401:
            scheme = getattr(exc, "challenge", "Bearer")
            headers["WWW-Authenticate"] = f'{scheme} error="{exc.code}"'
        return JSONResponse(
            {"error": exc.code, "error_description": exc.detail},
            status_code=exc.status,
            headers=headers,
        )
    response = problem(exc.status, exc.code, exc.title, exc.detail)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _loc(error: dict[str, object]) -> tuple[object, ...]:
    loc = error.get("loc", ())
    return tuple(loc) if isinstance(loc, list | tuple) else ()


def _field_path(loc: tuple[object, ...]) -> str:
    return ".".join(str(part) for part in loc if part not in ("body",)) or "body"


# pydantic's error types for a body that is JSON of another kind than the one expected
_EXPECTED = {
    "model_attributes_type": "a JSON object is expected",
    "model_type": "a JSON object is expected",
    "dict_type": "a JSON object is expected",
    "list_type": "a JSON array is expected",
}


def _message(error: dict[str, object]) -> str:
    kind = str(error.get("type"))
    if _loc(error) == ("body",) and kind in _EXPECTED:
        return _EXPECTED[kind]
    return str(error.get("msg", ""))


def is_json_media_type(content_type: str | None) -> bool:
    """``application/json`` or ``application/*+json``, with any parameters: the types whose
    bodies FastAPI reads as JSON (it leaves any other body unread)."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def unreadable_body(request: Request, errors: list[dict[str, object]]) -> IntygError | None:
    """A JSON body that FastAPI could not read, as the error that says why; ``None`` when the
    body was read and only its fields do not fit."""
    body_errors = [e for e in errors if _loc(e)[:1] == ("body",)]
    if not body_errors:
        return None
    content_type = request.headers.get("content-type")
    empty = any(e.get("type") == "missing" and _loc(e) == ("body",) for e in body_errors)
    if empty and (content_type is None or is_json_media_type(content_type)):
        return InvalidJson("the body is empty: JSON is expected")
    if not is_json_media_type(content_type):
        # FastAPI left the body unread, so every error in it comes from the media type
        return UnsupportedMediaType("the body must be JSON, sent as Content-Type: application/json")
    return None


def _unparsed_json(exc: StarletteHTTPException) -> IntygError | None:
    """FastAPI answers a body its request could not parse with a bare 400 ("error parsing
    the body"); the parser's exception, which says where and why in words, is its cause."""
    if exc.status_code == 400 and isinstance(exc.__cause__, jsontext.JsonRejected):
        return InvalidJson(f"the body is not valid JSON: {exc.__cause__}")
    return None


class _BoundedJsonRequest(Request):
    """A request whose JSON body is read by ``core.jsontext``: request bodies and fetched
    documents are held to the same size and depth bounds."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = jsontext.loads(await self.body())
        return self._json


class BoundedJsonRoute(APIRoute):
    """The route class of every role's router (FastAPI's custom-request pattern)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            return await handle(_BoundedJsonRequest(request.scope, request.receive))

        return bounded


def install_error_handlers(app: FastAPI) -> None:
    async def on_intyg_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IntygError)
        return render_error(exc)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        unreadable = unreadable_body(request, list(exc.errors()))
        if unreadable is not None:
            return render_error(unreadable)
        # Messages and field paths only: pydantic's "input" may hold personal data.
        errors = [{"field": _field_path(_loc(e)), "message": _message(e)} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "invalid_input", "The input is not valid", detail, errors=errors)

    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        unparsed = _unparsed_json(exc)
        if unparsed is not None:
            return render_error(unparsed)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        response = problem(exc.status_code, code, str(exc.detail), str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_unexpected(_request: Request, exc: Exception) -> Response:
        log.error("unexpected error: %s", type(exc).__name__)
        return problem(500, "internal_error", "Internal error", "An unexpected error occurred")

    app.add_exception_handler(IntygError, on_intyg_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)


PROBLEM_SCHEMA: dict[str, object] = {
    "title": "Problem",
    "description": "RFC 9457 problem details with Intyg's stable code",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


JSON_BODY_RESPONSES = {
    "400": "invalid_json: the body is empty, not UTF-8 or not valid JSON (the detail says where)",
    "415": "unsupported_media_type: the body is not sent as Content-Type: application/json",
}


def document_problems(app: FastAPI) -> None:
    """The OpenAPI document as served: a 422 is the problem document that
    ``on_validation_error`` writes (``application/problem+json``), not FastAPI's default
    ``HTTPValidationError`` — so that no response breaks the schema the document declares;
    and an operation that takes a JSON body declares the 400 and 415 problems of
    ``unreadable_body``."""
    generate = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        problem_ref = {"$ref": "#/components/schemas/Problem"}
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                invalid = responses.get("422")
                if invalid is not None:
                    invalid["content"] = {PROBLEM_JSON: {"schema": problem_ref}}
                if "application/json" in operation.get("requestBody", {}).get("content", {}):
                    for status, description in JSON_BODY_RESPONSES.items():
                        responses.setdefault(
                            status,
                            {
                                "description": description,
                                "content": {PROBLEM_JSON: {"schema": problem_ref}},
                            },
                        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


class BodyLimitMiddleware:
    """Refuse request bodies past a bound before the application reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await render_error(PayloadTooLarge(f"at most {self.max_bytes} bytes"))(
                scope, receive, send
            )
            return
        if declared is None:  # chunked: read (at most max_bytes) before the app sees it
            await self._buffered(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise PayloadTooLarge(f"at most {self.max_bytes} bytes")
            return message

        await self.app(scope, limited_receive, send)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A body without Content-Length: raising from ``receive`` would reach the app's body
        parsing, which FastAPI turns into a 400 ("error parsing the body"); so the body is read
        here, refused with 413 past the bound, and replayed to the app whole."""
        body = bytearray()
        first: Message = {"type": "http.request", "body": b"", "more_body": False}
        while True:
            message = await receive()
            if message["type"] != "http.request":
                first = message  # a disconnect: the app sees it as it would have
                break
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await render_error(PayloadTooLarge(f"at most {self.max_bytes} bytes"))(
                    scope, receive, send
                )
                return
            if not message.get("more_body", False):
                first = {"type": "http.request", "body": bytes(body), "more_body": False}
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return first
            return await receive()

        await self.app(scope, replay, send)

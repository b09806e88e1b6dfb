"""What keeps the pages safe: security headers, cookies, and cross-site request forgery.

- Every HTML response (but the API docs, whose bundled pages need inline script) carries a
  strict Content-Security-Policy: scripts, styles and forms only from this origin, no inline
  script, nothing may frame the page (``frame-ancestors 'none'``).
- Cookies are ``HttpOnly`` and ``SameSite=Lax`` (a QR code or a same-device link is a
  top-level navigation from elsewhere, which must arrive signed in), and ``Secure`` unless the
  public URL is plain http on loopback in development. They carry no ``Expires``: the server
  decides when a session ends (idle and absolute expiry), and the browser forgets the cookie
  when it closes.
- Forms carry a CSRF token: an HMAC, under a key derived from the master key, of a random
  value in its own cookie (a signed double-submit cookie, OWASP's recommendation). A forged
  form has neither the cookie's value nor the key. A POST from another origin (``Origin`` or
  ``Sec-Fetch-Site`` says so) is refused before the token is even looked at.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.config import Settings, is_loopback_host
from core.errors import Forbidden
from core.runtime import Runtime

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # QR codes are inline SVG images
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# Swagger UI and ReDoc (fastapi-offline) are pages with inline script of their own.
CSP_EXEMPT: Final = ("/docs", "/redoc")

CSRF_COOKIE: Final = "intyg_csrf"
CSRF_FIELD: Final = "csrf_token"


class CsrfRefused(Forbidden):
    code = "csrf_failed"
    title = "The form could not be accepted: reload the page and send it again"


class SecurityHeadersMiddleware:
    """Adds the headers above at ``http.response.start``, so that API responses pay only a
    header check (a plain ASGI middleware: no response buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exempt = str(scope.get("path", "")).startswith(CSP_EXEMPT)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                if headers.get("content-type", "").startswith("text/html") and not exempt:
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                    # Not "no-referrer": with it, browsers send `Origin: null` on same-origin
                    # POSTs, and the Origin check below could tell nothing.
                    headers["Referrer-Policy"] = "same-origin"
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


def cookies_secure(settings: Settings) -> bool:
    parts = urlsplit(settings.public_url)
    return not (
        settings.development and parts.scheme == "http" and is_loopback_host(parts.hostname)
    )


def set_cookie(
    response: Response, settings: Settings, name: str, value: str, *, path: str = "/"
) -> None:
    response.set_cookie(
        name,
        value,
        path=path,
        httponly=True,
        samesite="lax",
        secure=cookies_secure(settings),
    )


def forget_cookie(response: Response, settings: Settings, name: str, *, path: str = "/") -> None:
    response.delete_cookie(
        name, path=path, httponly=True, samesite="lax", secure=cookies_secure(settings)
    )


def _token_for(rt: Runtime, cookie_value: str) -> str:
    key = rt.master_key.derive(b"pages csrf")
    return hmac.new(key, cookie_value.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request, rt: Runtime) -> str:
    """The token for the forms of this page; a first visit gets a new cookie value, which
    ``issue_csrf_cookie`` sets on the response."""
    value = request.cookies.get(CSRF_COOKIE)
    if not value or len(value) > 100:
        value = getattr(request.state, "new_csrf_cookie", None) or secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = value
    return _token_for(rt, value)


def issue_csrf_cookie(request: Request, response: Response, rt: Runtime) -> None:
    value = getattr(request.state, "new_csrf_cookie", None)
    if value:
        set_cookie(response, rt.settings, CSRF_COOKIE, value)


def check_csrf(request: Request, rt: Runtime, submitted: object) -> None:
    """Refuse a form POST from another site, or without the token of this browser's cookie."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfRefused("the form was sent from another site")
    origin = request.headers.get("origin")
    # The request's own origin (its Host header, which another site cannot set) or the
    # public URL's (behind a proxy that rewrites Host).
    own = (_origin(str(request.base_url)), _origin(rt.settings.public_url))
    if origin and origin != "null" and origin not in own:
        raise CsrfRefused("the form was sent from another origin")
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not isinstance(submitted, str):
        raise CsrfRefused("the form has no CSRF token, or the browser sent no CSRF cookie")
    if not hmac.compare_digest(submitted, _token_for(rt, cookie)):
        raise CsrfRefused("the form's CSRF token does not match this browser's")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"

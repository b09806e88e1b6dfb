"""Server-rendered pages: one way to render, to take a form, and to fail, for every role.

Each role builds a ``Pages`` from its own template and catalogue folders (the core's come
after them: the layout, the stylesheet, the shared texts). Page routes are plain FastAPI routes
of ``PageRoute``, left out of the OpenAPI document (the API is the contract; pages are for
people) and ``def`` whenever they touch the database (docs/architecture.md, "Where requests
run"). They call the role's services, never the database directly and never the HTTP API.

A domain error in a page route becomes an HTML error page in the reader's language with the
same status and stable code the API would give; ``SignInRequired`` becomes a redirect to the
role's sign-in page. Forms are read with ``FormDep``, which refuses a form without this
browser's CSRF token (``core.pages.security``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Final
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData

from core.config import is_loopback_host
from core.errors import IntygError
from core.pages.i18n import LANGUAGE_COOKIE, Catalogues, Translator, choose_language
from core.pages.security import CSRF_FIELD, check_csrf, csrf_token, issue_csrf_cookie
from core.qr import qr_svg
from core.runtime import Runtime

HERE: Final = Path(__file__).parent
STATIC_DIR: Final = HERE / "static"
STATIC_PATH: Final = "/static"
NOTICE_COOKIE: Final = "intyg_notice"


class SignInRequired(IntygError):
    """A page that needs a signed-in person was opened without one: answered with a redirect
    to ``sign_in_url`` (which comes back to the page afterwards)."""

    code = "sign_in_required"
    status = 401
    title = "Sign in to see this page"

    def __init__(self, sign_in_url: str, detail: str | None = None) -> None:
        super().__init__(detail)
        self.sign_in_url = sign_in_url


def local_path(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``: ``next=`` parameters must
    not redirect anywhere else (an open redirect is a phishing aid)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


#: Query parameters that carry one-time secrets (an authorization response's ``code``, a
#: same-device ``response_code``): never echoed into a page or a ``next=`` link.
SECRET_PARAMETERS = frozenset({"code", "response_code", "state", "iss"})


def current_path(request: Request) -> str:
    """This page's path and query, without ``SECRET_PARAMETERS``."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in SECRET_PARAMETERS]
    return request.url.path + (f"?{urlencode(kept)}" if kept else "")


def sign_in_redirect(sign_in_url: str, request: Request) -> str:
    """The sign-in page, then back here; after a form whose session had ended, back to the
    page the form was on (its ``Referer``, when on this site): a POST cannot be replayed."""
    if request.method in ("GET", "HEAD"):
        here = current_path(request)
    else:
        referer = urlsplit(request.headers.get("referer", ""))
        same_site = referer.netloc == request.url.netloc
        here = local_path(referer.path if same_site else None, "")
    return f"{sign_in_url}?next={quote(here, safe='')}" if here else sign_in_url


@cache
def _static_version(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """A cache-busting URL of a file of ``core/pages/static``."""
    return f"{STATIC_PATH}/{name}?v={_static_version(name)}"


def qr_image(text: str) -> str:
    """A QR code of ``text`` as a ``data:`` URI for an ``<img>`` (the CSP allows ``data:``
    images, not inline SVG markup with styles)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text).encode()).decode()


# Intyg serves Sweden: times are shown in Swedish time, with the zone named (CET/CEST).
PAGE_TIME_ZONE: Final = ZoneInfo("Europe/Stockholm")


def format_date(timestamp: int | None) -> str:
    """A Unix time as an ISO 8601 date: the same in both languages, never ambiguous."""
    if timestamp is None:
        return "–"
    return datetime.fromtimestamp(timestamp, PAGE_TIME_ZONE).strftime("%Y-%m-%d")


def format_datetime(timestamp: int | None) -> str:
    if timestamp is None:
        return "–"
    return datetime.fromtimestamp(timestamp, PAGE_TIME_ZONE).strftime("%Y-%m-%d %H:%M %Z")


def language_of(request: Request) -> str:
    return choose_language(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


class Pages:
    """The templates and catalogues of one role (and the core's, as fallback)."""

    def __init__(self, *folders: Path) -> None:
        """``folders``: each holds ``templates/`` and ``messages/``, the role's first."""
        everything = (*folders, HERE)
        self.catalogues = Catalogues.load(folder / "messages" for folder in everything)
        self.environment = Environment(
            loader=ChoiceLoader([FileSystemLoader(folder / "templates") for folder in everything]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,  # a misspelt variable fails the test, not the reader
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.environment.globals["static"] = static_url
        self.environment.globals["qr_image"] = qr_image
        self.environment.filters["date"] = format_date
        self.environment.filters["datetime"] = format_datetime

    def translator(self, request: Request) -> Translator:
        return self.catalogues.translator(language_of(request))

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, object] | None = None,
        *,
        status: int = 200,
    ) -> HTMLResponse:
        rt = runtime_of(request)
        t = self.translator(request)
        notice = request.query_params.get("notice", "")
        if notice and request.cookies.get(NOTICE_COOKIE) != notice:
            notice = ""  # not this browser's own redirect: a link from elsewhere
        here = current_path(request)
        html = self.environment.get_template(template).render(
            {
                "t": t,
                "lang": t.language,
                "csrf_field": CSRF_FIELD,
                "csrf": csrf_token(request, rt),
                "here": here,
                "notice": t.messages.get(f"notice.{notice}") if notice else None,
                "loopback": _is_loopback(rt),
                "signed_in": None,
                "sign_out_url": None,
                **(context or {}),
            }
        )
        response = HTMLResponse(html, status_code=status)
        issue_csrf_cookie(request, response, rt)
        if notice:
            response.delete_cookie(NOTICE_COOKIE, httponly=True, samesite="lax")  # shown once
        return response

    def error(self, request: Request, exc: IntygError) -> HTMLResponse:
        t = self.translator(request)
        # the code's own text, else its parent class's (a credential_not_found is a not_found)
        codes = [getattr(cls, "code", None) for cls in type(exc).__mro__]
        title = next(
            (t.messages[f"error.{c}"] for c in codes if f"error.{c}" in t.messages),
            t("error.generic"),
        )
        return self.render(
            request,
            "error.html",
            {"error_title": title, "error_code": exc.code, "error_detail": exc.detail},
            status=exc.status,
        )


def _is_loopback(rt: Runtime) -> bool:
    return is_loopback_host(urlsplit(rt.settings.public_url).hostname)


def redirect(url: str, *, notice: str | None = None) -> RedirectResponse:
    """303 See Other after a form (POST/redirect/GET), with an optional notice key.

    The notice shows only when this browser's ``intyg_notice`` cookie, set here, names it
    too: a link with ``?notice=withdrawn`` made elsewhere cannot make a page claim that
    something happened which did not."""
    if not notice:
        return RedirectResponse(url, status_code=303)
    response = RedirectResponse(
        url + ("&" if "?" in url else "?") + f"notice={notice}", status_code=303
    )
    # Not Secure-flagged: it names a text of the catalogue, nothing to protect, and must
    # work on a plain-http loopback demo as on https.
    response.set_cookie(NOTICE_COOKIE, notice, max_age=60, httponly=True, samesite="lax")
    return response


class InvalidForm(IntygError):
    code = "invalid_form"
    status = 400
    title = "The form is missing a field or has one that does not fit"


def page_route(pages: Pages) -> type[APIRoute]:
    """The route class of a role's page router: errors become pages, not problem JSON."""

    class PageRoute(APIRoute):
        is_page: ClassVar[bool] = True  # tests find every page route by it

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handle = super().get_route_handler()

            async def as_page(request: Request) -> Response:
                if _has_nul(request.url.path, *request.query_params.values()):
                    return pages.error(request, InvalidForm("a value holds a NUL character"))
                try:
                    return await handle(request)
                except SignInRequired as exc:
                    return RedirectResponse(sign_in_redirect(exc.sign_in_url, request), 303)
                except IntygError as exc:
                    return pages.error(request, exc)
                except RequestValidationError as exc:
                    fields = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
                    return pages.error(request, InvalidForm(", ".join(fields) or None))

            return as_page

    return PageRoute


async def checked_form(request: Request) -> FormData:
    """The submitted form, once its CSRF token is checked (an async dependency: reading the
    body belongs on the event loop; nothing here waits for the database)."""
    form = await request.form()
    check_csrf(request, runtime_of(request), form.get(CSRF_FIELD))
    if _has_nul(*(value for value in form.values() if isinstance(value, str))):
        raise InvalidForm("a field holds a NUL character")
    return form


def _has_nul(*texts: str) -> bool:
    """NUL is never text a person typed, and PostgreSQL refuses it in a string: a form or
    query that holds one is refused up front, never a 500 deeper in."""
    return any("\x00" in text for text in texts)


FormDep = Annotated[FormData, Depends(checked_form)]

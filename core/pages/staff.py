"""Signing staff in and out of a tenant's pages: shared by the issuer portal and the
verifier's pages.

A ``StaffPortal`` is built once per role with the role's ``Pages``, its staff kind, the base
path of a tenant's pages (``"/issuers/{slug}"``) and a function that finds the tenant of a
slug. It adds three page routes under each tenant's base path — ``GET``/``POST sign-in`` and
``POST sign-out`` — and offers ``current_staff``, the dependency of every page that needs a
signed-in member of staff::

    portal = StaffPortal(pages, "issuer", "/issuers/{slug}", tenant_of)
    portal.add_sign_in_routes(router)
    StaffDep = Annotated[SignedInStaff, Depends(portal.current_staff)]

    @router.get("/issuers/{slug}")
    def home(request: Request, staff: StaffDep) -> HTMLResponse:
        return pages.render(request, "home.html", portal.page_context(staff))

The session token lives in an ``HttpOnly``, ``SameSite=Lax`` cookie (``Secure`` except on
plain-http loopback in development) whose ``Path`` is the tenant's base path: a browser sends
it to that tenant's pages only. A wrong username and a wrong password get the same page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from core.deps import SessionDep
from core.errors import IntygError
from core.pages import FormDep, Pages, SignInRequired, local_path, redirect, runtime_of
from core.pages.security import forget_cookie, set_cookie
from core.signin import BadCredentials, SessionInvalid, TooManyAttempts
from core.staff import service
from core.staff.models import StaffAccount, StaffKind

# slug -> (tenant id, tenant name); raises NotFound for an unknown slug
TenantOf = Callable[[Session, str], tuple[str, str]]
StaffSlug = Annotated[str, Path(max_length=64)]
NextPath = Annotated[str | None, Query(alias="next", max_length=2000)]


@dataclass(frozen=True)
class SignedInStaff:
    account: StaffAccount
    tenant_id: str
    tenant_name: str
    slug: str

    @property
    def name(self) -> str:
        """What the page header shows: the display name, else the username."""
        return self.account.display_name or self.account.username


class StaffPortal:
    def __init__(self, pages: Pages, kind: str, base_path: str, tenant_of: TenantOf) -> None:
        """``base_path``: the path of a tenant's pages with a ``{slug}`` placeholder, e.g.
        ``"/issuers/{slug}"``; its home page is the base path itself."""
        if "{slug}" not in base_path or base_path.endswith("/"):
            raise ValueError("base_path: like '/issuers/{slug}', without a trailing slash")
        self.pages = pages
        self.kind = StaffKind(kind).value
        self.base_path = base_path
        self.tenant_of = tenant_of
        self.cookie_name = f"intyg_{self.kind}_staff"

    def base(self, slug: str) -> str:
        return self.base_path.format(slug=slug)

    def home_url(self, slug: str) -> str:
        return self.base(slug)

    def sign_in_url(self, slug: str) -> str:
        return f"{self.base(slug)}/sign-in"

    def sign_out_url(self, slug: str) -> str:
        return f"{self.base(slug)}/sign-out"

    def page_context(self, staff: SignedInStaff) -> dict[str, object]:
        """The layout's header for a signed-in page: who, and the sign-out form's target."""
        return {
            "signed_in": staff.name,
            "sign_out_url": self.sign_out_url(staff.slug),
            "tenant_name": staff.tenant_name,
            "home_url": self.home_url(staff.slug),
        }

    # --- the dependency ---------------------------------------------------------------

    def current_staff(
        self, request: Request, session: SessionDep, slug: StaffSlug
    ) -> SignedInStaff:
        """The signed-in member of the slug's tenant's staff; a page without one answers
        with a redirect to the sign-in page (``SignInRequired``)."""
        tenant_id, tenant_name = self.tenant_of(session, slug)
        token = request.cookies.get(self.cookie_name)
        try:
            account = service.account_for_session(
                session, runtime_of(request), self.kind, tenant_id, token
            )
        except SessionInvalid:
            raise SignInRequired(self.sign_in_url(slug)) from None
        return SignedInStaff(account, tenant_id, tenant_name, slug)

    # --- the routes -------------------------------------------------------------------

    def add_sign_in_routes(self, router: APIRouter) -> None:
        """``GET``/``POST {base}/sign-in`` and ``POST {base}/sign-out`` on a router whose
        route class is ``page_route(pages)``."""
        base = self.base_path
        router.add_api_route(
            f"{base}/sign-in", self._show, methods=["GET"], include_in_schema=False
        )
        router.add_api_route(
            f"{base}/sign-in", self._sign_in, methods=["POST"], include_in_schema=False
        )
        router.add_api_route(
            f"{base}/sign-out", self._sign_out, methods=["POST"], include_in_schema=False
        )

    def _show(
        self, request: Request, session: SessionDep, slug: StaffSlug, next_path: NextPath = None
    ) -> Response:
        _, tenant_name = self.tenant_of(session, slug)
        return self._form(request, slug, tenant_name, next_path=next_path)

    def _sign_in(
        self, request: Request, session: SessionDep, slug: StaffSlug, form: FormDep
    ) -> Response:
        tenant_id, tenant_name = self.tenant_of(session, slug)
        username, password = str(form.get("username") or ""), str(form.get("password") or "")
        next_path = str(form.get("next") or "")
        rt = runtime_of(request)
        address = request.client.host if request.client else "unknown"
        try:
            made = service.sign_in(session, rt, self.kind, tenant_id, username, password, address)
        except (BadCredentials, TooManyAttempts) as exc:
            return self._form(
                request, slug, tenant_name, next_path=next_path, username=username, error=exc
            )
        service.sign_out(session, request.cookies.get(self.cookie_name))  # a previous one
        response = RedirectResponse(self._next(slug, next_path), status_code=303)
        set_cookie(response, rt.settings, self.cookie_name, made.token, path=self.base(slug))
        return response

    def _sign_out(
        self, request: Request, session: SessionDep, slug: StaffSlug, form: FormDep
    ) -> Response:
        del form  # checked for its CSRF token; nothing else in it
        service.sign_out(session, request.cookies.get(self.cookie_name))
        response = redirect(self.sign_in_url(slug), notice="signed_out")
        forget_cookie(
            response, runtime_of(request).settings, self.cookie_name, path=self.base(slug)
        )
        return response

    def _next(self, slug: str, target: str | None) -> str:
        """Back to the page that asked for sign-in, if it is one of this tenant's pages."""
        home = self.home_url(slug)
        path = local_path(target, home)
        within = path == home or path.startswith((f"{home}/", f"{home}?"))
        return path if within and not path.startswith(self.sign_in_url(slug)) else home

    def _form(
        self,
        request: Request,
        slug: str,
        tenant_name: str,
        *,
        next_path: str | None,
        username: str = "",
        error: IntygError | None = None,
    ) -> HTMLResponse:
        return self.pages.render(
            request,
            "staff_sign_in.html",
            {
                "kind": self.kind,
                "tenant_name": tenant_name,
                "action": self.sign_in_url(slug),
                "home_url": self.home_url(slug),
                "next": next_path or "",
                "username": username,
                "error_code": error.code if error else None,
            },
            status=error.status if error else 200,
        )

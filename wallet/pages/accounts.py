"""Sign up, sign in and out; the account page: export everything, delete the account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from core.deps import RuntimeDep, SessionDep
from core.errors import InvalidInput
from core.pages import FormDep, local_path, redirect
from core.pages.security import forget_cookie
from core.signin import BadCredentials, TooManyAttempts
from wallet.pages.common import (
    BASE,
    SESSION_COOKIE,
    SIGN_IN,
    HolderPage,
    PageRoute,
    pages,
    signed_in,
    start_session,
)
from wallet.service import accounts, portability

router = APIRouter(route_class=PageRoute, include_in_schema=False)

NextPage = Annotated[str | None, Query(alias="next", max_length=2000)]


def _sign_in_page(
    request: Request,
    *,
    next_page: str | None,
    username: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    return pages.render(
        request,
        "sign_in.html",
        {"next_page": local_path(next_page, BASE), "username": username, "error": error},
        status=status,
    )


@router.get(f"{BASE}/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next_page: NextPage = None) -> HTMLResponse:
    return _sign_in_page(request, next_page=next_page)


@router.post(f"{BASE}/sign-in", response_class=HTMLResponse)
def sign_in(request: Request, form: FormDep, session: SessionDep, rt: RuntimeDep) -> Response:
    username = str(form.get("username", ""))[:254]
    next_page = str(form.get("next", ""))
    address = request.client.host if request.client else "unknown"
    t = pages.translator(request)
    try:
        created = accounts.sign_in(
            session, rt, username, str(form.get("password", ""))[:256], address
        )
    except (BadCredentials, TooManyAttempts) as exc:  # the form again, with why beside it
        return _sign_in_page(
            request,
            next_page=next_page,
            username=username,
            error=t(f"error.{exc.code}"),
            status=exc.status,
        )
    accounts.sign_out(session, request.cookies.get(SESSION_COOKIE))  # a session it replaces
    response = redirect(local_path(next_page, BASE))
    start_session(response, rt, created.token)
    return response


@router.get(f"{BASE}/sign-up", response_class=HTMLResponse)
def sign_up_form(request: Request) -> HTMLResponse:
    return pages.render(request, "sign_up.html", {"username": "", "errors": {}})


@router.post(f"{BASE}/sign-up", response_class=HTMLResponse)
def sign_up(request: Request, form: FormDep, session: SessionDep, rt: RuntimeDep) -> Response:
    username = str(form.get("username", ""))[:254]
    password = str(form.get("password", ""))[:300]
    t = pages.translator(request)
    errors: dict[str, str] = {}
    if password != str(form.get("password_again", "")):
        errors["password_again"] = t("wallet.sign_up.mismatch")
    else:
        try:
            accounts.sign_up(session, rt, username, password)
        except accounts.AccountExists:
            errors["username"] = t("wallet.sign_up.taken")
        except InvalidInput as exc:
            field = "password" if (exc.detail or "").startswith("password") else "username"
            errors[field] = t(f"wallet.sign_up.bad_{field}")
    if errors:
        return pages.render(
            request, "sign_up.html", {"username": username, "errors": errors}, status=422
        )
    address = request.client.host if request.client else "unknown"
    created = accounts.sign_in(session, rt, username, password, address)
    response = redirect(BASE, notice="welcome")
    start_session(response, rt, created.token)
    return response


@router.post(f"{BASE}/sign-out")
def sign_out(request: Request, _form: FormDep, session: SessionDep, rt: RuntimeDep) -> Response:
    accounts.sign_out(session, request.cookies.get(SESSION_COOKIE))
    response = redirect(SIGN_IN, notice="signed_out")
    forget_cookie(response, rt.settings, SESSION_COOKIE, path=BASE)
    return response


@router.get(f"{BASE}/account", response_class=HTMLResponse)
def account(request: Request, holder: HolderPage) -> HTMLResponse:
    return pages.render(
        request, "account.html", {**signed_in(holder), "created_at": holder.created_at}
    )


@router.get(f"{BASE}/account/export")
def export(holder: HolderPage, session: SessionDep, rt: RuntimeDep) -> JSONResponse:
    """The same file as the API's export (GDPR Art. 20), as a download."""
    return JSONResponse(
        portability.export(session, rt, holder),
        headers={
            "Content-Disposition": 'attachment; filename="intyg-wallet-export.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get(f"{BASE}/account/delete", response_class=HTMLResponse)
def delete_form(request: Request, holder: HolderPage) -> HTMLResponse:
    return pages.render(request, "delete_account.html", {**signed_in(holder), "error": None})


@router.post(f"{BASE}/account/delete", response_class=HTMLResponse)
def delete(
    request: Request, form: FormDep, holder: HolderPage, session: SessionDep, rt: RuntimeDep
) -> Response:
    """Deleting is final, so the holder types their username to confirm it."""
    if str(form.get("confirm_username", "")).strip().lower() != holder.username:
        t = pages.translator(request)
        return pages.render(
            request,
            "delete_account.html",
            {**signed_in(holder), "error": t("wallet.account.confirm_mismatch")},
            status=422,
        )
    accounts.delete_account(session, holder)
    response = redirect("/", notice="account_deleted")
    forget_cookie(response, rt.settings, SESSION_COOKIE, path=BASE)
    return response

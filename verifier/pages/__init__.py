"""The employer's pages, under ``/verifiers/{slug}``: request templates, starting a request
(QR code, same-device links, a result that arrives by itself), the history of requests, and
checking a pasted credential. Every page but sign-in needs a signed-in staff member of that
verifier. The pages call ``verifier.service`` only, as the API does; their paths never meet
the API's (``/requests``, ``/verify``, ``/trust-list``, ...), which keep the API key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from core.db import before_network_call
from core.deps import RuntimeDep, SessionDep, Slug
from core.pages import (
    FormDep,
    InvalidForm,
    Pages,
    SignInRequired,
    format_datetime,
    page_route,
    redirect,
)
from core.pages.i18n import Translator
from core.pages.security import forget_cookie, set_cookie
from core.pages.staff import SignedInStaff, StaffPortal
from verifier import service
from verifier.models import VerifierRequestTemplate, VerifierTenant
from verifier.pages import views

pages = Pages(Path(__file__).parent)


#: The same-device request this browser started (OpenID4VP 1.0 §13.3 step 8): the one its
#: response code may release here.
SAME_DEVICE_COOKIE = "intyg_same_device"


# --- who is signed in ------------------------------------------------------------------------


def _tenant_of(session: Session, slug: str) -> tuple[str, str]:
    tenant = service.tenant_by_slug(session, slug)
    return tenant.id, tenant.name


portal = StaffPortal(pages, "verifier", "/verifiers/{slug}", _tenant_of)
StaffDep = Annotated[SignedInStaff, Depends(portal.current_staff)]


@dataclass(frozen=True)
class Desk:
    """The signed-in staff member at their verifier: what every page needs."""

    tenant: VerifierTenant
    staff: SignedInStaff

    @property
    def base(self) -> str:
        return f"/verifiers/{self.tenant.slug}"

    def context(self, section: str, **extra: object) -> dict[str, object]:
        return {
            **portal.page_context(self.staff),
            "base": self.base,
            "section": section,
            **extra,
        }


def signed_in_desk(slug: Slug, session: SessionDep, staff: StaffDep) -> Desk:
    """The portal's check holds already (the session is of this tenant's staff: its cookie's
    path is this tenant's pages); checked again here, on the row the services get."""
    tenant = service.tenant_by_slug(session, slug)
    if staff.tenant_id != tenant.id:
        raise SignInRequired(portal.sign_in_url(slug))
    return Desk(tenant, staff)


DeskDep = Annotated[Desk, Depends(signed_in_desk)]


# --- forms -----------------------------------------------------------------------------------

NOT_ASKED = "no"
CHOICES = (NOT_ASKED, *service.Requirement)


def _field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise InvalidForm(name)
    return value


def _draft(form: FormData) -> service.TemplateDraft:
    claims: dict[str, service.Requirement] = {}
    for name in service.CLAIMS:
        choice = _field(form, f"claim_{name}") or NOT_ASKED
        if choice == NOT_ASKED:
            continue
        try:
            claims[name] = service.Requirement(choice)
        except ValueError:
            raise InvalidForm(f"claim_{name}") from None
    return service.TemplateDraft(
        name=_field(form, "name"),
        purpose=_field(form, "purpose"),
        purpose_id=_field(form, "purpose_id"),
        vct=_field(form, "vct"),
        claims=claims,
        trusted_authorities=tuple(
            str(k) for k in form.getlist("trusted_authorities") if isinstance(k, str)
        ),
    )


def _types(rt: RuntimeDep, tenant: VerifierTenant, current: str) -> list[str]:
    offered = service.offered_types(rt, tenant)
    return offered if not current or current in offered else [current, *offered]


def _field_errors(errors: dict[str, str], t: Translator) -> dict[str, str]:
    return {
        field: t.messages.get(f"templates.error.{code}") or t("templates.error.dcql", code=code)
        for field, code in errors.items()
    }


def _template_form(
    request: Request,
    desk: Desk,
    rt: RuntimeDep,
    draft: service.TemplateDraft,
    *,
    template: VerifierRequestTemplate | None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    t = pages.translator(request)
    claims = [
        (name, views.claim_label((name,), t), draft.claims.get(name, NOT_ASKED))
        for name in service.CLAIMS
    ]
    context = desk.context(
        "templates",
        template=template,
        draft=draft,
        claims=claims,
        choices=[(c, t(f"verifier.templates.choice.{c}")) for c in CHOICES],
        types=_types(rt, desk.tenant, draft.vct),
        type_name=views.type_name(t),
        trusted_authority_kinds=service.TRUSTED_AUTHORITY_KINDS,
        errors=_field_errors(errors or {}, t),
        action=f"{desk.base}/templates/{template.id}" if template else f"{desk.base}/templates",
    )
    return pages.render(request, "template_form.html", context, status=422 if errors else 200)


# --- the router --------------------------------------------------------------------------------


def verifier_pages_router(*, hosted_wallet: bool = False) -> APIRouter:
    """``hosted_wallet``: this process also hosts the wallet, so a request page offers a link
    straight into it (same browser, same device)."""
    router = APIRouter(route_class=page_route(pages), include_in_schema=False)
    portal.add_sign_in_routes(router)
    base = portal.base_path

    @router.get(base, response_class=HTMLResponse)
    def home(request: Request, desk: DeskDep, session: SessionDep) -> HTMLResponse:
        templates = service.list_templates(session, desk.tenant)
        return pages.render(request, "home.html", desk.context("home", templates=templates))

    @router.get(base + "/templates/new", response_class=HTMLResponse)
    def new_template(request: Request, desk: DeskDep, rt: RuntimeDep) -> HTMLResponse:
        offered = service.offered_types(rt, desk.tenant)
        names = {
            "given_name": service.Requirement.REQUIRED,
            "family_name": service.Requirement.REQUIRED,
        }
        draft = service.TemplateDraft("", "", offered[0], names)
        return _template_form(request, desk, rt, draft, template=None)

    @router.post(base + "/templates", response_class=HTMLResponse)
    def create_template(
        request: Request, desk: DeskDep, form: FormDep, session: SessionDep, rt: RuntimeDep
    ) -> Response:
        draft = _draft(form)
        try:
            service.create_template(session, rt, desk.tenant, draft)
        except service.TemplateInvalid as exc:
            return _template_form(request, desk, rt, draft, template=None, errors=exc.errors)
        return redirect(desk.base, notice="template_saved")

    @router.get(base + "/templates/{template_id}", response_class=HTMLResponse)
    def edit_template(
        request: Request, template_id: str, desk: DeskDep, session: SessionDep, rt: RuntimeDep
    ) -> HTMLResponse:
        template = service.get_template(session, desk.tenant, template_id)
        draft = service.draft_of(template)
        return _template_form(request, desk, rt, draft, template=template)

    @router.post(base + "/templates/{template_id}", response_class=HTMLResponse)
    def update_template(
        request: Request,
        template_id: str,
        desk: DeskDep,
        form: FormDep,
        session: SessionDep,
        rt: RuntimeDep,
    ) -> Response:
        template = service.get_template(session, desk.tenant, template_id)
        draft = _draft(form)
        try:
            service.update_template(session, rt, desk.tenant, template.id, draft)
        except service.TemplateInvalid as exc:
            return _template_form(request, desk, rt, draft, template=template, errors=exc.errors)
        return redirect(desk.base, notice="template_saved")

    @router.get(base + "/templates/{template_id}/delete", response_class=HTMLResponse)
    def confirm_delete(
        request: Request, template_id: str, desk: DeskDep, session: SessionDep
    ) -> HTMLResponse:
        template = service.get_template(session, desk.tenant, template_id)
        context = desk.context("home", template=template)
        return pages.render(request, "template_delete.html", context)

    @router.post(base + "/templates/{template_id}/delete")
    def delete_template(
        template_id: str, desk: DeskDep, form: FormDep, session: SessionDep
    ) -> RedirectResponse:
        service.delete_template(session, desk.tenant, template_id)
        return redirect(desk.base, notice="template_deleted")

    @router.post(base + "/templates/{template_id}/start")
    def start_request(
        template_id: str, desk: DeskDep, form: FormDep, session: SessionDep, rt: RuntimeDep
    ) -> RedirectResponse:
        made = service.start_from_template(session, rt, desk.tenant, template_id)
        return redirect(f"{desk.base}/history/{made.id}")

    @router.get(base + "/history", response_class=HTMLResponse)
    def history(
        request: Request,
        desk: DeskDep,
        session: SessionDep,
        rt: RuntimeDep,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> HTMLResponse:
        listed = service.list_requests(session, rt, desk.tenant, page)
        t = pages.translator(request)
        outcomes = [
            (row, views.request_view(row.status, row.result, t).outcome) for row in listed.requests
        ]
        rows = [
            {
                "id": row.id,
                "template": row.template_name,
                "purpose": row.purpose,
                "created": format_datetime(row.created_at),
                "outcome": outcome,
                "outcome_text": t(f"verifier.outcome.{outcome}"),
            }
            for row, outcome in outcomes
        ]
        context = desk.context("history", rows=rows, listed=listed)
        return pages.render(request, "history.html", context)

    @router.get(base + "/history/{request_id}", response_class=HTMLResponse)
    def asked(
        request: Request, request_id: str, desk: DeskDep, session: SessionDep, rt: RuntimeDep
    ) -> HTMLResponse:
        row = service.request_status(session, rt, desk.tenant, request_id)
        links = service.request_links(rt, desk.tenant.slug, row.id, row.client_id)
        t = pages.translator(request)
        context = desk.context(
            "history",
            row=row,
            created=format_datetime(row.created_at),
            link=links.authorization_request,
            hosted_wallet=hosted_wallet,
            result=views.request_view(row.status, row.result, t),
            poll_url=f"{desk.base}/history/{row.id}/result",
        )
        return pages.render(request, "request.html", context)

    @router.post(base + "/history/{request_id}/same-device")
    def same_device(
        request_id: str, desk: DeskDep, form: FormDep, session: SessionDep, rt: RuntimeDep
    ) -> RedirectResponse:
        """A wallet on this device (OpenID4VP 1.0 §8.2, HAIP 1.0 §5.1): a new request whose
        answer brings this browser back to ``returned`` with the one-time response code."""
        back = f"{rt.settings.public_url}{desk.base}/returned"
        made = service.same_device_request(session, rt, desk.tenant, request_id, back)
        if hosted_wallet and _field(form, "wallet") == "hosted":
            response = redirect(
                "/wallet/share?request=" + quote(made.authorization_request, safe="")
            )
        else:
            response = redirect(made.authorization_request)  # the device's wallet app
        # §13.3 step 8, HAIP 1.0 §5.1: only this browser may bring the answer back
        set_cookie(response, rt.settings, SAME_DEVICE_COOKIE, made.id, path=desk.base)
        return response

    @router.get(base + "/returned", response_class=HTMLResponse)
    def returned(request: Request, desk: DeskDep) -> HTMLResponse:
        """Where the wallet sends the browser back; the response code is in the fragment,
        which only this page's script reads (a server never sees a fragment)."""
        return pages.render(request, "returned.html", desk.context("history"))

    @router.post(base + "/returned")
    def redeem(
        request: Request, desk: DeskDep, form: FormDep, session: SessionDep, rt: RuntimeDep
    ) -> RedirectResponse:
        code = _field(form, "response_code")
        request_id = service.request_of_response_code(session, desk.tenant, code)
        if request.cookies.get(SAME_DEVICE_COOKIE) != request_id:  # an id, not a secret
            raise service.ResponseCodeInvalid("the request was started in another browser")
        service.redeem_response_code(session, rt, desk.tenant, request_id, code)
        response = redirect(f"{desk.base}/history/{request_id}")
        forget_cookie(response, rt.settings, SAME_DEVICE_COOKIE, path=desk.base)
        return response

    @router.get(base + "/history/{request_id}/result", response_class=HTMLResponse)
    def asked_result(
        request: Request, request_id: str, desk: DeskDep, session: SessionDep, rt: RuntimeDep
    ) -> HTMLResponse:
        row = service.request_status(session, rt, desk.tenant, request_id)
        result = views.request_view(row.status, row.result, pages.translator(request))
        return pages.render(request, "result.html", {"result": result})

    @router.get(base + "/check", response_class=HTMLResponse)
    def check_form(request: Request, desk: DeskDep) -> HTMLResponse:
        context = desk.context("check", values={}, errors={}, result=None)
        return pages.render(request, "check.html", context)

    @router.post(base + "/check", response_class=HTMLResponse)
    def check(
        request: Request, desk: DeskDep, form: FormDep, session: SessionDep, rt: RuntimeDep
    ) -> HTMLResponse:
        t = pages.translator(request)
        values = {
            "presentation": _field(form, "presentation").strip(),
            "nonce": _field(form, "nonce").strip(),
            "audience": _field(form, "audience").strip(),
            "require_key_binding": _field(form, "require_key_binding") == "yes",
        }
        errors = {}
        if not values["presentation"]:
            errors["presentation"] = t("check.error.required")
        for name, limit in (("presentation", 1_000_000), ("nonce", 512), ("audience", 1000)):
            if len(str(values[name])) > limit:
                errors[name] = t("check.error.too_long")
        if errors:
            context = desk.context("check", values=values, errors=errors, result=None)
            return pages.render(request, "check.html", context, status=422)
        nonce = str(values["nonce"]) or None
        # the sign-in check's transaction ends here: checking may fetch issuer keys and lists
        before_network_call(session)
        result = service.verify_direct(
            rt,
            desk.tenant,
            str(values["presentation"]),
            expected_nonce=nonce,
            expected_aud=str(values["audience"]) or None,
            require_key_binding=bool(values["require_key_binding"]) or nonce is not None,
        )
        view = views.direct_view(result.document(), t)
        context = desk.context("check", values=values, errors={}, result=view)
        return pages.render(request, "check.html", context)

    return router

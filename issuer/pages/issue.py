"""Issue one credential: the form built from the skill credential's claims, and the offer it
makes (link, QR code, one-time code).

The claims go to ``issuer.service.create_offer``, the admin API's own use case, so the form
refuses exactly what the API refuses; the problems come back beside their fields (422) with
every value kept. The personnummer is never shown on the offer page, nor logged.
"""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import HTMLResponse

from core.deps import RuntimeDep, SessionDep
from core.errors import InvalidInput
from core.pages import FormDep, runtime_of
from core.pages.i18n import Translator, localised
from core.runtime import Runtime
from issuer import service
from issuer.pages import offer_form
from issuer.pages.common import PortalDep, page_router, pages
from issuer.pages.offer_form import OfferForm
from schemas.skill_credential import InvalidClaims

router = page_router()


def claim_labels(rt: Runtime, language: str) -> dict[str, str]:
    """Each claim's label from the credential type's metadata (``display``), by its path
    joined with dots (``*`` for every element of an array): ``skills.*.label.sv``."""
    metadata = service.skill_type_metadata(rt)
    labels: dict[str, str] = {}
    claims = metadata.get("claims")
    for claim in claims if isinstance(claims, list) else []:
        path = ".".join("*" if part is None else str(part) for part in claim["path"])
        label = localised(claim.get("display", []), language, "label")
        if label:
            labels[path] = label
    return labels


def _render(
    request: Request,
    portal: PortalDep,
    form: OfferForm,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    t = pages.translator(request)
    return pages.render(
        request,
        "issue.html",
        portal.context(
            form=form,
            errors=errors or {},
            labels=claim_labels(runtime_of(request), t.language),
            kinds=[(kind, t(f"issue.kind.{kind}")) for kind in offer_form.KINDS],
            units=[(unit, unit) for unit in offer_form.UNITS],
            levels=[(level, level) for level in offer_form.LEVELS],
            credit_rows=range(offer_form.CREDIT_ROWS),
            max_skill_rows=offer_form.SKILL_ROWS_MAX,
        ),
        status=status,
    )


def _worded(t: Translator, keys: list[str]) -> str:
    return " ".join(key[3:] if key.startswith("en:") else t(key) for key in keys)


@router.get("/issuers/{slug}/issue")
def issue_form(request: Request, portal: PortalDep) -> HTMLResponse:
    return _render(request, portal, OfferForm(form_key=str(uuid.uuid4())))


@router.post("/issuers/{slug}/issue")
def issue(
    request: Request, portal: PortalDep, form: FormDep, session: SessionDep, rt: RuntimeDep
) -> HTMLResponse:
    entered = OfferForm.read(form)
    if form.get("add_skill"):
        entered.skill_rows = min(entered.skill_rows + 1, offer_form.SKILL_ROWS_MAX)
        return _render(request, portal, entered)
    t = pages.translator(request)
    row_id = entered.row_id
    if row_id is not None and (len(row_id) > offer_form.ROW_ID_MAX or not row_id.isprintable()):
        return _render(request, portal, entered, {"row_id": t("issue.problem.row_id")}, 422)
    key = row_id or (f"form:{entered.form_key}" if entered.form_key else None)
    try:
        created = service.create_offer(
            session,
            rt,
            portal.tenant,
            entered.claims(),
            with_tx_code=entered.with_tx_code,
            idempotency_key=key,
        )
    except InvalidClaims as exc:
        problems = entered.problems_by_field(exc.problems)
        errors = {name: _worded(t, keys) for name, keys in problems.items()}
        return _render(request, portal, entered, errors, exc.status)
    except service.IdempotencyConflict as exc:
        if row_id is None:
            raise
        reused = {"row_id": t("issue.problem.row_id_reused")}
        return _render(request, portal, entered, reused, exc.status)
    except InvalidInput as exc:
        return _render(request, portal, entered, {"": exc.detail}, exc.status)
    learner = f"{entered.value('given_name')} {entered.value('family_name')}"
    return pages.render(
        request,
        "issued.html",
        portal.context(offer=created, created=created.created, learner=learner),
    )

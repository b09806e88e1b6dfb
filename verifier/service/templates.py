"""Request templates: a verifier's saved requests (a name for its staff, the purpose the holder
reads, a DCQL query), and starting a request from one.

A template's query is built from a simple choice, the one the page offers: one credential type
(``vct``) and, for each claim of the skill credential, whether it is required, optional or not
asked for. Optional claims are expressed as DCQL ``claim_sets`` (OpenID4VP 1.0 §6.4.1), most
preferred first: every asked claim, then the required ones only; the wallet offers the
difference as choices. The query is checked by the same parser ``POST requests`` uses.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sqlmodel import Session

from core.errors import IntygError, InvalidInput, NotFound
from core.runtime import Runtime
from core.standards import dcql
from schemas.skill_credential import SD_PATHS
from schemas.type_metadata import CLAIM_TEXTS
from verifier import repository
from verifier.models import VerifierRequestTemplate, VerifierTenant
from verifier.service.requests import CreatedRequest, create_request
from verifier.service.tenants import get_trust_list

CREDENTIAL_QUERY_ID: Final = "credential"
#: OpenID4VP 1.0 §6.1.1.1 kinds a template can have filled from the trust list.
TRUSTED_AUTHORITY_KINDS: Final = ("aki", "etsi_tl")
SKILL_TYPE_PATH: Final = "/types/skill-credential"  # where Intyg's issuers publish the type
NAME_MAX: Final = 200
PURPOSE_MAX: Final = 1000
VCT_MAX: Final = 2048
PURPOSE_ID_MAX: Final = 200
#: A registered purpose's id, as ``POST requests`` takes ``purpose_id``
#: (``schemas.verifier_api.CreateRequest``) and a trust list's entry registers it.
PURPOSE_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")


def _claim_path(name: str) -> dcql.ClaimsPath:
    """A claim's DCQL path: an array whose elements are disclosed one by one is asked for
    element-wise (``["skills", null]``), every other claim by its name."""
    return (name, None) if (name, None) in SD_PATHS else (name,)


# The claims a template can ask for: the skill credential's top-level claims, in its order.
CLAIMS: Final[tuple[str, ...]] = tuple(
    str(path[0]) for path in CLAIM_TEXTS if len(path) == 1 and isinstance(path[0], str)
)


class Requirement(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"


class TemplateInvalid(InvalidInput):
    """The template's fields do not fit; ``errors`` names each field and why (a code)."""

    code = "template_invalid"
    title = "The request template does not fit"

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{f}: {c}" for f, c in sorted(self.errors.items())))


class TemplateNotFound(NotFound):
    code = "template_not_found"
    title = "No such request template"


@dataclass(frozen=True)
class TemplateDraft:
    """What the template form holds: claims maps a claim name to its requirement (claims
    not asked for are left out)."""

    name: str
    purpose: str
    vct: str
    claims: Mapping[str, Requirement]
    trusted_authorities: tuple[str, ...] = ()  # filled from the trust list per request
    purpose_id: str = ""  # the registered purpose its requests name; "" for none


def build_query(vct: str, claims: Mapping[str, Requirement]) -> dict[str, object]:
    """The DCQL query of a draft: required claims always, optional ones as a preferred set."""
    asked = [name for name in CLAIMS if name in claims]
    required = [name for name in asked if claims[name] == Requirement.REQUIRED]
    credential: dict[str, object] = {
        "id": CREDENTIAL_QUERY_ID,
        "format": dcql.FORMAT_SD_JWT_VC,
        "meta": {"vct_values": [vct]},
        "claims": [{"id": name, "path": list(_claim_path(name))} for name in asked],
    }
    if len(required) < len(asked):
        credential["claim_sets"] = [asked, required]
    return {"credentials": [credential]}


def draft_of(template: VerifierRequestTemplate) -> TemplateDraft:
    """The form's fields back from a saved template (the query has the shape ``build_query``
    gives it)."""
    credential = dcql.parse_query(template.dcql).credentials[0]
    meta = credential.meta
    vct = meta.vct_values[0] if isinstance(meta, dcql.SdJwtVcMeta) else ""
    asked = [str(claim.id) for claim in credential.claims or ()]
    sets = credential.claim_sets
    required = set(sets[-1]) if sets else set(asked)
    claims = {
        name: Requirement.REQUIRED if name in required else Requirement.OPTIONAL for name in asked
    }
    return TemplateDraft(
        template.name,
        template.purpose,
        vct,
        claims,
        tuple(template.trusted_authorities),
        template.purpose_id or "",
    )


@dataclass(frozen=True)
class _Checked:
    name: str
    purpose: str
    purpose_id: str | None
    query: dict[str, object]


def _purpose_id_error(purpose_id: str) -> str | None:
    if len(purpose_id) > PURPOSE_ID_MAX:
        return "too_long"
    if purpose_id and not PURPOSE_ID_PATTERN.fullmatch(purpose_id):
        return "purpose_id_invalid"
    return None


def _checked(draft: TemplateDraft) -> _Checked:
    """The fields of a draft as stored, or ``TemplateInvalid`` naming every field that does
    not fit."""
    errors: dict[str, str] = {}
    name, purpose, vct = draft.name.strip(), draft.purpose.strip(), draft.vct.strip()
    if not name:
        errors["name"] = "required"
    elif len(name) > NAME_MAX:
        errors["name"] = "too_long"
    if not purpose:
        errors["purpose"] = "required"
    elif len(purpose) > PURPOSE_MAX:
        errors["purpose"] = "too_long"
    purpose_id = draft.purpose_id.strip()
    if (purpose_id_error := _purpose_id_error(purpose_id)) is not None:
        errors["purpose_id"] = purpose_id_error
    if not vct:
        errors["vct"] = "required"
    elif len(vct) > VCT_MAX or any(c.isspace() for c in vct):
        errors["vct"] = "invalid"
    unknown = set(draft.claims) - set(CLAIMS)
    if unknown:
        errors["claims"] = "unknown_claim"
    elif Requirement.REQUIRED not in draft.claims.values():
        errors["claims"] = "none_required"
    if not set(draft.trusted_authorities) <= set(TRUSTED_AUTHORITY_KINDS):
        errors["trusted_authorities"] = "unknown_authority"
    query = build_query(vct, draft.claims)
    if "vct" not in errors and "claims" not in errors:
        try:  # the same check as POST requests (and create_request below)
            query = dcql.to_json(dcql.parse_query(query))
        except dcql.DcqlError as exc:
            errors["claims"] = exc.code
    if errors:
        raise TemplateInvalid(errors)
    return _Checked(name, purpose, purpose_id or None, query)


def offered_types(rt: Runtime, tenant: VerifierTenant) -> list[str]:
    """The credential types a template can ask for: those the trust list names, or, before a
    trust list is installed, the skill credential type of the issuers on this platform."""
    try:
        listed = get_trust_list(rt, tenant)
    except IntygError:
        return [f"{rt.settings.public_url}{SKILL_TYPE_PATH}"]
    # An issuer trusted for any type (vcts None, from a LoTE) names none to offer.
    offered = sorted({vct for issuer in listed.issuers.values() for vct in issuer.vcts or ()})
    return offered or [f"{rt.settings.public_url}{SKILL_TYPE_PATH}"]


def list_templates(session: Session, tenant: VerifierTenant) -> list[VerifierRequestTemplate]:
    return repository.templates_of(session, tenant.id)


def get_template(
    session: Session, tenant: VerifierTenant, template_id: str
) -> VerifierRequestTemplate:
    try:
        template_id = str(uuid.UUID(template_id))
    except ValueError:
        raise TemplateNotFound() from None
    template = repository.template_of(session, tenant.id, template_id)
    if template is None:
        raise TemplateNotFound()
    return template


def create_template(
    session: Session, rt: Runtime, tenant: VerifierTenant, draft: TemplateDraft
) -> VerifierRequestTemplate:
    checked = _checked(draft)
    now = rt.clock.now()
    template = VerifierRequestTemplate(
        id=str(uuid.uuid4()),
        tenant_id=tenant.id,
        name=checked.name,
        purpose=checked.purpose,
        purpose_id=checked.purpose_id,
        dcql=checked.query,
        trusted_authorities=_kinds(draft),
        created_at=now,
        updated_at=now,
    )
    if not repository.insert_template(session, template):
        session.rollback()
        raise TemplateInvalid({"name": "taken"})
    session.commit()
    return template


def update_template(
    session: Session, rt: Runtime, tenant: VerifierTenant, template_id: str, draft: TemplateDraft
) -> VerifierRequestTemplate:
    template = get_template(session, tenant, template_id)
    checked = _checked(draft)
    values = {
        "name": checked.name,
        "purpose": checked.purpose,
        "purpose_id": checked.purpose_id,
        "dcql": checked.query,
        "trusted_authorities": _kinds(draft),
        "updated_at": rt.clock.now(),
    }
    changed = repository.update_template(session, tenant.id, template.id, values)
    if changed is None:
        session.rollback()
        raise TemplateNotFound()
    if not changed:
        session.rollback()
        raise TemplateInvalid({"name": "taken"})
    session.commit()
    return get_template(session, tenant, template.id)


def _kinds(draft: TemplateDraft) -> list[str]:
    return [k for k in TRUSTED_AUTHORITY_KINDS if k in draft.trusted_authorities]


def delete_template(session: Session, tenant: VerifierTenant, template_id: str) -> None:
    template = get_template(session, tenant, template_id)
    if not repository.delete_template(session, tenant.id, template.id):
        raise TemplateNotFound()
    session.commit()


def start_from_template(
    session: Session, rt: Runtime, tenant: VerifierTenant, template_id: str
) -> CreatedRequest:
    """A new OpenID4VP request with the template's purpose, registered purpose and query
    (``POST requests``)."""
    template = get_template(session, tenant, template_id)
    return create_request(
        session,
        rt,
        tenant,
        dcql_query=template.dcql,
        purpose=template.purpose,
        trusted_issuers=None,
        template_name=template.name,
        trusted_authorities=template.trusted_authorities,
        purpose_id=template.purpose_id,
    )

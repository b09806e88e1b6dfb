"""The verifier's API: tenants, requests (OpenID4VP with DCQL), status, direct verification,
trust list; and the two public endpoints a wallet talks to (request object, response)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from core.deps import RuntimeDep, ServiceAdmin, SessionDep, Slug
from core.qr import qr_svg
from core.standards import oid4vp
from core.standards.trust_list import TrustList
from core.web import BoundedJsonRoute
from schemas import verifier_api as wire
from verifier import service
from verifier.models import VerifierRequest
from verifier.routes.deps import CachedTenantDep, TenantDep

router = APIRouter(route_class=BoundedJsonRoute)
NO_STORE = {"Cache-Control": "no-store"}


@router.post(
    "/admin/verifiers",
    status_code=status.HTTP_201_CREATED,
    response_model=wire.CreatedVerifier,
    dependencies=[ServiceAdmin],
    tags=["service admin"],
    summary="Create a verifier tenant: its key, its certificate, its client_id, its API key",
)
def create_verifier(
    body: wire.CreateVerifier, session: SessionDep, rt: RuntimeDep
) -> wire.CreatedVerifier:
    made = service.create_verifier(
        session,
        rt,
        slug=body.slug,
        name=body.name,
        organisation_number=body.organisation_number,
        dns_name=body.dns_name,
        client_id_prefix=body.client_id_prefix,
        response_mode=body.response_mode,
    )
    return wire.CreatedVerifier(slug=made.slug, client_id=made.client_id, api_key=made.api_key)


@router.post(
    "/verifiers/{slug}/requests",
    status_code=status.HTTP_201_CREATED,
    response_model=wire.CreatedRequest,
    tags=["verifier"],
    summary="Ask a holder for claims (DCQL); show the link or QR code to the holder",
)
def create_request(
    body: wire.CreateRequest, tenant: TenantDep, session: SessionDep, rt: RuntimeDep
) -> wire.CreatedRequest:
    made = service.create_request(
        session,
        rt,
        tenant,
        dcql_query=body.dcql_query,
        purpose=body.purpose,
        trusted_issuers=body.trusted_issuers,
        redirect_uri=body.redirect_uri,
        purpose_id=body.purpose_id,
        trusted_authorities=body.trusted_authorities or (),
    )
    return wire.CreatedRequest(
        id=made.id,
        authorization_request=made.authorization_request,
        request_uri=made.request_uri,
        status_url=made.status_url,
        qr_svg=qr_svg(made.authorization_request),
    )


@router.get(
    "/verifiers/{slug}/requests/{request_id}", response_model=wire.RequestStatus, tags=["verifier"]
)
def request_status(
    request_id: str, tenant: TenantDep, session: SessionDep, rt: RuntimeDep
) -> wire.RequestStatus:
    return _status(service.request_status(session, rt, tenant, request_id))


@router.post(
    "/verifiers/{slug}/requests/{request_id}/response-code",
    response_model=wire.RequestStatus,
    tags=["verifier"],
    summary="Same-device flow: release the result with the response_code the browser brought",
)
def redeem_response_code(
    request_id: str,
    body: wire.RedeemResponseCode,
    tenant: TenantDep,
    session: SessionDep,
    rt: RuntimeDep,
) -> wire.RequestStatus:
    row = service.redeem_response_code(session, rt, tenant, request_id, body.response_code)
    return _status(row)


def _status(row: VerifierRequest) -> wire.RequestStatus:
    return wire.RequestStatus(
        id=row.id,
        status=row.status,
        purpose=row.purpose,
        created_at=row.created_at,
        expires_at=row.expires_at,
        result=row.result,
    )


@router.get(
    "/verifiers/{slug}/request-objects/{request_id}",
    tags=["OpenID4VP"],
    summary="The signed request object (oauth-authz-req+jwt), by reference",
    response_class=Response,
)
def request_object(slug: Slug, request_id: str, session: SessionDep, rt: RuntimeDep) -> Response:
    token = service.request_object(session, rt, slug, request_id)
    return Response(token, media_type=oid4vp.MEDIA_TYPE_REQUEST_OBJECT, headers=NO_STORE)


@router.post(
    "/verifiers/{slug}/responses/{request_id}",
    tags=["OpenID4VP"],
    summary="The response_uri (direct_post): vp_token or error, with state",
)
async def response(
    slug: Slug, request_id: str, request: Request, session: SessionDep, rt: RuntimeDep
) -> JSONResponse:
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return JSONResponse(
            {"error": "invalid_request", "error_description": "not UTF-8"}, 400, NO_STORE
        )
    form = dict(pairs)
    if len(form) != len(pairs):
        return JSONResponse(
            {"error": "invalid_request", "error_description": "a field repeats"}, 400, NO_STORE
        )
    try:
        answer = await run_in_threadpool(
            service.receive_response, session, rt, slug, request_id, form
        )
    except service.RequestNotFound:
        return JSONResponse(
            {"error": "invalid_request", "error_description": "unknown request"}, 400, NO_STORE
        )
    except service.ResponseNotAccepted as exc:
        return JSONResponse(
            {"error": "invalid_request", "error_description": exc.detail}, 400, NO_STORE
        )
    return JSONResponse(answer, headers=NO_STORE)


@router.post(
    "/verifiers/{slug}/verify",
    response_model=wire.VerificationResult,
    tags=["verifier"],
    summary="Verify one SD-JWT VC or presentation",
)
def verify(body: wire.VerifyIn, tenant: CachedTenantDep, rt: RuntimeDep) -> wire.VerificationResult:
    result = service.verify_direct(
        rt,
        tenant,
        body.presentation,
        expected_nonce=body.nonce,
        expected_aud=body.audience,
        require_key_binding=body.require_key_binding or body.nonce is not None,
    )
    return result.document()


@router.get("/verifiers/{slug}/trust-list", tags=["verifier"], summary="The trust list in force")
def get_trust_list(tenant: TenantDep, rt: RuntimeDep) -> dict[str, object]:
    listed = service.get_trust_list(rt, tenant)
    return _trust_list_json(listed)


@router.put(
    "/verifiers/{slug}/trust-list", tags=["verifier"], summary="Install a signed trust list"
)
def put_trust_list(
    body: wire.TrustListIn, tenant: TenantDep, session: SessionDep, rt: RuntimeDep
) -> dict[str, object]:
    return _trust_list_json(service.put_trust_list(session, rt, tenant, body.trust_list))


def _trust_list_json(listed: TrustList) -> dict[str, object]:
    return {
        "list_id": listed.list_id,
        "sequence_number": listed.sequence_number,
        "issued_at": listed.issued_at,
        "next_update": listed.next_update,
        "operator": listed.operator_name,
        "issuers": [
            # vcts null: trusted for any type the list's scheme covers (an ETSI TS 119 602 list)
            {"id": i.id, "name": i.name, "vcts": None if i.vcts is None else sorted(i.vcts)}
            for i in listed.issuers.values()
        ],
        "token_hash": listed.token_hash,
        "format": listed.format,
        "skipped": [{"name": s.name, "reason": s.reason} for s in listed.skipped],
        # named by certificates only: found by the x5c chain of what they sign
        "certified_issuers": [{"name": i.name} for i in listed.certified_issuers],
    }

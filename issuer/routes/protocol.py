"""The issuer's public, standard endpoints: metadata, offers, token, nonce, credential,
status lists and the skill credential's type metadata."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from core import jsontext
from core.deps import RuntimeDep, SessionDep, Slug
from core.standards import client_attestation, oid4vci
from core.standards import dpop as dpop_std
from core.standards.sd_jwt_vc import WELL_KNOWN_JWT_VC_ISSUER
from core.standards.status_list import MEDIA_TYPE_STATUS_LIST_JWT
from core.web import BoundedJsonRoute
from issuer import authcode, deferred, eid, grant_endpoints, issuance, lifecycle, metadata, service

router = APIRouter(route_class=BoundedJsonRoute)
NO_STORE = {"Cache-Control": "no-store"}


def _public_json(document: object, max_age: int = 300) -> JSONResponse:
    return JSONResponse(document, headers={"Cache-Control": f"public, max-age={max_age}"})


@router.get(oid4vci.WELL_KNOWN_ISSUER + "/issuers/{slug}", tags=["OpenID4VCI"])
def credential_issuer_metadata(slug: Slug, session: SessionDep, rt: RuntimeDep) -> JSONResponse:
    return _public_json(service.credential_issuer_metadata(session, rt, slug))


@router.get(oid4vci.WELL_KNOWN_AS + "/issuers/{slug}", tags=["OpenID4VCI"])
def authorization_server_metadata(slug: Slug, session: SessionDep, rt: RuntimeDep) -> JSONResponse:
    return _public_json(service.authorization_server_metadata(session, rt, slug))


@router.get(WELL_KNOWN_JWT_VC_ISSUER + "/issuers/{slug}", tags=["SD-JWT VC"])
def jwt_vc_issuer_metadata(slug: Slug, session: SessionDep, rt: RuntimeDep) -> JSONResponse:
    return _public_json(service.jwt_vc_issuer_metadata(session, rt, slug))


@router.get(
    "/issuers/{slug}/eid/jwks.json",
    tags=["OpenID Connect"],
    summary="The key of the issuer's private_key_jwt client at its eID broker (RFC 7523)",
)
def eid_client_jwks(slug: Slug, session: SessionDep) -> JSONResponse:
    tenant = service.tenant_by_slug(session, slug)
    return _public_json(eid.public_jwks(session, tenant))


@router.get(
    metadata.SKILL_TYPE_PATH, tags=["SD-JWT VC"], summary="Type Metadata of the skill credential"
)
def skill_type_metadata(rt: RuntimeDep) -> JSONResponse:
    return _public_json(service.skill_type_metadata(rt), 3600)


@router.get(
    metadata.SKILL_TYPE_PATH + "/schema.json",
    tags=["SD-JWT VC"],
    response_class=Response,
    responses={200: {"content": {"application/schema+json": {"schema": {"type": "object"}}}}},
)
def skill_schema() -> Response:
    return Response(
        service.skill_schema(),
        media_type="application/schema+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/issuers/{slug}/offers/{offer_id}", tags=["OpenID4VCI"])
def credential_offer(
    slug: Slug, offer_id: str, session: SessionDep, rt: RuntimeDep
) -> JSONResponse:
    return JSONResponse(service.offer_document(session, rt, slug, offer_id), headers=NO_STORE)


async def form_body(request: Request) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` (RFC 6749 §3.2); no parameter twice (§3.1)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise oid4vci.InvalidRequest("the token request must be form-encoded")
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), strict_parsing=False)
    except UnicodeDecodeError:
        raise oid4vci.InvalidRequest("the token request is not UTF-8") from None
    form = dict(pairs)
    if len(form) != len(pairs):
        raise oid4vci.InvalidRequest("a parameter appears more than once")
    if any("\x00" in k or "\x00" in v for k, v in pairs):  # PostgreSQL text refuses NUL
        raise oid4vci.InvalidRequest("a parameter holds a NUL character")
    return form


def dpop_header(request: Request, dpop: Annotated[str | None, Header()] = None) -> str | None:
    """The ``DPoP`` header; RFC 9449 §4.3 check 1: not more than one of them."""
    if len(request.headers.getlist("dpop")) > 1:
        raise dpop_std.InvalidDpopProof("the request carries more than one DPoP header")
    return dpop


DpopHeader = Annotated[str | None, Depends(dpop_header)]


def attestation_headers(request: Request) -> tuple[str | None, str | None]:
    """draft-ietf-oauth-attestation-based-client-auth §5.1/§5.2: at most one of each header."""
    found = []
    for name in (client_attestation.HEADER_ATTESTATION, client_attestation.HEADER_POP):
        values = request.headers.getlist(name)
        if len(values) > 1:
            raise client_attestation.InvalidClient(f"the request carries more than one {name}")
        found.append(values[0] if values else None)
    return found[0], found[1]


AttestationHeaders = Annotated[tuple[str | None, str | None], Depends(attestation_headers)]


@router.post(
    "/issuers/{slug}/token", tags=["OpenID4VCI"], summary="Token endpoint (pre-authorized code)"
)
async def token(
    slug: Slug,
    request: Request,
    session: SessionDep,
    rt: RuntimeDep,
    dpop: DpopHeader,
    attested: AttestationHeaders,
) -> JSONResponse:
    form = await form_body(request)
    token_request = issuance.TokenRequest(form=form, dpop_proof=dpop, client_attestation=attested)
    result = await run_in_threadpool(authcode.token, session, rt, slug, token_request)
    return JSONResponse(result, headers=NO_STORE)


@router.post(
    "/issuers/{slug}/par",
    tags=["OpenID4VCI"],
    summary="Pushed authorization request endpoint (RFC 9126)",
    status_code=201,
)
async def pushed_authorization_request(
    slug: Slug, request: Request, session: SessionDep, rt: RuntimeDep, attested: AttestationHeaders
) -> JSONResponse:
    form = await form_body(request)
    result = await run_in_threadpool(authcode.push, session, rt, slug, form, attested)
    return JSONResponse(result, status_code=201, headers=NO_STORE)


def _sign_in_cookie_path(slug: str) -> str:
    return f"/issuers/{slug}/eid/callback"


@router.get(
    "/issuers/{slug}/authorize",
    tags=["OpenID4VCI"],
    summary="Authorization endpoint: pushed requests only; starts the eID sign-in",
    response_class=RedirectResponse,
    status_code=303,
)
def authorize(
    slug: Slug,
    session: SessionDep,
    rt: RuntimeDep,
    client_id: str | None = None,
    request_uri: str | None = None,
) -> RedirectResponse:
    started = authcode.authorize(session, rt, slug, client_id, request_uri)
    response = RedirectResponse(started.location, status_code=303, headers=NO_STORE)
    response.set_cookie(
        authcode.SIGN_IN_COOKIE,
        started.cookie,
        max_age=authcode.SIGN_IN_TTL,
        path=_sign_in_cookie_path(slug),
        secure=rt.settings.public_url.startswith("https://"),
        httponly=True,
        samesite="lax",  # the eID provider sends the browser back with a top-level GET
    )
    return response


@router.get(
    "/issuers/{slug}/eid/callback",
    tags=["OpenID4VCI"],
    summary="The eID sign-in's callback: the authorization response to the wallet",
    response_class=RedirectResponse,
    status_code=303,
)
def eid_callback(
    slug: Slug, request: Request, session: SessionDep, rt: RuntimeDep
) -> RedirectResponse:
    cookie = request.cookies.get(authcode.SIGN_IN_COOKIE)
    location = authcode.callback(session, rt, slug, cookie, dict(request.query_params))
    response = RedirectResponse(location, status_code=303, headers=NO_STORE)
    response.delete_cookie(authcode.SIGN_IN_COOKIE, path=_sign_in_cookie_path(slug))
    return response


@router.post("/issuers/{slug}/nonce", tags=["OpenID4VCI"], summary="Nonce endpoint")
async def nonce(slug: Slug, rt: RuntimeDep) -> JSONResponse:
    return JSONResponse(issuance.nonce(rt, slug), headers=NO_STORE)


@router.post("/issuers/{slug}/credential", tags=["OpenID4VCI"], summary="Credential endpoint")
async def credential(
    slug: Slug,
    request: Request,
    session: SessionDep,
    rt: RuntimeDep,
    dpop: DpopHeader,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    try:
        body = jsontext.loads(await request.body())
    except jsontext.JsonRejected as exc:
        raise oid4vci.InvalidCredentialRequest(f"the body is not valid JSON: {exc}") from None
    request_ = issuance.CredentialRequest(authorization=authorization, dpop_proof=dpop, body=body)
    answer = await run_in_threadpool(authcode.credential, session, rt, slug, request_)
    return JSONResponse(answer.body, status_code=answer.status, headers=NO_STORE)


async def protected_request(
    request: Request,
    dpop: DpopHeader,
    authorization: Annotated[str | None, Header()] = None,
) -> issuance.CredentialRequest:
    """The access token, its DPoP proof and the JSON body of a deferred credential or
    notification request (a body that is not JSON is the endpoint's malformed request)."""
    try:
        body: object = jsontext.loads(await request.body())
    except jsontext.JsonRejected:
        body = None
    return issuance.CredentialRequest(authorization=authorization, dpop_proof=dpop, body=body)


ProtectedRequest = Annotated[issuance.CredentialRequest, Depends(protected_request)]


@router.post(
    "/issuers/{slug}/deferred_credential",
    tags=["OpenID4VCI"],
    summary="Deferred credential endpoint",
    responses={202: {"description": "Not ready yet: transaction_id and interval (§9.2)"}},
)
async def deferred_credential(
    slug: Slug, session: SessionDep, rt: RuntimeDep, request_: ProtectedRequest
) -> JSONResponse:
    result = await run_in_threadpool(
        grant_endpoints.deferred_credential, session, rt, slug, request_
    )
    status = 202 if isinstance(result, deferred.Deferred) else 200
    return JSONResponse(result.response(), status_code=status, headers=NO_STORE)


@router.post(
    "/issuers/{slug}/notification",
    tags=["OpenID4VCI"],
    summary="Notification endpoint",
    status_code=204,
    response_class=Response,
)
async def notification(
    slug: Slug, session: SessionDep, rt: RuntimeDep, request_: ProtectedRequest
) -> Response:
    await run_in_threadpool(grant_endpoints.notification, session, rt, slug, request_)
    return Response(status_code=204, headers=NO_STORE)


@router.get("/issuers/{slug}/status-lists/{list_id}", tags=["Token Status List"])
def status_list(slug: Slug, list_id: str, session: SessionDep, rt: RuntimeDep) -> Response:
    ttl = rt.settings.status_list_ttl_seconds
    return Response(
        lifecycle.status_list_token(session, rt, slug, list_id),
        media_type=MEDIA_TYPE_STATUS_LIST_JWT,
        headers={"Cache-Control": f"public, max-age={ttl}" if ttl else "no-cache"},
    )

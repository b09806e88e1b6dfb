"""OpenID4VP requests (a signed request object by reference) and the wallet's responses.

Same-device flow (OpenID4VP 1.0 §8.2, §13.3, §14.2; HAIP 1.0 §5.1): a request made with a
``redirect_uri`` (the requester's own front end) answers the wallet's POST with that URI and a
fresh ``#response_code=…``; the result stays withheld — the request reads as pending, then
expired — until the front end hands the code back (``redeem_response_code``), once. An answer
whose redirect the wallet did not follow, or that came back to another browser, is never
released."""

from __future__ import annotations

import dataclasses
import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from core import jose
from core import x509 as certs
from core.db import before_network_call
from core.errors import IntygError, InvalidInput
from core.jose import jwe
from core.runtime import Runtime
from core.standards import dcql, oid4vp, trust_list
from core.tokens import hash_secret
from schemas.verifier_api import (
    RequestDeclined,
    RequestFailed,
    RequestResult,
    RequestState,
    RequestVerified,
    ResponseMode,
    Verdict,
    VerificationResult,
)
from verifier import pipeline, repository
from verifier.models import VerifierRequest, VerifierTenant
from verifier.service.errors import (
    QueryRefused,
    RequestNotFound,
    ResponseCodeInvalid,
    ResponseNotAccepted,
)
from verifier.service.tenants import client_id, get_trust_list, tenant_by_slug, verifier_url

REQUEST_TTL = 600
#: how long after the wallet's answer its response_code may be redeemed
RESPONSE_CODE_TTL = 300


@dataclass(frozen=True)
class CreatedRequest:
    id: str
    authorization_request: str
    request_uri: str
    status_url: str


def create_request(
    session: Session,
    rt: Runtime,
    tenant: VerifierTenant,
    *,
    dcql_query: Mapping[str, object],
    purpose: str,
    trusted_issuers: list[str] | None,
    template_name: str | None = None,
    redirect_uri: str | None = None,
    purpose_id: str | None = None,
    trusted_authorities: Sequence[str] = (),
) -> CreatedRequest:
    try:
        query = dcql.parse_query(dcql_query)
    except dcql.DcqlError as exc:
        raise QueryRefused(exc) from None
    if not purpose.strip():
        raise InvalidInput("purpose: say in words why you ask for these claims")
    if redirect_uri is not None:
        try:
            oid4vp.check_url(
                redirect_uri,
                "redirect_uri",
                allow_http_loopback=rt.settings.development,
                error=oid4vp.RequestObjectInvalid,
            )
        except oid4vp.Oid4vpError as exc:
            raise InvalidInput(exc.detail) from None
    listed = get_trust_list(rt, tenant)  # no trust list, no answer could verify: refuse now
    if trusted_issuers is not None:
        unknown = [i for i in trusted_issuers if listed.issuer(i) is None]
        if unknown:
            raise InvalidInput(f"trusted_issuers: not on the trust list: {unknown}")
    if trusted_authorities:
        query = with_trusted_authorities(
            query, listed, trusted_authorities, trusted_issuers, _list_url(rt, tenant)
        )
    now = rt.clock.now()
    request_id = str(uuid.uuid4())
    base = verifier_url(rt, tenant.slug)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    signed_as = client_id(tenant)
    metadata: dict[str, object] = {
        "client_name": tenant.name,
        "vp_formats_supported": {
            "dc+sd-jwt": {
                "sd-jwt_alg_values": sorted(jose.ALLOWED_ALGORITHMS),
                "kb-jwt_alg_values": sorted(jose.ALLOWED_ALGORITHMS),
            }
        },
    }
    sealed_key = None
    if tenant.response_mode == ResponseMode.DIRECT_POST_JWT:  # HAIP 1.0 §5: a key per request
        response_key = jwe.new_encryption_key()
        metadata |= oid4vp.encryption_metadata(response_key)
        sealed_key = rt.master_key.seal(
            jose.compact_json(response_key), _response_key_label(request_id)
        )
    payload = oid4vp.request_object_payload(
        client_id=signed_as,
        response_uri=f"{base}/responses/{request_id}",
        nonce=nonce,
        state=state,
        dcql_query=dcql.to_json(query),
        client_metadata=metadata,
        iat=now,
        exp=now + REQUEST_TTL,
        response_mode=tenant.response_mode,
    )
    payload["purpose"] = purpose.strip()
    if purpose_id is not None:  # the registered purpose, for the wallet's over-asking check
        payload["purpose_id"] = purpose_id
    token = oid4vp.sign_request_object(payload, _signing_key(rt, tenant), _x5c(tenant))
    repository.insert_request(
        session,
        VerifierRequest(
            id=request_id,
            tenant_id=tenant.id,
            client_id=signed_as,
            state=state,
            nonce=nonce,
            dcql_query=dcql.to_json(query),
            purpose=purpose.strip(),
            trusted_issuers=trusted_issuers,
            request_object=token,
            response_mode=tenant.response_mode,
            sealed_response_key=sealed_key,
            created_at=now,
            expires_at=now + REQUEST_TTL,
            template_name=template_name,
            redirect_uri=redirect_uri,
        ),
    )
    session.commit()
    return request_links(rt, tenant.slug, request_id, signed_as)


def request_links(rt: Runtime, slug: str, request_id: str, signed_as: str) -> CreatedRequest:
    """The links of a request: for the holder's wallet (by reference), and the status URL."""
    base = verifier_url(rt, slug)
    request_uri = f"{base}/request-objects/{request_id}"
    return CreatedRequest(
        id=request_id,
        authorization_request=oid4vp.authorization_request_link(signed_as, request_uri),
        request_uri=request_uri,
        status_url=f"{base}/requests/{request_id}",
    )


def _response_key_label(request_id: str) -> str:
    return f"verifier-response-key:{request_id}"


def _response_key(rt: Runtime, row: VerifierRequest) -> dict[str, object] | None:
    """The request's decryption key; None for a ``direct_post`` request."""
    if row.response_mode != ResponseMode.DIRECT_POST_JWT:
        return None
    if row.sealed_response_key is None:  # dropped when the request was answered
        raise ResponseNotAccepted("this request was already answered (its nonce is used)")
    opened = rt.master_key.open(row.sealed_response_key, _response_key_label(row.id))
    return jose.json_object(opened, "response key")


def _signing_key(rt: Runtime, tenant: VerifierTenant) -> jose.PrivateKey:
    jwk = json.loads(rt.master_key.open(tenant.sealed_private, f"verifier-key:{tenant.id}"))
    return jose.PrivateKey.from_jwk(jwk)


def _list_url(rt: Runtime, tenant: VerifierTenant) -> str | None:
    """Where the verifier's trust list is published, if it is (not an uploaded one)."""
    source = rt.settings.verifier_trust_list
    if tenant.trust_list is None and source and source.startswith("https://"):
        return source
    return None


def with_trusted_authorities(
    query: dcql.DcqlQuery,
    listed: trust_list.TrustList,
    kinds: Sequence[str],
    trusted_issuers: Sequence[str] | None,
    list_url: str | None,
) -> dcql.DcqlQuery:
    """Each credential query that names no ``trusted_authorities`` gets them from the trust
    list (OpenID4VP 1.0 §6.1.1.1): ``aki``, the key identifiers of the certificates that anchor
    its issuers' ``x5c`` chains (what the leaf's Authority Key Identifier names); ``etsi_tl``,
    the URL of the ETSI TS 119 602 list the verifier reads. A hint for the wallet's choice; the
    pipeline checks trust itself whatever the wallet sends."""
    filled = []
    for credential_query in query.credentials:
        if credential_query.trusted_authorities is not None:
            filled.append(credential_query)
            continue
        authorities = []
        for kind in kinds:
            if kind == "aki":
                values = _anchor_key_ids(credential_query, listed, trusted_issuers)
                if not values:
                    raise InvalidInput(
                        "trusted_authorities: aki needs issuers whose trust list entries give "
                        "certificates (x5c) for the types this request asks for"
                    )
            elif kind == "etsi_tl":
                if list_url is None or listed.format != trust_list.FORMAT_LOTE:
                    raise InvalidInput(
                        "trusted_authorities: etsi_tl needs an ETSI TS 119 602 list read from "
                        "an https URL (INTYG_VERIFIER_TRUST_LIST)"
                    )
                values = [list_url]
            else:
                raise InvalidInput(f"trusted_authorities: {kind!r} is not aki or etsi_tl")
            authorities.append(dcql.TrustedAuthority(kind, tuple(values)))
        filled.append(dataclasses.replace(credential_query, trusted_authorities=tuple(authorities)))
    return dataclasses.replace(query, credentials=tuple(filled))


def _anchor_key_ids(
    credential_query: dcql.CredentialQuery,
    listed: trust_list.TrustList,
    trusted_issuers: Sequence[str] | None,
) -> list[str]:
    meta = credential_query.meta
    vcts = meta.vct_values if isinstance(meta, dcql.SdJwtVcMeta) else None
    found: dict[str, None] = {}
    # Issuers named by certificate alone (a LoTE's PID providers) have no id to pick them by.
    by_certificate = listed.certified_issuers if trusted_issuers is None else ()
    for issuer in (*listed.issuers.values(), *by_certificate):
        if trusted_issuers is not None and issuer.id not in trusted_issuers:
            continue
        if vcts is not None and not any(issuer.allows(v) for v in vcts):
            continue
        for anchor in issuer.trust_anchors:
            key_id = certs.subject_key_id(anchor)
            if key_id is not None:
                found[key_id] = None
    return list(found)


def _x5c(tenant: VerifierTenant) -> list[str]:
    return certs.x5c_chain(certs.certificates_from_pem(tenant.certificate_chain)[:1])


def _request(session: Session, tenant_id: str, request_id: str) -> VerifierRequest:
    try:
        request_id = str(uuid.UUID(request_id))
    except ValueError:
        raise RequestNotFound() from None
    row = repository.request_of(session, tenant_id, request_id)
    if row is None:
        raise RequestNotFound()
    return row


def request_object(session: Session, rt: Runtime, slug: str, request_id: str) -> str:
    tenant = tenant_by_slug(session, slug)
    row = _request(session, tenant.id, request_id)
    if row.status != RequestState.PENDING or row.expires_at <= rt.clock.now():
        raise RequestNotFound("the request was answered or has expired")
    return row.request_object


def request_status(
    session: Session, rt: Runtime, tenant: VerifierTenant, request_id: str
) -> VerifierRequest:
    row = _request(session, tenant.id, request_id)
    now = rt.clock.now()
    if row.status == RequestState.PENDING and row.expires_at <= now:
        repository.expire_request(session, row.id)  # and its response key goes
        session.commit()
    return _as_seen(row, now)


def _as_seen(row: VerifierRequest, now: int) -> VerifierRequest:
    """The request as its requester may see it: one past its expiry unanswered is expired;
    one being checked is still pending; a same-device answer is withheld until its
    response_code comes back (pending), and for good once the code has lapsed (expired)."""
    if row.status == RequestState.PENDING and row.expires_at <= now:
        row.status = RequestState.EXPIRED
    elif row.status == RequestState.PROCESSING:
        row.status = RequestState.PENDING
    elif row.response_code_hash is not None and row.response_code_redeemed_at is None:
        lapsed = (row.answered_at or 0) + RESPONSE_CODE_TTL <= now
        row.status = RequestState.EXPIRED if lapsed else RequestState.PENDING
        row.result = None
    return row


def same_device_request(
    session: Session, rt: Runtime, tenant: VerifierTenant, request_id: str, redirect_uri: str
) -> CreatedRequest:
    """A new request like ``request_id`` (its query, purpose and template) for a wallet on the
    device that shows it: the answer comes back through ``redirect_uri``."""
    row = _request(session, tenant.id, request_id)
    return create_request(
        session,
        rt,
        tenant,
        dcql_query=row.dcql_query,
        purpose=row.purpose,
        trusted_issuers=row.trusted_issuers,
        template_name=row.template_name,
        redirect_uri=redirect_uri,
        purpose_id=_purpose_id_of(row.request_object),
    )


def _purpose_id_of(request_object: str) -> str | None:
    """The registered purpose a request named (kept only in its signed Request Object)."""
    named = jose.parse(request_object).payload.get("purpose_id")
    return named if isinstance(named, str) else None


def request_of_response_code(session: Session, tenant: VerifierTenant, response_code: str) -> str:
    """The id of this verifier's request that a ``response_code`` belongs to."""
    row = repository.request_of_response_code(session, tenant.id, hash_secret(response_code))
    if row is None:
        raise ResponseCodeInvalid("no request of this verifier has this response code")
    return row.id


def redeem_response_code(
    session: Session, rt: Runtime, tenant: VerifierTenant, request_id: str, response_code: str
) -> VerifierRequest:
    """The front end hands back the ``response_code`` the wallet's redirect carried: the
    result is released, once (§13.3 steps 7–9, §14.2)."""
    row = _request(session, tenant.id, request_id)
    if row.response_code_hash is None:
        raise ResponseCodeInvalid("this request has no response code (not answered same-device)")
    now = rt.clock.now()
    given = hash_secret(response_code)
    if not secrets.compare_digest(given, row.response_code_hash):
        raise ResponseCodeInvalid("the response code is not this request's")
    if (row.answered_at or 0) + RESPONSE_CODE_TTL <= now:
        raise ResponseCodeInvalid("the response code has lapsed")
    if not repository.redeem_response_code(session, row.id, given, now):
        session.rollback()
        raise ResponseCodeInvalid("the response code was used already")
    session.commit()
    row.response_code_redeemed_at = now
    return _as_seen(row, now)


@dataclass(frozen=True)
class RequestPage:
    """One page of a tenant's requests, newest first (``number`` counts from 1)."""

    requests: list[VerifierRequest]
    number: int
    pages: int


HISTORY_PAGE_SIZE = 25


def list_requests(
    session: Session, rt: Runtime, tenant: VerifierTenant, page: int = 1
) -> RequestPage:
    """A tenant's requests, newest first; a pending one past its expiry reads as expired
    (nothing is written: the history only looks)."""
    total = repository.count_requests(session, tenant.id)
    pages = max(1, -(-total // HISTORY_PAGE_SIZE))
    number = min(max(page, 1), pages)
    rows = repository.requests_of(
        session, tenant.id, limit=HISTORY_PAGE_SIZE, offset=(number - 1) * HISTORY_PAGE_SIZE
    )
    now = rt.clock.now()
    for row in rows:
        _as_seen(row, now)
    return RequestPage(rows, number, pages)


def receive_response(
    session: Session, rt: Runtime, slug: str, request_id: str, form: Mapping[str, str]
) -> dict[str, object]:
    """The ``response_uri``: take the wallet's answer once, verify it, keep the result."""
    tenant = tenant_by_slug(session, slug)
    row = _request(session, tenant.id, request_id)
    now = rt.clock.now()
    if row.expires_at <= now:  # before decrypting: a late answer's key is not opened again
        raise ResponseNotAccepted("the request has expired")
    try:
        response = oid4vp.parse_direct_post(form, decryption_key=_response_key(rt, row))
    except oid4vp.Oid4vpError as exc:
        raise ResponseNotAccepted(exc.detail) from None
    if response.state is None or not secrets.compare_digest(response.state, row.state):
        raise ResponseNotAccepted("state does not match the request")
    if not repository.claim_request(session, row.id, now):
        session.rollback()
        raise ResponseNotAccepted("this request was already answered (its nonce is used)")
    before_network_call(session)  # the nonce is spent; checking may fetch keys and lists
    result: RequestResult
    if response.error is not None:
        result = RequestDeclined(
            verdict=Verdict.REJECTED,
            error=response.error,
            error_description=response.error_description,
        )
        status = RequestState.REJECTED
    else:
        assert response.vp_token is not None
        try:
            result = _verify_vp_token(session, rt, tenant, row, response.vp_token)
        except IntygError as exc:  # e.g. the trust list lapsed: never leave it "processing"
            result = _failed(exc)
        valid = result.verdict == Verdict.VALID
        status = RequestState.FULFILLED if valid else RequestState.REJECTED
    answer: dict[str, object] = {}
    code_hash = None
    if row.redirect_uri is not None:  # same-device: the browser comes back with the code
        code = secrets.token_urlsafe(32)
        code_hash = hash_secret(code)
        answer["redirect_uri"] = f"{row.redirect_uri}#response_code={code}"
    repository.finish_request(session, row.id, status, result.model_dump(mode="json"), code_hash)
    session.commit()
    return answer


def _verify_vp_token(
    session: Session,
    rt: Runtime,
    tenant: VerifierTenant,
    row: VerifierRequest,
    vp_token: Mapping[str, list[oid4vp.Presentation]],
) -> RequestFailed | RequestVerified:
    query = dcql.parse_query(row.dcql_query)
    try:
        oid4vp.check_vp_token_against_query(vp_token, row.dcql_query)
    except oid4vp.Oid4vpError as exc:
        return _failed(exc)
    listed = get_trust_list(rt, tenant)
    resolvers = rt.caches.resolvers(rt.fetcher)
    results: dict[str, list[VerificationResult]] = {}
    valid = True
    for credential_query in query.credentials:
        presentations = vp_token.get(credential_query.id)
        if not presentations:
            continue
        for presentation in presentations:
            policy = pipeline.Policy(
                trust_list=listed,
                require_key_binding=True,
                expected_aud=row.client_id,
                expected_nonce=row.nonce,
                allowed_issuers=frozenset(row.trusted_issuers) if row.trusted_issuers else None,
                credential_query=credential_query,
                status_unknown=rt.settings.verifier_status_unknown,
                skew=rt.settings.clock_skew_seconds,
            )
            result = pipeline.verify(
                str(presentation),
                policy,
                resolvers,
                now=rt.clock.now(),
                remember_nonce=lambda _n: None,
            )
            valid = valid and result.valid
            results.setdefault(credential_query.id, []).append(result.document())
    error: str | None = None
    try:  # §6.4.2: the answered ids meet every required credential set
        dcql.check_answered(query, vp_token.keys())
    except dcql.DcqlNotSatisfied as exc:
        error = exc.code
    valid = valid and error is None
    if not valid:  # claims are shown only when the request is fulfilled
        for answered in results.values():
            for item in answered:
                item.claims = None
    return RequestVerified(
        verdict=Verdict.VALID if valid else Verdict.INVALID, error=error, credentials=results
    )


def _failed(exc: IntygError) -> RequestFailed:
    """The result when the answer as a whole could not be checked (no credential was)."""
    return RequestFailed(verdict=Verdict.INVALID, error=exc.code, detail=exc.detail, credentials={})

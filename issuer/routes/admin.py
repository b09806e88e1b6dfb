"""Admin API: the service admin creates issuers; each issuer manages its offers and credentials."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from core.deps import RuntimeDep, ServiceAdmin, SessionDep
from core.errors import IntygError
from core.qr import qr_svg
from core.standards.status_list import StatusValue
from core.web import BoundedJsonRoute
from issuer import attestation, eid, lifecycle, service, signing
from issuer.deps import TenantDep
from issuer.models import IssuerCredential
from schemas import issuer_api as wire

router = APIRouter(route_class=BoundedJsonRoute)


@router.post(
    "/admin/issuers",
    status_code=status.HTTP_201_CREATED,
    response_model=wire.CreatedIssuer,
    dependencies=[ServiceAdmin],
    tags=["service admin"],
    summary="Create an issuer tenant (its API key is shown once)",
)
def create_issuer(
    body: wire.CreateIssuer, session: SessionDep, rt: RuntimeDep
) -> wire.CreatedIssuer:
    created = service.create_issuer(
        session,
        rt,
        slug=body.slug,
        name=body.name,
        organisation_number=body.organisation_number,
        certificate=wire.CertificateSource(body.certificate),
    )
    return wire.CreatedIssuer(slug=created.slug, issuer=created.issuer, api_key=created.api_key)


def _offer_out(created: service.CreatedOffer, *, with_qr: bool = True) -> wire.CreatedOffer:
    return wire.CreatedOffer(
        offer_id=created.offer_id,
        credential_offer=created.credential_offer,
        credential_offer_uri=created.credential_offer_uri,
        tx_code=created.tx_code,
        qr_svg=qr_svg(created.credential_offer) if with_qr else None,
        created=created.created,
    )


@router.post(
    "/issuers/{slug}/admin/offers",
    status_code=status.HTTP_201_CREATED,
    response_model=wire.CreatedOffer,
    response_model_exclude_none=True,
    tags=["issuer admin"],
    summary="Offer a skill credential to a learner",
)
def create_offer(
    body: wire.CreateOffer,
    tenant: TenantDep,
    session: SessionDep,
    rt: RuntimeDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> wire.CreatedOffer:
    created = service.create_offer(
        session,
        rt,
        tenant,
        body.claims,
        with_tx_code=body.tx_code,
        idempotency_key=body.idempotency_key or idempotency_key,
    )
    return _offer_out(created)


@router.post(
    "/issuers/{slug}/admin/offers/batch",
    response_model=wire.BatchResult,
    response_model_exclude_none=True,
    tags=["issuer admin"],
    summary="Offer credentials to many learners; each item succeeds or fails on its own",
)
def create_offers_batch(
    body: Annotated[list[wire.CreateOffer], ...],
    tenant: TenantDep,
    session: SessionDep,
    rt: RuntimeDep,
    include_qr: Annotated[bool, Query(description="Render a QR code per offer (slow).")] = False,
) -> wire.BatchResult:
    results: list[wire.BatchItemResult] = []
    for index, outcome in enumerate(service.create_offers(session, rt, tenant, body)):
        if isinstance(outcome, IntygError):
            error = wire.BatchItemError(code=outcome.code, detail=outcome.detail)
            results.append(wire.BatchItemResult(index=index, error=error))
        else:
            offer = _offer_out(outcome, with_qr=include_qr)
            results.append(wire.BatchItemResult(index=index, offer=offer))
    return wire.BatchResult(
        created=sum(1 for r in results if r.offer and r.offer.created),
        replayed=sum(1 for r in results if r.offer and not r.offer.created),
        failed=sum(1 for r in results if r.error),
        results=results,
    )


@router.get(
    "/issuers/{slug}/admin/offers/{offer_id}/qr.svg",
    tags=["issuer admin"],
    summary="The offer's link as an SVG QR code",
    response_class=Response,
)
def offer_qr(offer_id: str, tenant: TenantDep, session: SessionDep, rt: RuntimeDep) -> Response:
    link = service.offer_link(session, rt, tenant, offer_id)
    return Response(qr_svg(link), media_type="image/svg+xml")


def _credential_out(row: IssuerCredential) -> wire.CredentialMetadata:
    return wire.CredentialMetadata(
        id=row.id,
        vct=row.vct,
        status=StatusValue(row.status).name,
        status_list=row.status_list_id,
        status_idx=row.status_idx,
        offer_id=row.offer_id,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        status_changed_at=row.status_changed_at,
    )


@router.get(
    "/issuers/{slug}/admin/credentials",
    response_model=wire.CredentialPage,
    tags=["issuer admin"],
    summary="List issued credentials (metadata only, no personal data)",
)
def list_credentials(
    tenant: TenantDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[str | None, Query(max_length=36, pattern="^[0-9a-f-]+$")] = None,
) -> wire.CredentialPage:
    rows, total = lifecycle.list_credentials(session, tenant, limit=limit, after=after)
    return wire.CredentialPage(
        total=total,
        credentials=[_credential_out(r) for r in rows],
        next_after=rows[-1].id if len(rows) == limit else None,
    )


def _status_route(action: lifecycle.StatusChange) -> None:
    def change(
        credential_id: str, tenant: TenantDep, session: SessionDep, rt: RuntimeDep
    ) -> wire.CredentialMetadata:
        return _credential_out(lifecycle.change_status(session, rt, tenant, credential_id, action))

    router.add_api_route(
        f"/issuers/{{slug}}/admin/credentials/{{credential_id}}/{action}",
        change,
        methods=["POST"],
        response_model=wire.CredentialMetadata,
        tags=["issuer admin"],
        summary=f"{action.capitalize()} a credential (visible in its status list at once)",
        name=f"{action}_credential",
    )


for _action in lifecycle.StatusChange:
    _status_route(_action)


@router.post(
    "/issuers/{slug}/admin/keys/rotate",
    tags=["issuer admin"],
    summary="Rotate the signing key; earlier keys stay published",
)
def rotate_key(tenant: TenantDep, session: SessionDep, rt: RuntimeDep) -> dict[str, str]:
    return {"kid": signing.rotate(session, rt, tenant)}


def _eid_out(connection: eid.Connection) -> wire.EidConnection:
    return wire.EidConnection(
        discovery_url=connection.discovery_url,
        client_id=connection.client.client_id,
        auth_method=wire.EidAuthMethod(connection.auth_method),
        scope=connection.client.scope,
        identity_claim=connection.client.personal_identity_number_claim,
        redirect_uri=connection.redirect_uri,
        jwks_uri=connection.jwks_uri,
    )


@router.put(
    "/issuers/{slug}/admin/eid",
    response_model=wire.EidConnection,
    response_model_exclude_none=True,
    tags=["issuer admin"],
    summary="Connect the issuer's eID broker (an OpenID Connect provider) for learner sign-in",
)
def configure_eid(
    body: wire.ConfigureEid, tenant: TenantDep, session: SessionDep, rt: RuntimeDep
) -> wire.EidConnection:
    secret = body.client_secret.get_secret_value() if body.client_secret else None
    connection = eid.configure(
        session,
        rt,
        tenant,
        discovery_url=body.discovery_url,
        client_id=body.client_id,
        auth_method=body.auth_method.value,
        client_secret=secret,
        scope=body.scope,
        identity_claim=body.identity_claim,
    )
    return _eid_out(connection)


@router.get(
    "/issuers/{slug}/admin/eid",
    response_model=wire.EidConnection,
    response_model_exclude_none=True,
    tags=["issuer admin"],
    summary="The issuer's eID broker connection (never its secret)",
)
def get_eid(tenant: TenantDep, session: SessionDep, rt: RuntimeDep) -> wire.EidConnection:
    return _eid_out(eid.connection(session, rt, tenant))


@router.put(
    "/issuers/{slug}/admin/attestation",
    response_model=wire.AttestationPolicyOut,
    response_model_exclude_none=True,
    tags=["issuer admin"],
    summary="Require wallet attestations and key attestations of wallets",
)
def configure_attestation(
    body: wire.AttestationPolicy, tenant: TenantDep, session: SessionDep, rt: RuntimeDep
) -> wire.AttestationPolicyOut:
    minimum = body.key_attestation_min
    attestation.configure(
        session,
        rt,
        tenant,
        require_wallet_attestation=body.require_wallet_attestation,
        key_attestation_min=minimum.model_dump(mode="json") if minimum else None,
        wallet_trust_list=body.wallet_trust_list,
    )
    return get_attestation(tenant, rt)


@router.get(
    "/issuers/{slug}/admin/attestation",
    response_model=wire.AttestationPolicyOut,
    response_model_exclude_none=True,
    tags=["issuer admin"],
    summary="What the issuer requires of wallets, and the wallet providers it trusts",
)
def get_attestation(tenant: TenantDep, rt: RuntimeDep) -> wire.AttestationPolicyOut:
    policy = attestation.policy(rt, tenant)
    minimum = policy.minimum
    return wire.AttestationPolicyOut(
        require_wallet_attestation=policy.require_wallet_attestation,
        key_attestation_min=wire.KeyAttestationMinimum.model_validate(minimum) if minimum else None,
        wallet_providers=list(policy.providers),
    )

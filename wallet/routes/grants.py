"""Standing consent: services ask and pull; holders approve, deny and withdraw."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from core.auth import require_admin
from core.deps import Authorization, RuntimeDep, SessionDep
from core.web import BoundedJsonRoute
from schemas import wallet_api as wire
from wallet.deps import HolderDep, ServiceDep
from wallet.service import accounts, consents, grants

router = APIRouter(route_class=BoundedJsonRoute, tags=["wallet: standing consent"])


def _service_admin(rt: RuntimeDep, authorization: Authorization = None) -> None:
    require_admin(rt, authorization)


@router.post(
    "/services",
    status_code=status.HTTP_201_CREATED,
    response_model=wire.ServiceOut,
    dependencies=[Depends(_service_admin)],
    summary="Register a service that may ask holders for standing consent (service admin)",
)
def create_service(
    body: wire.CreateService, session: SessionDep, rt: RuntimeDep
) -> wire.ServiceOut:
    made = accounts.create_service(session, rt, body.name, body.client_id)
    return wire.ServiceOut(
        id=made.id, name=made.name, client_id=made.client_id, api_key=made.api_key
    )


@router.post(
    "/grant-requests",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=wire.GrantRequestOut,
    summary="A service asks a holder for ongoing access "
    "(the same answer whether or not the holder exists)",
)
def request_grant(
    body: wire.GrantRequestIn, service: ServiceDep, session: SessionDep, rt: RuntimeDep
) -> wire.GrantRequestOut:
    row = grants.request_grant(
        session,
        rt,
        service,
        username=body.holder,
        dcql_query=body.dcql_query,
        purpose=body.purpose,
        duration_seconds=body.duration_days * 86_400,
    )
    return wire.GrantRequestOut(id=row.id, state=row.state)


@router.get(
    "/grant-requests", summary="The holder's pending grant requests, with what each would share"
)
def pending(holder: HolderDep, session: SessionDep, rt: RuntimeDep) -> list[dict[str, object]]:
    return [
        grants.view(session, rt, holder, row)
        for row in grants.pending_for_holder(session, rt, holder)
    ]


@router.get(
    "/grant-requests/{request_id}/state",
    response_model=wire.GrantRequestOut,
    summary="A service polls its own request",
)
def request_state(
    request_id: str, service: ServiceDep, session: SessionDep, rt: RuntimeDep
) -> wire.GrantRequestOut:
    state = grants.service_request_state(session, rt, service, request_id)
    return wire.GrantRequestOut(id=request_id, state=state)


@router.post("/grant-requests/{request_id}/approve", response_model=wire.ConsentRecord)
def approve(
    request_id: str, body: wire.Approval, holder: HolderDep, session: SessionDep, rt: RuntimeDep
) -> wire.ConsentRecord:
    choice = {q: (c.credential_id, c.optional_claims) for q, c in body.credentials.items()}
    return consents.record_json(
        session, rt, grants.approve(session, rt, holder, request_id, choice)
    )


@router.post("/grant-requests/{request_id}/deny", status_code=status.HTTP_204_NO_CONTENT)
def deny(request_id: str, holder: HolderDep, session: SessionDep, rt: RuntimeDep) -> None:
    grants.deny(session, rt, holder, request_id)


@router.post(
    "/grants/{grant_id}/presentations",
    response_model=wire.PullOut,
    summary="A service pulls a fresh key-bound presentation under a live grant",
)
def pull(
    grant_id: str, body: wire.PullIn, service: ServiceDep, session: SessionDep, rt: RuntimeDep
) -> wire.PullOut:
    vp_token = grants.pull(session, rt, service, grant_id, body.nonce)
    return wire.PullOut(vp_token=dict(vp_token), audience=service.client_id)

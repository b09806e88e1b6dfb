"""The service admin's API for the staff accounts of issuers and verifiers, written once for
both kinds: ``/admin/issuers/{slug}/staff`` and ``/admin/verifiers/{slug}/staff``.

It lives in the composition root because it joins a role's tenants (found by slug through the
role's service) to the shared staff accounts of ``core.staff``; the roles never import each
other, and the core imports no role. The CLI's staff commands use the same ``TENANTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from sqlmodel import Session

from core.deps import RuntimeDep, ServiceAdmin, SessionDep, Slug
from core.staff import service
from core.staff.models import StaffAccount, StaffKind
from core.web import PROBLEM_JSON, BoundedJsonRoute
from issuer import service as issuer_service
from schemas import staff_api as wire
from verifier import service as verifier_service

Username = Annotated[str, Path(max_length=254)]


def issuer_tenant(session: Session, slug: str) -> tuple[str, str]:
    tenant = issuer_service.tenant_by_slug(session, slug)
    return tenant.id, tenant.name


def verifier_tenant(session: Session, slug: str) -> tuple[str, str]:
    tenant = verifier_service.tenant_by_slug(session, slug)
    return tenant.id, tenant.name


# kind -> (the URL segment of its tenants, slug -> (tenant id, tenant name))
TENANTS: dict[str, tuple[str, Callable[[Session, str], tuple[str, str]]]] = {
    StaffKind.ISSUER: ("issuers", issuer_tenant),
    StaffKind.VERIFIER: ("verifiers", verifier_tenant),
}


def _problems(**by_status: str) -> dict[int | str, dict[str, object]]:
    ref = {"$ref": "#/components/schemas/Problem"}
    return {
        int(code.removeprefix("s")): {
            "description": text,
            "content": {PROBLEM_JSON: {"schema": ref}},
        }
        for code, text in by_status.items()
    }


UNAUTHENTICATED = "unauthenticated: the service admin token is missing or wrong"


def _out(row: StaffAccount) -> wire.StaffAccount:
    return wire.StaffAccount(
        username=row.username, display_name=row.display_name, created_at=row.created_at
    )


def staff_admin_router(kind: str) -> APIRouter:
    """The four staff routes of one kind of tenant."""
    segment, tenant_of = TENANTS[kind]
    noun = "an issuer" if kind == StaffKind.ISSUER else "a verifier"
    base = f"/admin/{segment}/{{slug}}/staff"
    router = APIRouter(
        route_class=BoundedJsonRoute, dependencies=[ServiceAdmin], tags=["service admin"]
    )
    missing_tenant = f"{kind}_not_found: no {kind} with this slug"

    @router.post(
        base,
        status_code=status.HTTP_201_CREATED,
        response_model=wire.StaffAccount,
        summary=f"Create a staff account of {noun} (the password is never shown again)",
        responses=_problems(
            s401=UNAUTHENTICATED,
            s404=missing_tenant,
            s409="staff_account_exists: the tenant has an account with this username",
        ),
    )
    def create_staff(
        slug: Slug, body: wire.CreateStaff, session: SessionDep, rt: RuntimeDep
    ) -> wire.StaffAccount:
        tenant_id, _ = tenant_of(session, slug)
        made = service.create_account(
            session, rt, kind, tenant_id, body.username, body.password, body.display_name
        )
        return _out(made)

    @router.get(
        base,
        response_model=wire.StaffAccounts,
        summary=f"List the staff accounts of {noun}",
        responses=_problems(s401=UNAUTHENTICATED, s404=missing_tenant),
    )
    def list_staff(slug: Slug, session: SessionDep) -> wire.StaffAccounts:
        tenant_id, _ = tenant_of(session, slug)
        return wire.StaffAccounts(
            accounts=[_out(row) for row in service.list_accounts(session, kind, tenant_id)]
        )

    @router.delete(
        f"{base}/{{username}}",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary=f"Remove a staff account of {noun}, and end its sessions",
        responses=_problems(
            s401=UNAUTHENTICATED,
            s404=f"{missing_tenant}; staff_account_not_found: no such account",
        ),
    )
    def remove_staff(slug: Slug, username: Username, session: SessionDep) -> Response:
        tenant_id, _ = tenant_of(session, slug)
        service.remove_account(session, kind, tenant_id, username)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        f"{base}/{{username}}/password",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary=f"Set a new password for a staff account of {noun}: ends its sessions "
        "and lifts a sign-in lockout",
        responses=_problems(
            s401=UNAUTHENTICATED,
            s404=f"{missing_tenant}; staff_account_not_found: no such account",
        ),
    )
    def reset_staff_password(
        slug: Slug, username: Username, body: wire.ResetStaffPassword, session: SessionDep
    ) -> Response:
        tenant_id, _ = tenant_of(session, slug)
        service.reset_password(session, kind, tenant_id, username, body.password)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router

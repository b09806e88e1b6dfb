"""Issued credentials: find them (by ``row_id``, issue date, status), see one with its log of
status changes, and revoke, suspend or reinstate it after a confirmation that asks why.

The change goes through ``issuer.lifecycle.change_status`` (the admin API's use case), which
writes the reason and the staff member's username to the issuer's log in the same
transaction as the new status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from core.deps import RuntimeDep, SessionDep
from core.pages import FormDep, redirect
from core.standards.status_list import StatusValue
from issuer import lifecycle
from issuer.lifecycle import CredentialQuery, StatusChange
from issuer.pages.common import Portal, PortalDep, page_router, pages

router = page_router()
PAGE_SIZE: Final = 25
STATUSES: Final = {
    "valid": StatusValue.VALID,
    "suspended": StatusValue.SUSPENDED,
    "revoked": StatusValue.INVALID,
}
STATUS_NAMES: Final = {value: name for name, value in STATUSES.items()}
ActionParam = Annotated[StatusChange, Path()]
CredentialId = Annotated[str, Path(max_length=36)]


@dataclass(frozen=True)
class Filters:
    """The search form, as entered."""

    row_id: str
    issued_from: str
    issued_to: str
    status: str


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _query(filters: Filters) -> tuple[CredentialQuery, dict[str, str]]:
    """The service's query, and the filter fields that do not read (by name: key)."""
    errors: dict[str, str] = {}
    start = end = None
    if filters.issued_from and (start := _day(filters.issued_from)) is None:
        errors["issued_from"] = "credentials.problem.date"
    if filters.issued_to and (end := _day(filters.issued_to)) is None:
        errors["issued_to"] = "credentials.problem.date"
    if filters.status and filters.status not in STATUSES:
        errors["status"] = "credentials.problem.status"
    query = CredentialQuery(
        row_id=filters.row_id or None,
        issued_from=_epoch(start) if start else None,
        issued_before=_epoch(end + timedelta(days=1)) if end else None,
        status=int(STATUSES[filters.status]) if filters.status in STATUSES else None,
    )
    return query, errors


def available_actions(status: StatusValue) -> list[StatusChange]:
    """What staff may do to a credential in this status (revocation is final)."""
    if status == StatusValue.VALID:
        return [StatusChange.SUSPEND, StatusChange.REVOKE]
    if status == StatusValue.SUSPENDED:
        return [StatusChange.REINSTATE, StatusChange.REVOKE]
    return []


@router.get("/issuers/{slug}/credentials")
def find(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    row_id: Annotated[str, Query(max_length=200)] = "",
    issued_from: Annotated[str, Query(max_length=10)] = "",
    issued_to: Annotated[str, Query(max_length=10)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    filters = Filters(row_id.strip(), issued_from, issued_to, status)
    query, errors = _query(filters)
    found: list[lifecycle.FoundCredential] = []
    total = 0
    if not errors:
        found, total = lifecycle.find_credentials(
            session, portal.tenant, query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    t = pages.translator(request)
    pages_count = max(1, -(-total // PAGE_SIZE))
    return pages.render(
        request,
        "credentials.html",
        portal.context(
            section="credentials",
            filters=filters,
            errors={name: t(key) for name, key in errors.items()},
            found=found,
            total=total,
            page=page,
            pages_count=pages_count,
            statuses=[(name, t(f"status.{name}")) for name in STATUSES],
            status_name=STATUS_NAMES,
            page_link=_page_link(portal, filters),
        ),
        status=422 if errors else 200,
    )


def _page_link(portal: Portal, filters: Filters) -> str:
    params = {
        "row_id": filters.row_id,
        "issued_from": filters.issued_from,
        "issued_to": filters.issued_to,
        "status": filters.status,
    }
    kept = urlencode({name: value for name, value in params.items() if value})
    return f"{portal.base}/credentials?{kept}{'&' if kept else ''}page="


@router.get("/issuers/{slug}/credentials/{credential_id}")
def show(
    request: Request, portal: PortalDep, session: SessionDep, credential_id: CredentialId
) -> HTMLResponse:
    found, events = lifecycle.credential_history(session, portal.tenant, credential_id)
    return pages.render(
        request,
        "credential.html",
        portal.context(
            section="credentials",
            found=found,
            events=events,
            status_name=STATUS_NAMES,
            actions=available_actions(found.status),
        ),
    )


def _confirm_page(
    request: Request,
    portal: Portal,
    found: lifecycle.FoundCredential,
    action: StatusChange,
    *,
    reason: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    return pages.render(
        request,
        "confirm.html",
        portal.context(
            section="credentials",
            found=found,
            action=action.value,
            reason=reason,
            error=error,
            status_name=STATUS_NAMES,
        ),
        status=status,
    )


@router.get("/issuers/{slug}/credentials/{credential_id}/{action}")
def confirm(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    credential_id: CredentialId,
    action: ActionParam,
) -> HTMLResponse:
    found, _ = lifecycle.credential_history(session, portal.tenant, credential_id)
    return _confirm_page(request, portal, found, action)


@router.post("/issuers/{slug}/credentials/{credential_id}/{action}")
def change(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    rt: RuntimeDep,
    credential_id: CredentialId,
    action: ActionParam,
    form: FormDep,
) -> Response:
    reason = str(form.get("reason") or "").strip()
    found, _ = lifecycle.credential_history(session, portal.tenant, credential_id)
    t = pages.translator(request)
    problem = None
    if not reason:
        problem = "credentials.problem.reason_missing"
    elif len(reason) > lifecycle.REASON_MAX:
        problem = "credentials.problem.reason_long"
    if problem:
        return _confirm_page(
            request, portal, found, action, reason=reason, error=t(problem), status=422
        )
    lifecycle.change_status(
        session, rt, portal.tenant, found.credential.id, action, actor=portal.actor, reason=reason
    )
    return redirect(f"{portal.base}/credentials/{found.credential.id}", notice=action.value)

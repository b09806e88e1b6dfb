"""SQL for the verifier role, and nothing else (no policy, no HTTP).

SQLAlchemy Core throughout: ``POST verify`` and the request/response path run here on every
call, and rows come back as detached model instances, never tracked by a unit of work, so
every change is an explicit statement.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.db import insert_new
from schemas.verifier_api import RequestState
from verifier.models import (
    VerifierRequest,
    VerifierRequestTemplate,
    VerifierTenant,
    VerifierUsedNonce,
)

TENANTS: Table = VerifierTenant.__table__  # type: ignore[attr-defined]
REQUESTS: Table = VerifierRequest.__table__  # type: ignore[attr-defined]
USED_NONCES: Table = VerifierUsedNonce.__table__  # type: ignore[attr-defined]
TEMPLATES: Table = VerifierRequestTemplate.__table__  # type: ignore[attr-defined]


def _inserted(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Insert one row in a savepoint; False when a unique key already holds it."""
    try:
        with session.begin_nested():
            session.execute(insert(table).values(values))
    except IntegrityError:
        return False
    return True


def _changed(result: object) -> bool:
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


# --- tenants -----------------------------------------------------------------------------------


def _tenant_where(session: Session, *where: Any) -> VerifierTenant | None:
    row = session.execute(select(TENANTS).where(*where)).first()
    return None if row is None else VerifierTenant(**row._mapping)


def tenant_by_slug(session: Session, slug: str) -> VerifierTenant | None:
    return _tenant_where(session, TENANTS.c.slug == slug)


def tenant_by_api_key_hash(session: Session, key_hash: str) -> VerifierTenant | None:
    return _tenant_where(session, TENANTS.c.api_key_hash == key_hash)


def all_tenants(session: Session) -> list[VerifierTenant]:
    rows = session.execute(select(TENANTS).order_by(TENANTS.c.slug))
    return [VerifierTenant(**row._mapping) for row in rows]


def insert_tenant(session: Session, tenant: VerifierTenant) -> bool:
    """False when the slug (or, by chance, the API key hash) is taken."""
    return _inserted(session, TENANTS, tenant.model_dump())


def set_api_key_hash(session: Session, tenant_id: str, key_hash: str) -> None:
    session.execute(update(TENANTS).where(TENANTS.c.id == tenant_id).values(api_key_hash=key_hash))


def set_trust_list(session: Session, tenant_id: str, token: str) -> None:
    session.execute(update(TENANTS).where(TENANTS.c.id == tenant_id).values(trust_list=token))


# --- OpenID4VP requests ------------------------------------------------------------------------


def insert_request(session: Session, request: VerifierRequest) -> None:
    session.execute(insert(REQUESTS).values(request.model_dump()))


def request_of(session: Session, tenant_id: str, request_id: str) -> VerifierRequest | None:
    row = session.execute(
        select(REQUESTS).where(REQUESTS.c.id == request_id, REQUESTS.c.tenant_id == tenant_id)
    ).first()
    return None if row is None else VerifierRequest(**row._mapping)


def request_of_response_code(
    session: Session, tenant_id: str, code_hash: str
) -> VerifierRequest | None:
    row = session.execute(
        select(REQUESTS).where(
            REQUESTS.c.tenant_id == tenant_id, REQUESTS.c.response_code_hash == code_hash
        )
    ).first()
    return None if row is None else VerifierRequest(**row._mapping)


def expire_request(session: Session, request_id: str) -> None:
    session.execute(
        update(REQUESTS)
        .where(REQUESTS.c.id == request_id, REQUESTS.c.status == RequestState.PENDING)
        .values(status=RequestState.EXPIRED, sealed_response_key=None)
    )


def claim_request(session: Session, request_id: str, now: int) -> bool:
    """Single use by construction: only one transaction moves a request out of ``pending``."""
    return _changed(
        session.execute(
            update(REQUESTS)
            .where(REQUESTS.c.id == request_id, REQUESTS.c.status == RequestState.PENDING)
            .values(status=RequestState.PROCESSING, answered_at=now, sealed_response_key=None)
        )
    )


def finish_request(
    session: Session,
    request_id: str,
    status: RequestState,
    result: dict[str, object],
    response_code_hash: str | None = None,
) -> None:
    session.execute(
        update(REQUESTS)
        .where(REQUESTS.c.id == request_id)
        .values(status=status, result=result, response_code_hash=response_code_hash)
    )


def redeem_response_code(session: Session, request_id: str, code_hash: str, now: int) -> bool:
    """Single use by construction: only one redemption moves it off NULL."""
    return _changed(
        session.execute(
            update(REQUESTS)
            .where(
                REQUESTS.c.id == request_id,
                REQUESTS.c.response_code_hash == code_hash,
                REQUESTS.c.response_code_redeemed_at.is_(None),
            )
            .values(response_code_redeemed_at=now)
        )
    )


def requests_of(
    session: Session, tenant_id: str, *, limit: int, offset: int
) -> list[VerifierRequest]:
    """A tenant's requests, newest first (the id breaks ties, so pages never overlap)."""
    rows = session.execute(
        select(REQUESTS)
        .where(REQUESTS.c.tenant_id == tenant_id)
        .order_by(REQUESTS.c.created_at.desc(), REQUESTS.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [VerifierRequest(**row._mapping) for row in rows]


def count_requests(session: Session, tenant_id: str) -> int:
    query = select(func.count()).select_from(REQUESTS).where(REQUESTS.c.tenant_id == tenant_id)
    return int(session.execute(query).scalar_one())


# --- request templates -------------------------------------------------------------------------


def templates_of(session: Session, tenant_id: str) -> list[VerifierRequestTemplate]:
    rows = session.execute(
        select(TEMPLATES).where(TEMPLATES.c.tenant_id == tenant_id).order_by(TEMPLATES.c.name)
    )
    return [VerifierRequestTemplate(**row._mapping) for row in rows]


def template_of(
    session: Session, tenant_id: str, template_id: str
) -> VerifierRequestTemplate | None:
    row = session.execute(
        select(TEMPLATES).where(TEMPLATES.c.id == template_id, TEMPLATES.c.tenant_id == tenant_id)
    ).first()
    return None if row is None else VerifierRequestTemplate(**row._mapping)


def insert_template(session: Session, template: VerifierRequestTemplate) -> bool:
    """False when the tenant already has a template of that name."""
    return _inserted(session, TEMPLATES, template.model_dump())


def update_template(
    session: Session, tenant_id: str, template_id: str, values: dict[str, Any]
) -> bool | None:
    """True when changed; False when the new name is another template's; None when the
    template does not exist (for this tenant)."""
    try:
        with session.begin_nested():
            result = session.execute(
                update(TEMPLATES)
                .where(TEMPLATES.c.id == template_id, TEMPLATES.c.tenant_id == tenant_id)
                .values(values)
            )
    except IntegrityError:
        return False
    return True if _changed(result) else None


def delete_template(session: Session, tenant_id: str, template_id: str) -> bool:
    return _changed(
        session.execute(
            delete(TEMPLATES).where(
                TEMPLATES.c.id == template_id, TEMPLATES.c.tenant_id == tenant_id
            )
        )
    )


# --- nonces seen by POST verify ----------------------------------------------------------------


def remember_nonce(
    connection: Connection, nonce_hash: str, tenant_id: str, expires_at: int
) -> bool:
    """False when the nonce was seen before (its hash is the primary key)."""
    values = {"nonce_hash": nonce_hash, "tenant_id": tenant_id, "expires_at": expires_at}
    return insert_new(connection, USED_NONCES, values)


def purge_used_nonces(connection: Connection, now: int) -> None:
    connection.execute(delete(USED_NONCES).where(USED_NONCES.c.expires_at <= now))

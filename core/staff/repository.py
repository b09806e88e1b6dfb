"""SQL for staff accounts and their sessions, and nothing else (sign-in throttles:
``core.signin``). Every account is looked up through its kind and tenant: another tenant's
account is simply not found."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, select

from core.staff.models import StaffAccount, StaffSession


def account(session: Session, kind: str, tenant_id: str, username: str) -> StaffAccount | None:
    return session.exec(
        select(StaffAccount).where(
            StaffAccount.kind == kind,
            StaffAccount.tenant_id == tenant_id,
            StaffAccount.username == username,
        )
    ).first()


def account_by_id(session: Session, account_id: str) -> StaffAccount | None:
    return session.get(StaffAccount, account_id)


def accounts(session: Session, kind: str, tenant_id: str) -> Sequence[StaffAccount]:
    return session.exec(
        select(StaffAccount)
        .where(StaffAccount.kind == kind, StaffAccount.tenant_id == tenant_id)
        .order_by(col(StaffAccount.username))
    ).all()


def add_account(session: Session, row: StaffAccount) -> None:
    session.add(row)


def delete_account(session: Session, account_id: str) -> None:
    delete_sessions_of(session, account_id)
    session.execute(delete(StaffAccount).where(col(StaffAccount.id) == account_id))


def session_by_token_hash(session: Session, token_hash: str) -> StaffSession | None:
    return session.get(StaffSession, token_hash)


def add_session(session: Session, row: StaffSession) -> None:
    session.add(row)


def delete_session(session: Session, token_hash: str) -> None:
    session.execute(delete(StaffSession).where(col(StaffSession.token_hash) == token_hash))


def delete_sessions_of(session: Session, account_id: str) -> None:
    session.execute(delete(StaffSession).where(col(StaffSession.account_id) == account_id))

"""Staff accounts: create, list, reset, remove; sign in, the account a session names, sign out.

Used by the issuer's and the verifier's admin API, CLI and pages, each passing its ``kind``
and its tenant's id. Sign-in follows ``core.signin``: Argon2id passwords, failures throttled
per account and per client address, the same answer whether or not the account exists;
sessions end 12 hours after sign-in or 30 minutes after last use.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import signin
from core.errors import Conflict, InvalidInput, NotFound
from core.runtime import Runtime
from core.signin import SESSION_TTL, SessionInvalid
from core.staff import repository
from core.staff.models import StaffAccount, StaffKind, StaffSession, StaffSigninThrottle
from core.tokens import hash_secret, new_secret

TOKEN_PREFIX = "intyg_staff_"
DISPLAY_NAME_MAX = 200


class StaffAccountExists(Conflict):
    code = "staff_account_exists"
    title = "A staff account with this username already exists at this tenant"


class StaffAccountNotFound(NotFound):
    code = "staff_account_not_found"
    title = "No staff account with this username at this tenant"


@dataclass(frozen=True)
class NewStaffSession:
    token: str
    expires_at: int
    account: StaffAccount


def create_account(
    session: Session,
    rt: Runtime,
    kind: str,
    tenant_id: str,
    username: str,
    password: str,
    display_name: str | None = None,
) -> StaffAccount:
    kind = _kind(kind)
    name = signin.normalise_username(username)
    signin.check_password(password)
    row = StaffAccount(
        id=str(uuid.uuid4()),
        kind=kind,
        tenant_id=tenant_id,
        username=name,
        display_name=_display_name(display_name),
        password_hash=signin.hash_password(password),
        created_at=rt.clock.now(),
    )
    repository.add_account(session, row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise StaffAccountExists(f"{name!r} exists; choose another username") from None
    return row


def list_accounts(session: Session, kind: str, tenant_id: str) -> Sequence[StaffAccount]:
    return repository.accounts(session, _kind(kind), tenant_id)


def reset_password(
    session: Session, kind: str, tenant_id: str, username: str, password: str
) -> StaffAccount:
    """Set a new password: ends the account's sessions and clears its sign-in lockout."""
    row = _existing(session, kind, tenant_id, username)
    signin.check_password(password)
    row.password_hash = signin.hash_password(password)
    repository.delete_sessions_of(session, row.id)
    account_key, _ = signin.throttle_keys(_throttle_name(row.kind, tenant_id, row.username), "")
    signin.clear_throttle(session, StaffSigninThrottle, account_key)
    session.commit()
    return row


def remove_account(session: Session, kind: str, tenant_id: str, username: str) -> None:
    """Delete the account and end its sessions."""
    row = _existing(session, kind, tenant_id, username)
    repository.delete_account(session, row.id)
    session.commit()


def sign_in(
    session: Session,
    rt: Runtime,
    kind: str,
    tenant_id: str,
    username: str,
    password: str,
    address: str,
) -> NewStaffSession:
    kind = _kind(kind)
    now = rt.clock.now()
    name = username.strip().lower()
    keys = signin.throttle_keys(_throttle_name(kind, tenant_id, name), address)
    row = repository.account(session, kind, tenant_id, name)
    stored = row.password_hash if row else None
    signin.check_sign_in(session, StaffSigninThrottle, keys, stored, password, now)
    assert row is not None
    if signin.needs_rehash(row.password_hash):
        row.password_hash = signin.hash_password(password)
    token = new_secret(TOKEN_PREFIX)
    expires = now + SESSION_TTL
    repository.add_session(
        session,
        StaffSession(
            token_hash=hash_secret(token),
            account_id=row.id,
            created_at=now,
            last_seen_at=now,
            expires_at=expires,
        ),
    )
    session.commit()
    return NewStaffSession(token=token, expires_at=expires, account=row)


def account_for_session(
    session: Session, rt: Runtime, kind: str, tenant_id: str, token: str | None
) -> StaffAccount:
    """The account a session token names, if it is of this kind and tenant; raises
    ``SessionInvalid`` when the session is missing, unknown, signed out, another tenant's, or
    past its absolute or idle expiry. Notes the use at most once a minute."""
    if not token:
        raise SessionInvalid("sign in first")
    row = repository.session_by_token_hash(session, hash_secret(token))
    if row is None:
        raise SessionInvalid()
    now = rt.clock.now()
    touch = signin.check_session_times(
        expires_at=row.expires_at, last_seen_at=row.last_seen_at, now=now
    )
    account = repository.account_by_id(session, row.account_id)
    if account is None or account.kind != kind or account.tenant_id != tenant_id:
        raise SessionInvalid()
    if touch:
        row.last_seen_at = now
        session.commit()
    return account


def sign_out(session: Session, token: str | None) -> None:
    if token:
        repository.delete_session(session, hash_secret(token))
        session.commit()


def _kind(kind: str) -> str:
    try:
        return StaffKind(kind).value
    except ValueError:
        raise InvalidInput("kind: 'issuer' or 'verifier'") from None


def _display_name(display_name: str | None) -> str | None:
    text = (display_name or "").strip()
    if len(text) > DISPLAY_NAME_MAX:
        raise InvalidInput(f"display_name: at most {DISPLAY_NAME_MAX} characters")
    return text or None


def _existing(session: Session, kind: str, tenant_id: str, username: str) -> StaffAccount:
    name = username.strip().lower()
    row = repository.account(session, _kind(kind), tenant_id, name)
    if row is None:
        raise StaffAccountNotFound(f"no staff account {name!r}")
    return row


def _throttle_name(kind: str, tenant_id: str, username: str) -> str:
    return f"{kind}:{tenant_id}:{username}"

"""Holder accounts, sessions and sign-in throttling; services that ask for standing consent.

Passwords, sign-in throttling and session expiry follow ``core.signin`` (Argon2id; failures
counted per account and per client address, the same answer whether or not the account
exists; sessions end 12 hours after sign-in or 30 minutes after last use). Service API keys
are 256-bit random values stored as SHA-256 hashes.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import signin
from core.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from core.runtime import Runtime
from core.signin import SessionInvalid, check_password, normalise_username
from core.tokens import hash_secret, new_secret
from wallet import repository
from wallet.models import WalletHolder, WalletService, WalletSession, WalletSigninThrottle
from wallet.service import vault


class AccountExists(Conflict):
    code = "account_exists"
    title = "An account with this username already exists"


class AccountNotFound(NotFound):
    code = "account_not_found"
    title = "No account with this username"


@dataclass(frozen=True)
class NewSession:
    token: str
    expires_at: int


def sign_up(session: Session, rt: Runtime, username: str, password: str) -> WalletHolder:
    name = normalise_username(username)
    check_password(password)
    holder_id = str(uuid.uuid4())
    data_key = vault.new_data_key()
    holder = WalletHolder(
        id=holder_id,
        username=name,
        password_hash=signin.hash_password(password),
        wrapped_data_key=vault.wrap_data_key(rt, holder_id, data_key),
        sealed_pseudonym_secret=b"",
        created_at=rt.clock.now(),
    )
    holder.sealed_pseudonym_secret = vault.seal(rt, holder, secrets.token_bytes(32), "pseudonym")
    repository.add_holder(session, holder)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise AccountExists("choose another username") from None
    return holder


def reset_password(session: Session, username: str, password: str) -> WalletHolder:
    """Set a new password (an operator's or the demo's reset): ends the holder's sessions and
    clears the account's sign-in lockout."""
    name = normalise_username(username)
    check_password(password)
    holder = repository.holder_by_username(session, name)
    if holder is None:
        raise AccountNotFound(f"no account {name!r}")
    holder.password_hash = signin.hash_password(password)
    repository.delete_sessions_of(session, holder.id)
    account_key, _ = signin.throttle_keys(name, "")
    signin.clear_throttle(session, WalletSigninThrottle, account_key)
    session.commit()
    return holder


def sign_in(
    session: Session, rt: Runtime, username: str, password: str, address: str
) -> NewSession:
    now = rt.clock.now()
    name = username.strip().lower()
    keys = signin.throttle_keys(name, address)
    holder = repository.holder_by_username(session, name)
    stored = holder.password_hash if holder else None
    signin.check_sign_in(session, WalletSigninThrottle, keys, stored, password, now)
    assert holder is not None
    if signin.needs_rehash(holder.password_hash):
        holder.password_hash = signin.hash_password(password)
    token = new_secret("intyg_session_")
    expires = now + signin.SESSION_TTL
    repository.add_session(
        session,
        WalletSession(
            token_hash=hash_secret(token),
            holder_id=holder.id,
            created_at=now,
            last_seen_at=now,
            expires_at=expires,
        ),
    )
    session.commit()
    return NewSession(token=token, expires_at=expires)


def holder_for_session(session: Session, rt: Runtime, token: str | None) -> WalletHolder:
    """The holder a session token names; raises ``SessionInvalid`` when the session is
    unknown, signed out, or past its absolute or idle expiry."""
    if not token:
        raise SessionInvalid("sign in first (Authorization: Bearer <session token>)")
    row = repository.session_by_token_hash(session, hash_secret(token))
    if row is None:
        raise SessionInvalid()
    now = rt.clock.now()
    touch = signin.check_session_times(
        expires_at=row.expires_at, last_seen_at=row.last_seen_at, now=now
    )
    holder = repository.holder_by_id(session, row.holder_id)
    if holder is None:
        raise SessionInvalid()
    if touch:
        row.last_seen_at = now
        session.commit()
    return holder


def sign_out(session: Session, token: str | None) -> None:
    if token:
        repository.delete_session(session, hash_secret(token))
        session.commit()


def delete_account(session: Session, holder: WalletHolder) -> None:
    """Delete everything the wallet holds about the holder, in one transaction."""
    repository.delete_holder(session, holder.id)
    session.commit()


# --- services (standing consent) -------------------------------------------------------------


@dataclass(frozen=True)
class NewService:
    id: str
    name: str
    client_id: str
    api_key: str


def create_service(session: Session, rt: Runtime, name: str, client_id: str) -> NewService:
    if not name.strip() or len(name) > 200:
        raise InvalidInput("name: 1-200 characters")
    if not client_id.strip() or len(client_id) > 500:
        raise InvalidInput("client_id: the service's identifier, 1-500 characters")
    api_key = new_secret("intyg_service_")
    service = WalletService(
        id=str(uuid.uuid4()),
        name=name.strip(),
        client_id=client_id.strip(),
        api_key_hash=hash_secret(api_key),
        created_at=rt.clock.now(),
    )
    repository.add_service(session, service)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("a service with this client_id exists") from None
    return NewService(service.id, service.name, service.client_id, api_key)


class ServiceUnauthenticated(Unauthenticated):
    code = "service_unauthenticated"
    title = "A service API key is required"


def service_for_api_key(session: Session, api_key: str | None) -> WalletService:
    if not api_key:
        raise ServiceUnauthenticated()
    service = repository.service_by_api_key_hash(session, hash_secret(api_key))
    if service is None:
        raise ServiceUnauthenticated("the service API key is not valid")
    return service

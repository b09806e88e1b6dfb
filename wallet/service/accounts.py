"""Holder accounts, sessions and sign-in throttling; services that ask for standing consent.

Passwords are hashed with Argon2id (argon2-cffi's RFC 9106 low-memory profile); session
tokens and service API keys are 256-bit random values stored as SHA-256 hashes. Failed
sign-ins are counted per account and per client address in a sliding window; past the
limit both are refused for a while, with the same answer whether or not the account exists.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.errors import Conflict, IntygError, InvalidInput, NotFound, Unauthenticated
from core.runtime import Runtime
from core.tokens import hash_secret, new_secret
from wallet import repository
from wallet.models import WalletHolder, WalletService, WalletSession
from wallet.service import vault

SESSION_TTL = 12 * 3600
THROTTLE_WINDOW = 15 * 60
THROTTLE_LIMIT_ACCOUNT = 5
THROTTLE_LIMIT_ADDRESS = 20
LOCKOUT = 15 * 60
USERNAME_RE = re.compile(r"[a-z0-9._@+-]{3,254}")
_hasher = PasswordHasher()  # Argon2id, RFC 9106 second recommended profile
# A hash to verify against when the account does not exist, so timing says nothing.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountExists(Conflict):
    code = "account_exists"
    title = "An account with this username already exists"


class AccountNotFound(NotFound):
    code = "account_not_found"
    title = "No account with this username"


class TooManyAttempts(IntygError):
    code = "too_many_signin_attempts"
    status = 429
    title = "Too many failed sign-ins; try again later"


class BadCredentials(Unauthenticated):
    code = "invalid_credentials"
    title = "The username or password is wrong"


class SessionInvalid(Unauthenticated):
    code = "session_invalid"
    title = "The session is missing, expired or signed out"


@dataclass(frozen=True)
class NewSession:
    token: str
    expires_at: int


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise InvalidInput("username: 3-254 characters of a-z, 0-9 and . _ @ + -")
    return name


def check_password(password: str) -> None:
    if not 12 <= len(password) <= 256:
        raise InvalidInput("password: between 12 and 256 characters")


def sign_up(session: Session, rt: Runtime, username: str, password: str) -> WalletHolder:
    name = normalise_username(username)
    check_password(password)
    holder_id = str(uuid.uuid4())
    data_key = vault.new_data_key()
    holder = WalletHolder(
        id=holder_id,
        username=name,
        password_hash=_hasher.hash(password),
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
    holder.password_hash = _hasher.hash(password)
    repository.delete_sessions_of(session, holder.id)
    repository.delete_throttle(session, hash_secret(f"account:{name}"))
    session.commit()
    return holder


def sign_in(
    session: Session, rt: Runtime, username: str, password: str, address: str
) -> NewSession:
    now = rt.clock.now()
    name = username.strip().lower()
    keys = (hash_secret(f"account:{name}"), hash_secret(f"address:{address}"))
    _refuse_if_locked(session, keys, now)
    holder = repository.holder_by_username(session, name)
    if not _password_matches(holder.password_hash if holder else _DUMMY_HASH, password):
        _count_failure(session, keys[0], now, THROTTLE_LIMIT_ACCOUNT)
        _count_failure(session, keys[1], now, THROTTLE_LIMIT_ADDRESS)
        session.commit()
        raise BadCredentials()
    assert holder is not None
    repository.delete_throttle(session, keys[0])
    if _hasher.check_needs_rehash(holder.password_hash):
        holder.password_hash = _hasher.hash(password)
    token = new_secret("intyg_session_")
    expires = now + SESSION_TTL
    repository.add_session(
        session,
        WalletSession(
            token_hash=hash_secret(token), holder_id=holder.id, created_at=now, expires_at=expires
        ),
    )
    session.commit()
    return NewSession(token=token, expires_at=expires)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _refuse_if_locked(session: Session, keys: tuple[str, ...], now: int) -> None:
    for key in keys:
        row = repository.throttle(session, key)
        if row is not None and row.locked_until > now:
            raise TooManyAttempts(f"try again in {row.locked_until - now} seconds")


def _count_failure(session: Session, key: str, now: int, limit: int) -> None:
    repository.count_signin_failure(
        session, key, now, window=THROTTLE_WINDOW, limit=limit, lockout=LOCKOUT
    )


def holder_for_session(session: Session, rt: Runtime, token: str | None) -> WalletHolder:
    if not token:
        raise SessionInvalid("sign in first (Authorization: Bearer <session token>)")
    row = repository.session_by_token_hash(session, hash_secret(token))
    if row is None or row.expires_at <= rt.clock.now():
        raise SessionInvalid()
    holder = repository.holder_by_id(session, row.holder_id)
    if holder is None:
        raise SessionInvalid()
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

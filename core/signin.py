"""Signing people in with a username and a password: what wallet holders and the staff of
issuers and verifiers share.

Passwords are hashed with Argon2id (argon2-cffi's RFC 9106 low-memory profile); session
tokens are 256-bit random values stored as SHA-256 hashes (``core.tokens``). Failed sign-ins
are counted per account and per client address in a sliding window; past the limit both are
refused for a while, with the same answer whether or not the account exists. Each kind of
account keeps its counts in its own throttle table of the shape of ``ThrottleTable``.

A session ends ``SESSION_TTL`` after sign-in, or ``IDLE_TIMEOUT`` after it was last used;
its ``last_seen_at`` is written at most once every ``TOUCH_INTERVAL`` seconds, so that a busy
session does not cost a write per request.
"""

from __future__ import annotations

import re
import secrets
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Table, case, delete
from sqlmodel import Field, Session, SQLModel

from core.db import conflict_insert
from core.errors import IntygError, InvalidInput, Unauthenticated
from core.tokens import hash_secret

SESSION_TTL = 12 * 3600  # absolute: a session ends 12 hours after sign-in
IDLE_TIMEOUT = 30 * 60  # ... or 30 minutes after it was last used
TOUCH_INTERVAL = 60  # last_seen_at is written at most once a minute
THROTTLE_WINDOW = 15 * 60
THROTTLE_LIMIT_ACCOUNT = 5
THROTTLE_LIMIT_ADDRESS = 20
LOCKOUT = 15 * 60
USERNAME_RE = re.compile(r"[a-z0-9._@+-]{3,254}")
PASSWORD_MIN, PASSWORD_MAX = 12, 256

_hasher = PasswordHasher()  # Argon2id, RFC 9106 second recommended profile
# A hash to verify against when the account does not exist, so timing says nothing.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


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


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise InvalidInput("username: 3-254 characters of a-z, 0-9 and . _ @ + -")
    return name


def check_password(password: str) -> None:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidInput(f"password: between {PASSWORD_MIN} and {PASSWORD_MAX} characters")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from. ``None`` (no such
    account) is checked against a dummy hash, so that it takes as long as a real one."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# --- sessions ----------------------------------------------------------------------------


def check_session_times(*, expires_at: int, last_seen_at: int, now: int) -> bool:
    """Raise ``SessionInvalid`` when the session is past its absolute or its idle expiry;
    else whether its ``last_seen_at`` is due to be written (at most once a minute)."""
    if expires_at <= now or last_seen_at + IDLE_TIMEOUT <= now:
        raise SessionInvalid()
    return now - last_seen_at >= TOUCH_INTERVAL


# --- sign-in throttling ------------------------------------------------------------------


class ThrottleTable(Protocol):
    """The shape of a throttle table (an SQLModel class): ``key_hash`` primary key,
    ``failures``, ``window_start``, ``locked_until``."""

    key_hash: str
    failures: int
    window_start: int
    locked_until: int


class SigninThrottleColumns(SQLModel):
    """The columns of a throttle table: a table class adds ``table=True`` and its name.
    Failed sign-ins per account and per client address, in a sliding window."""

    key_hash: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    window_start: int
    locked_until: int = 0


def check_sign_in(
    session: Session,
    table: type[ThrottleTable],
    keys: tuple[str, str],
    password_hash: str | None,
    password: str,
    now: int,
) -> None:
    """Let a sign-in through, or refuse it: ``TooManyAttempts`` while the account's or the
    address's key is locked; ``BadCredentials`` (the failure counted and committed) when
    there is no such account (``password_hash`` is ``None``) or the password is wrong. A
    sign-in let through clears the account's count."""
    refuse_if_locked(session, table, keys, now)
    if not password_matches(password_hash, password):
        count_failure(session, table, keys, now)
        session.commit()
        raise BadCredentials()
    clear_throttle(session, table, keys[0])


def throttle_keys(username: str, address: str) -> tuple[str, str]:
    """The keys that failures are counted under: the account's and the client address's."""
    return hash_secret(f"account:{username}"), hash_secret(f"address:{address}")


def refuse_if_locked(
    session: Session, table: type[ThrottleTable], keys: tuple[str, ...], now: int
) -> None:
    for key in keys:
        row = session.get(table, key)
        if row is not None and row.locked_until > now:
            raise TooManyAttempts(f"try again in {row.locked_until - now} seconds")


def count_failure(
    session: Session, table: type[ThrottleTable], keys: tuple[str, str], now: int
) -> None:
    """Count one failed sign-in against the account's key and the address's key."""
    account, address = keys
    _count(session, _table_of(table), account, now, THROTTLE_LIMIT_ACCOUNT)
    _count(session, _table_of(table), address, now, THROTTLE_LIMIT_ADDRESS)


def clear_throttle(session: Session, table: type[ThrottleTable], key_hash: str) -> None:
    sql_table = _table_of(table)
    session.execute(delete(sql_table).where(sql_table.c.key_hash == key_hash))


def _table_of(table: type[ThrottleTable]) -> Table:
    sql_table: Table = table.__table__  # type: ignore[attr-defined]
    return sql_table


def _count(session: Session, table: Table, key_hash: str, now: int, limit: int) -> None:
    """Add one failure to ``key_hash``'s count in one statement (``INSERT … ON CONFLICT DO
    UPDATE``), so that concurrent failures — in other workers or on other instances — all
    count: a row read first and written back would lose the ones in between, and two first
    failures would both insert. A count whose window began ``THROTTLE_WINDOW`` seconds ago or
    earlier starts again at 1; reaching ``limit`` locks the key until ``now + LOCKOUT``."""
    fresh = table.c.window_start <= now - THROTTLE_WINDOW  # the old window is over
    failures = case((fresh, 1), else_=table.c.failures + 1)
    statement = conflict_insert(session.get_bind().dialect.name, table).values(
        key_hash=key_hash,
        failures=1,
        window_start=now,
        locked_until=now + LOCKOUT if limit <= 1 else 0,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.key_hash],
            set_={
                "failures": failures,
                "window_start": case((fresh, now), else_=table.c.window_start),
                "locked_until": case(
                    (failures >= limit, now + LOCKOUT),
                    (fresh, 0),
                    else_=table.c.locked_until,
                ),
            },
        )
    )

"""The staff tables (prefixed ``staff_``), shared by the issuer and the verifier roles.

``tenant_id`` is the issuer's or the verifier's tenant id, by ``kind``; it has no foreign key
because the core knows no role's tables. Passwords are Argon2id hashes; session tokens
SHA-256 hashes.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.signin import SigninThrottleColumns


class StaffKind(StrEnum):
    ISSUER = "issuer"
    VERIFIER = "verifier"


class StaffAccount(SQLModel, table=True):
    __tablename__ = "staff_account"
    __table_args__ = (UniqueConstraint("kind", "tenant_id", "username"),)

    id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=16)
    tenant_id: str = Field(index=True, max_length=36)
    username: str = Field(max_length=254)
    display_name: str | None = Field(default=None, max_length=200)
    password_hash: str = Field(max_length=200)
    created_at: int


class StaffSession(SQLModel, table=True):
    __tablename__ = "staff_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    account_id: str = Field(foreign_key="staff_account.id", index=True, max_length=36)
    created_at: int
    last_seen_at: int
    expires_at: int


class StaffSigninThrottle(SigninThrottleColumns, table=True):
    __tablename__ = "staff_signin_throttle"

"""The wallet's tables (prefixed ``wallet_``; no other role reads them).

Everything personal is sealed under the holder's data key (AES-256-GCM), itself wrapped by
the master key: credentials, their holder keys, the pairwise-pseudonym secret. Passwords are
Argon2id hashes; session tokens and service API keys SHA-256 hashes. Consent records and
the transparency log hold claim *paths*, never values. Every holder-owned row carries
``holder_id`` and every query filters on it.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import JSON, Field, SQLModel

from core.signin import SigninThrottleColumns
from core.standards.status_list import CredentialStatus
from schemas.wallet_log import ConsentEventKind as ConsentEventKind
from schemas.wallet_log import ConsentKind as ConsentKind
from schemas.wallet_log import ConsentState as ConsentState
from schemas.wallet_log import LogEvent as LogEvent

# The vocabularies of the state and kind columns (stored as their string values).


class RequestState(StrEnum):
    """A request the holder answers: a verifier's presentation request or a service's grant
    request (a grant request is never stored as expired, only shown so)."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"


class OfferClaimState(StrEnum):
    """A credential offer's redemption: claimed while its code is spent, then done."""

    PENDING = "pending"
    DONE = "done"


class WalletHolder(SQLModel, table=True):
    __tablename__ = "wallet_holder"

    id: str = Field(primary_key=True, max_length=36)
    username: str = Field(unique=True, index=True, max_length=254)
    password_hash: str = Field(max_length=200)
    wrapped_data_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sealed_pseudonym_secret: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: int


class WalletSession(SQLModel, table=True):
    __tablename__ = "wallet_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    holder_id: str = Field(foreign_key="wallet_holder.id", index=True, max_length=36)
    created_at: int
    last_seen_at: int = Field(sa_column_kwargs={"server_default": "0"})  # idle expiry
    expires_at: int


class WalletSigninThrottle(SigninThrottleColumns, table=True):
    __tablename__ = "wallet_signin_throttle"


class WalletCredential(SQLModel, table=True):
    __tablename__ = "wallet_credential"

    id: str = Field(primary_key=True, max_length=36)
    holder_id: str = Field(foreign_key="wallet_holder.id", index=True, max_length=36)
    issuer: str = Field(max_length=500)
    vct: str = Field(max_length=500)
    format: str = Field(max_length=32)
    sealed_credential: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sealed_holder_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    display: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    received_at: int
    expires_at: int | None = None
    status_uri: str | None = Field(default=None, max_length=500)
    status_idx: int | None = None
    status: str = Field(default=CredentialStatus.VALID, max_length=16)
    status_checked_at: int | None = None
    # OpenID4VCI §11: endpoint, notification_id, access token (+ DPoP key) of the response,
    # sealed; to report credential_deleted (wallet.service.notifying)
    sealed_notification: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary, nullable=True)
    )


class WalletOfferRedemption(SQLModel, table=True):
    """One row per credential offer a holder redeems: a code is never redeemed twice."""

    __tablename__ = "wallet_offer_redemption"

    offer_hash: str = Field(primary_key=True, max_length=64)
    holder_id: str = Field(foreign_key="wallet_holder.id", index=True, max_length=36)
    state: str = Field(max_length=16)
    created_at: int


class CollectionState(StrEnum):
    """A collection through the authorization code flow: waiting for the browser to come
    back from the issuer's sign-in, then collected (the grant kept for deferred records)."""

    AUTHORIZING = "authorizing"
    REDEEMING = "redeeming"  # claimed while its code is spent
    COLLECTED = "collected"


class WalletCollection(SQLModel, table=True):
    """One collection at an issuer with the authorization code flow (OpenID4VCI 1.0 §5):
    while authorizing, the PKCE verifier, ``state`` and DPoP key (sealed; ``state_hash``
    finds it); once collected, the refresh token, the DPoP key it is bound to and the pending
    records' ``transaction_id`` with their holder keys (sealed)."""

    __tablename__ = "wallet_collection"

    id: str = Field(primary_key=True, max_length=36)
    holder_id: str = Field(foreign_key="wallet_holder.id", index=True, max_length=36)
    issuer: str = Field(max_length=500)
    state: str = Field(max_length=16)
    state_hash: str | None = Field(default=None, unique=True, max_length=64)
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: int
    expires_at: int


class WalletPresentationRequest(SQLModel, table=True):
    __tablename__ = "wallet_presentation_request"

    id: str = Field(primary_key=True, max_length=36)
    holder_id: str = Field(foreign_key="wallet_holder.id", index=True, max_length=36)
    state: str = Field(default=RequestState.PENDING, max_length=16)
    client_id: str = Field(max_length=500)
    verifier: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    response_uri: str = Field(max_length=1000)
    # direct_post.jwt: the verifier's public key and the enc to encrypt the answer with
    response_encryption: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    nonce: str = Field(max_length=500)
    oauth_state: str | None = Field(default=None, max_length=500)
    dcql_query: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    purpose: str = Field(max_length=1000)
    request_object_hash: str = Field(max_length=64)
    created_at: int
    expires_at: int


class WalletConsent(SQLModel, table=True):
    """A consent record modelled on ISO/IEC TS 27560 (claim paths, never values)."""

    __tablename__ = "wallet_consent"

    id: str = Field(primary_key=True, max_length=36)
    holder_id: str = Field(foreign_key="wallet_holder.id", index=True, max_length=36)
    kind: str = Field(max_length=16)
    state: str = Field(max_length=16)
    pseudonym: str = Field(max_length=64)
    recipient: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    purpose: str = Field(max_length=1000)
    legal_basis: str = Field(max_length=200)
    claims_requested: list[object] = Field(sa_column=Column(JSON, nullable=False))
    claims_disclosed: list[object] = Field(sa_column=Column(JSON, nullable=False))
    credential_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    evidence: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    presentation_request_id: str | None = Field(default=None, max_length=36, unique=True)
    grant_request_id: str | None = Field(default=None, max_length=36, unique=True)
    created_at: int
    expires_at: int | None = None
    withdrawn_at: int | None = None


class WalletConsentEvent(SQLModel, table=True):
    __tablename__ = "wallet_consent_event"

    id: int | None = Field(default=None, primary_key=True)
    consent_id: str = Field(foreign_key="wallet_consent.id", index=True, max_length=36)
    at: int
    event: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=500)


SEQ_MAX = 2**31 - 1  # seq is an SQL INTEGER: 32 bits on PostgreSQL


class WalletLogEntry(SQLModel, table=True):
    """The transparency log: append-only, hash-chained per holder."""

    __tablename__ = "wallet_log"
    __table_args__ = (UniqueConstraint("holder_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    holder_id: str = Field(foreign_key="wallet_holder.id", index=True, max_length=36)
    seq: int
    at: int
    event: str = Field(max_length=32)
    entry: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class WalletService(SQLModel, table=True):
    """A service that may ask holders for standing consent (authenticates with an API key)."""

    __tablename__ = "wallet_service"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    client_id: str = Field(unique=True, max_length=500)
    api_key_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: int


class WalletGrantRequest(SQLModel, table=True):
    __tablename__ = "wallet_grant_request"

    id: str = Field(primary_key=True, max_length=36)
    service_id: str = Field(foreign_key="wallet_service.id", index=True, max_length=36)
    holder_id: str | None = Field(default=None, foreign_key="wallet_holder.id", index=True)
    state: str = Field(default=RequestState.PENDING, max_length=16)
    dcql_query: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    purpose: str = Field(max_length=1000)
    duration_seconds: int
    created_at: int
    expires_at: int


class WalletSigningKey(SQLModel, table=True):
    """The wallet's own key, which signs consent receipts."""

    __tablename__ = "wallet_signing_key"

    kid: str = Field(primary_key=True, max_length=64)
    alg: str = Field(max_length=16)
    public_jwk: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    sealed_private: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: int
    retired_at: int | None = None

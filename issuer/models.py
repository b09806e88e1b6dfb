"""The issuer's tables (all prefixed ``issuer_``; no other role reads them).

Secrets are never stored in the clear: API keys, pre-authorized codes, ``tx_code``s, access
tokens and nonces as SHA-256 hashes; signing keys and the learner's claims of a pending offer
sealed under the master key (``core.crypto``). Single use is enforced by the database:
unique constraints and conditional updates, so a retried or concurrent request cannot
redeem, issue or allocate twice.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import JSON, AutoString, Field, SQLModel

from schemas.issuer_api import CertificateSource


class OfferState(StrEnum):
    """Where an offer is: ``offered`` until its code is redeemed at the token endpoint, then
    ``issued`` once the credential endpoint answered; ``dead`` after too many wrong
    ``tx_code``s. Only ``offered`` can move on, by a conditional update."""

    OFFERED = "offered"
    REDEEMED = "redeemed"
    ISSUED = "issued"
    DEAD = "dead"


class IssuerTenant(SQLModel, table=True):
    __tablename__ = "issuer_tenant"

    id: str = Field(primary_key=True, max_length=36)
    slug: str = Field(unique=True, index=True, max_length=64)
    name: str = Field(max_length=200)
    organisation_number: str = Field(max_length=10)
    api_key_hash: str = Field(unique=True, index=True, max_length=64)
    require_dpop: bool = False
    # Client and key attestation (``issuer.attestation``): what this issuer asks of wallets.
    require_wallet_attestation: bool = False
    #: ``{"key_storage": level|None, "user_authentication": level|None}`` (OpenID4VCI D.2)
    key_attestation_min: dict[str, str] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    #: A signed trust list (``core.standards.trust_list``) naming the wallet providers it trusts.
    wallet_trust_list: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    certificate: CertificateSource = Field(default=CertificateSource.NONE, sa_type=AutoString(16))
    created_at: int


class IssuerSigningKey(SQLModel, table=True):
    __tablename__ = "issuer_signing_key"
    __table_args__ = (UniqueConstraint("issuer_id", "kid"),)

    id: int | None = Field(default=None, primary_key=True)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    kid: str = Field(max_length=64)
    alg: str = Field(max_length=16)
    public_jwk: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    sealed_private: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The key's certificate and the CAs up to, not including, the trust anchor (RFC 7515 x5c).
    x5c: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: int
    retired_at: int | None = None


class IssuerOffer(SQLModel, table=True):
    """A credential offer: pending until its pre-authorized code is redeemed."""

    __tablename__ = "issuer_offer"
    __table_args__ = (UniqueConstraint("issuer_id", "idempotency_key"),)

    id: str = Field(primary_key=True, max_length=36)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    idempotency_key: str | None = Field(default=None, max_length=200)
    code_hash: str = Field(unique=True, index=True, max_length=64)
    sealed_code: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sealed_claims: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    tx_code_hash: str | None = Field(default=None, max_length=64)
    tx_code_failures: int = 0
    # Stored as its text (the column is VARCHAR(16)), not as a database enum type.
    state: OfferState = Field(default=OfferState.OFFERED, sa_type=AutoString(16), index=True)
    created_at: int
    expires_at: int
    redeemed_at: int | None = None


class IssuerAccessToken(SQLModel, table=True):
    __tablename__ = "issuer_access_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    offer_id: str = Field(foreign_key="issuer_offer.id", index=True, max_length=36)
    dpop_jkt: str | None = Field(default=None, max_length=64)
    expires_at: int
    used_at: int | None = None


class IssuerNonce(SQLModel, table=True):
    """A spent ``c_nonce`` (``issuer.nonces``), kept until it would have expired anyway."""

    __tablename__ = "issuer_nonce"

    nonce_hash: str = Field(primary_key=True, max_length=64)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    expires_at: int = Field(index=True)


class IssuerDpopJti(SQLModel, table=True):
    """Seen DPoP proof ``jti`` values (RFC 9449 §11.1 replay detection), kept until expiry."""

    __tablename__ = "issuer_dpop_jti"

    jti_hash: str = Field(primary_key=True, max_length=64)
    expires_at: int = Field(index=True)


class IssuerStatusList(SQLModel, table=True):
    """A Token Status List; ``permutation`` is the random order its indices are handed out."""

    __tablename__ = "issuer_status_list"

    id: str = Field(primary_key=True, max_length=36)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    bits: int
    size: int
    permutation: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    allocated: int = 0
    created_at: int


class IssuerCredential(SQLModel, table=True):
    """An issued credential: metadata only, never the learner's claims."""

    __tablename__ = "issuer_credential"
    __table_args__ = (UniqueConstraint("status_list_id", "status_idx"),)

    id: str = Field(primary_key=True, max_length=36)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    offer_id: str | None = Field(default=None, foreign_key="issuer_offer.id", index=True)
    vct: str = Field(max_length=300)
    status_list_id: str = Field(foreign_key="issuer_status_list.id", max_length=36)
    status_idx: int
    status: int = Field(default=0, index=True)
    holder_jkt: str = Field(max_length=64)
    issued_at: int
    expires_at: int
    status_changed_at: int | None = None
    # the credential response it was issued in (its notification_id), and the record it
    # came from when it was collected from one (``issuer.records``)
    issuance_id: str | None = Field(
        default=None, foreign_key="issuer_issuance.id", index=True, max_length=36
    )
    record_id: str | None = Field(
        default=None, foreign_key="issuer_record.id", index=True, max_length=36
    )


class IssuerStatusEvent(SQLModel, table=True):
    """The issuer's log of status changes: who revoked, suspended or reinstated a credential,
    when and why. Written in the same transaction as the change (``issuer.lifecycle``)."""

    __tablename__ = "issuer_status_event"

    id: int | None = Field(default=None, primary_key=True)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    credential_id: str = Field(foreign_key="issuer_credential.id", index=True, max_length=36)
    action: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=500)
    # a staff member's username, or "api" for the admin API (its key names no person)
    actor: str = Field(max_length=254)
    at: int


class BatchState(StrEnum):
    RUNNING = "running"
    DONE = "done"


class IssuerBatch(SQLModel, table=True):
    """A batch of offers made from an uploaded CSV file (``issuer.batches``), and how far it
    has come; its rows are ``IssuerBatchRow``."""

    __tablename__ = "issuer_batch"

    id: str = Field(primary_key=True, max_length=36)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    file_name: str = Field(max_length=200)
    actor: str = Field(max_length=254)
    # "offers", or "records" (``issuer.records``: bound to a personnummer, no offer)
    kind: str = Field(default="offers", max_length=16)
    total: int
    done: int = 0
    failed: int = 0
    state: BatchState = Field(default=BatchState.RUNNING, sa_type=AutoString(16))
    created_at: int
    updated_at: int  # the last row written: a batch whose process died stops moving
    finished_at: int | None = None


class IssuerBatchRow(SQLModel, table=True):
    """One line of a batch file: the offer it made, or why it made none. The one-time code is
    sealed under the master key, like every secret the issuer keeps to show again."""

    __tablename__ = "issuer_batch_row"

    batch_id: str = Field(foreign_key="issuer_batch.id", primary_key=True, max_length=36)
    line: int = Field(primary_key=True)
    row_id: str | None = Field(default=None, max_length=200)
    # the learner's name for the printed sheet of QR codes, sealed like the offer's claims
    sealed_learner: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    offer_id: str | None = Field(default=None, foreign_key="issuer_offer.id", max_length=36)
    record_id: str | None = Field(default=None, foreign_key="issuer_record.id", max_length=36)
    replayed: bool = False
    sealed_tx_code: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    error_code: str | None = Field(default=None, max_length=64)
    error_detail: str | None = Field(default=None, max_length=2000)


class IssuerEidConnection(SQLModel, table=True):
    """The issuer's registration at its eID broker (an OpenID Connect provider): one per
    issuer. The client secret, or the private key of ``private_key_jwt``, is sealed under the
    master key; the key's public half is published at ``/issuers/{slug}/eid/jwks.json``."""

    __tablename__ = "issuer_eid_connection"

    issuer_id: str = Field(primary_key=True, foreign_key="issuer_tenant.id", max_length=36)
    discovery_url: str = Field(max_length=2048)
    client_id: str = Field(max_length=255)
    auth_method: str = Field(max_length=32)  # private_key_jwt | client_secret_basic
    scope: str = Field(max_length=1000)
    identity_claim: str = Field(max_length=255)
    sealed_secret: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    sealed_client_key: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    client_public_jwk: dict[str, str] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    created_at: int
    updated_at: int


class RecordState(StrEnum):
    """``ready`` records are issued at once; ``pending`` ones (no ``assessment_grade`` yet)
    through the deferred credential endpoint once the provider completes them."""

    READY = "ready"
    PENDING = "pending"


class IssuerRecord(SQLModel, table=True):
    """A credential record bound to a personal identity number (``issuer.records``): the
    learner collects it after signing in, as many times as they have devices. The number is
    kept as a keyed hash (the lookup) and sealed (for display); the claims sealed."""

    __tablename__ = "issuer_record"
    __table_args__ = (
        UniqueConstraint("issuer_id", "idempotency_key"),
        Index("ix_issuer_record_issuer_id_person_hash", "issuer_id", "person_hash"),
    )

    id: str = Field(primary_key=True, max_length=36)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    idempotency_key: str | None = Field(default=None, max_length=200)
    person_hash: str = Field(max_length=64)
    sealed_person: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sealed_claims: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state: RecordState = Field(default=RecordState.PENDING, sa_type=AutoString(16), index=True)
    created_at: int
    completed_at: int | None = None


class IssuerIssuance(SQLModel, table=True):
    """One credential response (or deferred credential response): the ``notification_id``
    the wallet reports back with (OpenID4VCI 1.0 §11), stored as a hash, and what it names."""

    __tablename__ = "issuer_issuance"

    id: str = Field(primary_key=True, max_length=36)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    record_id: str | None = Field(
        default=None, foreign_key="issuer_record.id", index=True, max_length=36
    )
    offer_id: str | None = Field(
        default=None, foreign_key="issuer_offer.id", index=True, max_length=36
    )
    notification_hash: str = Field(unique=True, index=True, max_length=64)
    bound_hash: str = Field(max_length=64)  # the grant the access token belongs to
    credentials: int
    issued_at: int


class IssuerNotification(SQLModel, table=True):
    """An event the wallet reported for an issuance (OpenID4VCI 1.0 §11.1)."""

    __tablename__ = "issuer_notification"

    id: int | None = Field(default=None, primary_key=True)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    issuance_id: str = Field(foreign_key="issuer_issuance.id", index=True, max_length=36)
    event: str = Field(max_length=32)
    description: str | None = Field(default=None, max_length=500)
    at: int


class IssuerDeferral(SQLModel, table=True):
    """A deferred issuance (OpenID4VCI 1.0 §9): its ``transaction_id`` as a hash, the record,
    the holder keys the wallet proved, and the grant it was given to. Single use: ``used_at``
    is set by a conditional update when the credentials are handed out."""

    __tablename__ = "issuer_deferral"

    transaction_hash: str = Field(primary_key=True, max_length=64)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    record_id: str = Field(foreign_key="issuer_record.id", index=True, max_length=36)
    holder_jwks: list[dict[str, object]] = Field(sa_column=Column(JSON, nullable=False))
    bound_hash: str = Field(max_length=64)
    created_at: int
    expires_at: int
    used_at: int | None = None


# --- the authorization code flow (OpenID4VCI 1.0 §5, RFC 9126, RFC 7636; issuer.authcode) ---


class IssuerPushedRequest(SQLModel, table=True):
    """A pushed authorization request (RFC 9126 §2): kept under the hash of its
    ``request_uri``, single use (``used_at``, set when the browser arrives at the
    authorization endpoint), short-lived."""

    __tablename__ = "issuer_pushed_request"

    request_hash: str = Field(primary_key=True, max_length=64)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    client_id: str = Field(max_length=255)
    redirect_uri: str = Field(max_length=2048)
    code_challenge: str = Field(max_length=128)
    state: str | None = Field(default=None, max_length=1024)
    configuration_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    by_details: bool = False  # asked with authorization_details (else with scope)
    created_at: int
    expires_at: int
    used_at: int | None = None


class IssuerSignIn(SQLModel, table=True):
    """A learner's eID sign-in under way: bound to the browser by a cookie whose hash is the
    key, the ``oidc.PendingSignIn`` sealed under the master key, and the pushed request it
    answers. Single use."""

    __tablename__ = "issuer_sign_in"

    cookie_hash: str = Field(primary_key=True, max_length=64)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    request_hash: str = Field(
        foreign_key="issuer_pushed_request.request_hash", index=True, max_length=64
    )
    sealed_pending: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    expires_at: int
    used_at: int | None = None


class IssuerAuthorization(SQLModel, table=True):
    """A learner's authorization of a wallet (the grant): its single-use authorization code
    (hashed), what the code is bound to (client, redirect URI, PKCE challenge, the
    credential configurations) and the learner's personal identity number, sealed. Access
    and refresh tokens (``IssuerGrantToken``) belong to it."""

    __tablename__ = "issuer_authorization"

    id: str = Field(primary_key=True, max_length=36)
    issuer_id: str = Field(foreign_key="issuer_tenant.id", index=True, max_length=36)
    code_hash: str = Field(unique=True, index=True, max_length=64)
    client_id: str = Field(max_length=255)
    redirect_uri: str = Field(max_length=2048)
    code_challenge: str = Field(max_length=128)
    configuration_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    sealed_person: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: int
    code_expires_at: int
    code_used_at: int | None = None


class GrantTokenKind(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


class IssuerGrantToken(SQLModel, table=True):
    """An access or refresh token of an authorization, hashed and DPoP-bound (RFC 9449) to
    the key that redeemed the code. Access tokens serve many credential requests until they
    expire; a refresh token is spent when used (``used_at``) and replaced (rotation)."""

    __tablename__ = "issuer_grant_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    authorization_id: str = Field(foreign_key="issuer_authorization.id", index=True, max_length=36)
    kind: GrantTokenKind = Field(sa_type=AutoString(16))
    dpop_jkt: str = Field(max_length=64)
    expires_at: int
    used_at: int | None = None

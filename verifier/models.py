"""The verifier's tables (prefixed ``verifier_``; no other role reads them).

API keys are SHA-256 hashes; the request-signing key is sealed under the master key. A
request's nonce is single use by construction: the response moves the request out of
``pending`` with a conditional update, and nonces that ``POST verify`` checked are kept in a
table with a unique key until they expire.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import JSON, Field, SQLModel

from schemas.verifier_api import ClientIdPrefix, RequestState, ResponseMode


class VerifierTenant(SQLModel, table=True):
    __tablename__ = "verifier_tenant"

    id: str = Field(primary_key=True, max_length=36)
    slug: str = Field(unique=True, index=True, max_length=64)
    name: str = Field(max_length=200)
    organisation_number: str = Field(max_length=10)
    dns_name: str = Field(max_length=253)
    client_id_prefix: str = Field(default=ClientIdPrefix.X509_HASH, max_length=16)
    response_mode: str = Field(default=ResponseMode.DIRECT_POST_JWT, max_length=16)
    api_key_hash: str = Field(unique=True, index=True, max_length=64)
    kid: str = Field(max_length=64)
    sealed_private: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    certificate_chain: str = Field(sa_column=Column(Text, nullable=False))
    trust_list: str | None = Field(default=None, sa_column=Column(Text))
    created_at: int


class VerifierRequest(SQLModel, table=True):
    __tablename__ = "verifier_request"
    # the history page: a tenant's requests, newest first
    __table_args__ = (Index("ix_verifier_request_tenant_created", "tenant_id", "created_at"),)

    id: str = Field(primary_key=True, max_length=36)
    tenant_id: str = Field(foreign_key="verifier_tenant.id", index=True, max_length=36)
    # the client_id the request was signed under: a key binding JWT's aud must be this one
    client_id: str = Field(max_length=1024)
    state: str = Field(unique=True, max_length=64)
    nonce: str = Field(unique=True, max_length=64)
    status: str = Field(default=RequestState.PENDING, max_length=16)  # a RequestState
    dcql_query: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    purpose: str = Field(max_length=1000)
    trusted_issuers: list[str] | None = Field(default=None, sa_column=Column(JSON))
    request_object: str = Field(sa_column=Column(Text, nullable=False))
    response_mode: str = Field(default=ResponseMode.DIRECT_POST, max_length=16)
    # direct_post.jwt: the request's own decryption key, sealed; dropped once it is answered
    sealed_response_key: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    result: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    created_at: int
    expires_at: int
    answered_at: int | None = None
    # The name of the request template it was started from (kept: the template may go).
    template_name: str | None = Field(default=None, max_length=200)
    # Same-device flow (OpenID4VP 1.0 §8.2, §14.2): where the wallet sends the browser back,
    # and the hash of the one-time response_code that alone releases the result.
    redirect_uri: str | None = Field(default=None, sa_column=Column(Text))
    response_code_hash: str | None = Field(default=None, max_length=64, index=True)
    response_code_redeemed_at: int | None = None


class VerifierRequestTemplate(SQLModel, table=True):
    """A verifier's saved request: a name for staff, the purpose the holder reads, and the
    DCQL query (validated as ``POST requests`` validates it)."""

    __tablename__ = "verifier_request_template"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: str = Field(primary_key=True, max_length=36)
    tenant_id: str = Field(foreign_key="verifier_tenant.id", index=True, max_length=36)
    name: str = Field(max_length=200)
    purpose: str = Field(max_length=1000)
    # the registered purpose (an id on the wallets' list) its requests name as purpose_id
    purpose_id: str | None = Field(default=None, max_length=200)
    dcql: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    # DCQL trusted_authorities kinds ("aki", "etsi_tl") filled from the trust list per request
    trusted_authorities: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    created_at: int
    updated_at: int


class VerifierUsedNonce(SQLModel, table=True):
    """Nonces already seen in key binding JWTs handed to ``POST verify``."""

    __tablename__ = "verifier_used_nonce"

    nonce_hash: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="verifier_tenant.id", max_length=36)
    expires_at: int = Field(index=True)

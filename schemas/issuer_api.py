"""Wire models of the issuer's admin API (``extra="forbid"``: unknown fields are errors)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from core.oidc import CLAIM_PERSONAL_IDENTITY_NUMBER, DEFAULT_SCOPE


class CertificateSource(StrEnum):
    """Where the ``x5c`` of an issuer's signatures comes from (HAIP 1.0 §6.1.1): the issuer
    CA certifies each new signing key (``ca``); the operator imported the key with its chain
    (``imported``: a rotation needs a new import); or none (``kid`` and metadata only)."""

    CA = "ca"
    IMPORTED = "imported"
    NONE = "none"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateIssuer(_Wire):
    slug: str = Field(min_length=1, max_length=64, examples=["yh-akademin"])
    name: str = Field(min_length=1, max_length=200, examples=["YH-akademin i Sundsvall"])
    organisation_number: str = Field(min_length=10, max_length=13, examples=["556677-8899"])
    certificate: Literal["ca", "none"] = Field(
        default="ca",
        description="ca (HAIP 1.0): each signing key is certified by the issuer CA "
        "(INTYG_ISSUER_CA_DIR) and its credentials and status lists carry the chain in x5c, "
        "beside the kid of the JWT VC Issuer Metadata; none: kid and metadata only. An "
        "operator's own key and certificate are imported with `intyg issuer import-key`.",
    )


class CreatedIssuer(_Wire):
    slug: str
    issuer: str = Field(description="The issuer identifier URL: {INTYG_PUBLIC_URL}/issuers/{slug}")
    api_key: str = Field(description="Shown once; stored only as a hash.")


class CreateOffer(_Wire):
    claims: dict[str, object] = Field(
        description="The learner's skill-credential claims (schema: /types/skill-credential)."
    )
    tx_code: bool = Field(default=False, description="Protect the offer with a 6-digit code.")
    idempotency_key: str | None = Field(
        default=None,
        max_length=200,
        description="A retry with the same key returns the same offer instead of a new one.",
    )


class CreatedOffer(_Wire):
    offer_id: str
    credential_offer: str = Field(description="openid-credential-offer://?credential_offer_uri=…")
    credential_offer_uri: str
    tx_code: str | None = Field(
        default=None,
        description="Only when asked for, and only at creation: give it to the learner.",
    )
    qr_svg: str | None = Field(
        default=None,
        description="The credential_offer link as an SVG QR code (in a batch only with "
        "?include_qr=true; otherwise GET offers/{offer_id}/qr.svg).",
    )
    created: bool = Field(description="False when an idempotent retry returned an earlier offer.")


class BatchItemError(_Wire):
    code: str
    detail: str


class BatchItemResult(_Wire):
    index: int
    offer: CreatedOffer | None = None
    error: BatchItemError | None = None


class BatchResult(_Wire):
    created: int
    replayed: int
    failed: int
    results: list[BatchItemResult]


class CredentialMetadata(_Wire):
    """What the issuer keeps of an issued credential: no personal data."""

    id: str
    vct: str
    status: str = Field(examples=["VALID", "INVALID", "SUSPENDED"])
    status_list: str
    status_idx: int
    offer_id: str | None
    issued_at: int
    expires_at: int
    status_changed_at: int | None


class CredentialPage(_Wire):
    total: int
    credentials: list[CredentialMetadata]
    next_after: str | None = Field(description="Pass as ?after= to get the next page.")


class EidAuthMethod(StrEnum):
    """How Intyg authenticates at the eID broker's token endpoint (OpenID Connect Core §9)."""

    PRIVATE_KEY_JWT = "private_key_jwt"
    CLIENT_SECRET_BASIC = "client_secret_basic"


class ConfigureEid(_Wire):
    discovery_url: str = Field(
        min_length=8,
        max_length=2048,
        description="The broker's issuer URL or its /.well-known/openid-configuration URL.",
        examples=["https://eid-broker.example.se/.well-known/openid-configuration"],
    )
    client_id: str = Field(min_length=1, max_length=255, description="Intyg's client id there.")
    auth_method: EidAuthMethod = Field(
        description="private_key_jwt: Intyg signs client assertions with a key of its own, "
        "whose public JWKS it publishes (jwks_uri in the answer); client_secret_basic: the "
        "secret the broker issued, sealed at rest and never shown again."
    )
    client_secret: SecretStr | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="Only with client_secret_basic. Write-only.",
    )
    scope: str = Field(
        default=DEFAULT_SCOPE,
        min_length=6,
        max_length=1000,
        description="Scopes asked for, space-separated; must include openid.",
    )
    identity_claim: str = Field(
        default=CLAIM_PERSONAL_IDENTITY_NUMBER,
        min_length=1,
        max_length=255,
        description="The ID token claim that carries the personal identity number "
        "(the Swedish OpenID Connect profile's by default).",
    )


class EidConnection(_Wire):
    discovery_url: str
    client_id: str
    auth_method: EidAuthMethod
    scope: str
    identity_claim: str
    redirect_uri: str = Field(description="Register this redirect URI at the broker.")
    jwks_uri: str | None = Field(
        default=None,
        description="private_key_jwt: register this JWKS URL (or its content) at the broker.",
    )


# --- wallet and key attestation (issuer.attestation) --------------------------------------


class AttackResistance(StrEnum):
    """OpenID4VCI 1.0 Appendix D.2: attack potential resistance (ISO/IEC 18045), low to high."""

    BASIC = "iso_18045_basic"
    ENHANCED_BASIC = "iso_18045_enhanced-basic"
    MODERATE = "iso_18045_moderate"
    HIGH = "iso_18045_high"


class KeyAttestationMinimum(_Wire):
    key_storage: AttackResistance | None = Field(
        default=None, description="The lowest accepted level of the holder keys' storage."
    )
    user_authentication: AttackResistance | None = Field(
        default=None, description="The lowest accepted level of the wallet's user check."
    )


class AttestationPolicy(_Wire):
    require_wallet_attestation: bool = Field(
        default=False,
        description="Refuse PAR and token requests without a wallet attestation "
        "(attest_jwt_client_auth) by a wallet provider on wallet_trust_list.",
    )
    key_attestation_min: KeyAttestationMinimum | None = Field(
        default=None,
        description="Refuse key proofs without a key attestation at these levels or higher.",
    )
    wallet_trust_list: str | None = Field(
        default=None,
        max_length=4 * 1024 * 1024,
        description="A signed trust list whose entries of kind wallet_provider are the "
        "providers this issuer trusts; needed when anything is required.",
    )


class AttestationPolicyOut(_Wire):
    require_wallet_attestation: bool
    key_attestation_min: KeyAttestationMinimum | None = None
    wallet_providers: list[str] = Field(
        default_factory=list, description="The wallet providers on the trust list."
    )


# --- credential records (collected after eID sign-in) ----------------------------------------


class CreateRecord(_Wire):
    claims: dict[str, object] = Field(
        description="The learner's skill-credential claims; learner_identification (the "
        "personnummer the record is bound to) is required. Without assessment_grade the record "
        "is pending: it is issued through the deferred credential endpoint once completed."
    )
    idempotency_key: str | None = Field(
        default=None,
        max_length=200,
        description="A retry with the same key returns the same record; with the grade added, "
        "it completes a pending record.",
    )


class CreatedRecord(_Wire):
    record_id: str
    state: Literal["ready", "pending"]
    outcome: Literal["created", "replayed", "completed"]


class RecordBatchItemResult(_Wire):
    index: int
    record: CreatedRecord | None = None
    error: BatchItemError | None = None


class RecordBatchResult(_Wire):
    created: int
    replayed: int
    completed: int
    pending: int = Field(description="How many of the records (new or earlier) are pending.")
    failed: int
    results: list[RecordBatchItemResult]


class CompleteRecord(_Wire):
    claims: dict[str, object] = Field(
        description="Claims to set on a pending record (null removes one), e.g. "
        '{"assessment_grade": "VG"}; learner_identification cannot be changed.',
        examples=[{"assessment_grade": "VG"}],
    )


class NotificationEvent(_Wire):
    """What a wallet reported at the notification endpoint (OpenID4VCI 1.0 §11.1)."""

    event: Literal["credential_accepted", "credential_failure", "credential_deleted"]
    description: str | None
    at: int


class RecordMetadata(_Wire):
    """A record as staff see it through the API: no personal data, no claims."""

    id: str
    row_id: str | None = Field(description="The idempotency key (a batch file's row_id).")
    state: Literal["ready", "pending"]
    created_at: int
    completed_at: int | None
    collected: int = Field(description="How many times the learner collected it.")
    notifications: list[NotificationEvent]


class RecordPage(_Wire):
    total: int
    records: list[RecordMetadata]

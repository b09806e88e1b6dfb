"""Wire models of the verifier API (``extra="forbid"``)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class RequestState(StrEnum):
    """Where a presentation request stands; ``processing`` is only ever seen inside."""

    PENDING = "pending"
    PROCESSING = "processing"
    FULFILLED = "fulfilled"
    REJECTED = "rejected"
    EXPIRED = "expired"


class Verdict(StrEnum):
    """A verification's verdict; ``rejected`` when the holder declined to answer."""

    VALID = "valid"
    INVALID = "invalid"
    REJECTED = "rejected"


class Outcome(StrEnum):
    """One pipeline check's outcome."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not_run"
    SKIPPED = "skipped"
    WARNING = "warning"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateVerifier(_Wire):
    slug: str = Field(min_length=1, max_length=64, examples=["rekryteringsbolaget"])
    name: str = Field(min_length=1, max_length=200, examples=["Rekryteringsbolaget AB"])
    organisation_number: str = Field(min_length=10, max_length=13, examples=["556677-8899"])
    dns_name: str = Field(min_length=1, max_length=253, examples=["rekrytering.example.se"])


class CreatedVerifier(_Wire):
    slug: str
    client_id: str = Field(description="x509_san_dns:<dns_name>")
    api_key: str = Field(description="Shown once; stored only as a hash.")


class CreateRequest(_Wire):
    dcql_query: dict[str, object] = Field(description="A DCQL query (OpenID4VP 1.0 §6).")
    purpose: str = Field(
        min_length=1, max_length=1000, description="Why, in words the holder reads."
    )
    trusted_issuers: list[str] | None = Field(
        default=None, description="Only these issuers (each must be on the trust list)."
    )


class CreatedRequest(_Wire):
    id: str
    authorization_request: str = Field(description="openid4vp://?client_id=…&request_uri=…")
    request_uri: str
    status_url: str
    qr_svg: str


class RequestStatus(_Wire):
    id: str
    status: RequestState = Field(examples=["pending", "fulfilled", "rejected", "expired"])
    purpose: str
    created_at: int
    expires_at: int
    result: dict[str, object] | None = Field(
        default=None, description="The verification result; claims only when fulfilled."
    )


class VerifyIn(_Wire):
    presentation: str = Field(
        max_length=1_000_000, description="An SD-JWT VC, or an SD-JWT+KB presentation."
    )
    nonce: str | None = Field(default=None, max_length=512, description="Expected KB-JWT nonce.")
    audience: str | None = Field(
        default=None, max_length=1000, description="Expected KB-JWT aud (default: your client_id)."
    )
    require_key_binding: bool = Field(default=False)


class TrustListIn(_Wire):
    trust_list: str = Field(
        max_length=4_000_000, description="A signed trust list (typ trust-list+jwt)."
    )

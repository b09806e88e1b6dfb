"""Wire models of the verifier API (``extra="forbid"``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

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


class ClientIdPrefix(StrEnum):
    """How a verifier names itself to wallets (OpenID4VP 1.0 §5.9.3); HAIP 1.0's is
    ``x509_hash``."""

    X509_HASH = "x509_hash"
    X509_SAN_DNS = "x509_san_dns"


class ResponseMode(StrEnum):
    """How wallets send their answer (OpenID4VP 1.0 §8.2, §8.3.1); HAIP 1.0's is encrypted."""

    DIRECT_POST_JWT = "direct_post.jwt"
    DIRECT_POST = "direct_post"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateVerifier(_Wire):
    slug: str = Field(min_length=1, max_length=64, examples=["rekryteringsbolaget"])
    name: str = Field(min_length=1, max_length=200, examples=["Rekryteringsbolaget AB"])
    organisation_number: str = Field(min_length=10, max_length=13, examples=["556677-8899"])
    dns_name: str = Field(min_length=1, max_length=253, examples=["rekrytering.example.se"])
    client_id_prefix: ClientIdPrefix = Field(
        default=ClientIdPrefix.X509_HASH,
        description="x509_hash (HAIP 1.0; the default): the client_id is the hash of the "
        "verifier's certificate; x509_san_dns: it is the DNS name, and responses go to it.",
    )
    response_mode: ResponseMode = Field(
        default=ResponseMode.DIRECT_POST_JWT,
        description="direct_post.jwt (HAIP 1.0; the default): wallets encrypt their answer to a "
        "key made for each request; direct_post: they post it in the clear (over TLS).",
    )


class CreatedVerifier(_Wire):
    slug: str
    client_id: str = Field(description="x509_hash:<certificate hash> or x509_san_dns:<dns_name>")
    api_key: str = Field(description="Shown once; stored only as a hash.")


class CreateRequest(_Wire):
    dcql_query: dict[str, object] = Field(description="A DCQL query (OpenID4VP 1.0 §6).")
    purpose: str = Field(
        min_length=1, max_length=1000, description="Why, in words the holder reads."
    )
    purpose_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
        description="The registered purpose this request is for: the id of a purpose in your "
        "entry on the wallets' list of recognised verifiers. Sent as the Request Object's "
        "purpose_id; a wallet compares what you ask for with what that purpose registers and "
        "tells the holder of any claim beyond it.",
    )
    trusted_issuers: list[str] | None = Field(
        default=None, description="Only these issuers (each must be on the trust list)."
    )
    trusted_authorities: list[Literal["aki", "etsi_tl"]] | None = Field(
        default=None,
        max_length=2,
        description="Fill DCQL trusted_authorities (OpenID4VP 1.0 §6.1.1.1) from your trust "
        "list into each credential query that names none: aki, the key identifiers of the "
        "certificates the list gives its issuers (what their x5c chains lead to); etsi_tl, "
        "the URL of the ETSI TS 119 602 list you read (INTYG_VERIFIER_TRUST_LIST). A hint for "
        "the wallet's choice of credential; trust is checked on the answer in any case.",
    )
    redirect_uri: str | None = Field(
        default=None,
        max_length=2048,
        description="Same-device flow: your front end's https URL. The wallet sends the "
        "holder's browser there with #response_code=…; the result is released only to POST "
        "…/requests/{id}/response-code with that code, once, within 5 minutes of the answer.",
    )


class RedeemResponseCode(_Wire):
    response_code: str = Field(min_length=1, max_length=256)


class CreatedRequest(_Wire):
    id: str
    authorization_request: str = Field(description="openid4vp://?client_id=…&request_uri=…")
    request_uri: str
    status_url: str
    qr_svg: str


def _absent(value: object) -> bool:
    """Left out of the document when empty (a check's ``code`` and ``detail``)."""
    return not value


class CheckResult(_Wire):
    """One named check of the pipeline; ``code`` and ``detail`` only when it failed or warns."""

    name: str = Field(examples=["status"])
    outcome: Outcome
    code: str | None = Field(default=None, exclude_if=_absent, examples=["credential_revoked"])
    detail: str | None = Field(default=None, exclude_if=_absent)


class CheckedIssuer(_Wire):
    """The credential's ``iss``; ``name`` and ``trusted`` once it is found on the trust list."""

    id: str
    name: str | None = None
    trusted: bool = False


class Unparsed(_Wire):
    """``{}``: the credential could not be parsed far enough to name its issuer."""


class VerificationResult(_Wire):
    """The result document of one SD-JWT VC (docs/verifier.md, "The result document")."""

    verdict: Literal[Verdict.VALID, Verdict.INVALID]
    failed_check: str | None = Field(description="The check that failed, or null.")
    checks: list[CheckResult] = Field(description="Always all ten, in order.")
    issuer: CheckedIssuer | Unparsed
    vct: str | None
    claims: dict[str, object] | None = Field(
        description="Only when the verdict is valid; no claim value in a failed result."
    )


class RequestDeclined(_Wire):
    """A request's result when the holder answered with an error (e.g. ``access_denied``)."""

    verdict: Literal[Verdict.REJECTED]
    error: str
    error_description: str | None


class RequestFailed(_Wire):
    """A request's result when the answer could not be checked at all (``detail`` says why)."""

    verdict: Literal[Verdict.INVALID]
    error: str
    detail: str | None
    credentials: dict[str, list[VerificationResult]] = Field(max_length=0)


class RequestVerified(_Wire):
    """A request's result: one result document per presentation, by credential query id;
    ``error`` when the answered ids miss a required credential set."""

    verdict: Literal[Verdict.VALID, Verdict.INVALID]
    error: str | None
    credentials: dict[str, list[VerificationResult]]


RequestResult = RequestDeclined | RequestFailed | RequestVerified


class RequestStatus(_Wire):
    id: str
    status: RequestState = Field(examples=["pending", "fulfilled", "rejected", "expired"])
    purpose: str
    created_at: int
    expires_at: int
    result: RequestResult | None = Field(
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

"""Wire models of the wallet API (``extra="forbid"``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from schemas.wallet_log import (
    ConsentEventKind,
    ConsentKind,
    ConsentState,
    DisclosedClaims,
    RequestedClaims,
)


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignUp(_Wire):
    username: str = Field(min_length=3, max_length=254, examples=["alva@example.se"])
    password: str = Field(min_length=12, max_length=256)


class Account(_Wire):
    id: str
    username: str
    created_at: int


class SignIn(_Wire):
    username: str = Field(max_length=254)
    password: str = Field(max_length=256)


class SessionOut(_Wire):
    token: str = Field(description="Send as Authorization: Bearer <token>. Shown once.")
    expires_at: int


class ReceiveOffer(_Wire):
    offer: str = Field(
        max_length=8192,
        description="An openid-credential-offer:// link (by value or by reference).",
    )
    tx_code: str | None = Field(default=None, max_length=64)


class CollectStart(_Wire):
    issuer: str = Field(
        max_length=500,
        description="The credential issuer identifier (https URL) to collect at with eID.",
    )


class CollectStarted(_Wire):
    authorization_url: str = Field(
        description="Send the holder's browser here: the issuer's sign-in (authorization "
        "code flow); it comes back to /wallet/collect/callback."
    )


class Collected(_Wire):
    credential_ids: list[str] = Field(description="The credentials received and stored.")
    pending: int = Field(description="Records the issuer deferred; POST /wallet/collect/poll.")


class Credential(_Wire):
    """A credential as a card: who issued it, what it is, its decoded claims and status."""

    id: str
    issuer: str
    issuer_name: str
    vct: str
    format: str
    status: str = Field(examples=["VALID", "SUSPENDED", "INVALID"])
    status_checked_at: int | None
    received_at: int
    expires_at: int | None
    display: list[dict[str, object]]
    claims: dict[str, object]
    claim_labels: list[dict[str, object]]


class CredentialSummary(_Wire):
    id: str
    issuer: str
    issuer_name: str
    vct: str
    title: str | None
    status: str = Field(examples=["VALID", "SUSPENDED", "INVALID"])
    status_checked_at: int | None
    received_at: int
    expires_at: int | None


class CreateService(_Wire):
    name: str = Field(min_length=1, max_length=200)
    client_id: str = Field(
        min_length=1, max_length=500, description="The audience of its presentations."
    )


class ServiceOut(_Wire):
    id: str
    name: str
    client_id: str
    api_key: str = Field(description="Shown once; stored only as a hash.")


class PresentationRequestIn(_Wire):
    request: str = Field(max_length=4096, description="An openid4vp:// authorization request link.")


# A claim path element that selects an array element (OpenID4VP 1.0 §7.1); far past any
# credential's array, and small enough for every integer type on the way.
ArrayIndex = Annotated[int, Field(ge=0, le=2**31 - 1)]


class QueryChoice(_Wire):
    credential_id: str = Field(max_length=36)
    optional_claims: list[list[str | ArrayIndex]] = Field(
        default_factory=list,
        max_length=200,
        description="Paths of the optional claims to include, as offered in the request view.",
    )


class Approval(_Wire):
    credentials: dict[str, QueryChoice] = Field(
        description="Per credential query id: the credential to present and optional claims."
    )
    only_needed: bool = Field(
        default=False,
        description="Answer with only the claims the request's registered purpose needs: "
        "every other claim is left out, even one the query requires (the verifier may then "
        "refuse the answer). Only for a request that names a registered purpose "
        "(over_asking.purpose_name is set); otherwise 422 choice_invalid.",
    )


class OverAskingFinding(StrEnum):
    NOT_ASSESSED = "not_assessed"
    PURPOSE_NOT_NAMED = "purpose_not_named"
    PURPOSE_NOT_REGISTERED = "purpose_not_registered"
    WITHIN_PURPOSE = "within_purpose"
    OVER_ASKING = "over_asking"


class ExtraClaimView(_Wire):
    """A claim the request asks for that its registered purpose does not need."""

    query_id: str = Field(description="The DCQL credential query that asks for it.")
    vcts: list[str] = Field(description="The credential types that query accepts.")
    path: list[str | int] = Field(description='Its claims path ("*": every element).')
    required: bool = Field(description="The query cannot be satisfied without it.")
    display: list[dict[str, object]] = Field(
        description="Its labels from the issuer's metadata ({locale, name}), from a "
        "credential the holder has; empty when none describes it."
    )


class OverAskingView(_Wire):
    """Does the request ask for more than the purpose it names is registered for (in the
    verifier's entry on the wallet's list of recognised verifiers)? See docs/wallet.md,
    "Over-asking"."""

    finding: OverAskingFinding = Field(
        description="not_assessed: no registered purposes to compare with (no list, verifier "
        "not on it, or its entry registers none); purpose_not_named / purpose_not_registered: "
        "the request names no purpose, or one its entry does not register; within_purpose / "
        "over_asking: compared with the named, registered purpose."
    )
    over_asking: bool | None = Field(description="None when there is nothing to compare with.")
    purpose_id: str | None = Field(description="The purpose the request names (purpose_id).")
    purpose_name: dict[str, str] = Field(description="The registered purpose's name by language.")
    extra_claims: list[ExtraClaimView]
    needed_only_may_be_refused: bool = Field(
        description="An extra claim is required by the query: an answer with only the needed "
        "claims may not satisfy it, and the verifier may refuse it."
    )


class PresentationRequestView(_Wire):
    id: str
    state: str
    verifier: dict[str, object]
    purpose: str
    expires_at: int
    queries: list[dict[str, object]]
    over_asking: OverAskingView


class ApprovalOut(_Wire):
    consent_id: str
    redirect_uri: str | None = None


class DenialOut(_Wire):
    consent_id: str


def _absent(value: object) -> bool:
    return not value


class ConsentEvent(_Wire):
    """One event in a consent's life; ``reason`` only when there is one (a failure)."""

    at: int
    event: ConsentEventKind
    reason: str | None = Field(default=None, exclude_if=_absent)


class ConsentRecord(_Wire):
    """A consent record (ISO/IEC TS 27560), as the holder sees it and its receipt carries it."""

    id: str
    schema_: str = Field(alias="schema")
    kind: ConsentKind
    state: ConsentState
    holder: str = Field(description="The holder's pairwise pseudonym for this recipient.")
    recipient: dict[str, object]
    purpose: str
    legal_basis: str
    claims_requested: list[RequestedClaims]
    claims_disclosed: list[DisclosedClaims]
    credential_ids: list[str]
    evidence: dict[str, object]
    created_at: int
    expires_at: int | None
    withdrawn_at: int | None
    events: list[ConsentEvent]

    def as_json(self) -> dict[str, object]:
        """The record's JSON, as served and as the receipt and the export carry it."""
        return self.model_dump(mode="json", by_alias=True)


class LogEntryOut(_Wire):
    seq: int
    at: int
    event: str
    entry: dict[str, object]
    hash: str


class LogPage(_Wire):
    entries: list[LogEntryOut]
    next_before: int | None


class ChainCheckOut(_Wire):
    valid: bool
    entries: int
    first_bad_seq: int | None
    reason: str | None
    head: str


class GrantRequestIn(_Wire):
    holder: str = Field(
        max_length=254, description="The holder's wallet username, as they gave it to you."
    )
    dcql_query: dict[str, object]
    purpose: str = Field(min_length=1, max_length=1000)
    duration_days: int = Field(ge=1, le=365)


class GrantRequestOut(_Wire):
    id: str = Field(
        description="Also the grant's id once approved: POST /wallet/grants/{id}/presentations."
    )
    state: str


class PullIn(_Wire):
    nonce: str = Field(min_length=1, max_length=256, description="Your fresh nonce for the KB-JWT.")


class PullOut(_Wire):
    vp_token: dict[str, list[object]]
    audience: str = Field(description="The KB-JWT aud: your registered client_id.")

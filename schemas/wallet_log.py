"""The wallet's consent vocabularies and the entries of the holder's transparency log.

One model per kind of log entry; each names its ``event`` (the row's ``event`` column, kept out
of the entry itself). The wallet writes an entry through its model and stores its JSON, which
is what the hash chain covers. Entries are read back as stored JSON, not through the models:
a changed entry must still be shown as it is, next to the ``verify_chain`` verdict that says
it was changed. Entries name counterparties, claim paths and purposes, never claim values.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class ConsentKind(StrEnum):
    SINGLE = "single"  # one presentation to a verifier
    STANDING = "standing"  # a service's grant, pulled under until it ends


class ConsentState(StrEnum):
    GIVEN = "given"  # a single consent
    ACTIVE = "active"  # a standing consent
    REFUSED = "refused"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  # shown, never stored: an active consent past its expires_at


class ConsentEventKind(StrEnum):
    GIVEN = "given"
    PRESENTED = "presented"
    FAILED = "failed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class LogEvent(StrEnum):
    """What a transparency log entry records."""

    CREDENTIAL_RECEIVED = "credential_received"
    CREDENTIAL_RECEIPT_FAILED = "credential_receipt_failed"
    CREDENTIAL_DELETED = "credential_deleted"
    PRESENTATION_REQUESTED = "presentation_requested"
    SHARED = "shared"
    SHARE_FAILED = "share_failed"
    DENIED = "denied"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    GRANT_REQUESTED = "grant_requested"
    GRANT_APPROVED = "grant_approved"
    GRANT_DENIED = "grant_denied"
    PULLED = "pulled"
    PULL_REFUSED = "pull_refused"
    OVER_ASKING = "over_asking"


class OverAskingAnswer(StrEnum):
    """What the holder did with a request that asked for more than its purpose needs."""

    NEEDED_ONLY = "needed_only"  # shared only the claims the registered purpose needs
    AS_ASKED = "as_asked"  # shared what the request asked for, extra claims included
    DENIED = "denied"


ClaimPath = list[str | int]


class RequestedClaims(BaseModel):
    """One credential query of a request: the claim paths it asks for."""

    model_config = ConfigDict(extra="forbid")

    query: str
    required: bool
    paths: list[ClaimPath]


class DisclosedClaims(BaseModel):
    """Which claim paths of which credential went, for one credential query (no values)."""

    model_config = ConfigDict(extra="forbid")

    query: str
    credential_id: str
    paths: list[ClaimPath]


class LogEntry(BaseModel):
    """The body of one transparency log entry; ``event`` says which kind it is."""

    model_config = ConfigDict(extra="forbid")

    event: ClassVar[LogEvent]


class CredentialReceived(LogEntry):
    event = LogEvent.CREDENTIAL_RECEIVED
    issuer: str
    issuer_name: str
    vct: str
    credential_id: str


class CredentialReceiptFailed(LogEntry):
    event = LogEvent.CREDENTIAL_RECEIPT_FAILED
    issuer: str
    reason: str


class CredentialDeleted(LogEntry):
    event = LogEvent.CREDENTIAL_DELETED
    credential_id: str
    issuer: str
    vct: str


class PresentationRequested(LogEntry):
    event = LogEvent.PRESENTATION_REQUESTED
    request_id: str
    recipient: str | None
    client_id: str
    verified: bool
    purpose: str


class Shared(LogEntry):
    event = LogEvent.SHARED
    consent_id: str
    recipient: str | None
    client_id: str
    purpose: str
    claims: list[DisclosedClaims]


class ShareFailed(LogEntry):
    event = LogEvent.SHARE_FAILED
    consent_id: str
    recipient: str | None
    client_id: str
    reason: str


class Denied(LogEntry):
    event = LogEvent.DENIED
    consent_id: str
    recipient: str | None
    client_id: str
    purpose: str


class ConsentWithdrawn(LogEntry):
    event = LogEvent.CONSENT_WITHDRAWN
    consent_id: str
    recipient: str | None
    kind: ConsentKind


class GrantRequested(LogEntry):
    event = LogEvent.GRANT_REQUESTED
    grant_request_id: str
    recipient: str
    client_id: str
    purpose: str
    duration_seconds: int


class GrantApproved(LogEntry):
    event = LogEvent.GRANT_APPROVED
    consent_id: str
    recipient: str
    client_id: str
    purpose: str
    claims: list[DisclosedClaims]
    expires_at: int | None


class GrantDenied(LogEntry):
    event = LogEvent.GRANT_DENIED
    grant_request_id: str
    recipient: str | None
    purpose: str


class Pulled(LogEntry):
    event = LogEvent.PULLED
    consent_id: str
    recipient: str
    client_id: str
    purpose: str
    claims: list[DisclosedClaims]


class PullRefused(LogEntry):
    event = LogEvent.PULL_REFUSED
    consent_id: str
    recipient: str
    reason: str


class ExtraClaim(BaseModel):
    """A claim a request asked for beyond its registered purpose (a path, never a value;
    ``"*"`` for every element)."""

    model_config = ConfigDict(extra="forbid")

    query: str
    path: ClaimPath
    required: bool


class OverAsking(LogEntry):
    """A request asked for more than the purpose it names is registered for, and the
    holder's answer to it."""

    event = LogEvent.OVER_ASKING
    request_id: str
    recipient: str | None
    client_id: str
    purpose_id: str
    extra_claims: list[ExtraClaim]
    answer: OverAskingAnswer

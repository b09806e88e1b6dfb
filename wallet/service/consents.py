"""Consent records (modelled on ISO/IEC TS 27560), their events, receipts and withdrawal.

A record names: the holder by a pairwise pseudonym (HMAC of the recipient under a per-holder
secret: two recipients cannot link the holder by it, and it is never the personnummer); the
recipient (verified client identifier, organisation, certificate thumbprint); purpose and
legal basis; claims requested and disclosed as *paths*; the credentials used; events; and
evidence (hash of the signed request object, the nonce, hash of the ``vp_token`` sent).
The receipt is a JWT signed by the wallet's own key, published at ``/wallet/jwks.json``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping, Sequence

from sqlmodel import Session

from core import jose
from core.errors import Conflict, NotFound
from core.runtime import Runtime
from schemas import wallet_log as log
from schemas.wallet_api import ConsentEvent, ConsentRecord
from wallet import repository
from wallet.models import (
    ConsentEventKind,
    ConsentKind,
    ConsentState,
    WalletConsent,
    WalletConsentEvent,
    WalletHolder,
    WalletPresentationRequest,
    WalletSigningKey,
)
from wallet.service import transparency, vault
from wallet.service.selection import Chosen, QueryView, disclosed_paths

TYP_RECEIPT = "consent-receipt+jwt"
DEFAULT_LEGAL_BASIS = "consent (GDPR art. 6.1 a)"
RECEIPT_SCHEMA = "ISO/IEC TS 27560:2023 (consent record information structure), Intyg profile 1"


class ConsentNotFound(NotFound):
    code = "consent_not_found"
    title = "No such consent"


class ConsentNotActive(Conflict):
    code = "consent_not_active"
    title = "The consent is not active"


def pseudonym(rt: Runtime, holder: WalletHolder, recipient: str) -> str:
    secret = vault.open_sealed(rt, holder, holder.sealed_pseudonym_secret, "pseudonym")
    digest = hmac.new(secret, recipient.encode(), hashlib.sha256).hexdigest()[:32]
    return f"urn:intyg:pseudonym:{digest}"


def add_event(
    session: Session,
    consent_id: str,
    at: int,
    event: ConsentEventKind,
    reason: str | None = None,
) -> None:
    repository.add_consent_event(
        session, WalletConsentEvent(consent_id=consent_id, at=at, event=event, reason=reason)
    )


def requested_paths(views: Sequence[QueryView]) -> list[object]:
    return [
        {"query": v.query_id, "required": v.required, "paths": [list(p) for p in v.requested]}
        for v in views
    ]


def record_presentation(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    request: WalletPresentationRequest,
    views: Sequence[QueryView],
    chosen: Sequence[Chosen],
    vp_token_hash: str,
) -> WalletConsent:
    evidence = {"vp_token_hash": vp_token_hash, "response_uri": request.response_uri}
    return _record_answer(session, rt, holder, request, views, chosen, evidence)


def _record_answer(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    request: WalletPresentationRequest,
    views: Sequence[QueryView],
    chosen: Sequence[Chosen] | None,
    evidence: Mapping[str, object],
) -> WalletConsent:
    """The single-use record of the holder's answer to a presentation request: consent given
    (``chosen`` is what goes to the verifier) or, with ``chosen=None``, refused."""
    now = rt.clock.now()
    given = chosen is not None
    state, event = (
        (ConsentState.GIVEN, ConsentEventKind.GIVEN)
        if given
        else (ConsentState.REFUSED, ConsentEventKind.REFUSED)
    )
    consent = WalletConsent(
        id=str(uuid.uuid4()),
        holder_id=holder.id,
        kind=ConsentKind.SINGLE,
        state=state,
        pseudonym=pseudonym(rt, holder, request.client_id),
        recipient=dict(request.verifier),
        purpose=request.purpose,
        legal_basis=str(request.verifier.get("legal_basis", "")),
        claims_requested=requested_paths(views),
        claims_disclosed=list(disclosed_paths(chosen or ())),
        credential_ids=[c.credential_id for c in chosen or ()],
        evidence={
            "request_object_hash": request.request_object_hash,
            "nonce": request.nonce,
            **evidence,
        },
        presentation_request_id=request.id,
        created_at=now,
    )
    repository.add_consent(session, consent)
    add_event(session, consent.id, now, event)
    return consent


def presented(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    consent: WalletConsent,
    request: WalletPresentationRequest,
    chosen: Sequence[Chosen],
) -> None:
    now = rt.clock.now()
    add_event(session, consent.id, now, ConsentEventKind.PRESENTED)
    transparency.append(
        session,
        holder.id,
        now,
        log.Shared(
            consent_id=consent.id,
            recipient=request.verifier.get("name"),
            client_id=request.client_id,
            purpose=request.purpose,
            claims=disclosed_paths(chosen),
        ),
    )


def presentation_failed(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    consent: WalletConsent,
    request: WalletPresentationRequest,
    reason: str,
) -> None:
    now = rt.clock.now()
    stored = repository.consent_by_id(session, consent.id)
    if stored is not None:
        stored.state = ConsentState.FAILED
    add_event(session, consent.id, now, ConsentEventKind.FAILED, reason)
    transparency.append(
        session,
        holder.id,
        now,
        log.ShareFailed(
            consent_id=consent.id,
            recipient=request.verifier.get("name"),
            client_id=request.client_id,
            reason=reason,
        ),
    )


def record_refusal(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    request: WalletPresentationRequest,
    views: Sequence[QueryView],
) -> WalletConsent:
    consent = _record_answer(session, rt, holder, request, views, None, {})
    transparency.append(
        session,
        holder.id,
        consent.created_at,
        log.Denied(
            consent_id=consent.id,
            recipient=request.verifier.get("name"),
            client_id=request.client_id,
            purpose=request.purpose,
        ),
    )
    return consent


def list_consents(session: Session, holder: WalletHolder) -> Sequence[WalletConsent]:
    return repository.consents_of(session, holder.id)


def get_consent(session: Session, holder: WalletHolder, consent_id: str) -> WalletConsent:
    row = repository.consent_of(session, holder.id, consent_id)
    if row is None:
        raise ConsentNotFound()
    return row


def events(session: Session, consent_id: str) -> Sequence[WalletConsentEvent]:
    return repository.consent_events(session, consent_id)


def record_json(session: Session, rt: Runtime, consent: WalletConsent) -> ConsentRecord:
    """The record as the holder sees it and as the receipt carries it."""
    state = consent.state
    if (
        state == ConsentState.ACTIVE
        and consent.expires_at is not None
        and consent.expires_at <= rt.clock.now()
    ):
        state = ConsentState.EXPIRED
    return ConsentRecord(
        id=consent.id,
        schema=RECEIPT_SCHEMA,
        kind=consent.kind,
        state=state,
        holder=consent.pseudonym,
        recipient=consent.recipient,
        purpose=consent.purpose,
        legal_basis=consent.legal_basis,
        claims_requested=consent.claims_requested,
        claims_disclosed=consent.claims_disclosed,
        credential_ids=consent.credential_ids,
        evidence=consent.evidence,
        created_at=consent.created_at,
        expires_at=consent.expires_at,
        withdrawn_at=consent.withdrawn_at,
        events=[
            ConsentEvent(at=e.at, event=e.event, reason=e.reason)
            for e in events(session, consent.id)
        ],
    )


def withdraw(session: Session, rt: Runtime, holder: WalletHolder, consent_id: str) -> WalletConsent:
    consent = get_consent(session, holder, consent_id)
    if consent.state not in (ConsentState.GIVEN, ConsentState.ACTIVE):
        raise ConsentNotActive(f"a {consent.state} consent cannot be withdrawn")
    now = rt.clock.now()
    consent.state = ConsentState.WITHDRAWN
    consent.withdrawn_at = now
    add_event(session, consent.id, now, ConsentEventKind.WITHDRAWN)
    transparency.append(
        session,
        holder.id,
        now,
        log.ConsentWithdrawn(
            consent_id=consent.id,
            recipient=consent.recipient.get("name"),
            kind=consent.kind,
        ),
    )
    session.commit()
    return consent


# --- receipts --------------------------------------------------------------------------------


def wallet_key(session: Session, rt: Runtime) -> jose.PrivateKey:
    """The wallet's receipt-signing key, created on first use (sealed under the master key)."""
    row = repository.active_signing_key(session)
    if row is not None:
        jwk = json.loads(rt.master_key.open(row.sealed_private, f"wallet-signing-key:{row.kid}"))
        return jose.PrivateKey.from_jwk(jwk)
    key = jose.PrivateKey.generate()
    repository.add_signing_key(
        session,
        WalletSigningKey(
            kid=key.kid,
            alg=key.alg,
            public_jwk={k: str(v) for k, v in key.public.jwk.items()},
            sealed_private=rt.master_key.seal(
                json.dumps(key.private_jwk()).encode(), f"wallet-signing-key:{key.kid}"
            ),
            created_at=rt.clock.now(),
        ),
    )
    session.commit()
    return key


def published_keys(session: Session) -> list[dict[str, str]]:
    rows = repository.signing_keys(session)
    return [{**row.public_jwk, "kid": row.kid, "alg": row.alg, "use": "sig"} for row in rows]


def receipt(session: Session, rt: Runtime, holder: WalletHolder, consent_id: str) -> str:
    consent = get_consent(session, holder, consent_id)
    key = wallet_key(session, rt)
    check = transparency.verify_chain(session, holder.id)
    payload = {
        "iss": f"{rt.settings.public_url}/wallet",
        "sub": consent.pseudonym,
        "iat": rt.clock.now(),
        "jti": consent.id,
        "consent": record_json(session, rt, consent).as_json(),
        "log_head": check.head,
    }
    return jose.sign(payload, key, typ=TYP_RECEIPT)

"""Collecting a record, at once or deferred (OpenID4VCI 1.0 §8, §9).

For a credential endpoint that issues records (the authorization code flow, after the learner
signed in): ``issue_record`` issues a ready record, one credential per proven holder key,
with a ``notification_id`` (§8.3); for a pending one it starts a deferred issuance
(``new_deferral``): a random ``transaction_id`` (kept as a hash) bound to the record, the
holder keys and the grant the access token belongs to (``bound_to``). At the deferred
credential endpoint ``deferred`` answers the wallet's polls: still pending (§9.2, HTTP 202 with
``transaction_id`` and ``interval``), or the credentials once the provider has completed the
record, after which the ``transaction_id`` is spent (§9.1). A ``transaction_id`` of another
grant, another issuer, expired, spent or unknown is ``invalid_transaction_id`` (§9.3), all
alike. (OpenID4VCI drafts before 1.0 answered a pending poll with the error
``issuance_pending``; 1.0 answers 202.)

``bound_to`` is an opaque name of the grant, chosen by the caller and stable across refreshed
access tokens: ``offer:<offer id>`` for a pre-authorized code. No FastAPI here.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlmodel import Session

from core import jose
from core.runtime import Runtime
from core.standards import oid4vci
from core.tokens import hash_secret, new_secret
from issuer import issuance, notifications, records
from issuer import record_repository as records_sql
from issuer.models import IssuerDeferral, IssuerRecord, IssuerTenant, RecordState

# §9.2 interval: seconds the wallet waits between polls. A grade is set by people, in days.
DEFERRAL_INTERVAL: Final = 3600
DEFERRAL_TTL: Final = 365 * 86_400  # a pending record may wait for its grade for a term or two


@dataclass(frozen=True)
class Issued:
    """§8.3 / §9.2: ``{"credentials": [...], "notification_id": ...}`` (HTTP 200)."""

    credentials: list[str]
    notification_id: str

    def response(self) -> dict[str, object]:
        return {
            "credentials": [{"credential": c} for c in self.credentials],
            "notification_id": self.notification_id,
        }


@dataclass(frozen=True)
class Deferred:
    """§8.3 / §9.2: ``{"transaction_id", "interval"}`` (HTTP 202)."""

    transaction_id: str
    interval: int

    def response(self) -> dict[str, object]:
        return {"transaction_id": self.transaction_id, "interval": self.interval}


def issue_record(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    record_id: str,
    holder_keys: Sequence[jose.PublicKey],
    *,
    personnummer: str,
    bound_to: str,
) -> Issued | Deferred:
    """Issue one of the signed-in learner's records to these (proven) holder keys, or defer
    it while it is pending. The caller commits, with the rest of its credential request
    (nonce, access token). Raises ``records.RecordNotFound`` for a record not theirs."""
    record = records.owned_record(session, rt, tenant, record_id, personnummer)
    if record.state == RecordState.PENDING:
        transaction_id = new_deferral(
            session, rt, tenant, record.id, holder_keys, bound_to=bound_to
        )
        return Deferred(transaction_id, DEFERRAL_INTERVAL)
    return _issue(session, rt, tenant, record, holder_keys, bound_to)


def _issue(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    record: IssuerRecord,
    holder_keys: Sequence[jose.PublicKey],
    bound_to: str,
) -> Issued:
    claims = records.credential_claims_of(rt, tenant, record)
    made = notifications.new_issuance(
        session, rt, tenant, bound_to=bound_to, record_id=record.id, credentials=len(holder_keys)
    )
    credentials = issuance.issue_batch(
        session,
        rt,
        tenant,
        claims,
        holder_keys,
        offer_id=None,
        record_id=record.id,
        issuance_id=made.issuance_id,
    )
    return Issued(credentials, made.notification_id)


def new_deferral(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    record_id: str,
    holder_keys: Sequence[jose.PublicKey],
    *,
    bound_to: str,
) -> str:
    """A new ``transaction_id`` for a record (§8.3), bound to the holder keys and the grant;
    only its hash is kept. The caller commits."""
    if not holder_keys:
        raise oid4vci.InvalidProof("a deferred issuance needs at least one holder key")
    transaction_id = new_secret()
    now = rt.clock.now()
    records_sql.insert_deferral(
        session,
        IssuerDeferral(
            transaction_hash=hash_secret(transaction_id),
            issuer_id=tenant.id,
            record_id=str(uuid.UUID(record_id)),
            holder_jwks=[dict(key.jwk) for key in holder_keys],
            bound_hash=notifications.bound_hash(bound_to),
            created_at=now,
            expires_at=now + DEFERRAL_TTL,
        ),
    )
    return transaction_id


def deferred(
    session: Session, rt: Runtime, tenant: IssuerTenant, transaction_id: object, bound_to: str
) -> Issued | Deferred:
    """§9: the credentials of a deferred issuance once its record is ready (the
    ``transaction_id`` is spent then, in the same transaction), else ``Deferred`` again with
    the same ``transaction_id``. Commits. Raises ``InvalidCredentialRequest`` without a
    ``transaction_id`` and ``InvalidTransactionId`` for one not valid for this grant."""
    if not isinstance(transaction_id, str) or not transaction_id:
        raise oid4vci.InvalidCredentialRequest("transaction_id is missing")
    transaction_hash = hash_secret(transaction_id)
    row = records_sql.deferral(session, tenant.id, transaction_hash)
    now = rt.clock.now()
    if (
        row is None
        or row.used_at is not None
        or row.expires_at <= now
        or not secrets.compare_digest(row.bound_hash, notifications.bound_hash(bound_to))
    ):
        raise oid4vci.InvalidTransactionId("the transaction_id is unknown, used or expired")
    record = records_sql.record(session, tenant.id, row.record_id)
    if record is None:  # cannot happen (a foreign key), answered like an unknown one
        raise oid4vci.InvalidTransactionId("the transaction_id is unknown, used or expired")
    if record.state == RecordState.PENDING:
        return Deferred(transaction_id, DEFERRAL_INTERVAL)
    if not records_sql.use_deferral(session, transaction_hash, now):
        session.rollback()
        raise oid4vci.InvalidTransactionId("the transaction_id was used meanwhile")
    keys = [jose.PublicKey.from_jwk(jwk) for jwk in row.holder_jwks]
    issued = _issue(session, rt, tenant, record, keys, bound_to)
    session.commit()
    return issued

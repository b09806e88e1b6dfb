"""Credential records: what a provider has to give a learner, bound to the learner's personal
identity number, collected after the learner signs in with their eID (the authorization code
flow) instead of being sent as an offer.

A record holds the learner's skill-credential claims as they were validated for an offer,
sealed under the master key. The personal identity number (``learner_identification``, which a
record requires) is kept twice, never in the clear: as an HMAC-SHA256 under a key derived
from the master key (``MasterKey.derive``) over the issuer's id and the number's 12-digit
form, which is how ``records_for`` finds a learner's records (and the same learner at two
issuers has two unrelated hashes), and sealed, to check and to show.

When is a record not ready? The skill credential states the learner's result in
``assessment_grade``, which the claims schema leaves optional for offers. A record without a
grade is ``pending``: the provider uploads the learner when the course starts or before the
grade is set, and completes the record later (``complete_record``: the admin API's PATCH, or
the same batch row uploaded again with its grade). A pending record is issued through the
deferred credential endpoint (``issuer.deferred``). Every other claim is checked at upload
exactly as for an offer. A course without grades sets e.g. ``G`` (godkänd).

``date_of_issuance``, when the provider gives none, is the day the record became ready. The
issuing authority is the issuer's, at issuance. No FastAPI here; the functions that change
records commit their own unit of work, so a failure leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final, Literal

from sqlmodel import Session

from core.errors import Conflict, IntygError, InvalidInput, NotFound
from core.runtime import Runtime
from issuer import notifications, repository
from issuer import record_repository as records_sql
from issuer.models import IssuerRecord, IssuerTenant, RecordState
from issuer.record_repository import RecordQuery as RecordQuery  # the listing's filters
from issuer.service import BATCH_MAX_OFFERS, IdempotencyConflict, canonical_id, each_on_its_own
from schemas import issuer_api as wire
from schemas.personnummer import IdentityNumberError, normalise_personnummer
from schemas.skill_credential import (
    ClaimProblem,
    InvalidClaims,
    IssuingAuthority,
    SkillClaimsInput,
    credential_claims,
    validate_claims,
)

PERSON_KEY_PURPOSE: Final = b"issuer-record-person"
GRADE: Final = "assessment_grade"
# Set once, at upload: a record cannot be moved to another person by a patch.
NOT_PATCHABLE: Final = frozenset({"learner_identification"})

Outcome = Literal["created", "replayed", "completed"]


class RecordNotFound(NotFound):
    code = "record_not_found"
    title = "No such credential record"


class RecordComplete(Conflict):
    code = "record_complete"
    title = "The record is complete and can no longer be changed"


@dataclass(frozen=True)
class CreatedRecord:
    record_id: str
    state: RecordState
    outcome: Outcome  # completed: an upload again, now with the grade, completed the record


@dataclass(frozen=True)
class RecordView:
    """A record as the learner sees it after signing in."""

    id: str
    title: str
    date: date  # date_of_issuance, else the day the record was made
    state: RecordState
    collected: int  # how many times it was issued (one credential response each)


@dataclass(frozen=True)
class Pending:
    """``claims_for_issuance`` of a record without its grade: defer (``issuer.deferred``)."""

    record_id: str


@dataclass(frozen=True)
class RecordSummary:
    """A record as staff see it: no personal data, its issuances and the wallet's events."""

    record: IssuerRecord
    collected: int
    events: list[notifications.Event]


# --- keys and seals --------------------------------------------------------------------------


def _today(rt: Runtime) -> date:
    return datetime.fromtimestamp(rt.clock.now(), UTC).date()


def _person_hash(rt: Runtime, tenant: IssuerTenant, personnummer: str) -> str:
    key = rt.master_key.derive(PERSON_KEY_PURPOSE)
    return hmac.new(key, f"{tenant.id}:{personnummer}".encode(), hashlib.sha256).hexdigest()


def _claims_aad(record_id: str) -> str:
    return f"issuer-record-claims:{record_id}"


def _person_aad(record_id: str) -> str:
    return f"issuer-record-person:{record_id}"


def _canonical(claims: SkillClaimsInput) -> dict[str, object]:
    data: dict[str, object] = claims.model_dump(mode="json", exclude_none=True)
    return data


def _seal_claims(rt: Runtime, record_id: str, claims: SkillClaimsInput) -> bytes:
    text = json.dumps(_canonical(claims), sort_keys=True, ensure_ascii=False)
    return rt.master_key.seal(text.encode(), _claims_aad(record_id))


def _stored_claims(rt: Runtime, record: IssuerRecord) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        rt.master_key.open(record.sealed_claims, _claims_aad(record.id))
    )
    return data


def _normalised(rt: Runtime, personnummer: str) -> str:
    try:
        return normalise_personnummer(personnummer, today=_today(rt))
    except IdentityNumberError as exc:
        raise InvalidInput(f"personnummer: {exc}") from None


# --- making records --------------------------------------------------------------------------


def create_record(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    claims: object,
    *,
    idempotency_key: str | None = None,
) -> CreatedRecord:
    """Validate the learner's claims as for an offer, require ``learner_identification``, and
    store a record: ``ready`` with a grade, ``pending`` without.

    The same ``idempotency_key`` again returns the same record (``replayed``); if the record
    is pending and the claims now carry the grade, it is completed (``completed``). Other
    claims than the grade differing raise ``IdempotencyConflict``.
    """
    validated = validate_claims(claims, today=_today(rt))
    if validated.learner_identification is None:
        problem = ClaimProblem(("learner_identification",), "missing", "is required for a record")
        raise InvalidClaims([problem])
    if idempotency_key is not None and not idempotency_key.isprintable():
        raise InvalidInput("idempotency_key: printable characters only")
    if idempotency_key is not None:
        existing = records_sql.record_by_idempotency_key(session, tenant.id, idempotency_key)
        if existing is not None:
            return _replayed(session, rt, tenant, existing, validated)
    record = _new_record(rt, tenant, validated, idempotency_key)
    records_sql.insert_record(session, record)
    if repository.commit_unless_duplicate(session):
        return CreatedRecord(record.id, record.state, "created")
    existing = None  # a concurrent request with the same idempotency key won
    if idempotency_key is not None:
        existing = records_sql.record_by_idempotency_key(session, tenant.id, idempotency_key)
    if existing is None:
        raise Conflict("the record could not be stored; try again")
    return _replayed(session, rt, tenant, existing, validated)


def _new_record(
    rt: Runtime, tenant: IssuerTenant, claims: SkillClaimsInput, idempotency_key: str | None
) -> IssuerRecord:
    assert claims.learner_identification is not None
    record_id = str(uuid.uuid4())
    now = rt.clock.now()
    ready = claims.assessment_grade is not None
    return IssuerRecord(
        id=record_id,
        issuer_id=tenant.id,
        idempotency_key=idempotency_key,
        person_hash=_person_hash(rt, tenant, claims.learner_identification),
        sealed_person=rt.master_key.seal(
            claims.learner_identification.encode(), _person_aad(record_id)
        ),
        sealed_claims=_seal_claims(rt, record_id, claims),
        state=RecordState.READY if ready else RecordState.PENDING,
        created_at=now,
        completed_at=now if ready else None,
    )


def _replayed(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    record: IssuerRecord,
    claims: SkillClaimsInput,
) -> CreatedRecord:
    stored = _stored_claims(rt, record)
    given = _canonical(claims)
    stored_grade, given_grade = stored.pop(GRADE, None), given.pop(GRADE, None)
    changed_grade = stored_grade is not None and given_grade not in (None, stored_grade)
    if stored != given or changed_grade:
        raise IdempotencyConflict("this idempotency key was used for other claims")
    if stored_grade is None and given_grade is not None:
        complete_record(session, rt, tenant, record.id, {GRADE: given_grade})
        return CreatedRecord(record.id, RecordState.READY, "completed")
    return CreatedRecord(record.id, RecordState(record.state), "replayed")


def create_records(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    items: Sequence[wire.CreateRecord],
    *,
    at_most: int | None = BATCH_MAX_OFFERS,
) -> Iterator[CreatedRecord | IntygError]:
    """Each record on its own, like ``service.create_offers``: one that fails is rolled back
    and reported, the rest stand; the results come one at a time, each once committed."""
    if at_most is not None and len(items) > at_most:
        raise InvalidInput(f"at most {at_most} records per batch")

    def make(item: wire.CreateRecord) -> CreatedRecord:
        return create_record(session, rt, tenant, item.claims, idempotency_key=item.idempotency_key)

    return each_on_its_own(session, items, make)


# --- completing ------------------------------------------------------------------------------


def complete_record(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    record_id: str,
    claims_patch: Mapping[str, object],
) -> IssuerRecord:
    """Merge ``claims_patch`` into a pending record's claims (``null`` removes a claim),
    validate the result as for an offer, and store it: ``ready`` once it has its grade.

    Raises ``RecordNotFound``, ``RecordComplete`` (the record is ready: it may have been
    issued), ``InvalidInput`` (a patch of ``learner_identification``, or not an object) and
    ``InvalidClaims``.
    """
    record = _record(session, tenant, record_id)
    if record.state != RecordState.PENDING:
        raise RecordComplete("only a pending record can be changed")
    if not isinstance(claims_patch, Mapping) or not claims_patch:
        raise InvalidInput("claims: an object with the claims to set, e.g. assessment_grade")
    if NOT_PATCHABLE & set(claims_patch):
        raise InvalidInput("learner_identification cannot be changed; make a new record")
    merged = {**_stored_claims(rt, record), **claims_patch}
    validated = validate_claims(
        {k: v for k, v in merged.items() if v is not None}, today=_today(rt)
    )
    ready = validated.assessment_grade is not None
    if not records_sql.update_pending_record(
        session,
        tenant.id,
        record.id,
        sealed_claims=_seal_claims(rt, record.id, validated),
        state=RecordState.READY if ready else RecordState.PENDING,
        completed_at=rt.clock.now() if ready else None,
    ):
        session.rollback()
        raise RecordComplete("the record was completed meanwhile")
    session.commit()
    return _record(session, tenant, record.id)


def _record(session: Session, tenant: IssuerTenant, record_id: str) -> IssuerRecord:
    found = records_sql.record(session, tenant.id, canonical_id(record_id, RecordNotFound))
    if found is None:
        raise RecordNotFound(f"no record {record_id}")
    session.refresh(found)  # a conditional update may have changed it under the session
    return found


# --- the learner's side ----------------------------------------------------------------------


def records_for(
    session: Session, rt: Runtime, tenant: IssuerTenant, personnummer: str
) -> list[RecordView]:
    """The records of this issuer bound to ``personnummer`` (any accepted spelling; the
    eID sign-in's normalised 12-digit form is one), oldest first. Raises ``InvalidInput``
    for a number that is not valid (its message never holds the number)."""
    number = _normalised(rt, personnummer)
    rows = [
        row
        for row in records_sql.records_by_person(
            session, tenant.id, _person_hash(rt, tenant, number)
        )
        if _is_of(rt, row, number)
    ]
    counts = _collected(session, tenant, [row.id for row in rows])
    return [_view(rt, row, counts.get(row.id, 0)) for row in rows]


def _is_of(rt: Runtime, record: IssuerRecord, personnummer: str) -> bool:
    sealed = rt.master_key.open(record.sealed_person, _person_aad(record.id))
    return secrets.compare_digest(sealed, personnummer.encode())


def _collected(session: Session, tenant: IssuerTenant, record_ids: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for issuance in records_sql.issuances(session, tenant.id, record_ids=record_ids):
        if issuance.record_id is not None:
            counts[issuance.record_id] = counts.get(issuance.record_id, 0) + 1
    return counts


def _view(rt: Runtime, record: IssuerRecord, collected: int) -> RecordView:
    claims = _stored_claims(rt, record)
    issued = claims.get("date_of_issuance")
    shown = (
        date.fromisoformat(issued)
        if isinstance(issued, str)
        else datetime.fromtimestamp(record.completed_at or record.created_at, UTC).date()
    )
    return RecordView(record.id, str(claims["achievement_title"]), shown, record.state, collected)


def owned_record(
    session: Session, rt: Runtime, tenant: IssuerTenant, record_id: str, personnummer: str
) -> IssuerRecord:
    """One of this issuer's records, only if it is bound to ``personnummer`` (else, like an
    unknown id, ``RecordNotFound``)."""
    record = _record(session, tenant, record_id)
    if not _is_of(rt, record, _normalised(rt, personnummer)):
        raise RecordNotFound(f"no record {record_id}")
    return record


def claims_for_issuance(
    session: Session, rt: Runtime, tenant: IssuerTenant, record_id: str, *, personnummer: str
) -> dict[str, object] | Pending:
    """The credential's claims (issuing authority included) of one of the signed-in
    learner's records, or ``Pending`` when it has no grade yet. ``RecordNotFound`` for a
    record of another person, another issuer's, or none."""
    record = owned_record(session, rt, tenant, record_id, personnummer)
    if record.state == RecordState.PENDING:
        return Pending(record.id)
    return credential_claims_of(rt, tenant, record)


def credential_claims_of(
    rt: Runtime, tenant: IssuerTenant, record: IssuerRecord
) -> dict[str, object]:
    """The claims a ready record is issued with."""
    validated = SkillClaimsInput.model_validate(
        _stored_claims(rt, record), context={"today": _today(rt)}
    )
    authority = IssuingAuthority(name=tenant.name, organisationsnummer=tenant.organisation_number)
    ready_on = datetime.fromtimestamp(record.completed_at or record.created_at, UTC).date()
    return credential_claims(validated, authority, ready_on)


# --- what staff see --------------------------------------------------------------------------


def find_records(
    session: Session, tenant: IssuerTenant, query: RecordQuery, *, limit: int, offset: int
) -> tuple[list[RecordSummary], int]:
    """A page of this issuer's records, newest first, each with how many times it was
    collected and the wallet's notifications; and how many match in all."""
    if query.row_id is not None and not (0 < len(query.row_id) <= 200):
        raise InvalidInput("row_id: 1-200 characters")
    rows, total = records_sql.find_records(session, tenant.id, query, limit=limit, offset=offset)
    issuances = records_sql.issuances(session, tenant.id, record_ids=[r.id for r in rows])
    record_of = {i.id: i.record_id for i in issuances}
    events: dict[str, list[notifications.Event]] = {}
    for event in notifications.events(session, tenant, list(record_of)):
        events.setdefault(record_of[event.issuance_id] or "", []).append(event)
    counts = _collected(session, tenant, [r.id for r in rows])
    summaries = [RecordSummary(r, counts.get(r.id, 0), events.get(r.id, [])) for r in rows]
    return summaries, total


def record_summary(session: Session, tenant: IssuerTenant, record_id: str) -> RecordSummary:
    record = _record(session, tenant, record_id)
    issuances = records_sql.issuances(session, tenant.id, record_ids=[record.id])
    found = notifications.events(session, tenant, [i.id for i in issuances])
    return RecordSummary(record, len(issuances), found)

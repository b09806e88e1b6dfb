"""Credential records (issuer.records, issuer.deferred, issuer.notifications): the domain API
the eID sign-in and the authorization code flow build on, without HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jwcrypto import jwk
from sqlalchemy import text
from sqlmodel import Session

from core import jose
from core.clock import FixedClock
from core.errors import IntygError
from core.runtime import Runtime
from core.standards import oid4vci
from issuer import deferred, notifications, records, service
from issuer.models import IssuerTenant, RecordState
from tests.helpers import learner_claims, public_jwk

ALVA = "19900101-0017"
BO = "19811218-9876"


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with Session(runtime.engine) as session:
        yield session


@pytest.fixture
def tenant(session: Session, runtime: Runtime) -> IssuerTenant:
    service.create_issuer(
        session, runtime, slug="yh-akademin", name="YH-akademin", organisation_number="556677-8899"
    )
    return service.tenant_by_slug(session, "yh-akademin")


def holder_keys(count: int = 1) -> list[jose.PublicKey]:
    return [
        jose.PublicKey.from_jwk(public_jwk(jwk.JWK.generate(kty="EC", crv="P-256")))
        for _ in range(count)
    ]


def record(
    session: Session,
    runtime: Runtime,
    tenant: IssuerTenant,
    key: str | None = None,
    **claims: object,
) -> records.CreatedRecord:
    return records.create_record(
        session, runtime, tenant, learner_claims(**claims), idempotency_key=key
    )


def pending(session: Session, runtime: Runtime, tenant: IssuerTenant, **claims: object) -> str:
    made = record(session, runtime, tenant, assessment_grade=None, **claims)
    assert made.state == RecordState.PENDING
    return made.record_id


def without_grade(**claims: object) -> dict[str, object]:
    data = learner_claims(**claims)
    del data["assessment_grade"]
    return data


def test_a_record_without_a_grade_is_pending_and_with_one_ready(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    made = records.create_record(session, runtime, tenant, without_grade())
    assert (made.state, made.outcome) == (RecordState.PENDING, "created")
    ready = record(session, runtime, tenant)
    assert ready.state == RecordState.READY


def test_a_record_needs_the_personnummer(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    claims = learner_claims()
    del claims["learner_identification"]
    with pytest.raises(IntygError) as raised:
        records.create_record(session, runtime, tenant, claims)
    assert raised.value.code == "invalid_input"
    assert "learner_identification" in raised.value.detail


def test_the_plain_personnummer_and_claims_are_not_stored(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    made = record(session, runtime, tenant)
    row = session.execute(
        text("SELECT * FROM issuer_record WHERE id = :id"), {"id": made.record_id}
    ).one()
    stored = repr(tuple(row)).encode()
    for secret in (b"199001010017", b"19900101-0017", b"900101", b"Lindqvist", b"Mjukvaru"):
        assert secret not in stored
    assert len(row.person_hash) == 64


def test_records_for_finds_a_persons_records_and_never_anothers(
    session: Session, runtime: Runtime, tenant: IssuerTenant, clock: FixedClock
) -> None:
    mine = record(session, runtime, tenant, key="alva-1").record_id
    clock.advance(60)
    also_mine = pending(session, runtime, tenant, achievement_title="SQL för analytiker")
    record(session, runtime, tenant, key="bo-1", learner_identification=BO, given_name="Bo")

    found = records.records_for(session, runtime, tenant, "199001010017")  # the eID's form

    assert [(r.id, r.state) for r in found] == [
        (mine, RecordState.READY),
        (also_mine, RecordState.PENDING),
    ]
    assert found[1].title == "SQL för analytiker"
    assert all(r.collected == 0 for r in found)
    assert [r.id for r in records.records_for(session, runtime, tenant, BO)] != [mine]
    assert mine not in [r.id for r in records.records_for(session, runtime, tenant, BO)]


def test_records_of_another_issuer_are_not_found(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    record(session, runtime, tenant)
    service.create_issuer(
        session, runtime, slug="annan", name="Annan skola", organisation_number="556677-8899"
    )
    other = service.tenant_by_slug(session, "annan")
    assert records.records_for(session, runtime, other, ALVA) == []


def test_an_invalid_personnummer_is_refused_without_echoing_it(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    with pytest.raises(IntygError) as raised:
        records.records_for(session, runtime, tenant, "19900101-0019")
    assert raised.value.code == "invalid_input"
    assert "0019" not in raised.value.detail


def test_the_same_idempotency_key_again_is_replayed_and_with_the_grade_completes(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    first = records.create_record(session, runtime, tenant, without_grade(), idempotency_key="r1")
    again = records.create_record(session, runtime, tenant, without_grade(), idempotency_key="r1")
    assert (again.record_id, again.outcome) == (first.record_id, "replayed")

    graded = records.create_record(session, runtime, tenant, learner_claims(), idempotency_key="r1")
    assert (graded.record_id, graded.outcome, graded.state) == (
        first.record_id,
        "completed",
        RecordState.READY,
    )
    with pytest.raises(IntygError) as raised:
        records.create_record(
            session, runtime, tenant, learner_claims(assessment_grade="G"), idempotency_key="r1"
        )
    assert raised.value.code == "idempotency_key_reused"
    with pytest.raises(IntygError) as raised:
        records.create_record(
            session, runtime, tenant, learner_claims(given_name="Bo"), idempotency_key="r1"
        )
    assert raised.value.code == "idempotency_key_reused"


def test_completing_a_record_sets_the_grade_and_it_cannot_be_changed_again(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    record_id = pending(session, runtime, tenant)
    assert isinstance(
        records.claims_for_issuance(session, runtime, tenant, record_id, personnummer=ALVA),
        records.Pending,
    )
    done = records.complete_record(session, runtime, tenant, record_id, {"assessment_grade": "VG"})
    assert done.state == RecordState.READY and done.completed_at == runtime.clock.now()
    claims = records.claims_for_issuance(session, runtime, tenant, record_id, personnummer=ALVA)
    assert isinstance(claims, dict)
    assert claims["assessment_grade"] == "VG"
    assert claims["issuing_authority"] == {
        "name": "YH-akademin",
        "organisationsnummer": "5566778899",
    }
    with pytest.raises(IntygError) as raised:
        records.complete_record(session, runtime, tenant, record_id, {"assessment_grade": "G"})
    assert raised.value.code == "record_complete"


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"learner_identification": BO}, "invalid_input"),
        ({"assessment_grade": ""}, "invalid_input"),
        ({}, "invalid_input"),
    ],
)
def test_a_bad_completion_changes_nothing(
    session: Session, runtime: Runtime, tenant: IssuerTenant, patch: dict[str, object], code: str
) -> None:
    record_id = pending(session, runtime, tenant)
    with pytest.raises(IntygError) as raised:
        records.complete_record(session, runtime, tenant, record_id, patch)
    assert raised.value.code == code
    assert [r.state for r in records.records_for(session, runtime, tenant, ALVA)] == [
        RecordState.PENDING
    ]


def test_claims_of_another_persons_record_are_not_found(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    record_id = record(session, runtime, tenant).record_id
    with pytest.raises(IntygError) as raised:
        records.claims_for_issuance(session, runtime, tenant, record_id, personnummer=BO)
    assert raised.value.code == "record_not_found"


def test_a_ready_record_is_issued_once_per_holder_key_and_again_on_a_new_device(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    record_id = record(session, runtime, tenant).record_id
    first = deferred.issue_record(
        session, runtime, tenant, record_id, holder_keys(2), personnummer=ALVA, bound_to="grant-1"
    )
    session.commit()
    again = deferred.issue_record(
        session, runtime, tenant, record_id, holder_keys(1), personnummer=ALVA, bound_to="grant-2"
    )
    session.commit()
    assert isinstance(first, deferred.Issued) and isinstance(again, deferred.Issued)
    assert (len(first.credentials), len(again.credentials)) == (2, 1)
    assert first.notification_id != again.notification_id
    rows = session.execute(
        text("SELECT record_id, issuance_id FROM issuer_credential WHERE record_id = :id"),
        {"id": record_id},
    ).all()
    assert len(rows) == 3 and len({r.issuance_id for r in rows}) == 2
    assert [r.collected for r in records.records_for(session, runtime, tenant, ALVA)] == [2]


def test_a_pending_record_is_deferred_until_completed_then_issued_once(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    record_id = pending(session, runtime, tenant)
    keys = holder_keys(2)
    started = deferred.issue_record(
        session, runtime, tenant, record_id, keys, personnummer=ALVA, bound_to="grant-1"
    )
    session.commit()
    assert isinstance(started, deferred.Deferred)
    assert started.response() == {
        "transaction_id": started.transaction_id,
        "interval": deferred.DEFERRAL_INTERVAL,
    }
    poll = deferred.deferred(session, runtime, tenant, started.transaction_id, "grant-1")
    assert poll == started  # §9.2: the same transaction_id, wait again

    records.complete_record(session, runtime, tenant, record_id, {"assessment_grade": "VG"})
    issued = deferred.deferred(session, runtime, tenant, started.transaction_id, "grant-1")
    assert isinstance(issued, deferred.Issued) and len(issued.credentials) == 2
    cnf = {
        str(jose.jwk_thumbprint(jose_payload(c)["cnf"]["jwk"]))  # type: ignore[index]
        for c in issued.credentials
    }
    assert cnf == {k.kid for k in keys}
    with pytest.raises(oid4vci.InvalidTransactionId):  # §9.1: spent once obtained
        deferred.deferred(session, runtime, tenant, started.transaction_id, "grant-1")


def jose_payload(credential: str) -> dict[str, object]:
    import base64
    import json

    part = credential.split("~")[0].split(".")[1]
    data: dict[str, object] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return data


def test_a_transaction_id_of_another_holder_is_invalid(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    record_id = pending(session, runtime, tenant)
    started = deferred.issue_record(
        session, runtime, tenant, record_id, holder_keys(), personnummer=ALVA, bound_to="alva"
    )
    session.commit()
    assert isinstance(started, deferred.Deferred)
    records.complete_record(session, runtime, tenant, record_id, {"assessment_grade": "VG"})
    for transaction_id, bound_to in (
        (started.transaction_id, "mallory"),
        ("not-a-transaction", "alva"),
        ("", "alva"),
    ):
        with pytest.raises(IntygError) as raised:
            deferred.deferred(session, runtime, tenant, transaction_id, bound_to)
        assert raised.value.code in ("invalid_transaction_id", "invalid_credential_request")
    # the holder's own still works: the refused attempts spent nothing
    assert isinstance(
        deferred.deferred(session, runtime, tenant, started.transaction_id, "alva"),
        deferred.Issued,
    )


def collected(
    session: Session, runtime: Runtime, tenant: IssuerTenant, *, bound_to: str
) -> tuple[str, deferred.Issued]:
    """A ready record of Alva's, collected once with one holder key."""
    record_id = record(session, runtime, tenant).record_id
    issued = deferred.issue_record(
        session, runtime, tenant, record_id, holder_keys(), personnummer=ALVA, bound_to=bound_to
    )
    session.commit()
    assert isinstance(issued, deferred.Issued)
    return record_id, issued


def test_notifications_are_stored_per_record_and_repeats_are_idempotent(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    record_id, issued = collected(session, runtime, tenant, bound_to="g")
    note = issued.notification_id
    notifications.notify(session, runtime, tenant, note, "credential_accepted", bound_to="g")
    notifications.notify(session, runtime, tenant, note, "credential_accepted", bound_to="g")
    notifications.notify(
        session, runtime, tenant, note, "credential_deleted", "Removed by the user", bound_to="g"
    )
    summary = records.record_summary(session, tenant, record_id)
    assert summary.collected == 1
    assert [(e.event, e.description) for e in summary.events] == [
        ("credential_accepted", None),
        ("credential_deleted", "Removed by the user"),
    ]


@pytest.mark.parametrize(
    ("notification_id", "event", "description", "bound_to", "code"),
    [
        ("unknown", "credential_accepted", None, "g", "invalid_notification_id"),
        (None, "credential_accepted", None, "g", "invalid_notification_request"),
        ("mine", "credential_accepted", None, "someone-else", "invalid_notification_id"),
        ("mine", "credential_stolen", None, "g", "invalid_notification_request"),
        ("mine", "credential_failure", 'quote " not allowed', "g", "invalid_notification_request"),
    ],
)
def test_a_bad_notification_is_refused_and_stores_nothing(
    session: Session,
    runtime: Runtime,
    tenant: IssuerTenant,
    notification_id: str | None,
    event: str,
    description: str | None,
    bound_to: str,
    code: str,
) -> None:
    record_id, issued = collected(session, runtime, tenant, bound_to="g")
    given = issued.notification_id if notification_id == "mine" else notification_id
    with pytest.raises(IntygError) as raised:
        notifications.notify(session, runtime, tenant, given, event, description, bound_to=bound_to)
    assert raised.value.code == code
    assert records.record_summary(session, tenant, record_id).events == []


def test_staff_find_records_by_state_with_their_events(
    session: Session, runtime: Runtime, tenant: IssuerTenant
) -> None:
    ready = record(session, runtime, tenant, key="a").record_id
    waiting = pending(session, runtime, tenant)
    found, total = records.find_records(
        session, tenant, records.RecordQuery(state=RecordState.PENDING), limit=10, offset=0
    )
    assert (total, [s.record.id for s in found]) == (1, [waiting])
    found, total = records.find_records(
        session, tenant, records.RecordQuery(row_id="a"), limit=10, offset=0
    )
    assert [s.record.id for s in found] == [ready]

"""The wallet's consent records and transparency-log entries (schemas.wallet_log, wallet_api):
each model writes the JSON the wallet wrote as a dict before, and refuses what it never writes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import wallet_log as log
from schemas.wallet_api import ConsentEvent, ConsentRecord

CLAIMS = [{"query": "skill", "credential_id": "c-1", "paths": [["name"], ["achievements", 0]]}]

RECORD: dict[str, Any] = {
    "id": "c8eefed4-db0c-4a9f-a314-1728e520d4c8",
    "schema": "ISO/IEC TS 27560:2023 (consent record information structure), Intyg profile 1",
    "kind": "single",
    "state": "given",
    "holder": "urn:intyg:pseudonym:0123",
    "recipient": {
        "client_id": "x509_san_dns:rekrytering.example.se",
        "name": "R",
        "logo_uri": None,
    },
    "purpose": "Rekrytering",
    "legal_basis": "consent (GDPR art. 6.1 a)",
    "claims_requested": [{"query": "skill", "required": True, "paths": [["name"]]}],
    "claims_disclosed": CLAIMS,
    "credential_ids": ["c-1"],
    "evidence": {"request_object_hash": "h", "nonce": "n"},
    "created_at": 1795825424,
    "expires_at": None,
    "withdrawn_at": None,
    "events": [{"at": 1795825424, "event": "given"}, {"at": 1, "event": "failed", "reason": "x"}],
}


def test_consent_record_round_trips_key_for_key() -> None:
    record = ConsentRecord.model_validate(RECORD)
    assert json.dumps(record.as_json()) == json.dumps(RECORD)


def test_consent_event_leaves_out_an_empty_reason() -> None:
    event = ConsentEvent(at=1, event=log.ConsentEventKind.GIVEN, reason=None)
    assert event.model_dump(mode="json") == {"at": 1, "event": "given"}


@pytest.mark.parametrize(
    "change",
    [{"state": "maybe"}, {"kind": "forever"}, {"events": [{"at": 1, "event": "shared"}]}],
)
def test_consent_record_refuses_an_unknown_state_kind_or_event(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ConsentRecord.model_validate({**RECORD, **change})


def test_log_entry_writes_the_dict_it_replaces() -> None:
    entry = log.Shared(
        consent_id="c", recipient="R", client_id="x509_san_dns:r", purpose="p", claims=CLAIMS
    )
    assert entry.event == log.LogEvent.SHARED
    assert entry.model_dump(mode="json") == {
        "consent_id": "c",
        "recipient": "R",
        "client_id": "x509_san_dns:r",
        "purpose": "p",
        "claims": CLAIMS,
    }
    withdrawn = log.ConsentWithdrawn(consent_id="c", recipient=None, kind=log.ConsentKind.SINGLE)
    assert withdrawn.model_dump(mode="json") == {
        "consent_id": "c",
        "recipient": None,
        "kind": "single",
    }


def test_every_log_event_has_one_entry_model() -> None:
    events = [m.event for m in log.LogEntry.__subclasses__()]
    assert sorted(events) == sorted(log.LogEvent)


def test_log_entry_refuses_a_claim_value_or_an_unknown_key() -> None:
    with pytest.raises(ValidationError):
        log.Denied(consent_id="c", recipient="R", client_id="x", purpose="p", claims=CLAIMS)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        log.PullRefused.model_validate({"consent_id": "c", "recipient": "R", "reason": "x", "v": 1})

"""The verifier's result documents (schemas.verifier_api): the documented example reads back
byte for byte, and a document of a shape the verifier never writes is refused.

The example is the one in docs/verifier.md, "The result document".
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from schemas.verifier_api import (
    CheckedIssuer,
    CheckResult,
    Outcome,
    RequestDeclined,
    RequestFailed,
    RequestResult,
    RequestVerified,
    Unparsed,
    VerificationResult,
)

DOCUMENTED: dict[str, Any] = {
    "verdict": "invalid",
    "failed_check": "status",
    "checks": [
        {"name": "format", "outcome": "passed"},
        {"name": "algorithm", "outcome": "passed"},
        {"name": "issuer_key", "outcome": "passed"},
        {"name": "signature", "outcome": "passed"},
        {"name": "trust", "outcome": "passed"},
        {"name": "validity", "outcome": "passed"},
        {
            "name": "status",
            "outcome": "failed",
            "code": "credential_revoked",
            "detail": "the status list says INVALID (revoked)",
        },
        {"name": "disclosures", "outcome": "not_run"},
        {"name": "key_binding", "outcome": "not_run"},
        {"name": "dcql", "outcome": "not_run"},
    ],
    "issuer": {
        "id": "http://localhost:8000/issuers/yh-akademin",
        "name": "YH-akademin",
        "trusted": True,
    },
    "vct": "http://localhost:8000/types/skill-credential",
    "claims": None,
}

REQUEST_RESULT: TypeAdapter[RequestResult] = TypeAdapter(RequestResult)


def test_documented_result_round_trips_key_for_key() -> None:
    model = VerificationResult.model_validate(DOCUMENTED)
    assert json.dumps(model.model_dump(mode="json")) == json.dumps(DOCUMENTED)


def test_check_leaves_out_empty_code_and_detail() -> None:
    assert CheckResult(name="dcql", outcome=Outcome.SKIPPED).model_dump(mode="json") == {
        "name": "dcql",
        "outcome": "skipped",
    }


def test_unparsed_issuer_is_an_empty_object() -> None:
    model = VerificationResult.model_validate({**DOCUMENTED, "issuer": {}})
    assert isinstance(model.issuer, Unparsed)
    assert model.model_dump(mode="json")["issuer"] == {}
    assert isinstance(VerificationResult.model_validate(DOCUMENTED).issuer, CheckedIssuer)


@pytest.mark.parametrize("verdict", ["maybe", "VALID", "rejected", None])
def test_refuses_a_verdict_a_credential_cannot_have(verdict: object) -> None:
    with pytest.raises(ValidationError):
        VerificationResult.model_validate({**DOCUMENTED, "verdict": verdict})


def test_refuses_an_unknown_outcome_and_unknown_keys() -> None:
    checks = [{"name": "format", "outcome": "perhaps"}]
    with pytest.raises(ValidationError):
        VerificationResult.model_validate({**DOCUMENTED, "checks": checks})
    with pytest.raises(ValidationError):
        VerificationResult.model_validate({**DOCUMENTED, "extra": 1})


def test_request_results_read_back_as_the_shape_written() -> None:
    declined = {"verdict": "rejected", "error": "access_denied", "error_description": None}
    failed = {"verdict": "invalid", "error": "trust_list_expired", "detail": "x", "credentials": {}}
    verified = {"verdict": "valid", "error": None, "credentials": {"skill": [DOCUMENTED]}}
    for document, kind in ((declined, RequestDeclined), (failed, RequestFailed)):
        model = REQUEST_RESULT.validate_python(document)
        assert isinstance(model, kind)
        assert REQUEST_RESULT.dump_python(model, mode="json") == document
    model = REQUEST_RESULT.validate_python(verified)
    assert isinstance(model, RequestVerified)
    assert json.dumps(REQUEST_RESULT.dump_python(model, mode="json")) == json.dumps(verified)


@pytest.mark.parametrize(
    "document",
    [
        {"verdict": "unknown", "error": None, "credentials": {}},
        {"verdict": "valid", "error": "access_denied", "error_description": None},
        {"verdict": "rejected", "error": None, "credentials": {}},
        {"verdict": "invalid", "error": "e", "detail": "x", "credentials": {"q": [DOCUMENTED]}},
    ],
)
def test_refuses_a_request_result_of_no_known_shape(document: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        REQUEST_RESULT.validate_python(document)

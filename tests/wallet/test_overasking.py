"""Over-asking as domain logic (``wallet.service.overasking``): a request's DCQL query against
the purpose it names, as its verifier's trust-list entry registers it. No database, no HTTP."""

from __future__ import annotations

import pytest

from core.standards import dcql
from core.standards.intended_use import parse_purposes
from core.standards.trust_list import TrustedVerifier
from wallet.service import overasking
from wallet.service.overasking import ExtraClaim, Finding

VCT = "http://localhost:8000/types/skill-credential"
OTHER_VCT = "https://example.se/types/other"


def claim(claim_id: str, *path: str | int | None) -> dict[str, object]:
    return {"id": claim_id, "path": list(path)}


def query(claims: list[dict[str, object]], claim_sets: list[list[str]] | None = None) -> object:
    credential: dict[str, object] = {
        "id": "skill",
        "format": "dc+sd-jwt",
        "meta": {"vct_values": [VCT]},
        "claims": claims,
    }
    if claim_sets is not None:
        credential["claim_sets"] = claim_sets
    return dcql.parse_query({"credentials": [credential]})


def entry(*registered: tuple[str, list[str | int | None]]) -> TrustedVerifier:
    purposes = parse_purposes(
        [
            {
                "id": "recruitment",
                "name": {"sv": "Rekrytering"},
                "claims": [{"vct": vct, "path": path} for vct, path in registered],
            }
        ],
        "purposes",
    )
    return TrustedVerifier("x509_san_dns:localhost", "Listad", (), frozenset(), purposes)


NAMES = entry((VCT, ["given_name"]), (VCT, ["family_name"]), (VCT, ["skills"]))


def verdict(
    asked: object, listed: TrustedVerifier | None = NAMES, purpose_id: str | None = "recruitment"
) -> overasking.Verdict:
    assert isinstance(asked, dcql.DcqlQuery)
    return overasking.assess(asked, overasking.registration(listed, purpose_id))


def test_no_over_asking_when_every_asked_claim_is_registered() -> None:
    found = verdict(query([claim("g", "given_name"), claim("s", "skills", None, "label")]))
    assert found.finding == Finding.WITHIN_PURPOSE
    assert found.over_asking is False and found.extra == ()
    assert found.purpose is not None and dict(found.purpose.name) == {"sv": "Rekrytering"}


def test_an_extra_optional_claim_is_over_asking() -> None:
    asked = query(
        [claim("g", "given_name"), claim("grade", "assessment_grade")],
        claim_sets=[["g", "grade"], ["g"]],
    )
    found = verdict(asked)
    assert found.finding == Finding.OVER_ASKING and found.over_asking is True
    assert found.extra == (ExtraClaim("skill", (VCT,), ("assessment_grade",), required=False),)


def test_an_extra_required_claim_is_over_asking_and_marked_required() -> None:
    found = verdict(query([claim("g", "given_name"), claim("id", "learner_identification")]))
    assert found.extra == (ExtraClaim("skill", (VCT,), ("learner_identification",), True),)


def test_every_element_is_more_than_one_registered_element() -> None:
    listed = entry((VCT, ["skills", 0]))
    found = verdict(query([claim("s", "skills", None)]), listed)
    assert [e.path for e in found.extra] == [("skills", None)]


def test_a_claim_registered_for_another_type_is_extra() -> None:
    listed = entry((OTHER_VCT, ["given_name"]))
    found = verdict(query([claim("g", "given_name")]), listed)
    assert found.finding == Finding.OVER_ASKING


def test_a_claim_in_no_claim_set_is_not_asked_for() -> None:
    asked = query([claim("g", "given_name"), claim("b", "birthdate")], claim_sets=[["g"]])
    assert verdict(asked).finding == Finding.WITHIN_PURPOSE


@pytest.mark.parametrize("purpose_id", ["marketing", "Recruitment"])
def test_an_unregistered_purpose_is_a_finding_with_no_verdict(purpose_id: str) -> None:
    found = verdict(query([claim("g", "given_name")]), purpose_id=purpose_id)
    assert found.finding == Finding.PURPOSE_NOT_REGISTERED
    assert found.over_asking is None and found.purpose is None
    assert found.purpose_id == purpose_id


def test_a_request_that_names_no_purpose_is_a_finding_with_no_verdict() -> None:
    found = verdict(query([claim("id", "learner_identification")]), purpose_id=None)
    assert found.finding == Finding.PURPOSE_NOT_NAMED and found.over_asking is None


@pytest.mark.parametrize(
    "listed",
    [None, TrustedVerifier("x509_san_dns:localhost", "Listad", (), frozenset())],
    ids=["not-recognised", "no-purposes-registered"],
)
def test_no_verdict_without_a_registration(listed: TrustedVerifier | None) -> None:
    found = verdict(query([claim("id", "learner_identification")]), listed)
    assert found.finding == Finding.NOT_ASSESSED and found.over_asking is None
    assert found.extra == ()


def test_a_request_kept_before_registrations_existed_is_not_assessed() -> None:
    asked = query([claim("id", "learner_identification")])
    assert isinstance(asked, dcql.DcqlQuery)
    assert overasking.assess(asked, None).finding == Finding.NOT_ASSESSED


@pytest.mark.parametrize(
    ("claims", "purpose_id"),
    [({"purpose_id": "recruitment"}, "recruitment"), ({"purpose_id": 7}, None), ({}, None)],
)
def test_the_request_names_its_purpose_by_purpose_id(
    claims: dict[str, object], purpose_id: str | None
) -> None:
    assert overasking.named_purpose(claims) == purpose_id
    assert overasking.named_purpose({"purpose_id": "x" * 201}) is None


def test_a_credential_the_purpose_needs_nothing_of_is_itself_extra() -> None:
    """Presenting it tells that the holder has one, whatever its claims (review L2)."""
    only_other = entry((OTHER_VCT, ["given_name"]))
    found = verdict(query([claim("g", "given_name")]), only_other)
    assert found.finding == Finding.OVER_ASKING
    assert found.extra == (ExtraClaim("skill", (VCT,), (), True),)

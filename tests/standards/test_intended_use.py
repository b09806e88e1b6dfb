"""Registered purposes of a verifier (``core.standards.intended_use``), read from the
``purposes`` member of its trust-list entry: the closed schema, and which asked paths a
registered path covers."""

from __future__ import annotations

import pytest

from core.standards import intended_use as iu
from core.standards import trust_list as tl
from tests.standards.test_trust_list import SKILL_VCT, document, signed, verify

RECRUITMENT = {
    "id": "recruitment",
    "name": {"sv": "Rekrytering", "en": "Recruitment"},
    "claims": [
        {"vct": SKILL_VCT, "path": ["achievement_title"]},
        {"vct": SKILL_VCT, "path": ["skills", None, "label"]},
    ],
}


def _with(purposes: object) -> dict[str, object]:
    entry = tl.verifier_entry("v.example", "Verifieraren")
    entry["purposes"] = purposes
    return document(entities=[entry])


def test_a_verifier_entry_carries_its_registered_purposes() -> None:
    entry = tl.verifier_entry("v.example", "Verifieraren", purposes=[RECRUITMENT])
    listed = verify(signed(document(entities=[entry]))).verifier("x509_san_dns:v.example")
    assert listed is not None
    purpose = listed.purpose("recruitment")
    assert purpose is not None and listed.purpose("marketing") is None
    assert dict(purpose.name) == {"sv": "Rekrytering", "en": "Recruitment"}
    assert purpose.claims[1] == iu.RegisteredClaim(SKILL_VCT, ("skills", None, "label"))
    assert purpose.as_json() == RECRUITMENT


def test_an_entry_without_purposes_registers_none() -> None:
    listed = verify(signed()).verifier("x509_san_dns:arbetsgivare.example.se")
    assert listed is not None and listed.purposes == ()


def test_the_name_is_optional() -> None:
    bare = {"id": "x", "claims": [{"vct": SKILL_VCT, "path": ["given_name"]}]}
    listed = verify(signed(_with([bare]))).verifier("v.example")
    assert listed is not None and listed.purposes[0].name == ()


def _purpose(**changes: object) -> dict[str, object]:
    out = {**RECRUITMENT, **changes}
    return {k: v for k, v in out.items() if v is not None}


@pytest.mark.parametrize(
    "purposes",
    [
        [],
        RECRUITMENT,
        [RECRUITMENT, RECRUITMENT],
        [_purpose(id=None)],
        [_purpose(id="")],
        [_purpose(id="has space")],
        [_purpose(id="-leading")],
        [_purpose(legal_basis="consent")],
        [_purpose(name="Rekrytering")],
        [_purpose(name={})],
        [_purpose(name={"Swedish": "x"})],
        [_purpose(name={"sv": ""})],
        [_purpose(name={"sv": 1})],
        [_purpose(claims=None)],
        [_purpose(claims=[])],
        [_purpose(claims=[{"vct": SKILL_VCT}])],
        [_purpose(claims=[{"vct": SKILL_VCT, "path": ["a"], "values": ["x"]}])],
        [_purpose(claims=[{"vct": "", "path": ["a"]}])],
        [_purpose(claims=[{"vct": SKILL_VCT, "path": []}])],
        [_purpose(claims=[{"vct": SKILL_VCT, "path": "given_name"}])],
        [_purpose(claims=[{"vct": SKILL_VCT, "path": ["skills", -1]}])],
        [_purpose(claims=[{"vct": SKILL_VCT, "path": ["skills", True]}])],
        [_purpose(claims=[{"vct": SKILL_VCT, "path": [""]}])],
        [_purpose(claims=[{"vct": SKILL_VCT, "path": ["a"] * 17}])],
        [_purpose(claims=[{"vct": SKILL_VCT, "path": ["a"]}, {"vct": SKILL_VCT, "path": ["a"]}])],
    ],
    ids=[
        "empty",
        "not-array",
        "duplicate-id",
        "no-id",
        "empty-id",
        "id-with-space",
        "id-leading-dash",
        "unknown-member",
        "name-not-object",
        "name-empty",
        "name-not-language-tag",
        "name-empty-text",
        "name-not-text",
        "no-claims",
        "claims-empty",
        "claim-without-path",
        "claim-unknown-member",
        "claim-empty-vct",
        "path-empty",
        "path-not-array",
        "path-negative-index",
        "path-bool",
        "path-empty-name",
        "path-too-long",
        "claim-twice",
    ],
)
def test_rejects_purpose_schema_violations(purposes: object) -> None:
    with pytest.raises(tl.TrustListMalformed) as excinfo:
        verify(signed(_with(purposes)))
    assert excinfo.value.code == "trust_list_malformed"


def test_an_issuer_has_no_purposes() -> None:
    issuer = {**tl.issuer_entry("https://i.example", "I", [SKILL_VCT]), "purposes": [RECRUITMENT]}
    with pytest.raises(tl.TrustListMalformed):
        verify(signed(document(entities=[issuer])))


@pytest.mark.parametrize(
    ("registered", "asked", "covered"),
    [
        (["given_name"], ["given_name"], True),
        (["given_name"], ["family_name"], False),
        (["skills"], ["skills", None, "label"], True),
        (["skills", None], ["skills", 3], True),
        (["skills", None], ["skills", None, "id"], True),
        (["skills", 0], ["skills", 0, "label"], True),
        (["skills", 0], ["skills", None], False),
        (["skills", 0], ["skills", 1], False),
        (["skills", None, "label"], ["skills"], False),
        (["skills", None, "label"], ["skills", None], False),
        (["skills", None], ["skills", "label"], False),
        (["credits", 0], ["credits", False], False),
    ],
)
def test_a_registered_path_covers_itself_and_what_lies_under_it(
    registered: list[object], asked: list[object], covered: bool
) -> None:
    assert iu.covers(tuple(registered), tuple(asked)) is covered  # type: ignore[arg-type]

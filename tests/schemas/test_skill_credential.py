"""The skill credential: request model, credential claims, JSON Schema and Type Metadata.

The Type Metadata shape is checked against the draft's "Example Type Metadata" in
``vectors/ietf-sd-jwt-vc/type_metadata_examples.json`` (see vectors/SOURCES.md).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from datetime import date
from typing import Any, get_args

import jsonschema
import pytest

from core.errors import InvalidInput
from schemas.skill_credential import (
    DURATION_EMPTY_PATTERN,
    DURATION_PATTERN,
    ESCO_SKILL_PATTERN,
    ESCO_VERSION_PATTERN,
    ISO639_1_PATTERN,
    ISSUING_COUNTRY,
    JOBTECH_CONCEPT_PATTERN,
    SD_PATHS,
    AchievementKind,
    ClaimPath,
    CreditUnit,
    IssuingAuthority,
    SkillClaimsInput,
    credential_claims,
    validate_claims,
)
from schemas.type_metadata import (
    EXTENDS_VCT,
    LOCALES,
    schema_bytes,
    type_metadata,
)
from tests.vectorpath import VECTORS

TODAY = date(2025, 6, 15)
# The SD-JWT VC registered claims that may appear in the processed payload besides the skill
# claims (draft-ietf-oauth-sd-jwt-vc "Registered JWT Claims"); they get no claim metadata.
ENVELOPE_CLAIMS = frozenset(
    {"iss", "sub", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"}
)
PNR = "198112189876"
AUTHORITY = IssuingAuthority(name="Yrkeshögskolan Exempel", organisationsnummer="202100-5448")
VCT = "https://issuer.example.se/vct/skill-credential/v1"

FULL: dict[str, Any] = {
    "given_name": "Anna",
    "family_name": "Andersson",
    "birthdate": "1981-12-18",
    "learner_identification": "19811218-9876",
    "achievement_title": "Mjukvaruutvecklare inom inbyggda system",
    "achievement_description": "Yrkeshögskoleutbildning om 400 yh-poäng.",
    "achievement_kind": "programme",
    "learning_outcomes": ["Programmera i C för mikrokontroller", "Felsöka hårdvarunära kod"],
    "language_of_classes": ["sv", "en"],
    "expected_study_time": "P2Y",
    "types_of_quality_assurance": ["Myndigheten för yrkeshögskolans tillsyn"],
    "eqf_level": 5,
    "seqf_level": 5,
    "credits": [{"value": 400, "unit": "yh-poäng"}, {"value": 7.5, "unit": "hp"}],
    "skills": [
        {
            "id": "https://data.jobtechdev.se/taxonomy/concept/fg7B_yov_smw",
            "esco": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
            "label": {"sv": "Programmering i C", "en": "C programming"},
            "proficiency": "avancerad",
        },
        {
            "id": "http://data.jobtechdev.se/taxonomy/concept/h4wH_7kG_UTN",
            "label": {"sv": "Felsökning"},
        },
    ],
    "taxonomy_versions": {"jobtech_taxonomy": 22, "esco": "v1.2.0"},
    "assessment_grade": "VG",
    "date_of_issuance": "2025-06-01",
    "date_of_expiry": "2035-06-01",
}
MINIMAL: dict[str, Any] = {
    "given_name": "Anna",
    "family_name": "Andersson",
    "achievement_title": "Svetsning grund",
    "achievement_kind": "course",
}


def schema_document() -> dict[str, object]:
    """The JSON Schema (2020-12) of the claims after disclosure, as the issuer serves it."""
    document: dict[str, object] = json.loads(schema_bytes())
    return document


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema_document(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _claims(data: dict[str, Any]) -> dict[str, object]:
    return credential_claims(validate_claims(data, today=TODAY), AUTHORITY, TODAY)


def _invalid(data: object) -> str:
    with pytest.raises(InvalidInput) as caught:
        validate_claims(data, today=TODAY)
    return caught.value.detail


# --- request model and credential claims ------------------------------------------------


def test_full_request_becomes_claims_that_fit_the_json_schema() -> None:
    claims = _claims(FULL)
    _validator().validate(claims)
    assert claims["learner_identification"] == PNR
    assert claims["issuing_authority"] == {
        "name": "Yrkeshögskolan Exempel",
        "organisationsnummer": "2021005448",
    }
    assert claims["issuing_country"] == ISSUING_COUNTRY == "SE"
    assert claims["date_of_issuance"] == "2025-06-01"
    assert claims["birthdate"] == "1981-12-18"
    json.dumps(claims)  # plain JSON


def test_minimal_request_defaults_issuance_to_today_and_omits_absent_claims() -> None:
    claims = _claims(MINIMAL)
    _validator().validate(claims)
    assert claims == {
        "given_name": "Anna",
        "family_name": "Andersson",
        "achievement_title": "Svetsning grund",
        "achievement_kind": "course",
        "date_of_issuance": "2025-06-15",
        "issuing_authority": {
            "name": "Yrkeshögskolan Exempel",
            "organisationsnummer": "2021005448",
        },
        "issuing_country": "SE",
    }


def test_credits_keep_the_providers_unit_and_value() -> None:
    claims = _claims(FULL)
    assert claims["credits"] == [{"value": 400, "unit": "yh-poäng"}, {"value": 7.5, "unit": "hp"}]
    assert isinstance(claims["credits"], list) and isinstance(claims["credits"][0]["value"], int)


def test_holder_view_after_hiding_sd_claims_still_fits_the_schema() -> None:
    claims = _claims(FULL)
    for path in SD_PATHS:
        if path[-1] is None:
            claims[str(path[0])] = []  # every element undisclosed: the array stays, empty
        else:
            claims.pop(str(path[0]))
    claims |= {
        "iss": "https://issuer.example.se",
        "vct": VCT,
        "iat": 1750000000,
        "cnf": {"jwk": {"kty": "EC"}},
        "status": {"status_list": {"idx": 3, "uri": "x"}},
    }
    _validator().validate(claims)


@pytest.mark.parametrize("field", ["issuing_authority", "issuing_country", "iss", "vct"])
def test_issuer_fields_cannot_come_from_the_request(field: str) -> None:
    detail = _invalid(FULL | {field: "SE"})
    assert f"- {field}: is not a known field" in detail


def test_errors_name_each_field_on_its_own_line() -> None:
    bad = copy.deepcopy(FULL)
    del bad["achievement_title"]
    bad["achievement_kind"] = "diploma"
    bad["eqf_level"] = 9
    bad["credits"][1]["unit"] = "poäng"
    bad["skills"][0]["esco"] = "https://esco.example/skill/1"
    bad["expected_study_time"] = "two years"
    detail = _invalid(bad)
    lines = detail.splitlines()
    assert lines[0] == "The skill claims are not valid:"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "- achievement_title",
        "- achievement_kind",
        "- expected_study_time",
        "- eqf_level",
        "- credits[1].unit",
        "- skills[0].esco",
    ]
    assert "- expected_study_time: expected an ISO 8601 duration" in detail


def test_errors_never_echo_a_personnummer() -> None:
    bad = copy.deepcopy(FULL)
    bad["learner_identification"] = "19811218-9875"  # wrong check digit
    bad["birthdate"] = PNR
    bad["skills"][1]["id"] = PNR
    bad["taxonomy_versions"]["jobtech_taxonomy"] = PNR
    bad[PNR] = PNR
    bad["credits"][0][PNR] = 1
    detail = _invalid(bad)
    for fragment in ("9876", "9875", "811218", "19811218"):
        assert fragment not in detail
    assert "- learner_identification: not a valid personnummer" in detail
    assert "- <field>: is not a known field" in detail


def test_repr_hides_the_personnummer() -> None:
    claims = validate_claims(FULL, today=TODAY)
    assert claims.learner_identification == PNR
    assert PNR not in repr(claims) and "9876" not in str(claims)


def test_ten_digit_personnummer_is_dated_by_todays_date() -> None:
    claims = validate_claims(FULL | {"learner_identification": "121212-1212"}, today=TODAY)
    assert claims.learner_identification == "201212121212"


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"date_of_expiry": "2025-06-01"}, "date_of_expiry must be after date_of_issuance"),
        ({"birthdate": "2030-01-01"}, "birthdate: the birthdate is in the future"),
        ({"birthdate": 377481600}, "birthdate: expected a date as YYYY-MM-DD"),
        ({"birthdate": "1981-12-18T00:00:00"}, "birthdate: expected a date as YYYY-MM-DD"),
        ({"eqf_level": True}, "eqf_level: Input should be a valid integer"),
        ({"seqf_level": "5"}, "seqf_level: Input should be a valid integer"),
        ({"taxonomy_versions": None}, "taxonomy_versions is required when skills are given"),
        ({"taxonomy_versions": {"jobtech_taxonomy": 22}}, "taxonomy_versions.esco is required"),
        ({"credits": [{"value": True, "unit": "hp"}]}, "credits[0].value: expected a positive"),
        ({"credits": [{"value": 0, "unit": "hp"}]}, "credits[0].value: expected a positive"),
        ({"credits": [{"value": "7,5", "unit": "hp"}]}, "credits[0].value: expected a positive"),
        ({"credits": [{"value": 30, "unit": "ects"}]}, "credits[0].unit"),
        ({"language_of_classes": ["swe"]}, "language_of_classes[0]"),
        ({"language_of_classes": ["SV"]}, "language_of_classes[0]: expected a two-letter"),
        ({"language_of_classes": []}, "language_of_classes: List should have at least 1 item"),
        ({"given_name": "   "}, "given_name: String should have at least 1 character"),
        ({"learning_outcomes": "one string"}, "learning_outcomes: Input should be a valid list"),
    ],
)
def test_rejects_with_a_readable_reason(patch: dict[str, Any], message: str) -> None:
    assert message in _invalid(FULL | patch)


def test_rejects_a_body_that_is_not_an_object() -> None:
    assert "valid dictionary" in _invalid(["not", "an", "object"])


def test_expiry_is_checked_against_the_default_issuance_date() -> None:
    claims = validate_claims(MINIMAL | {"date_of_expiry": "2025-06-15"}, today=TODAY)
    with pytest.raises(InvalidInput, match="date_of_expiry must be after"):
        credential_claims(claims, AUTHORITY, TODAY)


@pytest.mark.parametrize(
    ("duration", "valid"),
    [
        ("P2Y", True),
        ("PT400H", True),
        ("P1Y6M", True),
        ("P10W", True),
        ("P3DT4H30M", True),
        ("PT1.5H", True),
        ("P", False),
        ("PT", False),
        ("P1YT", False),
        ("400H", False),
        ("P1H", False),
        ("two years", False),
        ("p2y", False),
        ("P٢Y", False),  # a non-ASCII digit
    ],
)
def test_expected_study_time_model_and_schema_agree(duration: str, valid: bool) -> None:
    request = MINIMAL | {"expected_study_time": duration}
    if valid:
        _validator().validate(_claims(request))
    else:
        _invalid(request)
        claims = _claims(MINIMAL) | {"expected_study_time": duration}
        assert not _validator().is_valid(claims)


# --- JSON Schema ------------------------------------------------------------------------


def test_schema_is_a_valid_2020_12_schema() -> None:
    schema = schema_document()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_patterns_and_enums_are_the_models() -> None:
    schema = schema_document()
    props: dict[str, Any] = schema["properties"]  # type: ignore[assignment]
    defs: dict[str, Any] = schema["$defs"]  # type: ignore[assignment]
    assert props["expected_study_time"]["pattern"] == DURATION_PATTERN
    assert props["expected_study_time"]["not"]["pattern"] == DURATION_EMPTY_PATTERN
    assert props["language_of_classes"]["items"]["pattern"] == ISO639_1_PATTERN
    assert defs["skill"]["properties"]["id"]["pattern"] == JOBTECH_CONCEPT_PATTERN
    assert defs["skill"]["properties"]["esco"]["pattern"] == ESCO_SKILL_PATTERN
    assert defs["taxonomy_versions"]["properties"]["esco"]["pattern"] == ESCO_VERSION_PATTERN
    assert props["achievement_kind"]["enum"] == [kind.value for kind in AchievementKind]
    assert defs["credits"]["properties"]["unit"]["enum"] == list(get_args(CreditUnit))
    assert props["issuing_country"]["const"] == ISSUING_COUNTRY


def test_schema_claims_are_the_models_fields_plus_the_issuers() -> None:
    props: dict[str, Any] = schema_document()["properties"]  # type: ignore[assignment]
    skill_claims = set(props) - ENVELOPE_CLAIMS
    assert skill_claims == set(SkillClaimsInput.model_fields) | {
        "issuing_authority",
        "issuing_country",
    }


def test_selectively_disclosable_claims_are_never_required() -> None:
    required = schema_document()["required"]
    assert isinstance(required, list)
    for path in SD_PATHS:
        assert path[0] not in required or path[-1] is None


# --- Type Metadata ----------------------------------------------------------------------


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    resolved: dict[str, Any] = schema["$defs"][ref.removeprefix("#/$defs/")]
    return {**resolved, **{k: v for k, v in node.items() if k != "$ref"}}


def _schema_paths(
    schema: dict[str, Any], node: dict[str, Any], prefix: ClaimPath
) -> list[ClaimPath]:
    """Every property path under ``node``; ``None`` steps into array items."""
    node = _resolve(schema, node)
    paths: list[ClaimPath] = []
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        paths += _schema_paths(schema, node["items"], (*prefix, None))
    for name, child in node.get("properties", {}).items():
        if not prefix and name in ENVELOPE_CLAIMS:
            continue
        paths.append((*prefix, name))
        paths += _schema_paths(schema, child, (*prefix, name))
    return paths


def _metadata_by_path() -> dict[ClaimPath, dict[str, Any]]:
    document = type_metadata(VCT)
    claims: list[dict[str, Any]] = document["claims"]  # type: ignore[assignment]
    by_path = {tuple(claim["path"]): claim for claim in claims}
    assert len(by_path) == len(claims), "one claim metadata entry per path"
    return by_path


def test_every_schema_claim_has_sv_and_en_labels() -> None:
    schema = schema_document()
    by_path = _metadata_by_path()
    for path in _schema_paths(schema, schema, ()):
        assert path in by_path, path
        display = by_path[path]["display"]
        assert [entry["locale"] for entry in display] == list(LOCALES)
        assert all(entry["label"] for entry in display)


def test_every_claim_metadata_path_is_in_the_schema() -> None:
    schema = schema_document()
    schema_paths = set(_schema_paths(schema, schema, ()))
    for path in _metadata_by_path():
        assert path in schema_paths or path[-1] is None, path


def test_sd_markers_agree_with_sd_paths() -> None:
    by_path = _metadata_by_path()
    always = {path for path, claim in by_path.items() if claim["sd"] == "always"}
    assert always == set(SD_PATHS)
    assert {claim["sd"] for path, claim in by_path.items() if path not in always} == {"never"}
    assert by_path[("skills",)]["sd"] == "never"  # the array is plain, its elements are SD


def test_type_metadata_has_the_fields_of_the_drafts_example() -> None:
    examples = json.loads((VECTORS / "ietf-sd-jwt-vc" / "type_metadata_examples.json").read_text())
    example = next(
        e["json"] for e in examples["examples"] if "claims" in e["json"] and "display" in e["json"]
    )
    document = type_metadata(VCT)
    assert {k for k in example if not k.endswith("#integrity")} <= set(document)
    assert document["vct"] == VCT
    assert document["extends"] == EXTENDS_VCT
    display: list[dict[str, Any]] = document["display"]  # type: ignore[assignment]
    assert [entry["locale"] for entry in display] == ["sv-SE", "en-US"]
    example_display_keys = set(example["display"][0])
    example_simple_keys = set(example["display"][0]["rendering"]["simple"])
    for entry in display:
        assert {"locale", "name", "description", "rendering"} <= set(entry) <= example_display_keys
        assert set(entry["rendering"]["simple"]) <= example_simple_keys
        assert re.fullmatch(r"#[0-9a-f]{6}", entry["rendering"]["simple"]["background_color"])
    claim_keys = set().union(*(set(claim) for claim in example["claims"]))
    label_keys = {"locale", "label", "description"}
    for claim in _metadata_by_path().values():
        assert {"path", "sd"} <= set(claim) <= claim_keys
        assert claim["sd"] in {"always", "allowed", "never"}
        for entry in claim.get("display", []):
            assert {"locale", "label"} <= set(entry) <= label_keys
    json.dumps(document)


def test_mandatory_claims_are_the_ones_every_credential_has() -> None:
    minimal = _claims(MINIMAL)
    for path, claim in _metadata_by_path().items():
        if claim.get("mandatory"):
            node: Any = minimal
            for step in path:
                node = node[step]


def test_schema_uri_is_left_out_unless_asked_for() -> None:
    assert "schema_uri" not in type_metadata(VCT) and "schema" not in type_metadata(VCT)
    document = type_metadata(VCT, "https://issuer.example.se/vct/skill-credential/v1/schema")
    assert document["schema_uri"] == "https://issuer.example.se/vct/skill-credential/v1/schema"
    digest = base64.b64encode(hashlib.sha256(schema_bytes()).digest()).decode()
    assert document["schema_uri#integrity"] == f"sha256-{digest}"
